package sweep

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path with mode 0600: it writes a temporary
// file in the same directory, syncs it and renames it over path, so a reader
// never sees a half-written report and nobody else can read it.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

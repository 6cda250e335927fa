package sweeptest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// Fixtures that look like an installation (a litellm_init.pth, a
// site-packages tree, sysmon.py, shell history or lockfiles naming a bad
// release) are never files on disk in the repository: a sweep of a machine
// holding litesweep's source, or its module cache, must find nothing of
// the project's. They live in txtar archives, testdata/fixtures.txtar of a
// package or a tree's own archive, and tests unpack them into t.TempDir().

// FixturesArchive is the archive Testdata reads a name from before the
// loose file of the same name.
const FixturesArchive = "fixtures.txtar"

// archiveFile is the content of name in the txtar archive at path.
func archiveFile(path, name string) ([]byte, bool, error) {
	a, err := txtar.ParseFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true, nil
		}
	}
	return nil, false, nil
}

// Unpack writes the files of the txtar archive at path (a slash path
// relative to the package under test) into a new temporary directory and
// returns it. A line "symlink NAME -> TARGET" in the archive's comment
// makes NAME a symbolic link to TARGET.
func Unpack(t testing.TB, path string) string {
	t.Helper()
	a, err := txtar.ParseFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range a.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory that holds nothing
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		rest, ok := strings.CutPrefix(line, "symlink ")
		if !ok {
			continue
		}
		name, target, ok := strings.Cut(rest, " -> ")
		if !ok {
			t.Fatalf("%s: bad symlink line %q", path, line)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

//go:build !linux

package sweep

import (
	"io/fs"
	"os"
)

func newOpener(hostRoot string, root *os.Root) (opener, error) { return rootOpener{root: root}, nil }

func newFileOpener(hostRoot string, root *os.Root) (fileOpener, error) {
	return rootFileOpener{root: root}, nil
}

func readMountTable(hostRoot string) (map[string]Mount, error) { return nil, nil }

func fsTypeOf(fd int) string { return "" }

func isDevNull(fi fs.FileInfo) bool { return false }

func limitHeldDirs(op opener, n int) {}

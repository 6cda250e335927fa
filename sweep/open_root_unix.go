//go:build unix

package sweep

import (
	"os"
	"syscall"
)

// rootFileOpener is the portable fileOpener over os.Root: O_NONBLOCK keeps
// a FIFO from blocking the open (the descriptor is then fstat'ed and only
// a regular file is read); absolute symlinks are not followed by os.Root.
type rootFileOpener struct{ root *os.Root }

func (o rootFileOpener) openFile(name string, dir bool) (*os.File, error) {
	flag := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
	if dir {
		flag |= syscall.O_DIRECTORY
	}
	return o.root.OpenFile(name, flag, 0)
}

func (o rootFileOpener) Close() error { return nil }

func (o rootFileOpener) openPath(name string) (*os.File, error) {
	return o.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// openNonblock keeps an open of a FIFO from waiting for a writer.
const openNonblock = syscall.O_NONBLOCK

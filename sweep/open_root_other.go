//go:build !unix

package sweep

import "os"

// rootFileOpener is the fileOpener over os.Root where there are no FIFOs
// to block on; the descriptor is still stat'ed before a read.
type rootFileOpener struct{ root *os.Root }

func (o rootFileOpener) openFile(name string, dir bool) (*os.File, error) {
	return o.root.OpenFile(name, os.O_RDONLY, 0)
}

func (o rootFileOpener) Close() error { return nil }

func (o rootFileOpener) openPath(name string) (*os.File, error) { return o.root.Open(name) }

const openNonblock = 0

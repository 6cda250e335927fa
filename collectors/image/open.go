package image

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errNotRegular: a blob or layer file is a FIFO, device, socket or
// directory, not content.
var errNotRegular = errors.New("not a regular file")

// openRegular opens name under root for reading without ever blocking on
// a FIFO or a device (O_NONBLOCK; no effect on regular files), and returns
// it only when the open descriptor is a regular file.
func openRegular(root *os.Root, name string) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w (%v)", errNotRegular, fi.Mode().Type())
	}
	return f, nil
}

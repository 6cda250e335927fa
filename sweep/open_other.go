//go:build !linux

package sweep

import "os"

func newOpener(hostRoot string, root *os.Root) (opener, error) { return rootOpener{root: root}, nil }

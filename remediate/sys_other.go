//go:build !linux

package remediate

import (
	"io/fs"
	"time"
)

// gidAtime is not reported on this platform.
func gidAtime(fs.FileInfo) (int, time.Time, bool) { return 0, time.Time{}, false }

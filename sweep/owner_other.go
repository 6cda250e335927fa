//go:build !linux

package sweep

import (
	"io/fs"
	"time"
)

func ownerOther(fs.FileInfo) (int, bool)  { return 0, false }
func ctime(fs.FileInfo) (time.Time, bool) { return time.Time{}, false }

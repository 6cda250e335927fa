//go:build linux

package remediate

import (
	"io/fs"
	"syscall"
	"time"
)

// gidAtime returns the group and access time of a file.
func gidAtime(fi fs.FileInfo) (int, time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, time.Time{}, false
	}
	return int(st.Gid), time.Unix(st.Atim.Unix()), true
}

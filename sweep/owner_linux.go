//go:build linux

package sweep

import (
	"io/fs"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func ownerOther(fi fs.FileInfo) (int, bool) {
	switch st := fi.Sys().(type) {
	case *unix.Stat_t:
		return int(st.Uid), true
	case *syscall.Stat_t:
		return int(st.Uid), true
	}
	return 0, false
}

func ctime(fi fs.FileInfo) (time.Time, bool) {
	switch st := fi.Sys().(type) {
	case *unix.Stat_t:
		return time.Unix(st.Ctim.Unix()), true
	case *syscall.Stat_t:
		return time.Unix(st.Ctim.Unix()), true
	}
	return time.Time{}, false
}

package sweep

import (
	"io/fs"
	"time"
)

// Owner returns the numeric owner of a file when the platform reports one.
func Owner(fi fs.FileInfo) (uid int, ok bool) {
	if fi == nil {
		return 0, false
	}
	if st, ok := fi.Sys().(interface{ UID() int }); ok {
		return st.UID(), true
	}
	return ownerOther(fi)
}

// ChangeTime returns the inode change time where the platform reports it.
func ChangeTime(fi fs.FileInfo) (time.Time, bool) {
	if fi == nil {
		return time.Time{}, false
	}
	return ctime(fi)
}

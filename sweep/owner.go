package sweep

import (
	"fmt"
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

// OwnerName is how evidence names a file's owner: "alice (uid 1000)" for
// a user whose home the sweep knows, else "uid 1000".
func OwnerName(uid int, homes []Home) string {
	for _, h := range homes {
		if h.UID == uid && uid >= 0 {
			return fmt.Sprintf("%s (uid %d)", h.User, uid)
		}
	}
	return fmt.Sprintf("uid %d", uid)
}

// ChangeTime returns the inode change time where the platform reports it.
func ChangeTime(fi fs.FileInfo) (time.Time, bool) {
	if fi == nil {
		return time.Time{}, false
	}
	return ctime(fi)
}

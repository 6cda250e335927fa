package sweep

import (
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Home is a user's home directory inside the scanned tree.
type Home struct {
	User string `json:"user"`
	UID  int    `json:"uid"`
	Dir  string `json:"dir"` // absolute tree path
}

// Homes resolves users' homes from the tree's etc/passwd (PasswdHomes,
// kept when the directory exists in the tree) and from the directories
// under /home, /Users and /root, so a mounted disk is read with its own
// users, not the scanning host's. Missing files are not errors.
func Homes(fsys fs.FS) []Home {
	byDir := map[string]Home{}
	if b, err := ReadFileLimit(fsys, "etc/passwd", 16<<20); err == nil {
		for _, h := range PasswdHomes(b) {
			// Only homes that exist in the tree: system accounts point at
			// /bin, /var/spool and the like, which the walk covers anyway.
			if fi, err := fs.Stat(fsys, Rel(h.Dir)); err == nil && fi.IsDir() {
				byDir[h.Dir] = h
			}
		}
	}
	for _, base := range []string{"home", "Users"} {
		ents, err := fs.ReadDir(fsys, base)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			dir := "/" + base + "/" + e.Name()
			if _, ok := byDir[dir]; !ok {
				byDir[dir] = Home{User: e.Name(), UID: -1, Dir: dir}
			}
		}
	}
	if fi, err := fs.Stat(fsys, "root"); err == nil && fi.IsDir() {
		if _, ok := byDir["/root"]; !ok {
			byDir["/root"] = Home{User: "root", UID: 0, Dir: "/root"}
		}
	}
	return sortHomes(byDir)
}

// PasswdHomes is the one reader of an etc/passwd (the host's, a mounted
// disk's, an image's): the homes of root and of regular users, sorted by
// directory, one per directory (the last line naming it wins). A line is
// name:password:uid:gid:gecos:dir:shell; comments and lines with fewer
// fields are passed over, and so are homes at "/", /nonexistent, /proc and
// /dev. Accounts below uid 1000 other than root count only with a home
// under /home (system accounts point at /bin, /var/spool and the like). A
// uid that is not a number is kept as -1, and counts as a regular user's
// only under /home. It does not look at the tree: whether a home exists is
// the caller's question.
func PasswdHomes(b []byte) []Home {
	byDir := map[string]Home{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		f := strings.Split(line, ":")
		if len(f) < 7 || strings.HasPrefix(f[0], "#") || f[0] == "" {
			continue
		}
		dir := path.Clean("/" + f[5])
		if dir == "/" || dir == "/nonexistent" || hasPrefixPath(dir, "/proc") || hasPrefixPath(dir, "/dev") {
			continue
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil || uid < 0 {
			uid = -1
		}
		if uid != 0 && uid < 1000 && !hasPrefixPath(dir, "/home") {
			continue
		}
		byDir[dir] = Home{User: f[0], UID: uid, Dir: dir}
	}
	return sortHomes(byDir)
}

func sortHomes(byDir map[string]Home) []Home {
	out := make([]Home, 0, len(byDir))
	for _, h := range byDir {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// UserOf returns the user whose home holds p ("" when none).
func UserOf(homes []Home, p string) string {
	best := ""
	bestLen := 0
	for _, h := range homes {
		if hasPrefixPath(p, h.Dir) && len(h.Dir) > bestLen {
			best, bestLen = h.User, len(h.Dir)
		}
	}
	return best
}

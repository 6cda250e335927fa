package sweep

import (
	"path"
	"strings"
)

// LinkEscapes reports whether a symlink in directory dir (an absolute tree
// path) with the given target climbs above the tree's root when resolved
// on the host: every ".." of the target is counted against dir's depth,
// since path.Join would fold the climb away ("/a" + "../../x" is "/x").
// An empty or absolute target does not escape: an absolute target resolves
// inside the root, as the tree's own processes see it.
func LinkEscapes(dir, target string) bool {
	if target == "" || path.IsAbs(target) {
		return false
	}
	depth := 0
	if d := strings.Trim(path.Clean("/"+dir), "/"); d != "" {
		depth = strings.Count(d, "/") + 1
	}
	for _, seg := range strings.Split(target, "/") {
		switch seg {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

package images

import (
	"path"
	"strings"

	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/iocs"
)

// Companions are files no collector asks for by name but that collectors
// read as siblings of a file they did ask for: a tracked distribution's
// RECORD and INSTALLER next to its METADATA, and the installed files its
// RECORD lists (hash-verified to find tampered modules). On a host they are
// opened on demand; a layer is a one-pass stream, so they are buffered as
// they pass (within the same caps) for the few packages the pack tracks.
//
// pythonCompanions returns the rule for the pack's Python packages: inside
// a site directory, everything under <name>/, <name>-*.dist-info/ and
// <name>-*.egg-info/ of a tracked name.
func pythonCompanions(m *iocs.Matcher) func(p string) bool {
	if m == nil {
		return func(string) bool { return false }
	}
	return func(p string) bool {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if !python.IsSiteDir(d) {
				continue
			}
			top, _, _ := strings.Cut(strings.TrimPrefix(p, d+"/"), "/")
			if top == path.Base(p) && !strings.HasSuffix(top, ".egg-info") {
				return false // a file directly in site-packages: wanted by name or not at all
			}
			name := top
			for _, suf := range []string{".dist-info", ".egg-info"} {
				if strings.HasSuffix(top, suf) {
					name, _, _ = strings.Cut(strings.TrimSuffix(top, suf), "-")
				}
			}
			_, ok := m.Tracked(name)
			return ok
		}
		return false
	}
}

package sweep

import "testing"

func TestLinkEscapes(t *testing.T) {
	for _, tc := range []struct {
		dir, target string
		want        bool
	}{
		{"/", "", false},
		{"/", "a", false},
		{"/", ".", false},
		{"/", "..", true},
		{"/", "./..", true},
		{"/", "a/../..", true},
		{"/", "/etc/passwd", false}, // absolute: inside the root
		{"/", "/../../etc", false},
		{"/home", "..", false},
		{"/home", "../..", true},
		{"/home/alice/.cache", "../../../etc", false},
		{"/home/alice/.cache", "../../../../etc", true},
		{"/home/alice/.cache", "../../../x/../../etc", true}, // not hidden by cleaning
		{"/home/alice/.cache", "pip/../../../..", false},
		{"/home/alice/.cache", "pip/../../../../..", true},
		{"/home/alice/.cache", "..//..///./../", false},
		{"/home/alice/.cache/", "../../../..", true}, // trailing slash
		{"home/alice", "../..", false},               // relative dir taken from the root
		{"home/alice", "../../..", true},
		{"/a/./b/../c", "../..", false}, // dir is cleaned: /a/c
		{"/a/./b/../c", "../../..", true},
		{"/usr/lib/python3.11/site-packages", "../../../../../../../../etc/shadow", true},
	} {
		if got := LinkEscapes(tc.dir, tc.target); got != tc.want {
			t.Errorf("LinkEscapes(%q, %q) = %v, want %v", tc.dir, tc.target, got, tc.want)
		}
	}
}

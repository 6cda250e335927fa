package creds

import (
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// match finds the deepest target at or above a path, by whole path
// elements only.
func TestMatchTargets(t *testing.T) {
	pack := &iocs.Pack{Credentials: []iocs.CredentialKind{
		{ID: "aws", Paths: []string{"~/.aws"}},
		{ID: "sso", Paths: []string{"~/.aws/sso/cache"}},
		{ID: "kube", Paths: []string{"~/.kube/config"}},
		{ID: "etc", Paths: []string{"/etc/secret.d"}},
		{ID: "top", Paths: []string{"/.top"}},
		{ID: "env", Paths: []string{".env"}},
	}}
	c := New(Options{Pack: pack, Homes: []sweep.Home{{User: "alice", Dir: "/home/alice", UID: 1000}, {User: "root", Dir: "/root", UID: 0}}})
	for p, want := range map[string]string{
		"/home/alice/.aws":                  "aws",
		"/home/alice/.aws/credentials":      "aws",
		"/home/alice/.aws/sso/cache/x.json": "sso",
		"/home/alice/.aws/sso/other":        "aws",
		"/home/alice/.awsx/credentials":     "",
		"/home/alice/.kube/config":          "kube",
		"/home/alice/.kube/cache/x":         "",
		"/root/.aws/config":                 "aws",
		"/home/bob/.aws/config":             "",
		"/etc/secret.d/a/b/c":               "etc",
		"/etc/secret":                       "",
		"/.top/x":                           "top",
		"/srv/app/.env":                     "env",
		"/srv/app/node_modules/x/.env":      "",
		"/usr/share/doc/x":                  "",
		"/home/alice/.venv/lib/site.py":     "",
		"/home":                             "",
		"/home/alice":                       "",
	} {
		got := ""
		if cr := c.match(p); cr != nil {
			got = cr.ID
		}
		if got != want {
			t.Errorf("match(%q) = %q, want %q", p, got, want)
		}
	}
}

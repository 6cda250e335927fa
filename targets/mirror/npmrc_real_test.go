package mirror

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/npmreg"
)

// TestRealNPMSendsTheSameAuthorization: for each .npmrc, the real npm
// client (npm view, its user config that file, ${VAR} from its
// environment) sends the packument request of a plain and a scoped
// package the same Authorization header as the sweep, byte for byte:
// key forms (host, host without slash, path, the longest path), token
// before _auth, username with a base64 _password, quoted values and
// inline comments, env substitution, a section's keys and another port's
// keys unused.
func TestRealNPMSendsTheSameAuthorization(t *testing.T) {
	reg := npmRegistry(t)
	n := npmreg.RequireNPM(t, reg)
	base, _ := url.Parse(reg.URL())
	h := "//" + base.Host
	env := map[string]string{"NPM_TOKEN": "npm_envTOKEN123", "NPM_PASS": base64.StdEncoding.EncodeToString([]byte("pa:ss"))}
	n.Env = []string{"NPM_TOKEN=" + env["NPM_TOKEN"], "NPM_PASS=" + env["NPM_PASS"]}
	cases := map[string]string{
		"token":            h + "/:_authToken=npm_TOKENabc\n",
		"env token":        h + "/:_authToken=${NPM_TOKEN}\n",
		"no slash":         h + ":_authToken=npm_TOKENabc\n",
		"longest path":     h + "/:_authToken=root\n" + h + "/tpcp-fixture-left:_authToken=deep\n" + h + "/@tpcp-fixture%2fworm:_authToken=scoped\n",
		"token over _auth": h + "/:_auth=" + base64.StdEncoding.EncodeToString([]byte("u:p")) + "\n" + h + "/:_authToken=tok\n",
		"_auth":            h + "/:_auth=" + base64.StdEncoding.EncodeToString([]byte("u:p:q")) + "\n",
		"username":         h + "/:username=bob\n" + h + "/:_password=${NPM_PASS}\n",
		"quoted":           h + "/:_authToken = \"a;b#c\" ; note\n",
		"comment":          h + "/:_authToken=abc # note\n",
		"optional unset":   h + "/:_authToken=${NOPE?}\n" + h + ":_authToken=outer\n",
		"section":          "[s]\n" + h + "/:_authToken=abc\n",
		"other port":       "//" + base.Hostname() + ":1/:_authToken=abc\n",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for name, rc := range cases {
		if err := os.WriteFile(filepath.Join(n.Home, ".npmrc"), []byte(rc), 0o600); err != nil {
			t.Fatal(err)
		}
		parsed := ParseNpmrc([]byte(rc), envOf(env))
		for _, pkg := range []string{"tpcp-fixture-left", "@tpcp-fixture/worm"} {
			before := len(reg.Requests())
			if _, err := n.Run(ctx, dir, "view", pkg, "version"); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			npmSent, asked := "", false
			for _, r := range reg.Requests()[before:] {
				if r.Path == "/"+pkg {
					npmSent, asked = r.Authorization, true
				}
			}
			if !asked {
				t.Fatalf("%s: npm did not ask for /%s: %v", name, pkg, reg.Requests()[before:])
			}
			ours := parsed.Auth(PackumentURL(base, pkg), base).Header
			if ours != npmSent {
				t.Errorf("%s, %s: npm sent %q, the sweep %q", name, pkg, npmSent, ours)
			}
			if name != "section" && name != "other port" && ours == "" {
				t.Errorf("%s, %s: no credential; the case proves nothing", name, pkg)
			}
		}
	}
	// An unset ${VAR}: npm sends the literal (no credential either); the
	// sweep sends nothing and reports the line.
	if err := os.WriteFile(filepath.Join(n.Home, ".npmrc"), []byte(h+"/:_authToken=${NOPE}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(reg.Requests())
	if _, err := n.Run(ctx, dir, "view", "tpcp-fixture-left", "version"); err != nil {
		t.Fatal(err)
	}
	for _, r := range reg.Requests()[before:] {
		if r.Path == "/tpcp-fixture-left" && !strings.Contains(r.Authorization, "${NOPE}") {
			t.Errorf("npm sent %q for an unset variable", r.Authorization)
		}
	}
	if a := ParseNpmrc([]byte(h+"/:_authToken=${NOPE}\n"), envOf(nil)).Auth(PackumentURL(base, "x"), base); a.Header != "" || a.Line != 1 {
		t.Errorf("unset: %+v", a)
	}
}

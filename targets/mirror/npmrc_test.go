package mirror

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// npm's rules (npm-registry-fetch auth.js, @npmcli/config, ini): the
// longest //host[:port]/path key that is a prefix by segment of the
// request URL decides; _authToken before _auth before username+_password;
// a URL without a key on the registry's host gets the registry's; the
// scheme's default port is not part of the key; env substitution.
func TestNpmrcAuth(t *testing.T) {
	env := envOf(map[string]string{"NPM_TOKEN": "tok-env", "HOST": "reg.example.com"})
	reg, _ := url.Parse("https://reg.example.com/api/npm/npm-remote/")
	pkg := "https://reg.example.com/api/npm/npm-remote/left-pad"
	cases := []struct {
		name, rc, url, want, problem string
	}{
		{"token", "//reg.example.com/api/npm/npm-remote/:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"host key covers every path", "//reg.example.com/:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"host key without slash", "//reg.example.com:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"path key without trailing slash", "//reg.example.com/api/npm/npm-remote:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"longest key wins", "//reg.example.com/:_authToken=short\n//reg.example.com/api/npm/:_authToken=long\n", pkg, "Bearer long", ""},
		{"segment prefix only", "//reg.example.com/api/npm/npm-rem/:_authToken=no\n//reg.example.com/api/npm/npm-rem:_authToken=no\n", pkg, "", ""},
		{"other path on the registry host: the registry's", "//reg.example.com/api/npm/npm-remote/:_authToken=abc\n", "https://reg.example.com/files/left-pad-1.0.0.tgz", "Bearer abc", ""},
		{"other host", "//reg.example.com/:_authToken=abc\n", "https://cdn.example.com/left-pad", "", ""},
		{"default port dropped", "//reg.example.com/:_authToken=abc\n", "https://reg.example.com:443/x", "Bearer abc", ""},
		{"other port", "//reg.example.com:8443/:_authToken=abc\n", pkg, "", ""},
		{"host case", "//REG.example.com/:_authToken=abc\n", pkg, "", ""},
		{"token before auth", "//reg.example.com/:_auth=" + b64("u:p") + "\n//reg.example.com/:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"_auth sent as written", "//reg.example.com/:_auth=" + b64("u:p") + "\n", pkg, "Basic " + b64("u:p"), ""},
		{"username and _password", "//reg.example.com/:username=u\n//reg.example.com/:_password=" + b64("p:w") + "\n", pkg, "Basic " + b64("u:p:w"), ""},
		{"username alone", "//reg.example.com/:username=u\n", pkg, "", ""},
		{"env", "//reg.example.com/:_authToken=${NPM_TOKEN}\n", pkg, "Bearer tok-env", ""},
		{"env in key", "//${HOST}/:_authToken=abc\n", pkg, "Bearer abc", ""},
		{"env escaped", "//reg.example.com/:_authToken=\\${NPM_TOKEN}\n", pkg, "Bearer ${NPM_TOKEN}", ""},
		{"env optional unset", "//reg.example.com/:_authToken=${NOPE?}\n//reg.example.com:_authToken=outer\n", pkg, "Bearer outer", ""},
		{"env unset", "# c\n//reg.example.com/:_authToken=${NOPE}\n", pkg, "", "${NOPE} is not set"},
		{"quoted, inline comment", "//reg.example.com/:_authToken = \"a;b#c\"\n", pkg, "Bearer a;b#c", ""},
		{"inline comment", "//reg.example.com/:_authToken=abc ; mine\n", pkg, "Bearer abc", ""},
		{"value with =", "//reg.example.com/:_authToken=abc==\n", pkg, "Bearer abc==", ""},
		{"last duplicate wins", "//reg.example.com/:_authToken=one\n//reg.example.com/:_authToken=two\n", pkg, "Bearer two", ""},
		{"in a section: not npm's", "[x]\n//reg.example.com/:_authToken=abc\n", pkg, "", ""},
		{"not nerfed: refused by npm", "_authToken=abc\n", pkg, "", ""},
		{"client certificate", "//reg.example.com/:certfile=/c\n//reg.example.com/:keyfile=/k\n", pkg, "", "client certificate"},
		{"CRLF", "//reg.example.com/:_authToken=abc\r\n", pkg, "Bearer abc", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, _ := url.Parse(c.url)
			a := ParseNpmrc([]byte(c.rc), env).Auth(u, reg)
			if a.Header != c.want || (c.problem == "") != (a.Problem == "") || !strings.Contains(a.Problem, c.problem) {
				t.Errorf("got %q problem %q, want %q problem %q", a.Header, a.Problem, c.want, c.problem)
			}
			if c.problem != "" && a.Line != strings.Count(c.rc[:strings.Index(c.rc, a.Key)], "\n")+1 {
				t.Errorf("line %d for %s", a.Line, a.Key)
			}
		})
	}
}

// A bearer token from an .npmrc opens a registry that requires one: the
// sweep is complete, the token goes with every request to the registry
// and nowhere else (not after a redirect to another origin, even one the
// .npmrc has a token for), and no finding or error carries it. An unset
// ${VAR} is one located error naming the line, the sweep INCOMPLETE.
func TestNPMNpmrcToken(t *testing.T) {
	const canary = "npm_CANARY7f3e9bTOKEN"
	reg := npmRegistry(t)
	reg.RequireToken(canary)
	u, _ := url.Parse(reg.URL())
	key := "//" + u.Host + "/"
	rcFile := filepath.Join(t.TempDir(), "npmrc")
	if err := os.WriteFile(rcFile, []byte("registry=https://registry.npmjs.org/\n"+key+":_authToken=${NPM_TOKEN}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := ReadNpmrc(rcFile, envOf(map[string]string{"NPM_TOKEN": canary}))
	if err != nil {
		t.Fatal(err)
	}
	fs, es, _ := sweepRegistry(t, reg.URL(), Options{Npmrc: rc, Download: true})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("token: findings %v errors %+v", titles(fs), es)
	}
	for _, r := range reg.Requests() {
		if r.Authorization != "Bearer "+canary {
			t.Errorf("%s sent %q", r.Path, r.Authorization)
		}
	}
	noLeak(t, fs, es, canary, "7f3e9b")

	// Unset: no request carries the literal, one located error names the
	// line, the packuments are 401.
	rc, err = ReadNpmrc(rcFile, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, es, _ = sweepRegistry(t, reg.URL(), Options{Npmrc: rc})
	located := 0
	for _, e := range es {
		if e.Location.Path == rcFile {
			located++
			if e.Location.Line != 2 || !strings.Contains(e.Message, "line 2") || !strings.Contains(e.Message, "${NPM_TOKEN} is not set") {
				t.Errorf("located error %+v", e)
			}
		} else if !strings.Contains(e.Message, "HTTP 401") {
			t.Errorf("error %+v", e)
		}
	}
	if located != 1 || len(es) != 1+len(npmMatcher(t).NamesIn(iocs.NPM)) {
		t.Errorf("errors %+v", es)
	}

	// A front on another origin redirecting to the registry: the front's
	// token reaches the front only; the registry's own key is not used
	// after the redirect either (npm drops the header on another host).
	other := npmRegistry(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer front-"+canary {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, strings.TrimSuffix(other.URL(), "/")+r.URL.RequestURI(), http.StatusFound)
	}))
	defer front.Close()
	fu, _ := url.Parse(front.URL + "/")
	ou, _ := url.Parse(other.URL())
	rc = ParseNpmrc([]byte("//"+fu.Host+"/:_authToken=front-"+canary+"\n//"+ou.Host+"/:_authToken=other-"+canary+"\n"), envOf(nil))
	fs, es, _ = sweepRegistry(t, fu.String(), Options{Npmrc: rc, Download: true})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("redirected: findings %v errors %+v", titles(fs), es)
	}
	// The packuments, reached by the redirect, go without; the tarballs
	// the packuments list on the other origin get that origin's own
	// token, as npm sends it; the front's token never goes there.
	for _, r := range other.Requests() {
		tgz := strings.HasSuffix(r.Path, ".tgz")
		if tgz && r.Authorization != "Bearer other-"+canary || !tgz && r.Authorization != "" {
			t.Errorf("the other origin got %q for %s", r.Authorization, r.Path)
		}
	}
	noLeak(t, fs, es, canary, "7f3e9b")

	// PyPI indexes never get .npmrc credentials.
	if a := ParseNpmrc([]byte(key+":_authToken=x\n"), envOf(nil)).Auth(u, u); a.Header == "" {
		t.Fatal("fixture: the key does not match")
	}
	if rc, err := ReadNpmrc(filepath.Join(t.TempDir(), "none"), envOf(nil)); err != nil || len(rc.keys) != 0 {
		t.Errorf("a missing .npmrc: %v %v", rc, err)
	}
	if _, err := ReadNpmrc(t.TempDir(), envOf(nil)); err == nil {
		t.Error("a directory read as an .npmrc")
	}
}

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/render"
)

// mirror end to end: a loopback PEP 503 index (basic auth) listing a
// litellm 1.82.8 wheel, a JSON report that merge reads, and credentials
// that never reach the report. The collector's own tests use the suite's
// real index and pip (targets/mirror).
func TestMirrorCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "reader" || p != "hunter2-Secret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/simple/litellm/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><a href="../../files/litellm-1.82.8-py3-none-any.whl">litellm-1.82.8-py3-none-any.whl</a>
<a href="../../files/litellm-1.82.6-py3-none-any.whl">litellm-1.82.6-py3-none-any.whl</a></body></html>`)
		case "/files/litellm-1.82.8-py3-none-any.whl":
			fmt.Fprint(w, "not the real wheel")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	index := srv.URL + "/simple/"
	dir := t.TempDir()
	netrc := filepath.Join(dir, "netrc")
	writeTestFile(t, netrc, []byte("machine 127.0.0.1 login reader password hunter2-Secret\n"))

	code, out, errs := runCLI(t, "mirror", "--netrc", filepath.Join(dir, "none"), "--index-url", index)
	if code != 3 || !strings.Contains(out, "HTTP 401") {
		t.Fatalf("no credentials: exit %d\n%s\n%s", code, out, errs)
	}
	rep := filepath.Join(dir, "mirror.json")
	code, _, errs = runCLI(t, "mirror", "--netrc", netrc, "--download", "--index-url", index, "--format", "json", "-o", rep)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	raw := readFile(t, rep)
	r := decodeReport(t, raw)
	if r.Scan.Kind != "mirror" || len(r.Findings) != 1 || len(r.Errors) != 0 || r.Verdict != "AT-RISK" {
		t.Fatalf("kind %s verdict %s findings %d errors %+v", r.Scan.Kind, r.Verdict, len(r.Findings), r.Errors)
	}
	f := r.Findings[0]
	if f.Location.URL != srv.URL+"/files/litellm-1.82.8-py3-none-any.whl" || !strings.Contains(strings.Join(f.Evidence.Details, "\n"), "not a published hash") {
		t.Errorf("finding %+v", f)
	}
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "reader") {
		t.Error("the report carries the credentials")
	}
	code, out, _ = runCLI(t, "merge", rep)
	if code != 1 || !strings.Contains(out, index) {
		t.Errorf("merge: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "mirror"); code != 2 {
		t.Errorf("no --index-url: exit %d", code)
	}
	if code, _, errs := runCLI(t, "mirror", "--index-url", "ftp://x/"); code != 2 || !strings.Contains(errs, "scheme") {
		t.Errorf("ftp: exit %d %s", code, errs)
	}
}

func writeTestFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// mirror --registry and --verdaccio-storage end to end with the built-in
// packs: a registry (basic auth from netrc) whose latest tag names a bad
// release of a tracked npm package, next to its clean neighbour and a
// same-named npm package of a tracked PyPI project at its bad version; a
// JSON report that merge reads; a storage that is not one is INCOMPLETE.
func TestMirrorCommandNPM(t *testing.T) {
	l, err := iocs.LoadSet(iocs.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var npmPk, pypiPk *iocs.PackageIOC
	for i := range l.Packages {
		p := &l.Packages[i]
		switch {
		case npmPk == nil && p.Ecosystem == "npm" && len(p.Versions) > 0:
			npmPk = p
		case pypiPk == nil && p.Ecosystem == "pypi" && len(p.Versions) > 0:
			pypiPk = p
		}
	}
	bad := npmPk.Versions[len(npmPk.Versions)-1]
	reg := npmreg.New(t,
		npmreg.Package{Name: npmPk.Name, Version: "0.0.1"},
		npmreg.Package{Name: npmPk.Name, Version: bad},
		npmreg.Package{Name: pypiPk.Name, Version: pypiPk.Versions[0]}, // the npm namesake of a PyPI project
	)
	reg.Tag(npmPk.Name, "latest", bad)
	reg.RequireAuth("reader", "hunter2-Secret")
	dir := t.TempDir()
	netrc := filepath.Join(dir, "netrc")
	writeTestFile(t, netrc, []byte("machine 127.0.0.1 login reader password hunter2-Secret\n"))

	code, out, errs := runCLI(t, "mirror", "--netrc", filepath.Join(dir, "none"), "--registry", reg.URL())
	if code != 3 || !strings.Contains(out, "HTTP 401") {
		t.Fatalf("no credentials: exit %d\n%s\n%s", code, out, errs)
	}
	rep := filepath.Join(dir, "mirror.json")
	code, _, errs = runCLI(t, "mirror", "--netrc", netrc, "--download", "--registry", reg.URL(), "--format", "json", "-o", rep)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	raw := readFile(t, rep)
	r := decodeReport(t, raw)
	// EXPOSED: the latest tag gave every new install the bad release.
	if r.Scan.Kind != "mirror" || len(r.Findings) != 1 || len(r.Errors) != 0 || r.Verdict != "EXPOSED" {
		t.Fatalf("kind %s verdict %s findings %+v errors %+v", r.Scan.Kind, r.Verdict, r.Findings, r.Errors)
	}
	f := r.Findings[0]
	if f.Severity != "high" || f.Evidence.Package != npmPk.Name || f.Evidence.Version != bad || f.Indicator == nil || f.Indicator.ID != npmPk.ID || f.Evidence.SHA256 == "" {
		t.Errorf("finding %+v", f)
	}
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "reader") {
		t.Error("the report carries the credentials")
	}
	if code, out, _ := runCLI(t, "merge", rep); code != 1 || !strings.Contains(out, reg.URL()) {
		t.Errorf("merge: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "mirror", "--verdaccio-storage", dir); code != 3 || !strings.Contains(out, "not a Verdaccio storage directory") {
		t.Errorf("not a storage: exit %d\n%s", code, out)
	}
	if code, _, errs := runCLI(t, "mirror", "--verdaccio-storage", netrc); code != 2 || !strings.Contains(errs, "not a directory") {
		t.Errorf("a file as storage: exit %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "mirror", "--registry", "ftp://x/"); code != 2 || !strings.Contains(errs, "--registry #1") {
		t.Errorf("ftp: exit %d %s", code, errs)
	}
}

// mirror --registry with a registry that wants a bearer token: the token
// comes from an .npmrc (--npmrc, or $NPM_CONFIG_USERCONFIG by default,
// ${NPM_TOKEN} from the environment) and never reaches any output format,
// stderr or written report; without it the sweep is INCOMPLETE with 401s;
// an unset ${VAR} is a located error naming the line, not the value.
func TestMirrorCommandNpmrcCanary(t *testing.T) {
	l, err := iocs.LoadSet(iocs.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var npmPk *iocs.PackageIOC
	for i := range l.Packages {
		if p := &l.Packages[i]; p.Ecosystem == "npm" && len(p.Versions) > 0 {
			npmPk = p
			break
		}
	}
	bad := npmPk.Versions[len(npmPk.Versions)-1]
	reg := npmreg.New(t, npmreg.Package{Name: npmPk.Name, Version: bad})
	token := "npm_" + credtest.Canary
	reg.RequireToken(token)
	dir := t.TempDir()
	rc := filepath.Join(dir, "npmrc")
	key := "//" + strings.TrimPrefix(reg.URL(), "http://")
	writeTestFile(t, rc, []byte("; the CI token\n"+key+":_authToken=${NPM_TOKEN}\n"))
	none := filepath.Join(dir, "none")

	t.Setenv("NPM_TOKEN", token)
	t.Setenv("NPM_CONFIG_USERCONFIG", rc)
	for _, f := range render.Formats {
		code, out, errs := runCLI(t, "mirror", "--netrc", none, "--registry", reg.URL(), "--download", "--format", f)
		assertNoCanary(t, "mirror --format "+f, out, errs)
		if code != 1 {
			t.Fatalf("--format %s: exit %d\n%s\n%s", f, code, out, errs)
		}
		rep := filepath.Join(dir, "r."+f)
		runCLI(t, "mirror", "--netrc", none, "--npmrc", rc, "--registry", reg.URL(), "--format", f, "-o", rep)
		assertNoCanary(t, "mirror -o "+f, readFile(t, rep))
	}
	for _, r := range reg.Requests() {
		if r.Authorization != "Bearer "+token {
			t.Fatalf("%s sent %q", r.Path, r.Authorization)
		}
	}
	code, out, errs := runCLI(t, "mirror", "--netrc", none, "--npmrc", none, "--registry", reg.URL())
	if code != 3 || !strings.Contains(out, "HTTP 401") || !strings.Contains(out, "--npmrc") {
		t.Errorf("no .npmrc: exit %d\n%s\n%s", code, out, errs)
	}
	os.Unsetenv("NPM_TOKEN")
	code, out, errs = runCLI(t, "mirror", "--netrc", none, "--registry", reg.URL(), "--format", "json")
	r := decodeReport(t, out)
	located := false
	for _, e := range r.Errors {
		if e.Location.Path == rc && e.Location.Line == 2 && strings.Contains(e.Message, "${NPM_TOKEN} is not set") {
			located = true
		}
	}
	if code != 3 || !located || r.Verdict != "INCOMPLETE" {
		t.Errorf("unset ${NPM_TOKEN}: exit %d %+v\n%s", code, r.Errors, errs)
	}
	if code, _, errs := runCLI(t, "mirror", "--registry", reg.URL(), "--npmrc", dir); code != 2 || !strings.Contains(errs, "--npmrc") {
		t.Errorf("a directory as --npmrc: exit %d %s", code, errs)
	}
}

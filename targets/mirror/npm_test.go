package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// npmPack tracks invented packages: a bad version between two clean ones,
// a scoped package whose only release after a clean one is bad (latest
// names it), a deprecated bad version, every version of a package, one the
// registry does not have, and a PyPI project of the same name as the first
// whose bad version is npm's clean one (a decoy across ecosystems).
const npmPack = `
schema_version: 1
id: test-npm-mirror
version: "1"
title: test
packages:
  - {id: npm-left, ecosystem: npm, name: tpcp-fixture-left, versions: ["2.0.1"], last_clean: "2.0.0", severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-worm, ecosystem: npm, name: "@tpcp-fixture/worm", versions: ["1.4.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-dep, ecosystem: npm, name: tpcp-fixture-dep, versions: ["3.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-every, ecosystem: npm, name: tpcp-fixture-every, ranges: [{events: [{introduced: "0"}]}], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-gone, ecosystem: npm, name: tpcp-fixture-gone, versions: ["1.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-left, ecosystem: pypi, name: tpcp-fixture-left, versions: ["2.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func npmMatcher(t testing.TB) *iocs.Matcher { return sweeptest.MatcherFromYAML(t, npmPack) }

// npmRegistry serves the fixtures: decoys at the adjacent clean versions,
// a same-named PyPI decoy's version, and a package the pack does not track.
func npmRegistry(t *testing.T) *npmreg.Registry {
	r := npmreg.New(t,
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.0"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.1"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.2"},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.3.9"},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.4.0"},
		npmreg.Package{Name: "tpcp-fixture-dep", Version: "2.9.0"},
		npmreg.Package{Name: "tpcp-fixture-dep", Version: "3.0.0"},
		npmreg.Package{Name: "tpcp-fixture-dep", Version: "3.0.1"},
		npmreg.Package{Name: "tpcp-fixture-every", Version: "0.1.0"},
		npmreg.Package{Name: "tpcp-fixture-untracked", Version: "2.0.1"},
	)
	r.Deprecate("tpcp-fixture-dep", "3.0.0", "compromised <b>release</b>")
	r.Tag("tpcp-fixture-left", "next", "2.0.1")
	return r
}

func sweepRegistry(t *testing.T, raw string, o Options) ([]sweep.Finding, []sweep.Error, *Stats) {
	t.Helper()
	col := sweep.NewCollection(nil)
	st := &Stats{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if o.Matcher == nil {
		o.Matcher = npmMatcher(t)
	}
	SweepNPM(ctx, raw, o, st, col)
	fs, es := col.Drain()
	return fs, es, st
}

var wantNPM = []string{
	"high the registry's latest tag names @tpcp-fixture/worm@1.4.0 (a compromised release): npm install @tpcp-fixture/worm gets it",
	"high the registry's latest tag names tpcp-fixture-every@0.1.0 (a compromised release): npm install tpcp-fixture-every gets it",
	"low deprecated but still served: tpcp-fixture-dep@3.0.0 (a compromised release)",
	"medium the registry serves tpcp-fixture-left@2.0.1 (a compromised release)",
}

// The registry's packuments, full and abbreviated, give the same answer:
// the bad versions served, none of the adjacent clean ones, nothing for a
// 404 package, and the PyPI project of the same name is not asked for.
func TestNPMRegistryServedVersions(t *testing.T) {
	for _, abbrev := range []bool{false, true} {
		t.Run(fmt.Sprintf("abbreviated=%v", abbrev), func(t *testing.T) {
			reg := npmRegistry(t)
			reg.Abbreviate(abbrev)
			fs, es, st := sweepRegistry(t, reg.URL(), Options{})
			if len(es) != 0 {
				t.Fatalf("errors: %+v", es)
			}
			if got := titles(fs); !slices.Equal(got, wantNPM) {
				t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantNPM, "\n"))
			}
			for _, f := range fs {
				all := strings.Join(f.Evidence.Details, "\n")
				base := npmreg.TarballBase(f.Evidence.Package, f.Evidence.Version)
				if f.Collector != CollectorNPM || f.Category != CatFile || f.Location.Repo != reg.URL() || f.Location.Member != base ||
					f.Location.URL != strings.TrimSuffix(reg.URL(), "/")+"/"+f.Evidence.Package+"/-/"+base || f.Indicator == nil {
					t.Errorf("%s: finding %+v", f.Title, f)
				}
				if !strings.Contains(all, "dist.integrity sha512-") || !strings.Contains(all, "purge: remove "+f.Evidence.Package+"@"+f.Evidence.Version) {
					t.Errorf("%s: details %q", f.Title, f.Evidence.Details)
				}
				switch f.Evidence.Package {
				case "@tpcp-fixture/worm":
					if !strings.Contains(all, "retag latest first: npm dist-tag add @tpcp-fixture/worm@1.3.9 latest") {
						t.Errorf("no retag to the clean 1.3.9: %q", f.Evidence.Details)
					}
				case "tpcp-fixture-every":
					if !strings.Contains(all, "npm dist-tag add tpcp-fixture-every@<a clean version> latest") {
						t.Errorf("no retag to the clean 1.3.9: %q", f.Evidence.Details)
					}
				case "tpcp-fixture-left":
					if !strings.Contains(all, "dist-tags naming it: next") {
						t.Errorf("the next tag is not named: %q", f.Evidence.Details)
					}
				case "tpcp-fixture-dep":
					if !strings.Contains(all, "deprecated (compromised <b>release</b>)") {
						t.Errorf("deprecation not given: %q", f.Evidence.Details)
					}
				}
			}
			log := reg.Log()
			for _, want := range []string{"/@tpcp-fixture/worm", "/tpcp-fixture-gone"} {
				if !slices.Contains(log, want) {
					t.Errorf("%s not asked for: %v", want, log)
				}
			}
			for _, l := range log {
				if strings.Contains(l, "untracked") || strings.HasSuffix(l, ".tgz") {
					t.Errorf("asked for %s", l)
				}
			}
			if st.Pages.Load() != 4 || st.Files.Load() != 9 {
				t.Errorf("pages %d versions %d", st.Pages.Load(), st.Files.Load())
			}
		})
	}
}

// A scoped name is asked for as npm asks: @scope%2fname, under the
// registry URL's own path.
func TestPackumentURL(t *testing.T) {
	for _, tc := range [][3]string{
		{"https://registry.npmjs.org/", "@tanstack/react-router", "https://registry.npmjs.org/@tanstack%2freact-router"},
		{"https://art.example/artifactory/api/npm/npm-remote/", "left-pad", "https://art.example/artifactory/api/npm/npm-remote/left-pad"},
		{"http://verdaccio:4873/", "@scope/name", "http://verdaccio:4873/@scope%2fname"},
	} {
		base, _, err := ParseIndexURL(tc[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := PackumentURL(base, tc[1]).String(); got != tc[2] {
			t.Errorf("%s %s: %s, want %s", tc[0], tc[1], got, tc[2])
		}
	}
}

// Download hashes each bad tarball and checks it against dist.integrity.
func TestNPMDownloadConfirms(t *testing.T) {
	reg := npmRegistry(t)
	fs, es, st := sweepRegistry(t, reg.URL(), Options{Download: true})
	if len(es) != 0 || len(fs) != 4 || st.Downloaded.Load() == 0 {
		t.Fatalf("%d findings, errors %+v", len(fs), es)
	}
	for _, f := range fs {
		all := strings.Join(f.Evidence.Details, "\n")
		if f.Evidence.SHA256 == "" || f.Evidence.Size == 0 || !strings.Contains(all, "downloaded: its SHA-256 is not a published hash") ||
			strings.Contains(all, "does not match the packument's dist.integrity") {
			t.Errorf("%s: evidence %+v", f.Title, f.Evidence)
		}
	}
	// A tarball that is not what the packument's integrity says.
	reg.Answer("/tpcp-fixture-left/-/tpcp-fixture-left-2.0.1.tgz", http.StatusOK, []byte("other bytes"))
	fs, _, _ = sweepRegistry(t, reg.URL(), Options{Download: true})
	n := 0
	for _, f := range fs {
		if strings.Contains(strings.Join(f.Evidence.Details, "\n"), "does not match the packument's dist.integrity") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d findings say the integrity differs, want 1", n)
	}
}

// Fail closed: whatever keeps a packument from being read is a located
// error; a 404 is a package not served.
func TestNPMBadAnswersAreLocatedErrors(t *testing.T) {
	big := []byte(`{"name":"tpcp-fixture-left","versions":{` + strings.Repeat(`"0.0.1":{"version":"0.0.1"},`, 400_000) + `"0.0.2":{}}}`)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		o      Options
		errSub string
	}{
		{"401", 401, "", Options{}, "HTTP 401"},
		{"403", 403, "", Options{}, "HTTP 403"},
		{"429", 429, "", Options{}, "HTTP 429"},
		{"500", 500, "", Options{}, "HTTP 500"},
		{"html-login-page", 200, "<html><body>Sign in</body></html>", Options{}, "not a packument"},
		{"truncated", 200, `{"name":"tpcp-fixture-left","versions":{"2.0.1":`, Options{}, "not a packument"},
		{"another-package", 200, `{"name":"tpcp-fixture-right","versions":{"2.0.1":{}}}`, Options{}, `it names "tpcp-fixture-right"`},
		{"no-versions", 200, `{"name":"tpcp-fixture-left","dist-tags":{}}`, Options{}, "no versions object"},
		{"versions-not-an-object", 200, `{"name":"tpcp-fixture-left","versions":["2.0.1"]}`, Options{}, "not a packument"},
		{"oversized", 200, string(big), Options{MaxPageBytes: 1 << 20}, "larger than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := npmRegistry(t)
			reg.Answer("/tpcp-fixture-left", tc.status, []byte(tc.body))
			fs, es, _ := sweepRegistry(t, reg.URL(), tc.o)
			if len(es) != 1 || !strings.Contains(es[0].Message, tc.errSub) || es[0].Location.URL != strings.TrimSuffix(reg.URL(), "/")+"/tpcp-fixture-left" ||
				es[0].Location.Repo != reg.URL() || es[0].Collector != CollectorNPM {
				t.Fatalf("errors %+v, want one with %q located at the packument", es, tc.errSub)
			}
			if len(fs) != 3 {
				t.Errorf("the other packages: %v", titles(fs))
			}
		})
	}
	// An unpublished package (full form: no versions, time.unpublished)
	// serves nothing.
	reg := npmRegistry(t)
	reg.Answer("/tpcp-fixture-left", 200, []byte(`{"name":"tpcp-fixture-left","time":{"created":"2026-01-01T00:00:00.000Z","unpublished":{"time":"2026-04-22T00:00:00.000Z","versions":["2.0.1"]}}}`))
	reg.Answer("/@tpcp-fixture/worm", 404, []byte(`{"error":"Not found"}`))
	fs, es, _ := sweepRegistry(t, reg.URL(), Options{})
	if len(es) != 0 || len(fs) != 3 || !slices.Contains(titles(fs), unlistedLeft) {
		t.Fatalf("unpublished and 404: findings %v errors %+v", titles(fs), es)
	}
}

const unlistedLeft = "medium the registry no longer lists tpcp-fixture-left@2.0.1 but still serves its tarball (a compromised release)"

// A proxy whose metadata no longer lists a bad version may still serve
// the tarball it cached, at the URL a lockfile records: reported (and
// hashed with --download); a 404 there is clean, a 403 a located error.
func TestNPMUnlistedTarball(t *testing.T) {
	reg := npmRegistry(t)
	doc := getBody(t, reg.URL()+"tpcp-fixture-left")
	var pk map[string]any
	if err := json.Unmarshal(doc, &pk); err != nil {
		t.Fatal(err)
	}
	delete(pk["versions"].(map[string]any), "2.0.1")
	delete(pk["dist-tags"].(map[string]any), "next")
	doc, _ = json.Marshal(pk)
	reg.Answer("/tpcp-fixture-left", 200, doc)
	fs, es, _ := sweepRegistry(t, reg.URL(), Options{Download: true})
	if len(es) != 0 || !slices.Contains(titles(fs), unlistedLeft) || len(fs) != len(wantNPM) {
		t.Fatalf("findings %v errors %+v", titles(fs), es)
	}
	for _, f := range fs {
		if f.Evidence.Package == "tpcp-fixture-left" && (f.Evidence.SHA256 == "" || f.Location.Member != "tpcp-fixture-left-2.0.1.tgz" ||
			f.Location.URL != strings.TrimSuffix(reg.URL(), "/")+"/tpcp-fixture-left/-/tpcp-fixture-left-2.0.1.tgz") {
			t.Errorf("unlisted: %+v", f)
		}
	}
	reg.Answer("/tpcp-fixture-left/-/tpcp-fixture-left-2.0.1.tgz", 404, nil)
	fs, es, _ = sweepRegistry(t, reg.URL(), Options{})
	if len(es) != 0 || len(fs) != len(wantNPM)-1 {
		t.Fatalf("tarball gone: findings %v errors %+v", titles(fs), es)
	}
	reg.Answer("/tpcp-fixture-left/-/tpcp-fixture-left-2.0.1.tgz", 403, nil)
	_, es, _ = sweepRegistry(t, reg.URL(), Options{})
	if len(es) != 1 || !strings.Contains(es[0].Message, "HTTP 403") || es[0].Location.Member != "tpcp-fixture-left-2.0.1.tgz" {
		t.Fatalf("tarball refused: errors %+v", es)
	}
}

// A registry that never answers within the timeout, and a sweep whose
// context ends, leave located errors, never a hang or a clean package.
func TestNPMTimeoutAndCancel(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	m := npmMatcher(t)
	fs, es, _ := sweepRegistry(t, srv.URL+"/", Options{Matcher: m, Timeout: 50 * time.Millisecond})
	if len(fs) != 0 || len(es) != len(m.NamesIn(iocs.NPM)) || !strings.Contains(es[0].Message, "timed out") {
		t.Fatalf("timeout: findings %v errors %+v", titles(fs), es)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	col := sweep.NewCollection(nil)
	SweepNPM(ctx, srv.URL+"/", Options{Matcher: m}, &Stats{}, col)
	fs, es = col.Drain()
	if len(fs) != 0 || len(es) != len(m.NamesIn(iocs.NPM)) {
		t.Fatalf("cancelled: findings %v errors %+v", titles(fs), es)
	}
	for _, e := range es {
		if !strings.Contains(e.Message, "interrupted") {
			t.Errorf("error %q", e.Message)
		}
	}
}

// Credentials: the registry URL's userinfo goes to the registry only,
// never to another host a redirect or a tarball URL leads to, and never
// into the report.
func TestNPMCredentialsStayOnRegistryHost(t *testing.T) {
	reg := npmRegistry(t)
	reg.RequireAuth("ci-bot", "s3cr3t-Passw0rd")
	u, _ := url.Parse(reg.URL())

	_, es, _ := sweepRegistry(t, reg.URL(), Options{})
	if len(es) != len(npmMatcher(t).NamesIn(iocs.NPM)) || !strings.Contains(es[0].Message, "HTTP 401") {
		t.Fatalf("without credentials: %+v", es)
	}
	withUI := *u
	withUI.User = url.UserPassword("ci-bot", "s3cr3t-Passw0rd")
	fs, es, _ := sweepRegistry(t, withUI.String(), Options{Download: true})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("userinfo: findings %v errors %+v", titles(fs), es)
	}
	noLeak(t, fs, es)
	nrc := ParseNetrc([]byte("machine 127.0.0.1 login ci-bot password s3cr3t-Passw0rd\n"))
	fs, es, _ = sweepRegistry(t, reg.URL(), Options{Netrc: nrc})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("netrc: findings %v errors %+v", titles(fs), es)
	}

	// A front that redirects every request to another host (same IP,
	// another port: another origin) gets credentials; the other host not.
	other := npmRegistry(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, strings.TrimSuffix(other.URL(), "/")+r.URL.RequestURI(), http.StatusFound)
	}))
	defer front.Close()
	fu, _ := url.Parse(front.URL + "/")
	fu.User = url.UserPassword("ci-bot", "s3cr3t-Passw0rd")
	fs, es, _ = sweepRegistry(t, fu.String(), Options{Download: true})
	if len(es) != 0 || len(fs) != 4 {
		t.Fatalf("redirected: findings %v errors %+v", titles(fs), es)
	}
	if a := other.Authorized(); len(a) != 0 {
		t.Errorf("the other host got credentials for %v", a)
	}
	if !strings.Contains(strings.Join(fs[0].Evidence.Details, "\n"), "its tarball is served from another host") {
		t.Errorf("the tarball's host is not named: %q", fs[0].Evidence.Details)
	}
	noLeak(t, fs, es)
}

// The built-in packs drive the sweep: a real wave's scoped package at a
// bad version is found, its neighbours not.
func TestNPMRegistryBuiltinPacks(t *testing.T) {
	l, err := iocs.LoadSet(iocs.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	// The first scoped npm package the packs track with an exact version.
	var pk *iocs.PackageIOC
	for i := range l.Packages {
		p := &l.Packages[i]
		if p.Ecosystem == "npm" && strings.HasPrefix(p.Name, "@") && len(p.Versions) > 0 {
			pk = p
			break
		}
	}
	if pk == nil {
		t.Fatal("the built-in packs track no scoped npm package")
	}
	bad := pk.Versions[0]
	s, err := iocs.ParseSemver(bad)
	if err != nil {
		t.Fatal(err)
	}
	next := fmt.Sprintf("%d.%d.%d", s.Major, s.Minor, s.Patch+1000)
	reg := npmreg.New(t, npmreg.Package{Name: pk.Name, Version: bad}, npmreg.Package{Name: pk.Name, Version: next})
	fs, es, _ := sweepRegistry(t, reg.URL(), Options{Matcher: m})
	if len(es) != 0 || len(fs) != 1 || fs[0].Evidence.Package != pk.Name || fs[0].Evidence.Version != bad || fs[0].Severity != sweep.Medium {
		t.Fatalf("findings %v errors %+v", titles(fs), es)
	}
	packuments := 0
	for _, l := range reg.Log() {
		if !strings.HasSuffix(l, ".tgz") {
			packuments++
		}
	}
	if packuments != len(m.NamesIn(iocs.NPM)) {
		t.Errorf("%d packuments asked for %d npm packages", packuments, len(m.NamesIn(iocs.NPM)))
	}
	t.Logf("%d npm packages tracked by the built-in packs: %d requests", len(m.NamesIn(iocs.NPM)), len(reg.Log()))
}

// verdaccioStorage lays out a storage directory as Verdaccio's
// local-storage writes it: .verdaccio-db.json at the root, one folder per
// package (a scope one level up), package.json holding the packument with
// Verdaccio's own fields, and the cached tarballs by their URL's name.
func verdaccioStorage(t *testing.T, reg *npmreg.Registry, pkgs map[string][]string, tarballs map[string][]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".verdaccio-db.json"), []byte(`{"list":[],"secret":"`+strings.Repeat("ab", 32)+`"}`))
	for name, versions := range pkgs {
		raw := getBody(t, reg.URL()+strings.Replace(name, "/", "%2f", 1))
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		vs := doc["versions"].(map[string]any)
		for v := range vs {
			if !slices.Contains(versions, v) {
				delete(vs, v)
			}
		}
		doc["_uplinks"] = map[string]any{"npmjs": map[string]any{"etag": `W/"x"`, "fetched": 1774348740000}}
		dist := map[string]any{}
		for _, e := range vs {
			d := e.(map[string]any)["dist"].(map[string]any)
			dist[path.Base(d["tarball"].(string))] = map[string]any{"url": d["tarball"], "sha": d["shasum"], "registry": "npmjs"}
		}
		doc["_distfiles"], doc["_attachments"], doc["_rev"] = dist, map[string]any{}, "3-0000"
		b, err := json.MarshalIndent(doc, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name), "package.json"), b)
	}
	for name, versions := range tarballs {
		for _, v := range versions {
			base := npmreg.TarballBase(name, v)
			writeFile(t, filepath.Join(dir, filepath.FromSlash(name), base), getBody(t, reg.URL()+name+"/-/"+base))
		}
	}
	return dir
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func getBody(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return b
}

func sweepStorage(t *testing.T, dir string, o Options) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	col := sweep.NewCollection(nil)
	if o.Matcher == nil {
		o.Matcher = npmMatcher(t)
	}
	SweepStorage(context.Background(), dir, o, &Stats{}, col)
	return col.Drain()
}

// A Verdaccio storage: bad versions its package.json lists (with the
// tarball cached, or not), a bad tarball it no longer lists, a package in
// a folder its config's storage: names, decoys at the clean versions.
func TestVerdaccioStorage(t *testing.T) {
	reg := npmRegistry(t)
	dir := verdaccioStorage(t, reg,
		map[string][]string{
			"tpcp-fixture-left":  {"2.0.0", "2.0.2"}, // 2.0.1 dropped from the metadata...
			"@tpcp-fixture/worm": {"1.3.9", "1.4.0"},
			"tpcp-fixture-dep":   {"2.9.0", "3.0.0", "3.0.1"},
		},
		map[string][]string{
			"tpcp-fixture-left":  {"2.0.0", "2.0.1", "2.0.2"}, // ...but its tarball kept
			"@tpcp-fixture/worm": {"1.3.9", "1.4.0"},
			// tpcp-fixture-dep 3.0.0: listed, never fetched
		})
	// A package a `storage: private` rule keeps one folder down.
	priv := verdaccioStorage(t, reg, map[string][]string{"tpcp-fixture-every": {"0.1.0"}}, map[string][]string{"tpcp-fixture-every": {"0.1.0"}})
	if err := os.Rename(filepath.Join(priv, "tpcp-fixture-every"), filepath.Join(dir, "private", "tpcp-fixture-every")); err != nil {
		if err := os.MkdirAll(filepath.Join(dir, "private"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(priv, "tpcp-fixture-every"), filepath.Join(dir, "private", "tpcp-fixture-every")); err != nil {
			t.Fatal(err)
		}
	}
	fs, es := sweepStorage(t, dir, Options{})
	if len(es) != 0 {
		t.Fatalf("errors %+v", es)
	}
	want := []string{
		"high the Verdaccio storage's latest tag names @tpcp-fixture/worm@1.4.0 (a compromised release): npm install @tpcp-fixture/worm gets it",
		"high the Verdaccio storage's latest tag names tpcp-fixture-every@0.1.0 (a compromised release): npm install tpcp-fixture-every gets it",
		"low deprecated but still served: tpcp-fixture-dep@3.0.0 (a compromised release)",
		"medium the Verdaccio storage holds tpcp-fixture-left-2.0.1.tgz (tpcp-fixture-left@2.0.1, a compromised release) that its package.json does not list",
	}
	if got := titles(fs); !slices.Equal(got, want) {
		t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range fs {
		all := strings.Join(f.Evidence.Details, "\n")
		if f.Collector != CollectorStorage || !strings.HasPrefix(f.Location.Path, dir+string(filepath.Separator)) {
			t.Errorf("%s: location %+v", f.Title, f.Location)
		}
		switch f.Evidence.Package {
		case "tpcp-fixture-dep":
			if !strings.Contains(all, "is not in the storage") || f.Evidence.SHA256 != "" || !strings.HasSuffix(f.Location.Path, "package.json") {
				t.Errorf("uncached: %+v", f)
			}
		default:
			if f.Evidence.SHA256 == "" || !strings.Contains(all, "hashed: its SHA-256 is not a published hash") || strings.Contains(all, "dist.integrity: other bytes") {
				t.Errorf("%s: not hashed or integrity differs: %q", f.Title, f.Evidence.Details)
			}
		}
	}
	if !strings.HasSuffix(fs[0].Location.Path, filepath.FromSlash("@tpcp-fixture/worm/worm-1.4.0.tgz")) {
		t.Errorf("scoped tarball at %s", fs[0].Location.Path)
	}
	// A tarball whose bytes are not what package.json says.
	writeFile(t, filepath.Join(dir, "@tpcp-fixture", "worm", "worm-1.4.0.tgz"), []byte("other bytes"))
	fs, _ = sweepStorage(t, dir, Options{})
	if !strings.Contains(strings.Join(fs[0].Evidence.Details, "\n"), "does not match the packument's dist.integrity") {
		t.Errorf("replaced tarball: %q", fs[0].Evidence.Details)
	}
}

// Fail closed on disk: not a storage, an unreadable or oversized
// package.json, one that is not a packument, a FIFO in place of a tarball.
func TestVerdaccioStorageErrors(t *testing.T) {
	reg := npmRegistry(t)
	mk := func() string {
		return verdaccioStorage(t, reg, map[string][]string{"tpcp-fixture-left": {"2.0.1"}}, map[string][]string{"tpcp-fixture-left": {"2.0.1"}})
	}
	// The config directory instead of the storage.
	dir := mk()
	os.Remove(filepath.Join(dir, ".verdaccio-db.json"))
	if fs, es := sweepStorage(t, dir, Options{}); len(fs) != 0 || len(es) != 1 || !strings.Contains(es[0].Message, "not a Verdaccio storage directory") {
		t.Errorf("no database: findings %v errors %+v", titles(fs), es)
	}
	if _, es := sweepStorage(t, filepath.Join(dir, "nothing-here"), Options{}); len(es) != 1 || !strings.Contains(es[0].Message, "not readable") {
		t.Errorf("missing directory: %+v", es)
	}
	for _, tc := range []struct {
		name   string
		body   string
		o      Options
		errSub string
	}{
		{"not-json", "<html>", Options{}, "not a packument"},
		{"other-name", `{"name":"x","versions":{}}`, Options{}, `it names "x"`},
		{"oversized", `{"name":"tpcp-fixture-left","readme":"` + strings.Repeat("x", 2<<20) + `","versions":{}}`, Options{MaxPageBytes: 1 << 20}, "larger than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := mk()
			pj := filepath.Join(dir, "tpcp-fixture-left", "package.json")
			writeFile(t, pj, []byte(tc.body))
			_, es := sweepStorage(t, dir, tc.o)
			if len(es) != 1 || !strings.Contains(es[0].Message, tc.errSub) || es[0].Location.Path != pj {
				t.Errorf("errors %+v, want %q at %s", es, tc.errSub, pj)
			}
		})
	}
	// A FIFO where the tarball should be is refused, never read.
	dir = mk()
	tgz := filepath.Join(dir, "tpcp-fixture-left", "tpcp-fixture-left-2.0.1.tgz")
	os.Remove(tgz)
	if err := syscall.Mkfifo(tgz, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fs, es := sweepStorage(t, dir, Options{})
		if len(es) != 1 || len(fs) != 1 || es[0].Location.Path != tgz {
			t.Errorf("FIFO: findings %v errors %+v", titles(fs), es)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the sweep blocked on a FIFO")
	}
}

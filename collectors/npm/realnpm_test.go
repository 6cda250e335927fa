package npm

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// testPack tracks invented packages: an npm package with a bad version
// between two clean ones, a scoped one, and a PyPI project of the same
// name whose bad version is npm's clean one (a decoy across ecosystems).
const testPack = `
schema_version: 1
id: test-npm
version: "1"
title: test
windows:
  - {id: w, title: w, start: 2026-04-21T00:00:00Z, end: 2026-04-22T00:00:00Z, provenance: {confidence: confirmed, sources: [s]}}
packages:
  - {id: npm-left, ecosystem: npm, name: tpcp-fixture-left, versions: ["2.0.1"], last_clean: "2.0.0", first_clean: "2.0.2", window: w, severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-worm, ecosystem: npm, name: "@tpcp-fixture/worm", versions: ["1.4.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-every, ecosystem: npm, name: tpcp-fixture-every, ranges: [{events: [{introduced: "0"}]}], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-left, ecosystem: pypi, name: tpcp-fixture-left, versions: ["2.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func testMatcher(t testing.TB) *iocs.Matcher { return sweeptest.MatcherFromYAML(t, testPack) }

func summarize(fs []sweep.Finding, es []sweep.Error) []string {
	var out []string
	for _, f := range fs {
		rel := strings.TrimPrefix(f.Location.Path, "/")
		out = append(out, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Category, rel, f.Title))
	}
	for _, e := range es {
		rel := strings.TrimPrefix(e.Location.Path, "/")
		out = append(out, fmt.Sprintf("error %s: %s", rel, e.Message))
	}
	sort.Strings(out)
	return out
}

// TestRealNPM: the real npm client installs from a loopback registry into
// projects, a global prefix and its own cache under a temporary root, and
// the sweep finds exactly the bad releases: installed, locked (lockfile v1,
// v2 as npm-shrinkwrap.json, v3, an alias included), cached, and a range no lock decides.
func TestRealNPM(t *testing.T) {
	reg := npmreg.New(t,
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.0"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.1"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.2"},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.4.0", Dependencies: map[string]string{"tpcp-fixture-left": "2.0.1"}},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.4.1"},
	)
	n := npmreg.RequireNPM(t, reg)
	root := t.TempDir()
	home := filepath.Join(root, "home/alice")
	n.Cache = filepath.Join(home, ".npm")
	ctx := context.Background()
	run := func(dir string, args ...string) {
		t.Helper()
		if out, err := n.Run(ctx, dir, args...); err != nil {
			t.Fatal(err, out)
		}
	}
	project := func(name string, deps map[string]string) string {
		t.Helper()
		d := filepath.Join(home, name)
		if err := npmreg.Project(d, deps); err != nil {
			t.Fatal(err)
		}
		return d
	}
	run(project("bad", nil), "install", "@tpcp-fixture/worm@1.4.0")
	run(project("clean", nil), "install", "tpcp-fixture-left@2.0.0", "@tpcp-fixture/worm@1.4.1")
	run(project("v1", nil), "install", "--lockfile-version", "1", "tpcp-fixture-left@2.0.1")
	run(project("alias", nil), "install", "left-alias@npm:tpcp-fixture-left@2.0.1")
	shrink := project("shrink", nil)
	run(shrink, "install", "--lockfile-version", "2", "tpcp-fixture-left@2.0.1")
	run(shrink, "shrinkwrap") // package-lock.json becomes npm-shrinkwrap.json
	// A range that admits the bad release, locked by npm to the newest (clean) one.
	run(project("locked-range", map[string]string{"tpcp-fixture-left": "^2.0.0"}), "install")
	// The same range with no lockfile: AT-RISK.
	project("range", map[string]string{"tpcp-fixture-left": "~2.0.0"})
	// A range that excludes the bad release: nothing.
	project("excluded", map[string]string{"tpcp-fixture-left": ">=2.0.2"})
	run(root, "install", "--global", "--prefix", filepath.Join(root, "usr/local"), "tpcp-fixture-left@2.0.1")

	fs, es := sweeptest.Sweep(t, root, New(Options{Matcher: testMatcher(t), Homes: []sweep.Home{{User: "alice", UID: 1000, Dir: "/home/alice"}}})...)
	got := summarize(fs, es)
	for _, f := range fs {
		if want := map[bool]string{true: "alice", false: ""}[strings.HasPrefix(f.Location.Path, "/home/alice/")]; f.User != want {
			t.Errorf("%s: user %q, want %q (the rotation planner scopes by it)", f.Location.Path, f.User, want)
		}
	}
	want := []string{
		"critical npm-package home/alice/alias/node_modules/left-alias/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"critical npm-package home/alice/bad/node_modules/@tpcp-fixture/worm/package.json: @tpcp-fixture/worm 1.4.0 installed (npm) (affected release)",
		"critical npm-package home/alice/bad/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"critical npm-package home/alice/shrink/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"critical npm-package home/alice/v1/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"critical npm-package usr/local/lib/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"high npm-cache home/alice/.npm/_cacache/index-v5/%s: @tpcp-fixture/worm 1.4.0 in the npm cache (affected release)",
		"high npm-cache home/alice/.npm/_cacache/index-v5/%s: tpcp-fixture-left 2.0.1 in the npm cache (affected release)",
		"high npm-lockfile home/alice/alias/package-lock.json: package-lock.json locks tpcp-fixture-left 2.0.1",
		"high npm-lockfile home/alice/bad/package-lock.json: package-lock.json locks @tpcp-fixture/worm 1.4.0",
		"high npm-lockfile home/alice/bad/package-lock.json: package-lock.json locks tpcp-fixture-left 2.0.1",
		"high npm-lockfile home/alice/shrink/npm-shrinkwrap.json: npm-shrinkwrap.json locks tpcp-fixture-left 2.0.1",
		"high npm-lockfile home/alice/v1/package-lock.json: package-lock.json locks tpcp-fixture-left 2.0.1",
		"info npm-package home/alice/clean/node_modules/@tpcp-fixture/worm/package.json: @tpcp-fixture/worm 1.4.1 installed (npm) (not an affected release)",
		"info npm-package home/alice/clean/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.0 installed (npm) (not an affected release)",
		"info npm-package home/alice/locked-range/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.2 installed (npm) (not an affected release)",
		"medium npm-lockfile home/alice/range/package.json: package.json: tpcp-fixture-left would have resolved to tpcp-fixture-left 2.0.1",
	}
	// The cache index bucket paths are content hashes: compare their prefix.
	var norm []string
	for _, g := range got {
		if i := strings.Index(g, "_cacache/index-v5/"); i >= 0 {
			j := strings.Index(g, ": ")
			g = g[:i] + "_cacache/index-v5/%s" + g[j:]
		}
		norm = append(norm, g)
	}
	sort.Strings(norm)
	if strings.Join(norm, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(norm, "\n"), strings.Join(want, "\n"))
	}
}

package npm

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestRealYarnClassic: real yarn 1 installs from the loopback registry; its
// yarn.lock, node_modules and cache copies are found, and the clean
// project's are not.
func TestRealYarnClassic(t *testing.T) {
	reg := npmreg.New(t,
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.0"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.1"},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.4.1"},
	)
	y := npmreg.RequireYarn(t, reg)
	root := t.TempDir()
	home := filepath.Join(root, "home/bob")
	y.Cache = filepath.Join(home, ".cache/yarn")
	for name, args := range map[string][]string{
		"bad":   {"add", "tpcp-fixture-left@2.0.1"},
		"clean": {"add", "tpcp-fixture-left@2.0.0", "@tpcp-fixture/worm@1.4.1"},
	} {
		d := filepath.Join(home, name)
		if err := npmreg.Project(d, nil); err != nil {
			t.Fatal(err)
		}
		if out, err := y.Run(context.Background(), d, args...); err != nil {
			t.Fatal(err, out)
		}
	}
	fs, es := sweeptest.Sweep(t, root, New(Options{Matcher: testMatcher(t)})...)
	var got []string
	for _, g := range summarize(fs, es) {
		// The cache directory's name ends in a content hash.
		if i := strings.Index(g, "/v6/npm-tpcp-fixture-left-2.0.1-"); i >= 0 {
			j := strings.Index(g[i:], "/node_modules/")
			g = g[:i] + "/v6/npm-tpcp-fixture-left-2.0.1-%s" + g[i+j:]
		}
		got = append(got, g)
	}
	want := []string{
		"critical npm-package home/bob/bad/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"high npm-cache home/bob/.cache/yarn/v6/npm-tpcp-fixture-left-2.0.1-%s/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 in a package cache (affected release)",
		"high npm-lockfile home/bob/bad/yarn.lock: yarn.lock locks tpcp-fixture-left 2.0.1",
		"info npm-package home/bob/clean/node_modules/@tpcp-fixture/worm/package.json: @tpcp-fixture/worm 1.4.1 installed (npm) (not an affected release)",
		"info npm-package home/bob/clean/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.0 installed (npm) (not an affected release)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

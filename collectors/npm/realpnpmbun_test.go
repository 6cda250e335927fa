package npm

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestRealPnpmAndBun: real pnpm and bun (installed with npm: neither is a
// Debian package) add packages from the loopback registry; their
// lockfiles, node_modules (pnpm's .pnpm virtual store included), pnpm's
// store index and bun's cache are found, and a clean project's are not.
func TestRealPnpmAndBun(t *testing.T) {
	reg := npmreg.New(t,
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.0"},
		npmreg.Package{Name: "tpcp-fixture-left", Version: "2.0.1"},
		npmreg.Package{Name: "@tpcp-fixture/worm", Version: "1.4.0"},
	)
	root := t.TempDir()
	for _, tool := range []string{"pnpm", "bun"} {
		c := npmreg.RequireTool(t, reg, tool, "real "+tool+" writes its lockfile, store and cache (npm install -g "+tool+")")
		c.Home = filepath.Join(root, "home", tool)
		if err := os.MkdirAll(c.Home, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, args := range map[string][]string{
			"bad":   {"add", "tpcp-fixture-left@2.0.1", "@tpcp-fixture/worm@1.4.0"},
			"clean": {"add", "tpcp-fixture-left@2.0.0"},
		} {
			d := filepath.Join(c.Home, name)
			if err := npmreg.Project(d, nil); err != nil {
				t.Fatal(err)
			}
			if out, err := c.Run(context.Background(), d, args...); err != nil {
				t.Fatal(err, out)
			}
		}
	}
	fs, es := sweeptest.Sweep(t, root, New(Options{Matcher: testMatcher(t)})...)
	hashes := regexp.MustCompile(`/index/[0-9a-f]{2}/[0-9a-f]+-|@@127\.0\.0\.1__[0-9a-f]+@@@1`)
	var got []string
	for _, g := range summarize(fs, es) {
		got = append(got, hashes.ReplaceAllString(g, "%h"))
	}
	sort.Strings(got)
	want := []string{
		"critical npm-package home/bun/bad/node_modules/@tpcp-fixture/worm/package.json: @tpcp-fixture/worm 1.4.0 installed (npm) (affected release)",
		"critical npm-package home/bun/bad/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"critical npm-package home/pnpm/bad/node_modules/.pnpm/@tpcp-fixture+worm@1.4.0/node_modules/@tpcp-fixture/worm/package.json: @tpcp-fixture/worm 1.4.0 installed (npm) (affected release)",
		"critical npm-package home/pnpm/bad/node_modules/.pnpm/tpcp-fixture-left@2.0.1/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.1 installed (npm) (affected release)",
		"high npm-cache home/bun/.bun/install/cache/@tpcp-fixture/worm@1.4.0%h/package.json: @tpcp-fixture/worm 1.4.0 in a package cache (affected release)",
		"high npm-cache home/bun/.bun/install/cache/tpcp-fixture-left@2.0.1%h/package.json: tpcp-fixture-left 2.0.1 in a package cache (affected release)",
		"high npm-cache home/pnpm/.local/share/pnpm/store/v10%h@tpcp-fixture+worm@1.4.0.json: @tpcp-fixture/worm 1.4.0 in the pnpm store (affected release)",
		"high npm-cache home/pnpm/.local/share/pnpm/store/v10%htpcp-fixture-left@2.0.1.json: tpcp-fixture-left 2.0.1 in the pnpm store (affected release)",
		"high npm-lockfile home/bun/bad/bun.lock: bun.lock locks @tpcp-fixture/worm 1.4.0",
		"high npm-lockfile home/bun/bad/bun.lock: bun.lock locks tpcp-fixture-left 2.0.1",
		"high npm-lockfile home/pnpm/bad/pnpm-lock.yaml: pnpm-lock.yaml locks @tpcp-fixture/worm 1.4.0",
		"high npm-lockfile home/pnpm/bad/pnpm-lock.yaml: pnpm-lock.yaml locks tpcp-fixture-left 2.0.1",
		"info npm-package home/bun/clean/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.0 installed (npm) (not an affected release)",
		"info npm-package home/pnpm/clean/node_modules/.pnpm/tpcp-fixture-left@2.0.0/node_modules/tpcp-fixture-left/package.json: tpcp-fixture-left 2.0.0 installed (npm) (not an affected release)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

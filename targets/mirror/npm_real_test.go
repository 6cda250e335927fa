package mirror

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/sweep"
)

// TestRealNPMAgrees: the real npm client, installing from the same
// registry (abbreviated packuments, as registry.npmjs.org answers npm),
// gets what the sweep says: every version reported as served installs
// for an exact pin; `npm install <name>` gets the bad version exactly when
// the sweep says latest names it (high); a range that a deprecated bad
// version and a clean one satisfy gets the clean one (low), and a
// medium's package without a version gets its clean latest.
func TestRealNPMAgrees(t *testing.T) {
	reg := npmRegistry(t)
	reg.Abbreviate(true)
	n := npmreg.RequireNPM(t, reg)
	fs, es, _ := sweepRegistry(t, reg.URL(), Options{})
	if len(es) != 0 || len(fs) != len(wantNPM) {
		t.Fatalf("findings %v errors %+v", titles(fs), es)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := func(spec, name string) string {
		t.Helper()
		dir := t.TempDir()
		if err := npmreg.Project(dir, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Run(ctx, dir, "install", spec); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		var pj struct{ Version string }
		if err := json.Unmarshal(b, &pj); err != nil {
			t.Fatal(err)
		}
		return pj.Version
	}
	for _, f := range fs {
		name, v := f.Evidence.Package, f.Evidence.Version
		latest := install(name, name)
		if f.Severity == sweep.High {
			if latest != v {
				t.Errorf("%s: npm install %s got %s, not the bad version", f.Title, name, latest)
			}
			continue
		}
		if latest == v {
			t.Errorf("%s: npm install %s got the bad version, yet the sweep says latest does not name it", f.Title, name)
		}
		if got := install(name+"@"+v, name); got != v {
			t.Errorf("%s reported as served, but npm install %s@%s got %s", f.Title, name, v, got)
		}
	}
	// Low: a range both the deprecated bad 3.0.0 and the clean 2.9.0
	// satisfy (latest, 3.0.1, does not) gets the clean one.
	if got := install("tpcp-fixture-dep@>=2.9.0 <3.0.1", "tpcp-fixture-dep"); got != "2.9.0" {
		t.Errorf("npm chose %s for a range over a deprecated version, want 2.9.0", got)
	}
}

package npmreg

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRealNPMInstall: real npm resolves a range against the loopback
// registry, installs a scoped and an unscoped package and writes a v3
// lockfile and _cacache.
func TestRealNPMInstall(t *testing.T) {
	r := New(t,
		Package{Name: "left-thing", Version: "1.0.0"},
		Package{Name: "left-thing", Version: "1.0.1"},
		Package{Name: "@acme/right", Version: "2.0.0", Dependencies: map[string]string{"left-thing": "^1.0.0"}},
	)
	n := RequireNPM(t, r)
	proj := filepath.Join(t.TempDir(), "app")
	if err := Project(proj, map[string]string{"@acme/right": "^2.0.0"}); err != nil {
		t.Fatal(err)
	}
	if out, err := n.Run(context.Background(), proj, "install"); err != nil {
		t.Fatal(err, out)
	}
	b, err := os.ReadFile(filepath.Join(proj, "node_modules", "left-thing", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pj struct{ Version string }
	if err := json.Unmarshal(b, &pj); err != nil || pj.Version != "1.0.1" {
		t.Fatalf("installed left-thing %q (%v), want the newest in range, 1.0.1", pj.Version, err)
	}
	if _, err := os.Stat(filepath.Join(proj, "node_modules", "@acme", "right", "package.json")); err != nil {
		t.Fatal(err)
	}
	var lock struct {
		LockfileVersion int                        `json:"lockfileVersion"`
		Packages        map[string]json.RawMessage `json:"packages"`
	}
	b, err = os.ReadFile(filepath.Join(proj, "package-lock.json"))
	if err != nil || json.Unmarshal(b, &lock) != nil || lock.LockfileVersion != 3 || lock.Packages["node_modules/@acme/right"] == nil {
		t.Fatalf("lockfile: %v %s", err, b)
	}
	ents, err := os.ReadDir(filepath.Join(n.Cache, "_cacache", "index-v5"))
	if err != nil || len(ents) == 0 {
		t.Fatalf("_cacache index: %v %v", ents, err)
	}
}

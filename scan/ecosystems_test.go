package scan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// TestHostNPMAndExtensions: a host sweep with pack entries for an npm
// package and an editor extension (invented names) finds both through
// the one walk, decides the verdict from them, plans rotation of the
// credentials of the user whose home holds them, and the report carries
// no credential's value.
func TestHostNPMAndExtensions(t *testing.T) {
	env := testEnv(t)
	p := *env.Pack.Pack
	prov := iocs.Provenance{Sources: []string{"test"}, Confidence: iocs.Confirmed}
	p.Packages = append(append([]iocs.PackageIOC(nil), p.Packages...),
		iocs.PackageIOC{ID: "npm-fixture", Ecosystem: "npm", Name: "@tpcp-fixture/worm", Versions: []string{"1.4.0"}, Severity: "critical", Description: "d", Provenance: prov},
		iocs.PackageIOC{ID: "ext-fixture", Ecosystem: "vscode", Name: "tpcpfixture.dev-assist", Versions: []string{"1.7.0"}, Severity: "critical", Description: "d", Provenance: prov})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	l := *env.Pack
	l.Pack = &p
	m, err := iocs.Compile(&l)
	if err != nil {
		t.Fatal(err)
	}
	env.Pack, env.Matcher = &l, m

	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	for rel, body := range map[string]string{
		"home/alice/app/node_modules/@tpcp-fixture/worm/package.json":                       `{"name":"@tpcp-fixture/worm","version":"1.4.0"}`,
		"home/alice/.vscode/extensions/tpcpfixture.dev-assist-1.7.0/package.json":           `{"publisher":"tpcpfixture","name":"dev-assist","version":"1.7.0","engines":{"vscode":"^1.90.0"}}`,
		"home/alice/other/node_modules/@tpcp-fixture/worm/package.json":                     `{"name":"@tpcp-fixture/worm","version":"1.4.1"}`,
		"home/alice/.cursor/extensions/tpcpfixture.dev-assist-1.7.1-linux-x64/package.json": `{"publisher":"tpcpfixture","name":"dev-assist","version":"1.7.1"}`,
	} {
		full := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Run(context.Background(), env, HostOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	assertFinished(t, env, r)
	if r.Verdict != sweep.Compromised {
		t.Errorf("verdict %s, want COMPROMISED", r.Verdict)
	}
	got := map[string]string{}
	for _, f := range r.Findings {
		if f.Indicator != nil && (f.Indicator.ID == "npm-fixture" || f.Indicator.ID == "ext-fixture") {
			got[string(f.Category)+" "+string(f.Severity)+" "+f.Evidence.Version] = f.User
		}
	}
	want := map[string]string{"npm-package critical 1.4.0": "alice", "npm-package info 1.4.1": "alice",
		"editor-extension critical 1.7.0": "alice", "editor-extension info 1.7.1": "alice"}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for k, u := range want {
		if got[k] != u {
			t.Errorf("%s: user %q (present %v), want %q", k, got[k], got, u)
		}
	}
	if len(r.Rotation) == 0 {
		t.Error("no rotation plan: a bad npm package and extension ran with alice's rights")
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), credtest.Canary) {
		t.Error("the report carries a credential's value")
	}
}

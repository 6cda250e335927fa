package remediate_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestDryRunSaysGuardFirst: a host carrying the gh-token-monitor dead-man
// switch (its systemd user unit and script) beside the dropper. The dry
// run's plan says, on the line after its title, that the switch is
// disarmed before any other step (its unit stopped and disabled, its files
// moved aside) and that nothing it watches is revoked until then; the JSON
// document names the guard before anything else. Without the switch
// there is no such line.
func TestDryRunSaysGuardFirst(t *testing.T) {
	m := sweeptest.Matcher(t)
	for _, withGuard := range []bool{true, false} {
		root := t.TempDir()
		plantCompromise(t, root)
		if withGuard {
			for p, b := range map[string]string{
				"home/alice/.config/systemd/user/gh-token-monitor.service": "[Unit]\nDescription=GitHub token monitor\n[Service]\nExecStart=/home/alice/.local/bin/gh-token-monitor.sh\n",
				"home/alice/.local/bin/gh-token-monitor.sh":                "#!/bin/sh\n# fixture: the real one wipes $HOME when the token is revoked\n",
			} {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		r := hostSweep(t, m, root, false)
		if got := len(r.Guards); got != map[bool]int{true: 1, false: 0}[withGuard] {
			t.Fatalf("guard planted %v: the sweep found %d guards", withGuard, got)
		}
		doc, err := remediate.Execute(context.Background(), r, remediate.ExecuteOptions{Root: root, EvidenceDir: filepath.Join(t.TempDir(), "ev"),
			Matcher: m, From: "sweep", Log: io.Discard, Errors: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(doc.Text.String(), "\n")
		if !withGuard {
			if strings.Contains(doc.Text.String(), "DEAD-MAN SWITCH") {
				t.Errorf("no guard planted, but the plan says:\n%s", doc.Text.String())
			}
			continue
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "DEAD-MAN SWITCH gh-token-monitor present") ||
			!strings.Contains(lines[1], "This plan disarms it first, before any other step (1 unit stopped and disabled, 2 files moved aside)") ||
			!strings.Contains(lines[1], "revoke nothing it watches until that is done (rotation item "+r.Guards[0].Item+")") {
			t.Errorf("the dry run does not open with the guard:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"))
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), `{"guards":[{"id":"guard-gh-token-monitor"`) {
			t.Errorf("the JSON document does not open with the guard: %.120s", b)
		}
	}
}

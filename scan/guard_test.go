package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
)

// TestDeadManSwitchFirst: a host carrying the pack-declared guard
// gh-token-monitor (its systemd user unit and script) and credentials
// (a GitHub token among them). The report names the guard before anything
// else, the rotation checklist's first item disarms it and every item it
// watches waits for that item (no step of theirs is a revocation to do
// now), and remediate plans the guard's files before any other target.
func TestDeadManSwitchFirst(t *testing.T) {
	env := testEnv(t)
	g, ok := env.Matcher.GuardOf("gh-token-monitor-unit")
	if !ok {
		t.Fatal("the packs declare no gh-token-monitor guard")
	}
	for _, withGuard := range []bool{true, false} {
		root := t.TempDir()
		credtest.Plant(t, root, credtest.Canary)
		plantDropper(t, root)
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
		r, err := Run(context.Background(), env, HostOptions{Root: root})
		if err != nil {
			t.Fatal(err)
		}
		if !withGuard {
			if len(r.Guards) != 0 || len(r.Rotation) == 0 || r.Rotation[0].Kind == "dead-man-switch" {
				t.Errorf("no guard planted: guards %+v, first item %+v", r.Guards, r.Rotation[0])
			}
			for _, it := range r.Rotation {
				if len(it.After) > 0 {
					t.Errorf("item %s waits for %v without a guard", it.ID, it.After)
				}
			}
			continue
		}
		if len(r.Guards) != 1 || r.Guards[0].ID != g.ID || len(r.Guards[0].Findings) != 2 || len(r.Guards[0].Disarm) == 0 {
			t.Fatalf("guards %+v", r.Guards)
		}
		item := r.Guards[0].Item
		// The checklist: disarm first, and every watched credential after it.
		if first := r.Rotation[0]; first.ID != item || first.Priority != "P0" || first.Kind != "dead-man-switch" {
			t.Fatalf("first rotation item %+v, want the disarm item %s", first, item)
		}
		gated := 0
		for _, it := range r.Rotation[1:] {
			watched := g.Watches(it.Kind, it.Provider)
			if watched != (len(it.After) == 1 && it.After[0] == item) {
				t.Errorf("item %s (%s/%s): watched %v, after %v", it.ID, it.Kind, it.Provider, watched, it.After)
			}
			if watched {
				gated++
				if len(it.Steps) == 0 || !strings.HasPrefix(it.Steps[0], "Do not start until "+item) {
					t.Errorf("item %s's first step %q does not wait for %s", it.ID, it.Steps, item)
				}
			}
		}
		if gated == 0 {
			t.Error("no rotation item is watched by the guard: the fixture holds a GitHub credential")
		}
		// The report says so first, in every rendering people read.
		for _, format := range []string{"table", "markdown"} {
			var b bytes.Buffer
			if err := render.Write(&b, format, r, render.Options{}); err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(b.String(), "\n", 4)
			if len(lines) < 3 || !strings.Contains(strings.Join(lines[:3], "\n"), "DEAD-MAN SWITCH gh-token-monitor") {
				t.Errorf("%s does not open with the guard:\n%s", format, strings.Join(lines, "\n"))
			}
		}
		// remediate: the guard's files first (stopped, disabled, moved).
		rm, err := remediate.FromReport(r, remediate.RemovalOptions{Root: root, Matcher: env.Matcher, From: "sweep"})
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, tg := range rm.Targets {
			order = append(order, tg.Guard+"|"+tg.Path)
		}
		if len(rm.Targets) < 3 || rm.Targets[0].Guard != g.ID || rm.Targets[1].Guard != g.ID || rm.Targets[2].Guard != "" {
			t.Errorf("remediation order:\n%s", strings.Join(order, "\n"))
		}
	}
}

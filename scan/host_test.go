package scan

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/sweep"
)

// plantDropper writes an installed litellm 1.82.8 with its .pth and the
// sysmon user unit under root, as the payload leaves them.
func plantDropper(t *testing.T, root string) {
	t.Helper()
	site := "home/alice/.venv/lib/python3.11/site-packages"
	for p, b := range map[string]string{
		site + "/litellm_init.pth":                       "import os, subprocess, sys; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n",
		site + "/litellm/__init__.py":                    "",
		site + "/litellm-1.82.8.dist-info/METADATA":      "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n",
		site + "/litellm-1.82.8.dist-info/RECORD":        "litellm/__init__.py,,\nlitellm_init.pth,,\nlitellm-1.82.8.dist-info/METADATA,,\nlitellm-1.82.8.dist-info/RECORD,,\n",
		"home/alice/.config/sysmon/sysmon.py":            "# fixture\n",
		"home/alice/.config/systemd/user/sysmon.service": "[Unit]\nDescription=System Telemetry Service\n",
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

// assertFinished checks what finish guarantees of every report.
func assertFinished(t *testing.T, env Env, r *sweep.Report) {
	t.Helper()
	if r.SchemaVersion != sweep.ReportSchemaVersion || r.Verdict == "" || r.Findings == nil || r.Errors == nil || r.Summary == nil {
		t.Errorf("not finalised: schema %q, verdict %q, findings %v, errors %v, summary %v", r.SchemaVersion, r.Verdict, r.Findings, r.Errors, r.Summary)
	}
	if !r.Scan.Finished.Equal(env.now()) || r.Tool.Name != "litesweep" || r.Tool.PackSHA256 != env.Pack.SHA256 {
		t.Errorf("finished %s, tool %+v", r.Scan.Finished, r.Tool)
	}
	for _, f := range r.Findings {
		if f.ID == "" {
			t.Errorf("finding without id: %+v", f)
		}
	}
}

func TestHost(t *testing.T) {
	for _, tc := range []struct {
		name        string
		plant       bool
		partial     bool
		cancel      bool
		verdict     sweep.Verdict
		rotation    bool // a rotation plan is attached
		timeline    bool
		interrupted bool
	}{
		{name: "clean tree", verdict: sweep.Clean},
		{name: "dropper and credentials", plant: true, verdict: sweep.Compromised, rotation: true, timeline: true},
		{name: "partial pack", partial: true, verdict: sweep.Incomplete},
		{name: "interrupted", plant: true, cancel: true, interrupted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t)
			root := t.TempDir()
			if tc.plant {
				credtest.Plant(t, root, credtest.Canary)
				plantDropper(t, root)
			}
			if tc.partial {
				l := *env.Pack
				l.Partial = []string{"persistence (persistence paths)"}
				env.Pack = &l
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			r, err := Run(ctx, env, HostOptions{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			assertFinished(t, env, r)
			if r.Scan.Kind != "host" || r.Scan.Root != root || r.Scan.Window == nil || r.Scan.Window.Start.IsZero() {
				t.Errorf("scan %+v", r.Scan)
			}
			if r.Scan.Interrupted != tc.interrupted {
				t.Errorf("interrupted %v, want %v", r.Scan.Interrupted, tc.interrupted)
			}
			if tc.verdict != "" && r.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s: %+v %+v", r.Verdict, tc.verdict, r.Findings, r.Errors)
			}
			if (len(r.Rotation) > 0) != tc.rotation {
				t.Errorf("rotation plan %d items, want some: %v", len(r.Rotation), tc.rotation)
			}
			if (len(r.Timeline) > 0) != tc.timeline {
				t.Errorf("timeline %d events, want some: %v", len(r.Timeline), tc.timeline)
			}
			unverified := slices.ContainsFunc(r.Errors, func(e sweep.Error) bool { return e.Collector == "iocs" && e.Kind == "unverified" })
			if unverified != tc.partial {
				t.Errorf("partial-pack error %v, want %v: %+v", unverified, tc.partial, r.Errors)
			}
		})
	}
}

func TestHostRefusesWhatIsNotADirectory(t *testing.T) {
	env := testEnv(t)
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{file, filepath.Join(file, "missing")} {
		if _, err := Run(context.Background(), env, HostOptions{Root: root}); !sweep.IsUsage(err) {
			t.Errorf("root %s: %v, want a usage error", root, err)
		}
	}
	if _, err := Run(context.Background(), Env{}, HostOptions{Root: t.TempDir()}); err == nil || sweep.IsUsage(err) {
		t.Errorf("no pack: %v", err)
	}
}

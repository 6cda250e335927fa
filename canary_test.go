package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/render"
)

// plantDropper adds an installed litellm 1.82.8 with its .pth and the
// sysmon persistence to a planted credential tree.
func plantDropper(t *testing.T, root string) {
	t.Helper()
	site := "home/alice/.venv/lib/python3.11/site-packages"
	files := map[string]string{
		site + "/litellm_init.pth":                       "import os, subprocess, sys; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n",
		site + "/litellm/__init__.py":                    "",
		site + "/litellm-1.82.8.dist-info/METADATA":      "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n",
		site + "/litellm-1.82.8.dist-info/RECORD":        "litellm/__init__.py,,\nlitellm_init.pth,,\nlitellm-1.82.8.dist-info/METADATA,,\nlitellm-1.82.8.dist-info/RECORD,,\n",
		"home/alice/.config/sysmon/sysmon.py":            "# fixture\n",
		"home/alice/.config/systemd/user/sysmon.service": "[Unit]\nDescription=System Telemetry Service\n",
	}
	for p, b := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func assertNoCanary(t *testing.T, what string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, credtest.Canary) || strings.Contains(o, "7f3e9b") {
			i := strings.Index(o, "7f3e9b")
			t.Errorf("%s: a secret value leaked: …%s…", what, o[max(0, i-80):min(len(o), i+20)])
		}
	}
}

// TestCanaryNeverReachesAnyOutput plants the canary as the value of every
// secret (SSH key body, AWS secret, .env values, Docker auth, netrc and
// .pypirc passwords, git-credentials token, kubeconfig token, Vault token,
// shadow hashes, a running process's environment) and checks every output
// format of host, rotate and remediate, their stderr, and written files.
func TestCanaryNeverReachesAnyOutput(t *testing.T) {
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	plantDropper(t, root)
	ctx := context.Background()

	// host: every renderer, to stdout and to --output.
	for _, f := range render.Formats {
		code, out, errs := runArgs(ctx, "host", "--root", root, "--format", f, "--fail-on", "critical")
		if code == 2 {
			t.Fatalf("host --format %s: exit 2: %s", f, errs)
		}
		assertNoCanary(t, "host --format "+f, out, errs)
		if f == "json" && (!strings.Contains(out, "/home/alice/.aws/credentials") || !strings.Contains(out, "profile prod")) {
			t.Errorf("host json lacks the credential inventory; the canary test would prove nothing")
		}
		outFile := filepath.Join(t.TempDir(), "r."+f)
		_, _, errs = runArgs(ctx, "host", "--root", root, "--format", f, "--output", outFile, "--fail-on", "critical")
		b, err := os.ReadFile(outFile)
		if err != nil {
			t.Fatalf("host --output: %v", err)
		}
		assertNoCanary(t, "host --output "+f, string(b), errs)
	}
	// rotate: every checklist format, scoped and --all.
	for _, f := range render.ChecklistFormats {
		for _, all := range []bool{false, true} {
			args := []string{"rotate", "--root", root, "--format", f}
			if all {
				args = append(args, "--all")
			}
			code, out, errs := runArgs(ctx, args...)
			if code == 2 {
				t.Fatalf("%v: exit 2: %s", args, errs)
			}
			assertNoCanary(t, strings.Join(args[3:], " "), out, errs)
			if all && !strings.Contains(out, ".docker/config.json") {
				t.Errorf("rotate --all %s lists no docker credentials:\n%s", f, out)
			}
		}
	}
	// remediate: the dry-run plan and an applied run's log and manifest.
	code, out, errs := runArgs(ctx, "remediate", "--root", root)
	assertNoCanary(t, "remediate", out, errs)
	if code != 1 || !strings.Contains(out, "litellm_init.pth") {
		t.Errorf("remediate dry run: exit %d\n%s%s", code, out, errs)
	}
	ev := filepath.Join(t.TempDir(), "ev")
	_, out, errs = runArgs(ctx, "remediate", "--root", root, "--apply", "--evidence-dir", ev)
	assertNoCanary(t, "remediate --apply", out, errs)
	man, err := os.ReadFile(filepath.Join(ev, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoCanary(t, "manifest", string(man))
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

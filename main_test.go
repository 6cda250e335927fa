package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

func runArgs(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"litesweep"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodesAndUsage(t *testing.T) {
	empty := t.TempDir()
	badPack := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badPack, []byte("schema_version: 1\nid: x\nversion: \"1\"\ntitle: t\npackages: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// a wave pack holding only a window: alone, the set has no package
	wavePack := filepath.Join(t.TempDir(), "wave.yaml")
	if err := os.WriteFile(wavePack, []byte("schema_version: 1\nid: w\nversion: \"1\"\ntitle: t\nwindows:\n"+
		"  - {id: w, title: t, start: 2026-01-01T00:00:00Z, end: 2026-01-02T00:00:00Z, provenance: {confidence: derived, sources: [x]}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"help", []string{"--help"}, 0, "COMMANDS:", ""},
		{"host help", []string{"host", "--help"}, 0, "--root", ""},
		{"iocs help", []string{"iocs", "--help"}, 0, "--iocs", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", "unknown command"},
		{"unknown flag", []string{"host", "--no-such-flag"}, 2, "", "unknown flag --no-such-flag"},
		{"bad format", []string{"host", "--root", empty, "--format", "xml"}, 2, "", "unknown --format"},
		{"bad fail-on", []string{"host", "--root", empty, "--fail-on", "nasty"}, 2, "", "--fail-on"},
		{"root missing", []string{"host", "--root", filepath.Join(empty, "nope")}, 2, "", "is not a directory"},
		{"bad window", []string{"host", "--root", empty, "--window", "yesterday"}, 2, "", "--window"},
		{"empty pack", []string{"iocs", "--iocs", badPack}, 2, "", "x holds no indicators"},
		{"malformed pack", []string{"iocs", "--iocs-only", "--iocs", wavePack}, 2, "", "packages: at least one package is required"},
		{"clean empty root", []string{"host", "--root", empty, "--format", "json"}, 0, `"verdict": "CLEAN"`, ""},
		{"iocs list", []string{"iocs"}, 0, "litellm", ""},
		{"version", []string{"version"}, 0, "IOC pack teampcp-litellm-2026-03", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runArgs(context.Background(), tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errs)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, out)
			}
			if !strings.Contains(errs, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, errs)
			}
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range []string{"host", "images", "github", "kube", "rotate", "remediate", "merge", "iocs", "version"} {
		code, out, errs := runArgs(context.Background(), cmd, "--help")
		if code != 0 || !strings.Contains(out, "USAGE:") {
			t.Errorf("%s --help: exit %d\n%s%s", cmd, code, out, errs)
		}
	}
}

func TestInterruptedStillWritesReport(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C arrived at once
	code, _, errs := runArgs(ctx, "host", "--root", root, "--format", "json", "--output", out)
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no partial report: %v", err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Scan.Interrupted || r.Verdict != sweep.Incomplete {
		t.Errorf("interrupted=%v verdict=%s, want interrupted INCOMPLETE", r.Scan.Interrupted, r.Verdict)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", fi.Mode().Perm())
	}
}

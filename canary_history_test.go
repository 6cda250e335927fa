package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/collectors/history/historytest"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
)

// buildBinary builds the real binary into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "litesweep")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the built binary with args and returns exit code, stdout
// and stderr.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// historyFile is one planted history file and the line where each
// generated entry starts.
type historyFile struct {
	path  string
	lines []historytest.Line
	start []int
}

// writeHistory writes lines in the file's format: bash with #epoch lines,
// zsh extended history, fish's YAML-like format, or PSReadLine's.
func writeHistory(t *testing.T, root string, h *historyFile) {
	t.Helper()
	var b strings.Builder
	n := 0 // lines written
	add := func(s string) {
		b.WriteString(s)
		b.WriteString("\n")
		n += strings.Count(s, "\n") + 1
	}
	const epoch = 1774349600 // 2026-03-24 10:53Z, inside the window
	for i, l := range h.lines {
		switch {
		case strings.HasSuffix(h.path, "fish_history"):
			h.start = append(h.start, n+1)
			esc := strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(l.Cmd)
			add("- cmd: " + esc)
			add(fmt.Sprintf("  when: %d", epoch+i))
		case strings.HasSuffix(h.path, ".zsh_history"):
			h.start = append(h.start, n+1)
			add(fmt.Sprintf(": %d:0;%s", epoch+i, l.Cmd))
		case strings.HasSuffix(h.path, ".bash_history"):
			add(fmt.Sprintf("#%d", epoch+i))
			h.start = append(h.start, n+1)
			add(l.Cmd)
		default:
			h.start = append(h.start, n+1)
			add(l.Cmd)
		}
	}
	full := filepath.Join(root, h.path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

const historyCanary = "HISTCANARY-q"

// TestCanaryShellHistory plants shell histories whose every entry joins a
// credential-carrying command (registry, cloud, package-registry, database
// and Vault logins, URLs with userinfo, NAME=VALUE, --password/-p/--token
// and glued forms, pipes and here-strings into --password-stdin, command
// substitutions) with an install of an affected version, each with its own
// canary, and runs the real binary: every entry must be found, and no
// canary may appear in any format of host, rotate or merge, nor on stderr.
func TestCanaryShellHistory(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	plantDropper(t, root)
	shell := historytest.Lines(historytest.Shell, historytest.Canary(historyCanary))
	ps := historytest.Lines(historytest.PowerShell, historytest.Canary(historyCanary+"-ps"))
	quarter := (len(shell) + 3) / 4
	part := func(i int) []historytest.Line {
		return shell[min(i*quarter, len(shell)):min((i+1)*quarter, len(shell))]
	}
	files := []*historyFile{
		{path: "root/.bash_history", lines: part(0)},
		{path: "root/.zsh_history", lines: part(1)},
		{path: "home/alice/.local/share/fish/fish_history", lines: part(2)},
		{path: "home/alice/.zsh_history", lines: part(3)},
		{path: "root/.local/share/powershell/PSReadLine/ConsoleHost_history.txt", lines: ps},
	}
	total := 0
	for _, h := range files {
		writeHistory(t, root, h)
		total += len(h.lines)
	}
	if total < 250 {
		t.Fatalf("the grammar generated only %d lines", total)
	}
	noCanary := func(what string, outs ...string) {
		t.Helper()
		for _, o := range outs {
			if i := strings.Index(o, "HISTCANARY"); i >= 0 {
				t.Errorf("%s: a history secret leaked: …%s…", what, o[max(0, i-100):min(len(o), i+30)])
			}
		}
		assertNoCanary(t, what, outs...)
	}

	// host: the JSON report proves every entry was found.
	reportFile := filepath.Join(t.TempDir(), "host.json")
	code, out, errs := runBinary(t, bin, "host", "--root", root, "--format", "json", "--output", reportFile, "--no-live")
	if code != 1 {
		t.Fatalf("host: exit %d: %s", code, errs)
	}
	noCanary("host stderr", out, errs)
	b, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	noCanary("host --format json", string(b))
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, f := range r.Findings {
		if f.Category == "history" {
			found[fmt.Sprintf("%s:%d", f.Location.Path, f.Location.Line)] = f.Evidence.Text
		}
	}
	for _, h := range files {
		for i, l := range h.lines {
			key := fmt.Sprintf("/%s:%d", h.path, h.start[i])
			text, ok := found[key]
			switch {
			case !ok:
				t.Errorf("not found: %s %q", key, l.Cmd)
			case !strings.Contains(text, l.Pkg):
				t.Errorf("%s: evidence %q does not name %s", key, text, l.Pkg)
			}
		}
	}

	for _, f := range render.Formats {
		_, out, errs := runBinary(t, bin, "host", "--root", root, "--format", f, "--no-live")
		noCanary("host --format "+f, out, errs)
		if !strings.Contains(out, "litellm") {
			t.Errorf("host --format %s shows no finding", f)
		}
	}
	for _, f := range render.ChecklistFormats {
		for _, args := range [][]string{
			{"rotate", "--root", root, "--format", f, "--no-live"},
			{"rotate", "--root", root, "--format", f, "--no-live", "--all"},
			{"rotate", "--report", reportFile, "--format", f},
		} {
			code, out, errs := runBinary(t, bin, args...)
			if code != 1 {
				t.Errorf("%v: exit %d: %s", args, code, errs)
			}
			noCanary(strings.Join(args, " "), out, errs)
		}
	}
	for _, f := range render.FleetFormats {
		_, out, errs := runBinary(t, bin, "merge", "--format", f, reportFile)
		noCanary("merge --format "+f, out, errs)
		if !strings.Contains(out, "litellm") && f != "table" {
			t.Errorf("merge --format %s shows no finding", f)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// TestIOCsRepeatable: --iocs adds packs (repeatable) to the built-in ones,
// --iocs-only replaces them, and the report names every pack it used with
// its version and SHA-256 (JSON, Markdown, SARIF).
func TestIOCsRepeatable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, id, pkg string) string {
		p := filepath.Join(dir, name)
		text := "schema_version: 1\nid: " + id + "\nversion: \"2026.12.07\"\ntitle: t\npackages:\n" +
			"  - {id: " + id + "-pkg, ecosystem: pypi, name: " + pkg + ", versions: [\"1.0\"], severity: critical, description: d, provenance: {confidence: derived, sources: [test]}}\n"
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.yaml", "wave-a", "invented-a"), write("b.yaml", "wave-b", "invented-b")
	root := t.TempDir()
	code, out, stderr := runArgs(context.Background(), "host", "--root", root, "--no-live", "--iocs", a, "--iocs", b, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r sweep.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	builtin, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tool.Packs) != len(builtin.Packs)+2 {
		t.Fatalf("report names %d packs, want %d built-in + 2: %+v", len(r.Tool.Packs), len(builtin.Packs), r.Tool.Packs)
	}
	for i, p := range builtin.Packs {
		if got := r.Tool.Packs[i]; got.ID != p.ID || got.SHA256 != p.SHA256 || got.Version != p.Version {
			t.Errorf("pack %d: %+v, want %+v", i, got, p)
		}
	}
	if got := r.Tool.Packs[len(r.Tool.Packs)-1]; got.ID != "wave-b" || got.From != b || len(got.SHA256) != 64 {
		t.Errorf("last pack %+v", got)
	}
	if r.Tool.PackID != iocs.SetID || r.Tool.PackFrom != "builtin + "+a+" + "+b || len(r.Tool.PackSHA256) != 64 {
		t.Errorf("set identity %q %q %q", r.Tool.PackID, r.Tool.PackFrom, r.Tool.PackSHA256)
	}
	code, md, stderr := runArgs(context.Background(), "host", "--root", root, "--no-live", "--iocs", a, "--format", "markdown")
	if code != 0 || !strings.Contains(md, "`wave-a` 2026.12.07") || !strings.Contains(md, "`teampcp-trivy-2026-03`") {
		t.Errorf("markdown does not name each pack (exit %d, %s):\n%s", code, stderr, md)
	}
	code, sarif, _ := runArgs(context.Background(), "host", "--root", root, "--no-live", "--iocs", a, "--format", "sarif")
	if code != 0 || strings.Count(sarif, `"sha256"`) < len(builtin.Packs)+1 {
		t.Errorf("sarif does not name each pack: exit %d", code)
	}
	// --iocs-only: the two wave packs alone lack whole sections
	code, _, stderr = runArgs(context.Background(), "host", "--root", root, "--no-live", "--iocs-only", "--iocs", a, "--iocs", b)
	if code != 2 || !strings.Contains(stderr, "credentials (credential targets)") {
		t.Errorf("--iocs-only with wave packs: exit %d: %s", code, stderr)
	}
	code, _, stderr = runArgs(context.Background(), "host", "--root", root, "--no-live", "--iocs-only")
	if code != 2 || !strings.Contains(stderr, "--iocs-only needs") {
		t.Errorf("--iocs-only alone: exit %d: %s", code, stderr)
	}
}

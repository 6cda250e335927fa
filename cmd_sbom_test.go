package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sbomFixtures = "targets/sbom/testdata"

// The sbom command's exit codes, and its JSON report feeding merge and
// rotate like every other report kind.
func TestSBOMCommand(t *testing.T) {
	bad := filepath.Join(sbomFixtures, "made-by-library", "app.cdx.json")
	clean := filepath.Join(sbomFixtures, "handwritten", "github-dependency-graph.spdx.json")
	trunc := filepath.Join(sbomFixtures, "handwritten", "truncated.cdx.json")
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"findings", []string{"sbom", bad}, 1, "EXPOSED"},
		{"truncated-only", []string{"sbom", trunc}, 3, "INCOMPLETE"},
		{"findings-and-truncated", []string{"sbom", bad, trunc}, 1, "truncated or malformed"},
		{"no-args", []string{"sbom"}, 2, ""},
		{"fail-on-critical", []string{"sbom", "--fail-on", "critical", clean}, 0, "EXPOSED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
		})
	}

	dir := t.TempDir()
	rep := filepath.Join(dir, "sbom.json")
	if code, _, errs := runCLI(t, "sbom", "--format", "json", "-o", rep, bad, trunc); code != 1 {
		t.Fatalf("sbom -o: exit %d: %s", code, errs)
	}
	r := decodeReport(t, readFile(t, rep))
	if r.Scan.Kind != "sbom" || len(r.Findings) != 5 || len(r.Errors) != 1 || len(r.Rotation) == 0 {
		t.Fatalf("report: kind %s, %d findings, %d errors, %d rotation items", r.Scan.Kind, len(r.Findings), len(r.Errors), len(r.Rotation))
	}
	for _, f := range r.Findings {
		if f.Location.Image != "registry.example.com/team/app@sha256:4f2d1e8c9b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e" {
			t.Errorf("finding %s not at the subject image: %+v", f.Title, f.Location)
		}
	}
	code, out, errs := runCLI(t, "merge", rep)
	if code != 1 || !strings.Contains(out, "registry.example.com/team/app") {
		t.Errorf("merge: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "rotate", "--report", rep)
	if code != 1 || !strings.Contains(out, "Environment variables") {
		t.Errorf("rotate: exit %d\n%s\n%s", code, out, errs)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

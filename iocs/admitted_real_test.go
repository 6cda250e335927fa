package iocs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// realPack: one bad range per ecosystem; the loopback registries below
// publish only versions inside it, so the real resolver finds a version
// for a constraint exactly when the constraint admits a bad one.
const realPack = `
schema_version: 1
id: test-real
version: "1"
title: test
packages:
  - {id: p-mid, ecosystem: pypi, name: midrange, ranges: [{events: [{introduced: "2.0"}, {fixed: "2.3"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-mid, ecosystem: npm, name: midrange, ranges: [{events: [{introduced: "2.0.0"}, {fixed: "2.5.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func realMatcher(t *testing.T) *iocs.Matcher {
	t.Helper()
	return sweeptest.MatcherFromYAML(t, realPack)
}

// TestAdmittedPip: real pip, from an index holding only bad releases
// (2.0, 2.1, 2.1.5, 2.2, 2.2.5 of a range 2.0 ≤ v < 2.3), finds a
// release for a constraint exactly when Admitted says it admits one.
func TestAdmittedPip(t *testing.T) {
	py := pyindex.RequirePython(t)
	var arts []pyindex.Artifact
	for _, v := range []string{"2.0", "2.1", "2.1.5", "2.2", "2.2.5"} {
		arts = append(arts, pyindex.WheelArtifact(t, pyindex.Wheel{Name: "midrange", Version: v,
			Files: []pyindex.File{{Path: "midrange/__init__.py", Data: []byte("")}}}))
	}
	ix := pyindex.NewIndex(t, arts...)
	m := realMatcher(t)
	for _, spec := range []string{">=2.1,<2.3", ">2.1,<2.2", "==2.1.*", "~=2.1", ">=2.1,<2.3,!=2.1,!=2.2",
		"<2.0", ">=2.3", "~=2.3", ">=2.1,<2.3,!=2.*"} {
		bad, _, err := m.Admitted(iocs.PyPI, "midrange", spec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := py.Download(context.Background(), t.TempDir(), pyindex.InstallOptions{Index: ix.URL()}, "midrange"+spec)
		if (err == nil) != (len(bad) > 0) {
			t.Errorf("midrange%s: Admitted = %q, pip download = %q (%v)", spec, bad, got, err)
		}
	}
}

// TestAdmittedNPMReal: real npm, from a registry holding only bad
// releases (2.0.0 … 2.4.10 of a range 2.0.0 ≤ v < 2.5.0), resolves a
// range to a version exactly when AdmittedNPM says it admits one.
func TestAdmittedNPMReal(t *testing.T) {
	var pkgs []npmreg.Package
	for _, v := range []string{"2.0.0", "2.1.0", "2.2.0", "2.4.0", "2.4.10"} {
		pkgs = append(pkgs, npmreg.Package{Name: "midrange", Version: v})
	}
	reg := npmreg.New(t, pkgs...)
	npm := npmreg.RequireNPM(t, reg)
	m := realMatcher(t)
	dir := t.TempDir()
	for _, spec := range []string{"^2.1.0", "~2.4.0", "2.1.x", ">2.4.9 <2.5.0", "1.x || 2.2.x",
		"<2.0.0", "^1.9.0", ">=2.5.0", "~2.5.0"} {
		bad, _, _, _ := m.AdmittedNPM(iocs.ParseNPMDep("midrange", spec))
		out, err := npm.Run(context.Background(), dir, "view", "midrange@"+spec, "version", "--json")
		resolved := err == nil && strings.Contains(out, `"2.`)
		if err != nil && !strings.Contains(out, "No match found for version") {
			t.Fatalf("npm view midrange@%s: %v", spec, err)
		}
		if resolved != (len(bad) > 0) {
			t.Errorf("midrange@%s: AdmittedNPM = %q, npm view = %q", spec, bad, out)
		}
	}
}

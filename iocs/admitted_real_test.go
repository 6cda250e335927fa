package iocs_test

import (
	"context"
	"regexp"
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
  - {id: p-pre, ecosystem: pypi, name: prerange, ranges: [{events: [{introduced: "3.0a1"}, {fixed: "3.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-pre, ecosystem: npm, name: prerange, ranges: [{events: [{introduced: "3.0.0-rc.1"}, {fixed: "3.0.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-mid, ecosystem: npm, name: midrange, ranges: [{events: [{introduced: "2.0.0"}, {fixed: "2.5.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func realMatcher(t *testing.T) *iocs.Matcher {
	t.Helper()
	return sweeptest.MatcherFromYAML(t, realPack)
}

// TestAdmittedPip: real pip, from an index holding only bad releases
// (2.0, 2.1, 2.1.5, 2.2, 2.2.5 of a range 2.0 ≤ v < 2.3; 3.0a1, 3.0a2 of
// one 3.0a1 ≤ v < 3.0), finds a release for a constraint exactly when
// Admitted says it admits one: pip (23.2) takes a pre-release only when a
// clause names one, even when nothing else matches.
func TestAdmittedPip(t *testing.T) {
	py := pyindex.RequirePython(t)
	var arts []pyindex.Artifact
	for _, nv := range []string{"midrange 2.0", "midrange 2.1", "midrange 2.1.5", "midrange 2.2", "midrange 2.2.5",
		"prerange 3.0a1", "prerange 3.0a2"} {
		n, v, _ := strings.Cut(nv, " ")
		arts = append(arts, pyindex.WheelArtifact(t, pyindex.Wheel{Name: n, Version: v,
			Files: []pyindex.File{{Path: n + "/__init__.py", Data: []byte("")}}}))
	}
	ix := pyindex.NewIndex(t, arts...)
	m := realMatcher(t)
	for _, req := range []string{"midrange>=2.1,<2.3", "midrange>2.1,<2.2", "midrange==2.1.*", "midrange~=2.1",
		"midrange>=2.1,<2.3,!=2.1,!=2.2", "midrange<2.0", "midrange>=2.3", "midrange~=2.3", "midrange>=2.1,<2.3,!=2.*",
		"prerange>=2.9", "prerange<3.0", "prerange>=3.0a2"} {
		i := strings.IndexAny(req, "<>=!~")
		bad, _, err := m.Admitted(iocs.PyPI, req[:i], req[i:])
		if err != nil {
			t.Fatal(err)
		}
		got, err := py.Download(context.Background(), t.TempDir(), pyindex.InstallOptions{Index: ix.URL()}, req)
		if (err == nil) != (len(bad) > 0) {
			t.Errorf("%s: Admitted = %q, pip download = %q (%v)", req, bad, got, err)
		}
	}
}

// TestAdmittedNPMReal: real npm, from a registry holding only bad
// releases (2.0.0 … 2.4.10 of a range 2.0.0 ≤ v < 2.5.0; 3.0.0-rc.1 and
// rc.2 of one 3.0.0-rc.1 ≤ v < 3.0.0), resolves a range to a version
// exactly when AdmittedNPM says it admits one.
func TestAdmittedNPMReal(t *testing.T) {
	var pkgs []npmreg.Package
	for _, nv := range []string{"midrange@2.0.0", "midrange@2.1.0", "midrange@2.2.0", "midrange@2.4.0", "midrange@2.4.10",
		"prerange@3.0.0-rc.1", "prerange@3.0.0-rc.2"} {
		n, v, _ := strings.Cut(nv, "@")
		pkgs = append(pkgs, npmreg.Package{Name: n, Version: v})
	}
	reg := npmreg.New(t, pkgs...)
	npm := npmreg.RequireNPM(t, reg)
	m := realMatcher(t)
	dir := t.TempDir()
	for _, req := range []string{"midrange@^2.1.0", "midrange@~2.4.0", "midrange@2.1.x", "midrange@>2.4.9 <2.5.0",
		"midrange@1.x || 2.2.x", "midrange@<2.0.0", "midrange@^1.9.0", "midrange@>=2.5.0", "midrange@~2.5.0",
		"prerange@>=2.9.0", "prerange@^3.0.0", "prerange@>=3.0.0-rc.2"} {
		name, spec, _ := strings.Cut(req, "@")
		bad, _, _, _ := m.AdmittedNPM(iocs.ParseNPMDep(name, spec))
		out, err := npm.Run(context.Background(), dir, "view", req, "version", "--json")
		resolved := err == nil && regexp.MustCompile(`"[23]\.`).MatchString(out)
		if err != nil && !strings.Contains(out, "No match found for version") {
			t.Fatalf("npm view %s: %v", req, err)
		}
		if resolved != (len(bad) > 0) {
			t.Errorf("%s: AdmittedNPM = %q, npm view = %q", req, bad, out)
		}
	}
}

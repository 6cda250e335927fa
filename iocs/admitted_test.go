package iocs

import (
	"strings"
	"testing"
)

// stretchPack: ranges whose middle a constraint may meet with none of
// the versions the pack names (issue 25).
const stretchPack = `
schema_version: 1
id: test-stretch
version: "1"
title: test
packages:
  - {id: p-mid, ecosystem: pypi, name: mid, ranges: [{events: [{introduced: "2.0"}, {fixed: "2.3"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: p-lim, ecosystem: pypi, name: lim, ranges: [{events: [{introduced: "2.0"}, {limit: "2.3"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: p-last, ecosystem: pypi, name: last, ranges: [{events: [{introduced: "2.0"}, {last_affected: "2.2"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: p-zero, ecosystem: pypi, name: zero, ranges: [{events: [{introduced: "0"}, {fixed: "2.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: p-open, ecosystem: pypi, name: open, ranges: [{events: [{introduced: "2.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: p-pre, ecosystem: pypi, name: pre, ranges: [{events: [{introduced: "3.0a1"}, {fixed: "3.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-mid, ecosystem: npm, name: mid, ranges: [{events: [{introduced: "2.0.0"}, {fixed: "2.5.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-lim, ecosystem: npm, name: lim, ranges: [{events: [{introduced: "2.0.0"}, {limit: "2.5.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-last, ecosystem: npm, name: last, ranges: [{events: [{introduced: "2.0.0"}, {last_affected: "2.2.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-zero, ecosystem: npm, name: zero, ranges: [{events: [{introduced: "0"}, {fixed: "2.0.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: n-pre, ecosystem: npm, name: pre, ranges: [{events: [{introduced: "3.0.0-rc.1"}, {fixed: "3.0.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

// TestAdmittedStretch: a constraint that admits only the middle of a bad
// range, or only a stretch below a limit, is seen; one just outside it
// (a decoy) is not.
func TestAdmittedStretch(t *testing.T) {
	m := yamlMatcher(t, stretchPack)
	for _, tc := range []struct {
		eco        Ecosystem
		name, spec string
		want       string // admitted, comma-separated
	}{
		{PyPI, "mid", ">=2.1,<2.3", "2.0 ≤ v < 2.3"}, // the middle only
		{PyPI, "mid", ">2.1,<2.2", "2.0 ≤ v < 2.3"},
		{PyPI, "mid", ">2.2.99,<2.3", "2.0 ≤ v < 2.3"}, // 2.2.100
		{PyPI, "mid", "==2.1.*", "2.0 ≤ v < 2.3"},
		{PyPI, "mid", "~=2.1", "2.0 ≤ v < 2.3"},                  // >=2.1, ==2.*
		{PyPI, "mid", "^2.1", "2.0 ≤ v < 2.3"},                   // poetry: >=2.1,<3
		{PyPI, "mid", ">=2.1,<2.3,!=2.1,!=2.2", "2.0 ≤ v < 2.3"}, // != punches points, 2.1.1 stays
		{PyPI, "mid", "!=2.1", "2.0"},                            // the first affected version
		{PyPI, "mid", ">=2.0", "2.0"},                            // as before: the version the pack names
		{PyPI, "mid", "==2.2", "2.2"},                            // pinned inside
		{PyPI, "mid", "<2.0", ""},                                // decoy below introduced
		{PyPI, "mid", "<=1.99", ""},                              // decoy
		{PyPI, "mid", ">=2.3", ""},                               // decoy at fixed
		{PyPI, "mid", "~=2.3", ""},                               // decoy
		{PyPI, "mid", "==2.3.*", ""},                             // decoy
		{PyPI, "mid", ">=2.1,<2.3,!=2.*", ""},                    // the whole stretch punched out
		{PyPI, "mid", "<2.3,>=2.3", ""},                          // empty
		{PyPI, "mid", ">2.2.*", "error"},                         // pip refuses a wildcard with >
		{PyPI, "lim", ">=2.1,<2.3", "2.0 ≤ v < 2.3"},             // limit ends like fixed
		{PyPI, "lim", ">=2.3", ""},
		{PyPI, "last", ">2.1,<2.2", "2.0 ≤ v ≤ 2.2"}, // last_affected is inclusive
		{PyPI, "last", ">=2.2", "2.2"},
		{PyPI, "last", ">2.2", ""},
		{PyPI, "zero", "<1.5", "v < 2.0"}, // introduced 0
		{PyPI, "zero", ">=1.5,<1.6", "v < 2.0"},
		{PyPI, "zero", ">=2.0", ""},
		{PyPI, "open", ">=5", "v ≥ 2.0"}, // never fixed
		{PyPI, "open", "<2.0", ""},
		{PyPI, "pre", ">=3.0a1", "3.0a1"},           // names a pre-release: admitted
		{PyPI, "pre", ">=3.0a2", "3.0a1 ≤ v < 3.0"}, // 3.0a2 itself
		{PyPI, "pre", ">=2.9", ""},                  // pip's default: pre-releases excluded
		{PyPI, "pre", "<3.0", ""},                   // <3.0 excludes 3.0's pre-releases
		{NPM, "mid", "^2.1.0", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "mid", "~2.4.0", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "mid", "2.1.x", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "mid", ">2.4.9 <2.5.0", "2.0.0 ≤ v < 2.5.0"}, // 2.4.10
		{NPM, "mid", "1.x || 2.3.x", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "mid", "2.1.0 - 2.2.0", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "mid", "^2.5.0-rc.1", "2.0.0 ≤ v < 2.5.0"}, // names 2.5.0's pre-releases, which precede 2.5.0
		{NPM, "mid", "*", "2.0.0"},
		{NPM, "mid", "<2.0.0", ""},         // decoy below
		{NPM, "mid", "^1.9.0", ""},         // decoy: <2.0.0-0
		{NPM, "mid", ">=2.5.0", ""},        // decoy at fixed
		{NPM, "mid", "~2.5.0", ""},         // decoy
		{NPM, "mid", ">2.4.9 <2.4.10", ""}, // nothing between
		{NPM, "lim", "^2.1.0", "2.0.0 ≤ v < 2.5.0"},
		{NPM, "lim", "^2.5.0", ""},
		{NPM, "last", "2.1.x", "2.0.0 ≤ v ≤ 2.2.0"},
		{NPM, "last", ">2.1.0", "2.2.0"},
		{NPM, "last", ">2.2.0", ""},
		{NPM, "zero", "^1.0.0", "v < 2.0.0"},
		{NPM, "zero", "^2.0.0", ""},
		{NPM, "pre", "^2.0.0", ""},                             // 3.0.0-rc.1 is no 2.x
		{NPM, "pre", ">=2.9.0", ""},                            // pre-releases of 3.0.0 not named
		{NPM, "pre", ">=3.0.0-rc.2", "3.0.0-rc.1 ≤ v < 3.0.0"}, // names them
	} {
		bad, _, err := m.Admitted(tc.eco, tc.name, tc.spec)
		got := strings.Join(bad, ",")
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("Admitted(%s, %q, %q) = %q (%v), want %q", tc.eco.ID(), tc.name, tc.spec, got, err, tc.want)
		}
	}
	// AdmittedNPM reads a package.json dependency the same way; a dist-tag
	// admits a range below its limit too.
	if bad, tag, _, _ := m.AdmittedNPM(ParseNPMDep("zero", "latest")); !tag || strings.Join(bad, ",") != "v < 2.0.0" {
		t.Errorf("AdmittedNPM(zero@latest) = %q, %v", bad, tag)
	}
}

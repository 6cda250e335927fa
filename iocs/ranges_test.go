package iocs

import (
	"strings"
	"testing"
)

// rangePack: a campaign entry and range entries (as OSV records become)
// for the same names, in both ecosystems that use ranges.
const rangePack = `
schema_version: 1
id: test-ranges
version: "1"
title: test
packages:
  - {id: campaign-foo, ecosystem: pypi, name: foo, versions: ["1.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: mal-1, ecosystem: pypi, name: Foo, versions: ["1.0.0", "1.0.1"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: mal-2, ecosystem: pypi, name: every_thing, ranges: [{events: [{introduced: "0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: mal-3, ecosystem: pypi, name: bounded, ranges: [{events: [{introduced: "2.0"}, {fixed: "2.3"}, {introduced: "3.0"}, {last_affected: "3.1"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: mal-4, ecosystem: npm, name: "@scope/thing", ranges: [{events: [{introduced: "1.2.0"}, {fixed: "1.2.5"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: mal-5, ecosystem: npm, name: lim, ranges: [{events: [{introduced: "0"}, {limit: "4.0.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

// rangeMatcher compiles rangePack.
func rangeMatcher(t *testing.T) *Matcher {
	t.Helper()
	return yamlMatcher(t, rangePack)
}

// yamlMatcher compiles a test pack (sweeptest.MatcherFromYAML, which
// this package cannot import).
func yamlMatcher(t *testing.T, pack string) *Matcher {
	t.Helper()
	l, err := ParseWith([]byte(pack), "test", LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRanges(t *testing.T) {
	m := rangeMatcher(t)
	tests := []struct {
		eco       Ecosystem
		name, ver string
		want      string
	}{
		{PyPI, "foo", "1.0.0", "campaign-foo"}, // the campaign's entry wins where both name it
		{PyPI, "FOO", "1.0.1", "mal-1"},        // a version only the record names
		{PyPI, "foo", "1.0.2", ""},
		{PyPI, "every-thing", "0.0.1", "mal-2"}, // introduced 0: every version, any spelling
		{PyPI, "Every.Thing", "99!1.0", "mal-2"},
		{PyPI, "every-thing", "not a version", "mal-2"},
		{PyPI, "bounded", "1.9", ""},
		{PyPI, "bounded", "2.0", "mal-3"},
		{PyPI, "bounded", "2.2.9", "mal-3"},
		{PyPI, "bounded", "2.3", ""}, // fixed ends before its version
		{PyPI, "bounded", "2.9", ""},
		{PyPI, "bounded", "3.1", "mal-3"}, // last_affected ends after its version
		{PyPI, "bounded", "3.1.1", ""},
		{PyPI, "bounded", "garbage", ""},
		{NPM, "@scope/thing", "1.1.9", ""},
		{NPM, "@scope/thing", "1.2.0", "mal-4"},
		{NPM, "@scope/thing", "1.2.4", "mal-4"},
		{NPM, "@scope/thing", "1.2.5-rc.1", "mal-4"}, // a prerelease sorts before its release
		{NPM, "@scope/thing", "1.2.5", ""},
		{NPM, "lim", "3.9.9", "mal-5"},
		{NPM, "lim", "4.0.0", ""},
		{PyPI, "@scope/thing", "1.2.0", ""}, // another ecosystem's name
		{NPM, "bounded", "2.0.0", ""},
	}
	for _, tc := range tests {
		pk, ok := m.Release(tc.eco, tc.name, tc.ver)
		got := ""
		if ok {
			got = pk.ID
		}
		if got != tc.want {
			t.Errorf("Release(%s, %q, %q) = %q, want %q", tc.eco.ID(), tc.name, tc.ver, got, tc.want)
		}
	}
	if pk, ok := m.Tracked("foo"); !ok || pk.ID != "campaign-foo" {
		t.Errorf("Tracked(foo) = %v; the first entry (the campaign's) answers", pk)
	}
	spec, _ := ParseSpecifier(">=1.0")
	if got := m.AdmittedBad("foo", spec); strings.Join(got, ",") != "1.0.1,1.0.0" {
		t.Errorf("AdmittedBad(foo) = %q: every entry's versions", got)
	}
	if got := m.AdmittedBad("every-thing", spec); len(got) != 1 || got[0] != "any version" {
		t.Errorf("AdmittedBad(every-thing) = %q", got)
	}
}

func TestRangeValidation(t *testing.T) {
	for _, tc := range []struct{ ranges, want string }{
		{`[{events: [{fixed: "1.0"}]}]`, "needs an introduced event"},
		{`[{events: [{introduced: "1.0", fixed: "2.0"}]}]`, "exactly one of"},
		{`[{events: [{introduced: "not-a-version!"}]}]`, "introduced"},
	} {
		pack := strings.Replace(`
schema_version: 1
id: t
version: "1"
title: t
packages:
  - {id: x, ecosystem: pypi, name: x, ranges: RANGES, severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`, "RANGES", tc.ranges, 1)
		_, err := ParseWith([]byte(pack), "t", LoadOptions{AllowPartial: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "ranges[0]") {
			t.Errorf("%s: err = %v, want one naming ranges[0] and %q", tc.ranges, err, tc.want)
		}
	}
}

// TestAdmitted: what a requested constraint admits, as each ecosystem's
// installers read it, from every entry and range naming the package.
func TestAdmitted(t *testing.T) {
	m := rangeMatcher(t)
	for _, tc := range []struct {
		eco        Ecosystem
		name, spec string
		want       string // admitted|exact, or "error"
	}{
		{PyPI, "foo", ">=1.0", "1.0.1,1.0.0|"},         // both entries' versions
		{PyPI, "FOO", "==1.0.1", "1.0.1|1.0.1"},        // any spelling of the name
		{PyPI, "foo", "<1", "|"},                       // admits none
		{PyPI, "every-thing", ">=5", "any version|"},   // introduced 0
		{PyPI, "bounded", ">=3", "3.1,3.0|"},           // a range's first and last affected versions
		{PyPI, "bounded", "==2.2", "2.2|2.2"},          // pinned inside a range
		{PyPI, "bounded", "==2.3", "|2.3"},             // fixed: not in it
		{PyPI, "bounded", "<2", "|"},                   // below every range
		{PyPI, "untracked", ">=0", "|"},                // not in the pack
		{PyPI, "foo", "=>1", "error"},                  // not a specifier pip reads
		{NPM, "@scope/thing", "^1.2.0", "1.2.0|"},      // the range's first version
		{NPM, "@scope/thing", "1.2.3", "1.2.3|1.2.3"},  // pinned inside it
		{NPM, "@scope/thing", "", "1.2.0|"},            // "" is any version
		{NPM, "@scope/thing", "not a range!", "error"}, // a tag is the caller's to tell apart
		{VSCode, "pub.ext", "1.0.0", "error"},          // installed by name, not by constraint
	} {
		bad, exact, err := m.Admitted(tc.eco, tc.name, tc.spec)
		got := strings.Join(bad, ",") + "|" + exact
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("Admitted(%s, %q, %q) = %q (%v), want %q", tc.eco.ID(), tc.name, tc.spec, got, err, tc.want)
		}
	}
}

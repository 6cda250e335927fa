package npm

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestManifestStretch: a package.json range admitting only the middle of
// a bad range (issue 25) would have resolved into it, shown as the
// stretch; a range just past it (a decoy) would not.
func TestManifestStretch(t *testing.T) {
	m := sweeptest.MatcherFromYAML(t, `
schema_version: 1
id: test-stretch
version: "1"
title: test
packages:
  - {id: n-mid, ecosystem: npm, name: tpcp-fixture-mid, ranges: [{events: [{introduced: "2.0.0"}, {fixed: "2.5.0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`)
	root := sweeptest.MkTree(t, map[string]string{
		"srv/mid/package.json":   `{"name":"x","dependencies":{"tpcp-fixture-mid":"^2.1.0"}}`,
		"srv/decoy/package.json": `{"name":"x","dependencies":{"tpcp-fixture-mid":"^2.5.0"}}`,
	})
	fs, es := sweeptest.Sweep(t, root, New(Options{Matcher: m})...)
	got := strings.Join(summarize(fs, es), "\n")
	want := "medium npm-lockfile srv/mid/package.json: package.json: tpcp-fixture-mid would have resolved to tpcp-fixture-mid 2.0.0 ≤ v < 2.5.0"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

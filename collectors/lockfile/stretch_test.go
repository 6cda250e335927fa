package lockfile

import (
	"errors"
	"slices"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestEvaluateStretch: a requirement admitting only the middle of a bad
// range (issue 25) would have resolved into it; one just outside it
// (a decoy) would not.
func TestEvaluateStretch(t *testing.T) {
	const pack = `
schema_version: 1
id: test-stretch
version: "1"
title: test
packages:
  - {id: p-mid, ecosystem: pypi, name: midrange, ranges: [{events: [{introduced: "2.0"}, {fixed: "2.3"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`
	m := sweeptest.MatcherFromYAML(t, pack)
	data := []byte("midrange>=2.1,<2.3\nmidrange<2.0\nmidrange>=2.3\n")
	r, err := ParseKind(Requirements, "/p/requirements.txt", data, func(string, string) (string, []byte, error) {
		return "", nil, errors.New("no includes")
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range Evaluate(m, []Result{r}) {
		got = append(got, hitSummary(h))
	}
	want := []string{"medium /p/requirements.txt:1 midrange >=2.1,<2.3 would have resolved to 2.0 ≤ v < 2.3 during the window"}
	if !slices.Equal(got, want) {
		t.Errorf("hits:\n got %q\nwant %q", got, want)
	}
}

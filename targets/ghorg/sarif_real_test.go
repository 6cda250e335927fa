package ghorg_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

// TestSARIFOfRealGitHubReport sweeps the fake API's scenario organisation
// (GitHub's real shapes) and checks that the SARIF carries the declared CI
// remediation for every category the sweep emits, and that the scenario
// emits all of them.
func TestSARIFOfRealGitHubReport(t *testing.T) {
	const token = "ghp_sariftest0000000000000000000000000000"
	f := ghfake.New(token)
	t.Cleanup(f.Close)
	if err := ghfake.Scenario(f, filepath.Join("testdata", "logs")); err != nil {
		t.Fatal(err)
	}
	m := sweeptest.Matcher(t)
	sw, err := ghorg.New(ghorg.Options{Matcher: m, Orgs: []string{"acme"}, APIURL: f.API.URL, Token: token, Windows: m.Pack().Windows, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := &sweep.Report{Scan: sweep.Scan{Kind: "github", Targets: []string{"acme"}}, Findings: res.Findings, Errors: res.Errors}
	r.Finalize()
	r.Rotation = remediate.Plan(r, m.Pack().Pack, remediate.PlanOptions{Exposing: []sweep.ScanKind{ghorg.Kind}}) // the exposure findings' items, as scan.finish attaches them
	cat := catalog.All()
	var buf bytes.Buffer
	if err := render.SARIF(&buf, r, render.Options{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	seen := sweeptest.SARIFHelpFollowsDeclarations(t, buf.Bytes(), r, cat)
	for _, ci := range ghorg.Categories {
		if seen[ci.Category] == 0 {
			t.Errorf("the scenario sweep made no %s finding: %v", ci.Category, seen)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("pin every action to a full commit SHA")) && !bytes.Contains(buf.Bytes(), []byte("Pin actions to full commit SHAs")) {
		t.Errorf("no CI remediation in the SARIF")
	}
}

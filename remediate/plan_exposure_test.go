package remediate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets"
)

// githubFindings are the findings the real GitHub sweep made of the acme
// scenario (targets/ghorg's golden file), exposure findings included, and the
// rotation list it pins.
func githubFindings(t testing.TB) ([]sweep.Finding, []sweep.RotationItem) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "targets", "ghorg", "testdata", "acme.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Findings []sweep.Finding      `json:"findings"`
		Rotation []sweep.RotationItem `json:"rotation"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Findings, g.Rotation
}

func ghReport(fs []sweep.Finding) *sweep.Report {
	return &sweep.Report{Scan: sweep.Scan{Kind: "github", Targets: []string{"org:acme"}}, Findings: fs}
}

func ids(items []sweep.RotationItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	slices.Sort(out)
	return out
}

// TestPlanJoinsExposuresAcrossReports: the runs of one org swept in two
// reports (say, two windows) make one item per secret listing every run,
// exactly as one report of both does.
func TestPlanJoinsExposuresAcrossReports(t *testing.T) {
	fs, want := githubFindings(t)
	pack := sweeptest.Matcher(t).Pack().Pack
	var a, b []sweep.Finding
	for _, f := range fs {
		if f.Location.RunID == 102 {
			b = append(b, f)
		} else {
			a = append(a, f)
		}
	}
	if len(b) == 0 {
		t.Fatal("no findings of run 102 in the scenario")
	}
	whole := remediate.Plan(ghReport(fs), pack, exposing)
	split := remediate.PlanAll([]*sweep.Report{ghReport(a), ghReport(b)}, pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	gw, _ := json.Marshal(whole)
	gs, _ := json.Marshal(split)
	if string(gw) != string(gs) {
		t.Errorf("split reports:\n%s\nwhole report:\n%s", gs, gw)
	}
	if !slices.Equal(ids(whole), ids(want)) {
		t.Errorf("ids %v, golden %v", ids(whole), ids(want))
	}
	for _, it := range split {
		if it.Names[0] == "DEPLOY_KEY" && (len(it.ExposedBy) != 2 || !strings.HasPrefix(it.Why, "readable by 2 CI job(s)")) {
			t.Errorf("DEPLOY_KEY %+v", it)
		}
	}
}

// TestPlanSavedRotation: a report without exposure findings (a GitHub
// report written before they existed) keeps its saved items; a report with
// them is re-planned, its saved list (here stale) ignored; a GitHub
// report's findings never put a machine's Python environment in scope.
func TestPlanSavedRotation(t *testing.T) {
	fs, want := githubFindings(t)
	pack := sweeptest.Matcher(t).Pack().Pack
	legacy := &sweep.Report{Scan: sweep.Scan{Kind: "github"}, Rotation: want}
	for _, f := range fs {
		if f.Exposure == nil {
			legacy.Findings = append(legacy.Findings, f)
		}
	}
	if got := remediate.Plan(legacy, pack, exposing); !slices.Equal(ids(got), ids(want)) {
		t.Errorf("legacy report: %v, want %v", ids(got), ids(want))
	}
	stale := ghReport(fs)
	stale.Rotation = []sweep.RotationItem{{ID: "ROT-GH-STALE00000", Priority: "P1", Kind: "ci-secret", Provider: "github-actions",
		Title: "Actions secret OLD (repository acme/api)", Where: "repository acme/api", Names: []string{"OLD"}}}
	if got := remediate.Plan(stale, pack, exposing); !slices.Equal(ids(got), ids(want)) {
		t.Errorf("re-planned report: %v, want %v", ids(got), ids(want))
	}
	// With a host report: both checklists, the host's Python environment
	// item only for the host.
	host := inventoryReport(t, aliceInstall())
	all := remediate.PlanAll([]*sweep.Report{host, ghReport(fs)}, pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	var gh, env int
	for _, it := range all {
		switch {
		case it.Provider == "github-actions":
			gh++
		case it.Kind == "env":
			env++
			if it.Host != "web-1" {
				t.Errorf("environment item for %q: %+v", it.Host, it)
			}
		}
	}
	if gh != len(want) || env == 0 {
		t.Errorf("%d GitHub items (want %d), %d environment items", gh, len(want), env)
	}
}

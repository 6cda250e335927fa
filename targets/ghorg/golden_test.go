package ghorg

import (
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenOrg pins the findings, errors and rotation list of the scenario
// org. Regenerate with: go test ./targets/ghorg -run Golden -update
func TestGoldenOrg(t *testing.T) {
	f := newScenario(t)
	sw, _ := newSweeper(t, f, nil)
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Rotation: planned(t, res)}
	rep.Finalize()
	got, err := json.MarshalIndent(struct {
		Verdict  sweep.Verdict         `json:"verdict"`
		Findings []sweep.Finding       `json:"findings"`
		Errors   []sweep.Error         `json:"errors"`
		Rotation []sweep.RotationItem  `json:"rotation"`
		Timeline []sweep.TimelineEvent `json:"timeline"`
	}{rep.Verdict, rep.Findings, rep.Errors, rep.Rotation, res.Timeline}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	sweeptest.Golden(t, filepath.Join("testdata", "acme.golden.json"), got, *update)
}

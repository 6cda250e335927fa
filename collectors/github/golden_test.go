package github

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenOrg pins the findings, errors and rotation list of the scenario
// org. Regenerate with: go test ./collectors/github -run Golden -update
func TestGoldenOrg(t *testing.T) {
	f := newScenario(t)
	sw, _ := newSweeper(t, f, nil)
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Rotation: res.Rotation}
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
	path := filepath.Join("testdata", "acme.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report differs from %s (run with -update after checking the change):\n%s", path, got)
	}
}

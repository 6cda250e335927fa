package ghorg

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

// planned is the rotation checklist the shared planner makes of a sweep's
// findings, as the report of `litesweep github` carries it.
func planned(t testing.TB, res *Result) []sweep.RotationItem {
	t.Helper()
	return remediate.Plan(&sweep.Report{Scan: sweep.Scan{Kind: Kind}, Findings: res.Findings}, sweeptest.Matcher(t).Pack().Pack, remediate.PlanOptions{Exposing: []sweep.ScanKind{Kind}})
}

// rotationScenarios are the GitHub sweeps whose rotation items are pinned
// in testdata/rotation: the acme org as TestGoldenOrg sweeps it (confirmed
// and unverified exposures, a repository whose secrets cannot be listed)
// and the corp org whose logs expired (precautionary items).
var rotationScenarios = []struct {
	name  string
	setup func(t *testing.T) (*ghfake.Server, func(*Options))
}{
	{"acme", func(t *testing.T) (*ghfake.Server, func(*Options)) { return newScenario(t), nil }},
	{"corp-expired", func(t *testing.T) (*ghfake.Server, func(*Options)) {
		return expiredOrg(t), func(c *Options) { c.Orgs = []string{"corp"} }
	}},
}

// TestRotationPinned: the shared planner (remediate.Plan) makes, from the
// sweep's exposure findings, exactly the items ghorg built itself before
// (captured from that code in testdata/rotation, sorted by id): same ids,
// titles, places, names, reasons, runs, steps and checks. Only the order
// of the checklist is the planner's (priority, kind, where) for every
// target. Regenerate with: go test ./targets/ghorg -run RotationPinned -update
func TestRotationPinned(t *testing.T) {
	for _, sc := range rotationScenarios {
		t.Run(sc.name, func(t *testing.T) {
			f, mut := sc.setup(t)
			sw, _ := newSweeper(t, f, mut)
			res, err := sw.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			items := planned(t, res)
			checkPinned(t, filepath.Join("testdata", "rotation", sc.name+".json"), items)
			// The exposure findings are info: they never decide a verdict
			// or an exit code.
			sameVerdict(t, res.Findings)
			for _, f := range res.Findings {
				if (f.Exposure != nil) != (f.Category == CatExposure) || f.Exposure != nil && f.Severity != sweep.Info {
					t.Errorf("exposure finding %s %s %q", f.Severity, f.Category, f.Title)
				}
			}
		})
	}
}

// checkPinned compares items, in id order, with the pinned file.
func checkPinned(t *testing.T, path string, items []sweep.RotationItem) {
	t.Helper()
	byID := slices.Clone(items)
	slices.SortFunc(byID, func(a, b sweep.RotationItem) int { return strings.Compare(a.ID, b.ID) })
	if *update {
		b, _ := json.MarshalIndent(byID, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []sweep.RotationItem
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatalf("%s pins no items", path)
	}
	if !reflect.DeepEqual(byID, want) {
		got, _ := json.MarshalIndent(byID, "", "  ")
		t.Errorf("items differ from %s: %s", path, sweeptest.FirstDiff(string(b), string(got)+"\n"))
	}
}

// sameVerdict checks that a report's verdict and exit codes (for every
// --fail-on but info) are the same without its exposure findings.
func sameVerdict(t *testing.T, fs []sweep.Finding) {
	t.Helper()
	with := &sweep.Report{Findings: slices.Clone(fs)}
	without := &sweep.Report{Findings: slices.DeleteFunc(slices.Clone(fs), func(f sweep.Finding) bool { return f.Exposure != nil })}
	if len(without.Findings) == len(fs) {
		t.Fatal("no exposure findings")
	}
	with.Finalize()
	without.Finalize()
	if with.Verdict != without.Verdict {
		t.Errorf("verdict %s with exposure findings, %s without", with.Verdict, without.Verdict)
	}
	for _, sev := range []sweep.Severity{sweep.Critical, sweep.High, sweep.Medium, sweep.Low} {
		if a, b := with.ExitCode(sev), without.ExitCode(sev); a != b {
			t.Errorf("--fail-on %s: exit %d with exposure findings, %d without", sev, a, b)
		}
	}
}

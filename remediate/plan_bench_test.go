package remediate_test

import (
	"fmt"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkPlanGitHubOrg plans a large organisation: the real sweep's
// exposure findings of the acme scenario repeated for 2,500 runs in 250
// repositories (10,000 exposure findings, ~45,000 credentials), against
// the baseline of the same report without exposure findings.
func BenchmarkPlanGitHubOrg(b *testing.B) {
	fs, _ := githubFindings(b)
	pack := sweeptest.Matcher(b).Pack().Pack
	var big, base []sweep.Finding
	for i := 0; i < 2500; i++ {
		for _, f := range fs {
			f.Location.RunID += int64(i) * 1000
			f.Location.Repo = fmt.Sprintf("%s-%d", f.Location.Repo, i%250)
			if f.Exposure != nil {
				x := *f.Exposure
				x.Readers = []sweep.Reader{{Name: fmt.Sprintf("%s run %d job %s", f.Location.Repo, f.Location.RunID, f.Location.Job)}}
				f.Exposure = &x
			} else {
				base = append(base, f)
			}
			big = append(big, f)
		}
	}
	for _, c := range []struct {
		name string
		fs   []sweep.Finding
	}{{"baseline-no-exposures", base}, {"exposures", big}} {
		b.Run(c.name, func(b *testing.B) {
			r := &sweep.Report{Scan: sweep.Scan{Kind: "github"}, Findings: c.fs}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = len(remediate.Plan(r, pack, exposing))
			}
			b.ReportMetric(float64(n), "items")
		})
	}
}

package ghorg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

// bigOrg is a fake organisation of n repositories: every repository has one
// of three templated workflow files and one run outside the windows; every
// 50th has two runs (two jobs each) inside the windows; every 10th has a
// requirements.txt of its own.
func bigOrg(tb testing.TB, n int) (*ghfake.Server, []string, []string) {
	tb.Helper()
	f := ghfake.New(testToken)
	tb.Cleanup(f.Close)
	f.PageSize = 100
	clean, err := os.ReadFile(filepath.Join("testdata", "logs", "clean.log"))
	if err != nil {
		tb.Fatal(err)
	}
	templates := []string{"name: ci\non: push\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aquasecurity/trivy-action@0.35.0\n", "name: lint\non: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
		"name: release\non: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n"}
	var repos []*ghfake.Repo
	var withRuns, without []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		r := &ghfake.Repo{Name: name, Branch: "main", Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			Files: map[string]string{".github/workflows/ci.yml": templates[i%3], "README.md": "# " + name + "\n"},
			Runs: []*ghfake.Run{{ID: int64(1_000_000 + i), WorkflowID: 1, Name: "ci", HeadSHA: fmt.Sprintf("%040x", i), Event: "push",
				Created: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), Duration: time.Minute,
				Jobs: []*ghfake.Job{{ID: int64(10_000_000 + i), Name: "test", Log: string(clean)}}}}}
		if i%10 == 0 {
			r.Files["requirements.txt"] = fmt.Sprintf("# service %d\nrequests==2.32.3\nlitellm==1.82.6\n", i)
		}
		if i%50 == 0 {
			for k := 0; k < 2; k++ {
				id := int64(2_000_000 + 10*i + k)
				r.Runs = append(r.Runs, &ghfake.Run{ID: id, WorkflowID: 1, Name: "ci", HeadSHA: fmt.Sprintf("%040x", id), Event: "push",
					Created: time.Date(2026, 3, 24, 11, k, 0, 0, time.UTC), Duration: 3 * time.Minute,
					Jobs: []*ghfake.Job{{ID: id * 10, Name: "test", Log: string(clean)}, {ID: id*10 + 1, Name: "lint", Log: string(clean)}}})
			}
			withRuns = append(withRuns, name)
		} else {
			without = append(without, name)
		}
		repos = append(repos, r)
	}
	f.AddOrg("acme", repos...)
	return f, withRuns, without
}

type callCounts struct {
	total, perNoRun, perWithRun float64
	maxNoRun                    int
	dur                         time.Duration
}

func measure(tb testing.TB, f *ghfake.Server, withRuns, without []string, mut func(*Options), dayByDay bool) callCounts {
	tb.Helper()
	f.ResetCounters()
	sw, _ := newSweeper(tb, f, func(c *Options) { c.Concurrency = 8; mut(c) })
	sw.dayByDay = dayByDay
	start := time.Now()
	res, err := sw.Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	cc := callCounts{total: float64(f.Calls()), dur: time.Since(start)}
	if len(res.Findings) != 0 {
		tb.Fatalf("clean org produced findings: %+v", res.Findings[0])
	}
	n := 0
	for _, name := range without {
		c := f.PathCalls("/repos/acme/" + name + "/")
		n += c
		cc.maxNoRun = max(cc.maxNoRun, c)
	}
	cc.perNoRun = float64(n) / float64(len(without))
	n = 0
	for _, name := range withRuns {
		n += f.PathCalls("/repos/acme/" + name + "/")
	}
	cc.perWithRun = float64(n) / float64(len(withRuns))
	return cc
}

// TestCallBudget holds the sweep to its API budget on a 300-repository
// org: one call for a repository with no runs in the windows (runs only),
// plus the git tree and deduplicated files with --no-files off; one call
// per run (its jobs) and one per job log for repositories with runs.
func TestCallBudget(t *testing.T) {
	f, withRuns, without := bigOrg(t, 300)
	runsOnly := measure(t, f, withRuns, without, func(c *Options) { c.SkipFiles = true }, false)
	if runsOnly.maxNoRun != 1 {
		t.Errorf("runs only: a repository with no runs in the windows cost %d calls, want 1", runsOnly.maxNoRun)
	}
	// 1 probe + 2 runs x (1 jobs listing + 2 logs) = 7.
	if runsOnly.perWithRun != 7 {
		t.Errorf("runs only: %.2f calls per repository with runs, want 7", runsOnly.perWithRun)
	}
	full := measure(t, f, withRuns, without, func(c *Options) {}, false)
	// probe + tree, plus the three workflow templates and the 30 distinct
	// requirements files, each fetched once for the whole org.
	wantNoRun := 2 + float64(3+len(without)/9+1)/float64(len(without))
	if full.perNoRun > wantNoRun+0.01 {
		t.Errorf("full: %.3f calls per repository with no runs, want <= %.3f", full.perNoRun, wantNoRun)
	}
	base := measure(t, f, withRuns, without, func(c *Options) { c.SkipFiles = true }, true)
	if base.perNoRun != float64(len(windowDays(sweeptest.Matcher(t).Pack().Windows))) {
		t.Errorf("baseline: %.2f calls per repository", base.perNoRun)
	}
}

// BenchmarkOrgSweep sweeps a fake org of 1,000 repositories (20 with runs
// in the windows) and reports API calls per repository, against the
// baseline of one listing per window day.
func BenchmarkOrgSweep(b *testing.B) {
	f, withRuns, without := bigOrg(b, 1000)
	for _, mode := range []struct {
		name     string
		skip     bool
		dayByDay bool
	}{{"runs-only", true, false}, {"runs+files", false, false}, {"baseline-day-by-day", true, true}} {
		b.Run(mode.name, func(b *testing.B) {
			var cc callCounts
			for i := 0; i < b.N; i++ {
				cc = measure(b, f, withRuns, without, func(c *Options) { c.SkipFiles = mode.skip }, mode.dayByDay)
			}
			b.ReportMetric(cc.total, "calls")
			b.ReportMetric(cc.total/1000, "calls/repo")
			b.ReportMetric(cc.perNoRun, "calls/repo-no-runs")
			b.ReportMetric(cc.perWithRun, "calls/repo-with-runs")
		})
	}
}

package ghorg

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

// normResult is a result's findings (with the exposure findings the
// rotation list is planned from) and errors in a comparable form.
func normResult(r *Result) string {
	rep := &sweep.Report{Findings: r.Findings, Errors: r.Errors}
	rep.Finalize()
	b, _ := json.Marshal(struct {
		F []sweep.Finding
		E []sweep.Error
	}{rep.Findings, rep.Errors})
	return string(b)
}

func loadStateFile(t *testing.T, p string) *state {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// TestRateLimitGiveUpAndResume: a secondary limit that begins mid-sweep and
// does not lift makes the sweep stop sending after a bounded number of
// requests, end with a partial result that lists every unfinished
// repository, and keep only finished work in the state file. A resume
// against a healthy API sweeps exactly the unfinished repositories and ends
// with the same report as an uninterrupted sweep (the limit's errors gone).
func TestRateLimitGiveUpAndResume(t *testing.T) {
	ref := newScenario(t)
	sw, _ := newSweeper(t, ref, nil)
	want, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		fault ghfake.Fault
	}{
		{"secondary with Retry-After", ghfake.SecondaryLimitFault("60")},
		{"secondary without Retry-After", ghfake.SecondaryLimitFault("")},
		{"429", ghfake.Fault{Status: 429, Body: `{"message":"too many requests"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newScenario(t)
			statePath := filepath.Join(t.TempDir(), "state.json")
			const limitAt = 25
			fault := tc.fault
			f.StandingFrom(limitAt+1, &fault)
			sw1, sl := newSweeper(t, f, func(c *Options) { c.StatePath = statePath })
			res, err := sw1.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			after := f.Calls() - limitAt
			t.Logf("%d requests after the limit began; waits %v", after, sl.d)
			// In flight when it began (≤ concurrency 3), then one probe per
			// wait until 5 consecutive limit answers.
			if after > 3+defaultMaxLimitAnswers {
				t.Errorf("%d requests sent into a standing limit", after)
			}
			if res.Limit == nil || !strings.Contains(res.Limit.Error(), "retry after") {
				t.Fatalf("no limit stop reported: %+v", res.Limit)
			}
			// Waits grow: Retry-After (or a minute), then exponentially.
			var longest time.Duration
			for _, d := range sl.d {
				longest = max(longest, d)
			}
			if longest < 4*time.Minute {
				t.Errorf("waits did not grow: %v", sl.d)
			}
			cov := res.Coverage
			if cov == nil || len(cov.Unchecked) == 0 || cov.Checked+len(cov.Unchecked) != cov.Total || cov.Total != 7 {
				t.Fatalf("coverage %+v", cov)
			}
			if !strings.Contains(cov.String(), "of 7 repositories could not be checked") {
				t.Errorf("coverage line %q", cov.String())
			}
			unfinished := map[string]bool{}
			for _, n := range cov.Unchecked {
				unfinished[n] = true
			}
			listed := map[string]bool{}
			for _, e := range res.Errors {
				if strings.Contains(e.Message, "stopped at a standing rate limit") && strings.Contains(e.Message, "re-run with the same --state after") {
					listed[e.Location.Repo] = true
				}
				// A real 404 (a repository of the scenario with Actions
				// disabled, listed before or after the limit depending on
				// scheduling) rightly names the permission; a limit must not.
				if (strings.Contains(e.Message, "actions:read") || strings.Contains(e.Message, "needs actions")) && !strings.Contains(e.Message, "(HTTP 404)") {
					t.Errorf("a rate limit described as a permission problem: %s", e.Message)
				}
			}
			for n := range unfinished {
				if !listed[n] {
					t.Errorf("unfinished repository %s not listed with the re-run advice", n)
				}
			}
			rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Scan: sweep.Scan{Coverage: cov}}
			rep.Finalize()
			if len(rep.Findings) == 0 && (rep.Verdict != sweep.Incomplete || rep.ExitCode(sweep.Medium) != sweep.ExitIncomplete) {
				t.Errorf("verdict %s exit %d", rep.Verdict, rep.ExitCode(sweep.Medium))
			}
			if rep.ExitCode(sweep.Critical) != sweep.ExitIncomplete && rep.Worst() != sweep.Critical {
				t.Errorf("nothing critical but exit %d", rep.ExitCode(sweep.Critical))
			}

			// The state holds finished work only.
			st := loadStateFile(t, statePath)
			done := map[string]bool{}
			for n, rr := range st.Repos {
				if rr.Done {
					done[n] = true
				}
				for _, p := range rr.parts() {
					for _, e := range p.Errors {
						if strings.Contains(e.Message, "rate limit") {
							t.Errorf("state keeps a rate-limit error of %s: %s", n, e.Message)
						}
					}
				}
			}
			for n := range unfinished {
				if done[n] {
					t.Errorf("%s both unfinished and done", n)
				}
			}

			// Resume against a healthy API.
			f.Standing(nil)
			f.OnCall = nil
			f.ResetCounters()
			sw2, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath })
			got, err := sw2.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"acme/api", "acme/scanner", "acme/infra", "acme/tpcp-docs", "acme/quiet", "acme/broken", "acme/busy"} {
				calls := f.PathCalls("/repos/" + n + "/")
				switch {
				case done[n] && calls != 0:
					t.Errorf("finished repository %s swept again (%d calls)", n, calls)
				case !done[n] && calls == 0 && n != "acme/tpcp-docs":
					t.Errorf("unfinished repository %s not retried", n)
				}
			}
			if got.Limit != nil || got.Coverage.String() != "" && got.Coverage.String() != want.Coverage.String() {
				t.Errorf("resumed: limit %v coverage %q", got.Limit, got.Coverage.String())
			}
			if normResult(got) != normResult(want) {
				t.Errorf("resumed report differs from an uninterrupted one:\n got %s\nwant %s", normResult(got), normResult(want))
			}
		})
	}
}

// TestPrimaryLimitFarAhead: a primary limit whose reset lies beyond the
// wait budget stops the sweep after one request, naming the reset time.
func TestPrimaryLimitFarAhead(t *testing.T) {
	f := newScenario(t)
	reset := time.Now().Add(3 * time.Hour).Truncate(time.Second)
	fault := ghfake.PrimaryLimitFault(reset)
	f.StandingFrom(11, &fault)
	sw, sl := newSweeper(t, f, nil)
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after := f.Calls() - 10; after > 3 {
		t.Errorf("%d requests after the primary limit", after)
	}
	if len(sl.d) != 0 {
		t.Errorf("waited %v for a reset beyond the budget", sl.d)
	}
	if res.Limit == nil || !res.Limit.Until.Equal(reset.Add(time.Second)) || !strings.Contains(res.Limit.Reason, "primary") {
		t.Fatalf("limit %+v, want reset %s", res.Limit, reset)
	}
	if len(res.Coverage.Unchecked) == 0 {
		t.Error("no unfinished repositories")
	}
}

// TestTransientErrorsNotDone: a 5xx storm on one run's jobs leaves the run
// (and its repository) unfinished: reported, not saved; the resume
// re-reads that run only.
func TestTransientErrorsNotDone(t *testing.T) {
	f := newScenario(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	// More 502s than the transport retries (4).
	f.Fail("/repos/acme/api/actions/runs/102/jobs", ghfake.Fault{Status: 502, Body: "<html>502</html>", ContentType: "text/html", Times: 5})
	sw, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	for _, e := range res.Errors {
		if e.Location.RunID == 102 && strings.Contains(e.Message, "HTTP 502") {
			msg = e.Message
		}
	}
	if msg == "" || !strings.Contains(msg, "server error") {
		t.Fatalf("502 storm not reported: %+v", res.Errors)
	}
	st := loadStateFile(t, statePath)
	api := st.Repos["acme/api"]
	if api == nil || api.Done || api.Runs["102"] != nil || api.Runs["101"] == nil {
		t.Fatalf("state of acme/api: %+v", api)
	}
	f.OnCall = nil
	f.ResetCounters()
	sw2, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath })
	got, err := sw2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.PathCalls("/repos/acme/api/actions/runs/101/"); n != 0 {
		t.Errorf("finished run 101 re-read (%d calls)", n)
	}
	if n := f.PathCalls("/repos/acme/api/actions/runs/102/jobs"); n != 1 {
		t.Errorf("run 102 jobs listed %d times on resume, want 1", n)
	}
	for _, e := range got.Errors {
		if strings.Contains(e.Message, "502") {
			t.Errorf("resolved error kept: %s", e.Message)
		}
	}
	if uv := findingsWhere(got, func(x sweep.Finding) bool { return x.Location.RunID == 102 && x.Category == "ci-log" }); len(uv) != 1 {
		t.Errorf("run 102 not graded on resume: %+v", uv)
	}
}

// TestLimitErrorIsNotPermission: the message of a rate-limited listing
// names the rate limit, not a missing permission.
func TestLimitErrorIsNotPermission(t *testing.T) {
	err := &LimitError{Until: time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC), Reason: "secondary rate limit", Answers: 5}
	msg := describeRuns(err)
	if !strings.Contains(msg, "secondary rate limit") || strings.Contains(msg, "actions") || !strings.Contains(msg, "2026-03-24T12:00:00Z") {
		t.Errorf("%s", msg)
	}
	if !isTransient(err) || !isTransient(errors.Join(errors.New("x"), err)) {
		t.Error("a limit is transient")
	}
}

// TestTruncatedLogDownload: a log download cut short is a located error that
// leaves the run unfinished; the resume reads it whole.
func TestTruncatedLogDownload(t *testing.T) {
	f := newScenario(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	cut := func(n int) {
		f.EachJob(func(j *ghfake.Job) {
			if j.ID == 1011 {
				j.CutLogAt = n
			}
		})
	}
	cut(300)
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos, c.StatePath = nil, []string{"acme/api"}, statePath })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range res.Errors {
		if e.Location.RunID == 101 && e.Location.Job == "test" && strings.Contains(e.Message, "job log could not be read") {
			found = true
		}
	}
	if !found || len(res.Coverage.Unchecked) != 1 {
		t.Fatalf("cut log not reported: coverage %+v errors %+v", res.Coverage, res.Errors)
	}
	cut(0)
	got, err := (func() (*Result, error) {
		sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos, c.StatePath = nil, []string{"acme/api"}, statePath })
		return sw.Run(context.Background())
	})()
	if err != nil {
		t.Fatal(err)
	}
	if pip := findingsWhere(got, func(x sweep.Finding) bool { return x.Location.RunID == 101 && x.Category == "ci-log" }); len(pip) != 1 || !got.Coverage.Complete() {
		t.Errorf("resume: %+v coverage %+v", pip, got.Coverage)
	}
}

package ghorg

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

const testToken = "ghp_L1t3sw33pT3stT0k3nN3v3rL34k5x9Q"

func newScenario(t testing.TB) *ghfake.Server {
	t.Helper()
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	f.PageSize = 3 // forces Link pagination of every listing
	if err := ghfake.Scenario(f, filepath.Join("testdata", "logs")); err != nil {
		t.Fatal(err)
	}
	return f
}

type sleepLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newSweeper(t testing.TB, f *ghfake.Server, mut func(*Options)) (*Sweeper, *sleepLog) {
	t.Helper()
	m := sweeptest.Matcher(t)
	cfg := Options{Matcher: m, Orgs: []string{"acme"}, APIURL: f.API.URL, Token: testToken, Windows: m.Pack().Windows, Concurrency: 3}
	if mut != nil {
		mut(&cfg)
	}
	sw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sl := &sleepLog{}
	sw.tr.sleep = sl.sleep
	return sw, sl
}

func findingsWhere(r *Result, pred func(sweep.Finding) bool) []sweep.Finding {
	var out []sweep.Finding
	for _, f := range r.Findings {
		if pred(f) {
			out = append(out, f)
		}
	}
	return out
}

func TestSweepOrg(t *testing.T) {
	f := newScenario(t)
	f.Fail("/repos/acme/quiet/actions/runs", ghfake.Fault{Status: 403, RetryAfter: "1", Body: ghfake.SecondaryLimit})
	f.Fail("/repos/acme/api/actions/runs/101/jobs", ghfake.Fault{Status: 502, Body: "<html><body>502 Bad Gateway</body></html>"})
	sw, sl := newSweeper(t, f, func(c *Options) { c.Orgs = append(c.Orgs, "ghost") })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if leaks := f.Leaks(); len(leaks) > 0 {
		t.Fatalf("token sent to the log storage host: %v", leaks)
	}

	// Install lines: pip (run 101) and uv (run 102), with job, step, line
	// and the line without its timestamp.
	pip := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 101 && x.Category == "ci-log" })
	if len(pip) != 1 {
		t.Fatalf("run 101 findings (want one for the job): %+v", pip)
	}
	for _, p := range pip {
		if p.Severity != sweep.High || p.Location.Job != "test" || p.Location.Step != "Run pip install -r requirements.txt" ||
			p.Location.Line == 0 || p.Evidence.Version != "1.82.8" || p.Evidence.Time == nil || strings.HasPrefix(p.Evidence.Text, "2026") ||
			!strings.Contains(p.Location.URL, "/job/1011") || !strings.Contains(p.Title, "3 matching lines") {
			t.Errorf("pip finding %+v", p)
		}
		var lines []string
		for _, d := range p.Evidence.Details {
			if strings.HasPrefix(d, "line ") {
				lines = append(lines, d)
			}
		}
		if len(lines) != 3 || !strings.Contains(lines[2], `step "Run pip install -r requirements.txt": Successfully installed litellm-1.82.8`) {
			t.Errorf("pip evidence lines %q", lines)
		}
	}
	uv := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 102 && x.Category == "ci-log" })
	if len(uv) != 1 || uv[0].Location.Step != "Install deps" || uv[0].Evidence.Text != "+ litellm==1.82.7" {
		t.Fatalf("uv findings %+v", uv)
	}
	// The run after the windows was neither listed for jobs nor read.
	if n := f.PathCalls("/repos/acme/api/actions/runs/103"); n != 0 {
		t.Errorf("run 103 (outside the windows) fetched %d times", n)
	}
	if n := f.PathCalls("/repos/acme/api/actions/jobs/1031"); n != 0 {
		t.Errorf("job 1031 (outside the windows) fetched")
	}
	if n := f.PathCalls("/repos/acme/quiet/actions/jobs"); n != 0 {
		t.Errorf("quiet repo's out-of-window job fetched")
	}

	// Trivy imposter commit, setup-trivy bad commit, trivy 0.69.4, orphan curl.
	scan := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 201 && x.Category == "ci-log" })
	ids := map[string]int{}
	for _, x := range scan {
		for _, d := range x.Evidence.Details {
			if i := strings.LastIndex(d, " ["); i > 0 && strings.HasPrefix(d, "line ") {
				ids[strings.Trim(d[i+1:], "[]")]++
			}
		}
	}
	if len(scan) != 1 || ids["action-trivy-action"] != 1 || ids["action-setup-trivy"] != 1 || ids["log-trivy-0694"] != 2 || ids["log-orphan-curl"] != 1 {
		t.Errorf("run 201: %d findings, indicators %v", len(scan), ids)
	}
	// Expired lint log of run 201: unverified with the run's metadata; the
	// scan job's proven exposure does not also produce a "could have run".
	var expired []sweep.Error
	for _, e := range res.Errors {
		if e.Kind == "unverified" && strings.Contains(e.Message, "expired") {
			expired = append(expired, e)
		}
	}
	if len(expired) != 2 {
		t.Fatalf("expired-log errors %+v", expired)
	}
	for _, e := range expired {
		if e.Location.RunID == 0 || e.Location.Repo == "" || !strings.Contains(e.Message, "HTTP 410") || !strings.Contains(e.Message, "run created 2026-03-") {
			t.Errorf("expired error lacks run metadata: %+v", e)
		}
	}
	if got := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 201 && x.Category == "ci-workflow" }); len(got) != 0 {
		t.Errorf("run 201 workflow findings %+v", got)
	}
	// KICS window run whose log expired: the workflow at head_sha shows the
	// hijacked action, so it is reported as a possible exposure (High).
	kics := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 301 && x.Exposure == nil })
	if len(kics) != 1 || kics[0].Severity != sweep.High || kics[0].Category != "ci-workflow" || kics[0].Indicator.ID != "action-kics" {
		t.Fatalf("kics findings %+v", kics)
	}
	// What the kics job could read is its exposure finding: info, graded
	// unverified, names and scopes only.
	kx := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 301 && x.Exposure != nil })
	if len(kx) != 1 || kx[0].Severity != sweep.Info || kx[0].Category != CatExposure || kx[0].Location.Job != "kics" ||
		kx[0].Exposure.Level != sweep.ExposureUnverified || len(kx[0].Exposure.Readers) != 1 || kx[0].Exposure.Readers[0].Name != "acme/infra run 301 job kics" ||
		!strings.Contains(kx[0].Title, "1 Actions secret, its GITHUB_TOKEN") ||
		!slices.Contains(kx[0].Evidence.Details, "secret AWS_SECRET_ACCESS_KEY (repository)") {
		t.Fatalf("kics exposure findings %+v", kx)
	}
	// Exfiltration repository.
	if got := findingsWhere(res, func(x sweep.Finding) bool { return x.Category == "ci-repo" }); len(got) != 1 || got[0].Location.Repo != "acme/tpcp-docs" || got[0].Severity != sweep.Critical {
		t.Errorf("tpcp-docs findings %+v", got)
	}
	// Default-branch workflow: mutable trivy-action tag (medium) and the
	// setup-trivy imposter pin (critical), in api and quiet.
	wf := findingsWhere(res, func(x sweep.Finding) bool { return x.Category == "ci-workflow" && x.Location.RunID == 0 })
	sev := map[string]int{}
	for _, x := range wf {
		sev[x.Location.Repo+" "+string(x.Severity)]++
	}
	if sev["acme/api medium"] != 1 || sev["acme/api critical"] != 1 || sev["acme/quiet medium"] != 1 || sev["acme/quiet critical"] != 1 || len(wf) != 4 {
		t.Errorf("default-branch workflow findings %v", sev)
	}
	// The busy repository's 130 clean runs were all read (day slicing) and
	// produced nothing.
	if got := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.Repo == "acme/busy" }); len(got) != 0 {
		t.Errorf("busy findings %+v", got)
	}
	if n := f.PathCalls("/repos/acme/busy/actions/jobs/"); n != 130 {
		t.Errorf("busy job logs fetched %d times, want 130", n)
	}

	// Manifests, graded by the lockfile parsers per project: an open range
	// (read once although requirements/dev.txt includes it) and a uv.lock
	// entry; the pyproject range next to that lock is not reported.
	man := findingsWhere(res, func(x sweep.Finding) bool { return x.Category == "manifest" })
	got := map[string]sweep.Severity{}
	for _, x := range man {
		got[x.Location.Repo+" "+x.Location.Path] = x.Severity
	}
	if len(man) != 2 || got["acme/api requirements.txt"] != sweep.Medium || got["acme/scanner tools/uv.lock"] != sweep.High {
		t.Errorf("manifest findings %v", got)
	}

	// Errors: unknown org, Actions disabled, invalid YAML, forks/archived
	// skipped, secrets not listable.
	wantErr := map[string]bool{
		`organization or user "ghost" not found`:           false,
		"workflow runs could not be listed (HTTP 404)":     false,
		"workflow .github/workflows/bad.yml: invalid YAML": false,
		"1 forks and 1 archived repositories not swept":    false,
		"could not list repository secrets: HTTP 403":      false,
	}
	for _, e := range res.Errors {
		for k := range wantErr {
			if strings.Contains(e.Message, k) {
				wantErr[k] = true
			}
		}
	}
	for k, ok := range wantErr {
		if !ok {
			t.Errorf("no error containing %q", k)
		}
	}

	// Rotation: each secret once, with every run that exposed it.
	rot := map[string]sweep.RotationItem{}
	for _, it := range planned(t, res) {
		rot[it.Names[0]+"|"+it.Where] = it
	}
	check := func(key string, runs ...string) {
		t.Helper()
		it, ok := rot[key]
		if !ok {
			var have []string
			for k := range rot {
				have = append(have, k)
			}
			t.Errorf("no rotation item %q; have %q", key, have)
			return
		}
		if strings.Join(it.ExposedBy, ",") != strings.Join(runs, ",") {
			t.Errorf("%s exposed by %q, want %q", key, it.ExposedBy, runs)
		}
	}
	check("PYPI_TOKEN|repository acme/api", "acme/api run 101 job test", "acme/api run 102 job test")
	check("OPENAI_API_KEY|organization acme", "acme/api run 101 job test", "acme/api run 102 job test")
	check("DEPLOY_KEY|environment prod of acme/api", "acme/api run 101 job test", "acme/api run 102 job test")
	check("DATABASE_PASSWORD|workflow file in acme/api", "acme/api run 101 job test", "acme/api run 102 job test")
	check("GITHUB_TOKEN|repository acme/api", "acme/api run 101 job test", "acme/api run 102 job test")
	check("GHCR_USER|referenced by acme/scanner workflows; scope not listable with this token", "acme/scanner run 201 job scan")
	check("AWS_SECRET_ACCESS_KEY|repository acme/infra", "acme/infra run 301 job kics")
	for k := range rot {
		if strings.HasPrefix(k, "SLACK_WEBHOOK|") || strings.HasPrefix(k, "NPM_TOKEN|") {
			t.Errorf("secret of an unexposed job listed: %s", k)
		}
	}
	if it := rot["OPENAI_API_KEY|organization acme"]; len(it.Names) != 1 || it.Priority != "P1" || !strings.Contains(strings.Join(it.Steps, "\n"), "gh secret set OPENAI_API_KEY --org acme") {
		t.Errorf("OPENAI_API_KEY item %+v", it)
	}
	if it := rot["DEPLOY_KEY|environment prod of acme/api"]; strings.Join(it.Names, ",") != "DEPLOY_KEY,env DEPLOY" {
		t.Errorf("DEPLOY_KEY names %q", it.Names)
	}
	if it := rot["GITHUB_TOKEN|repository acme/api"]; !strings.Contains(it.Why, "Contents: write") {
		t.Errorf("GITHUB_TOKEN why %q", it.Why)
	}
	if it := rot["AWS_SECRET_ACCESS_KEY|repository acme/infra"]; !strings.Contains(it.Why, "could not be verified") {
		t.Errorf("unverified exposure not said: %q", it.Why)
	}

	// Rate limits and faults: the secondary limit was waited out (Retry-After 1s).
	waited := false
	for _, d := range sl.d {
		if d > 500*time.Millisecond && d <= time.Second+100*time.Millisecond {
			waited = true
		}
	}
	if !waited {
		t.Errorf("secondary limit not honoured; sleeps %v", sl.d)
	}
	if n := f.PathCalls("/repos/acme/api/actions/runs/101/jobs"); n != 2 {
		t.Errorf("502 not retried: %d calls", n)
	}
	// Stats.
	st := res.Stats
	if st.APICalls != int64(f.Calls()) || st.Repos != 7 || st.Runs != 4+130 || st.Logs != 4+130 || st.RateLimitUsed < st.APICalls-5 {
		t.Errorf("stats %+v (server saw %d calls)", st, f.Calls())
	}

	// The whole report, in every format, never holds the token.
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Rotation: planned(t, res), Stats: res.Stats}
	rep.Finalize()
	if rep.Verdict != sweep.Compromised {
		t.Errorf("verdict %s", rep.Verdict)
	}
	for _, format := range render.Formats {
		var buf bytes.Buffer
		if err := render.Write(&buf, format, rep, render.Options{}); err != nil {
			continue // placeholder renderers
		}
		if strings.Contains(buf.String(), testToken) {
			t.Errorf("%s report contains the token", format)
		}
	}
}

// TestSweepResume cancels a sweep part-way, resumes it from the state file,
// and checks that the result equals an uninterrupted sweep and that no
// finished repository was asked for again.
func TestSweepResume(t *testing.T) {
	// Reference: one uninterrupted sweep.
	ref := newScenario(t)
	sw, _ := newSweeper(t, ref, nil)
	want, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	f := newScenario(t)
	statePath := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.OnCall = func(n int) {
		if n == 60 {
			cancel()
		}
	}
	sw1, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath; c.Concurrency = 1 })
	_, err = sw1.Run(ctx)
	if err == nil {
		t.Fatal("interrupted sweep returned no error")
	}
	f.OnCall = nil
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testToken) {
		t.Fatal("state file contains the token")
	}
	if fi, _ := os.Stat(statePath); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v", fi.Mode())
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, rr := range st.Repos {
		if rr.Done {
			done++
		}
	}
	if done == 0 || done >= 7 {
		t.Fatalf("state after interruption has %d finished repositories; the test needs a partial sweep", done)
	}
	t.Logf("interrupted after %d API calls with %d of 7 repositories finished", f.Calls(), done)
	f.ResetCounters()
	sw2, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath })
	got, err := sw2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, rr := range st.Repos {
		// Only the repository listing of the org is repeated.
		if !rr.Done {
			continue
		}
		if n := f.PathCalls("/repos/" + name + "/"); n != 0 {
			t.Errorf("finished repository %s asked again (%d calls)", name, n)
		}
	}
	norm := func(r *Result) string {
		rep := &sweep.Report{Findings: r.Findings, Errors: r.Errors}
		rep.Finalize()
		b, _ := json.Marshal(struct {
			F []sweep.Finding
			E []sweep.Error
		}{rep.Findings, rep.Errors})
		return string(b)
	}
	if norm(got) != norm(want) {
		t.Errorf("resumed report differs from an uninterrupted one:\n got %s\nwant %s", norm(got), norm(want))
	}
	if got.Stats.Runs != want.Stats.Runs || got.Stats.Logs != want.Stats.Logs || got.Stats.Repos != want.Stats.Repos {
		t.Errorf("stats: got %+v want %+v", got.Stats, want.Stats)
	}
	// A state file of another sweep is refused.
	sw3, _ := newSweeper(t, f, func(c *Options) { c.StatePath = statePath; c.IncludeForks = true })
	if _, err := sw3.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "other targets") {
		t.Errorf("foreign state accepted: %v", err)
	}
}

// TestBadToken: a 401 for every call is recorded, not fatal, and the
// message does not carry the token.
func TestBadToken(t *testing.T) {
	f := newScenario(t)
	m := sweeptest.Matcher(t)
	sw, err := New(Options{Matcher: m, Orgs: []string{"acme"}, Repos: []string{"acme/api"}, APIURL: f.API.URL, Token: "ghp_wrongwrongwrongwrongwrong", Windows: m.Pack().Windows})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var errs []sweep.Error
	for _, e := range res.Errors {
		if e.Kind == "error" {
			errs = append(errs, e)
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Message, "HTTP 401") {
		t.Fatalf("errors %+v", res.Errors)
	}
	for _, e := range res.Errors {
		if strings.Contains(e.Message, "ghp_wrong") {
			t.Errorf("token in error: %s", e.Message)
		}
	}
}

// TestTokenWithoutActionsRead: a 403 on the run listing is a recorded,
// clearly worded gap for that repository; the rest of the sweep goes on.
func TestTokenWithoutActionsRead(t *testing.T) {
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	f.AddOrg("solo", &ghfake.Repo{Name: "locked", Branch: "main", RunsStatus: 403, Files: map[string]string{"README.md": "x"}},
		&ghfake.Repo{Name: "open", Branch: "main", Files: map[string]string{"README.md": "y"}})
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs = []string{"solo"} })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Kind != "unverified" || res.Errors[0].Location.Repo != "solo/locked" ||
		!strings.Contains(res.Errors[0].Message, "HTTP 403") || !strings.Contains(res.Errors[0].Message, "needs actions=read") {
		t.Fatalf("errors %+v", res.Errors)
	}
	if res.Stats.Repos != 2 {
		t.Errorf("repos %d", res.Stats.Repos)
	}
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors}
	rep.Finalize()
	if rep.Verdict != sweep.Incomplete {
		t.Errorf("verdict %s, want INCOMPLETE", rep.Verdict)
	}
}

// TestUserAccount: --org naming a user account falls back to the user's
// repositories (the campaign created tpcp-docs in maintainers' accounts).
func TestUserAccount(t *testing.T) {
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	f.AddUser("maintainer", &ghfake.Repo{Name: "tpcp-docs-1", Created: time.Date(2026, 3, 23, 14, 31, 0, 0, time.UTC)},
		&ghfake.Repo{Name: "dotfiles", Branch: "main", Files: map[string]string{"README.md": "x"}})
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs = []string{"maintainer"} })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Location.Repo != "maintainer/tpcp-docs-1" || res.Findings[0].Severity != sweep.Critical || len(res.Errors) != 0 {
		t.Fatalf("findings %+v errors %+v", res.Findings, res.Errors)
	}
}

// TestSweepLogCap: a job log over --max-log-bytes is read up to the cap,
// matched on what was read, and reported as not fully checked.
func TestSweepLogCap(t *testing.T) {
	f := newScenario(t)
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos, c.MaxLogBytes, c.SkipFiles = nil, []string{"acme/api"}, 6000, true })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var capped int
	for _, e := range res.Errors {
		if e.Kind == "unverified" && strings.Contains(e.Message, "only the first 6000 bytes were checked") && e.Location.RunID != 0 && e.Location.Job != "" {
			capped++
		}
	}
	// The pip log (≈4.9 KB) and uv log fit; the clean lint log (≈3.9 KB) too:
	// none is capped at 6000 bytes, so shrink further to catch them.
	if capped != 0 {
		t.Fatalf("capped %d at 6000", capped)
	}
	sw, _ = newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos, c.MaxLogBytes, c.SkipFiles = nil, []string{"acme/api"}, 2000, true })
	res, err = sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		if e.Kind == "unverified" && strings.Contains(e.Message, "only the first 2000 bytes were checked") {
			capped++
		}
	}
	if capped != 3 {
		t.Fatalf("capped logs %d, want 3: %+v", capped, res.Errors)
	}
	rep := &sweep.Report{Errors: res.Errors}
	rep.Finalize()
	if rep.Verdict != sweep.Incomplete {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

// TestThousandRunCap: a day with more runs than a filtered listing returns
// (1,000) is split into 6-hour and then 1-hour ranges; an hour still over
// the cap is reported as not fully checked.
func TestThousandRunCap(t *testing.T) {
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	f.PageSize = 100
	spread, dense := &ghfake.Repo{Name: "spread"}, &ghfake.Repo{Name: "dense"}
	for i := 0; i < 1100; i++ {
		spread.Runs = append(spread.Runs, &ghfake.Run{ID: int64(100000 + i), Name: "ci", Event: "push",
			Created: time.Date(2026, 3, 24, 10, 40, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Second), Duration: time.Minute})
	}
	for i := 0; i < 1050; i++ {
		dense.Runs = append(dense.Runs, &ghfake.Run{ID: int64(200000 + i), Name: "ci", Event: "push",
			Created: time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second), Duration: time.Minute})
	}
	f.AddOrg("flood", spread, dense)
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.SkipFiles, c.Concurrency = []string{"flood"}, true, 2 })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.PathCalls("/repos/flood/spread/actions/runs/"); n != 1100 {
		t.Errorf("spread: %d runs swept, want 1100", n)
	}
	if n := f.PathCalls("/repos/flood/dense/actions/runs/"); n != 1000 {
		t.Errorf("dense: %d runs swept, want the 1000 the API lists", n)
	}
	if len(res.Errors) != 1 || res.Errors[0].Location.Repo != "flood/dense" || !strings.Contains(res.Errors[0].Message, "1050 workflow runs were created in 2026-03-24T11:00:00Z..2026-03-24T11:59:59Z") {
		t.Errorf("errors %+v", res.Errors)
	}
}

// TestCompositeActionsOnGitHub: a composite action's steps (action.yml in
// .github/actions/ or a repository root) are read on the default branch
// like workflows, by the same walk and matcher as a checkout's; a Docker
// action's image and an unreadable action.yml that names no pack action
// are not findings, one that names one is a located error.
func TestCompositeActionsOnGitHub(t *testing.T) {
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	f.AddOrg("solo", &ghfake.Repo{Name: "tools", Branch: "main", Files: map[string]string{
		".github/actions/scan/action.yml": "name: scan\ndescription: x\nruns:\n  using: composite\n  steps:\n" +
			"    - uses: actions/checkout@v4\n" +
			"    - name: kics\n      uses: \"checkmarx/KICS-github-action@45f3749467a6017cb4fb749054b498d149dd5924\" # v1.0\n" +
			"    - uses: aquasecurity/setup-trivy@v0.2.3\n",
		"action.yaml":            "name: d\ndescription: x\nruns:\n  using: docker\n  image: docker://aquasec/trivy:0.69.4\n",
		"docs/action.yml":        "uses: [not yaml\n",
		"broken/action.yml":      "runs:\n  steps: [\n    - uses: aquasecurity/trivy-action@0.28.0\n",
		".github/workflows/x.md": "uses: aquasecurity/trivy-action@0.28.0\n",
	}})
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs = []string{"solo"} })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s:%d %s %s", x.Severity, x.Location.Path, x.Location.Line, x.Location.Step, x.Indicator.ID))
	}
	slices.Sort(got)
	want := []string{
		"critical .github/actions/scan/action.yml:8 kics action-kics",
		"medium .github/actions/scan/action.yml:9 step 3 action-setup-trivy",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if len(res.Errors) != 1 || res.Errors[0].Location.Path != "broken/action.yml" || !strings.Contains(res.Errors[0].Message, "names aquasecurity/trivy-action but is not readable YAML") {
		t.Errorf("errors %+v", res.Errors)
	}
}

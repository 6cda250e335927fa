// Package ghorg sweeps GitHub organisations and repositories for the
// litellm/TeamPCP compromise: Actions job logs in the exposure windows,
// workflow files, Python manifests, and the secrets each exposed run could
// read (names only).
package ghorg

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/recipes"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CollectorName is the collector name on findings and errors.
const CollectorName = "github"

// Options say what to sweep and how.
type Options struct {
	Matcher *iocs.Matcher
	Orgs    []string // organisations: every repository
	Repos   []string // OWNER/NAME
	// APIURL is a GitHub Enterprise Server URL (https://ghe.example.com);
	// empty means github.com.
	APIURL string
	// Token is sent only to the API host. It is never logged or stored.
	Token string
	// Windows are the exposure windows whose runs are swept.
	Windows         []iocs.Window
	IncludeForks    bool
	IncludeArchived bool
	Concurrency     int
	// StatePath, when set, records finished repositories so an
	// interrupted sweep resumes without repeating them.
	StatePath   string
	MaxLogBytes int64
	// SkipFiles turns off the default-branch workflow and manifest checks.
	SkipFiles bool
	// Transport is the base HTTP transport (tests); nil means the default.
	Transport http.RoundTripper
	// MaxWait caps a single wait for a rate-limit reset (default 65 min).
	MaxWait time.Duration
	// Progress, when set, is told about each finished repository.
	Progress func(done, total int, repo string)
}

// Sweeper runs a GitHub sweep.
type Sweeper struct {
	cfg        Options
	m          *iocs.Matcher
	client     *github.Client
	tr         *apiTransport
	noRedirect *http.Client // API requests whose redirect we follow ourselves
	blob       *http.Client // the short-lived log URLs: no token
	days       []time.Time

	blobMu    sync.Mutex
	blobCache map[string]*blobEntry
	// dayByDay skips the one-request probe over the whole span (the
	// benchmark's baseline: one listing per window day).
	dayByDay bool

	runs, logs, logBytes, repos atomic.Int64
	unlisted                    []string // orgs (or --repo targets) that could not be listed
}

// New checks the configuration and builds the clients.
func New(cfg Options) (*Sweeper, error) {
	if cfg.Matcher == nil {
		return nil, errors.New("github sweep: no IOC matcher")
	}
	if len(cfg.Orgs) == 0 && len(cfg.Repos) == 0 {
		return nil, errors.New("github sweep: name at least one --org or --repo")
	}
	for _, r := range cfg.Repos {
		if o, n, ok := strings.Cut(r, "/"); !ok || o == "" || n == "" || strings.Contains(n, "/") {
			return nil, fmt.Errorf("--repo %q: want OWNER/NAME", r)
		}
	}
	if len(cfg.Windows) == 0 {
		return nil, errors.New("github sweep: no exposure window")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.MaxLogBytes <= 0 {
		cfg.MaxLogBytes = DefaultMaxLogBytes
	}
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client := github.NewClient(nil)
	if cfg.APIURL != "" {
		u := strings.TrimRight(cfg.APIURL, "/") + "/"
		c, err := client.WithEnterpriseURLs(u, u)
		if err != nil {
			return nil, fmt.Errorf("--api-url: %w", err)
		}
		client = c
	}
	tr := newAPITransport(base, client.BaseURL.Host, cfg.Token)
	if cfg.MaxWait > 0 {
		tr.maxWait = cfg.MaxWait
	}
	hc := &http.Client{Transport: tr}
	c2 := github.NewClient(hc)
	c2.BaseURL, c2.UploadURL = client.BaseURL, client.UploadURL
	s := &Sweeper{cfg: cfg, m: cfg.Matcher, client: c2, tr: tr, blobCache: map[string]*blobEntry{},
		noRedirect: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		blob: &http.Client{Transport: stripAuth{base}, Timeout: 30 * time.Minute, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			req.Header.Del("Authorization")
			return nil
		}},
	}
	s.days = windowDays(cfg.Windows)
	return s, nil
}

// stripAuth never lets an Authorization header out (log storage hosts).
type stripAuth struct{ base http.RoundTripper }

func (s stripAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
	}
	return s.base.RoundTrip(req)
}

// windowDays lists the UTC days the windows touch.
func windowDays(ws []iocs.Window) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for _, w := range ws {
		for d := w.Start.UTC().Truncate(24 * time.Hour); !d.After(w.End.UTC()); d = d.Add(24 * time.Hour) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// repoInfo is a repository to sweep.
type repoInfo struct {
	Owner, Name, FullName string
	ID                    int64
	DefaultBranch         string
	HTMLURL               string
	Fork, Archived        bool
}

// Result is what a sweep produced, ready to go into a report.
type Result struct {
	Findings []sweep.Finding
	Errors   []sweep.Error
	Timeline []sweep.TimelineEvent
	Stats    sweep.Stats
	Targets  []string
	Coverage *sweep.Coverage
	// Limit is set when the sweep stopped at a standing rate limit: re-run
	// with the same --state after Limit.Until.
	Limit *LimitError
}

// Run sweeps every target. It returns the partial result with ctx's error
// when interrupted. Finished repositories and runs are in the state file;
// a later Run with the same state retries everything unfinished.
func (s *Sweeper) Run(ctx context.Context) (*Result, error) {
	st, err := loadState(s.cfg.StatePath, s.fingerprint())
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, o := range s.cfg.Orgs {
		res.Targets = append(res.Targets, "org:"+o)
	}
	for _, r := range s.cfg.Repos {
		res.Targets = append(res.Targets, "repo:"+r)
	}
	repos, findings, errs := s.enumerate(ctx)
	res.Findings = append(res.Findings, findings...)
	res.Errors = append(res.Errors, errs...)

	var todo []repoInfo
	for _, r := range repos {
		if rr := st.Repos[r.FullName]; rr == nil || !rr.Done {
			todo = append(todo, r)
		}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		finished = len(repos) - len(todo)
		lastSave time.Time
		saveErr  error
		live     = map[string][]*part{} // unfinished work of this process
		started  = map[string]bool{}
	)
	save := func(force bool) {
		if s.cfg.StatePath == "" || (!force && time.Since(lastSave) < time.Second) {
			return
		}
		lastSave = time.Now()
		st.APICalls = st.priorCalls + s.tr.Calls()
		st.RateLimitUsed = st.priorUsed + s.tr.RateLimitUsed()
		if err := st.save(s.cfg.StatePath); err != nil && saveErr == nil {
			saveErr = err
		}
	}
	work := make(chan repoInfo)
	for i := 0; i < min(s.cfg.Concurrency, max(len(todo), 1)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ri := range work {
				mu.Lock()
				prior := st.Repos[ri.FullName]
				started[ri.FullName] = true
				mu.Unlock()
				rr, pending := s.sweepRepo(ctx, ri, prior)
				mu.Lock()
				st.Repos[ri.FullName] = rr
				live[ri.FullName] = pending
				if rr.Done {
					s.repos.Add(1)
					finished++
				}
				save(false)
				if s.cfg.Progress != nil {
					s.cfg.Progress(finished, len(repos), ri.FullName)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, ri := range todo {
		if s.tr.Open() != nil {
			break // a standing rate limit: send nothing more
		}
		select {
		case work <- ri:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	mu.Lock()
	save(true)
	mu.Unlock()

	limit := s.tr.Open()
	res.Limit = limit
	// Repositories a listing failed to name this time: the state knows
	// them (and keeps what was finished) from an earlier listing.
	names := make([]string, 0, len(repos))
	seen := map[string]bool{}
	for _, ri := range repos {
		names = append(names, ri.FullName)
		seen[strings.ToLower(ri.FullName)] = true
	}
	cov := &sweep.Coverage{Unit: "repositories", Unlisted: s.unlisted}
	for _, u := range s.unlisted {
		for _, n := range st.Known {
			owner, _, _ := strings.Cut(n, "/")
			if (strings.EqualFold(owner, u) || strings.EqualFold(n, u)) && !seen[strings.ToLower(n)] {
				seen[strings.ToLower(n)] = true
				names = append(names, n)
			}
		}
	}
	cov.Total = len(names)
	var runs, logs, bytes int64
	for _, n := range names {
		rr := st.Repos[n]
		parts := append(rr.parts(), live[n]...)
		for _, p := range parts {
			res.Findings = append(res.Findings, p.Findings...)
			res.Errors = append(res.Errors, p.Errors...)
			logs += p.Logs
			bytes += p.LogBytes
			if p.Run {
				runs++
				if p.Unverified {
					cov.RunsUnverified++
				}
			}
		}
		switch {
		case rr != nil && rr.Done && !rr.CIUnlisted:
			cov.Checked++
		case rr != nil && rr.Done:
			cov.Unchecked = append(cov.Unchecked, n)
		default:
			cov.Unchecked = append(cov.Unchecked, n)
			msg := "not swept"
			if started[n] || rr != nil {
				msg = "not finished"
			}
			switch {
			case limit != nil:
				msg += fmt.Sprintf(": the sweep stopped at a standing rate limit (%s); re-run with the same --state after %s", limit.Reason, limit.Until.UTC().Format(time.RFC3339))
			case ctx.Err() != nil:
				msg += ": the sweep was interrupted; re-run with the same --state to finish it"
			default:
				msg += ": a transient error (above) left it unfinished; re-run with the same --state to retry it"
			}
			if s.cfg.StatePath == "" {
				msg = strings.Replace(msg, "re-run with the same --state", "re-run (with --state FILE to keep finished work)", 1)
			}
			res.Errors = append(res.Errors, sweep.Error{Collector: CollectorName, Kind: sweep.ErrKindUnverified, Location: sweep.Location{Repo: n}, Message: msg})
		}
	}
	for _, ri := range repos {
		if !slices.Contains(st.Known, ri.FullName) {
			st.Known = append(st.Known, ri.FullName)
		}
	}
	sort.Strings(st.Known)
	cov.RunsTotal = runs
	res.Coverage = cov
	save(true)
	res.Timeline = sweep.Timeline(res.Findings, s.windows()...)
	done := int64(0)
	for _, rr := range st.Repos {
		if rr.Done {
			done++
		}
	}
	res.Stats = sweep.Stats{APICalls: st.priorCalls + s.tr.Calls(), RateLimitUsed: st.priorUsed + s.tr.RateLimitUsed(),
		Repos: done, Runs: runs, Logs: logs, BytesRead: bytes, FilesRead: logs}
	if saveErr != nil {
		res.Errors = append(res.Errors, sweep.Error{Collector: CollectorName, Kind: sweep.ErrKindError,
			Message: "could not write the state file: " + saveErr.Error()})
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// APICalls is the number of API requests this process sent.
func (s *Sweeper) APICalls() int64 { return s.tr.Calls() }

// enumerate lists the target repositories, reports repositories named like
// the campaign's exfiltration repos, and applies the fork/archived filters.
func (s *Sweeper) enumerate(ctx context.Context) ([]repoInfo, []sweep.Finding, []sweep.Error) {
	var (
		out      []repoInfo
		findings []sweep.Finding
		errs     []sweep.Error
		seen     = map[string]bool{}
	)
	add := func(r *github.Repository, org string) {
		ri := toInfo(r)
		if f, ok := s.exfilRepo(r, ri); ok {
			findings = append(findings, f)
		}
		key := strings.ToLower(ri.FullName)
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, ri)
	}
	for _, org := range s.cfg.Orgs {
		opt := &github.RepositoryListByOrgOptions{Type: "all", ListOptions: github.ListOptions{PerPage: 100}}
		var forks, archived int
		user := false // not an organisation: a user account's own repositories
		for {
			var (
				page []*github.Repository
				resp *github.Response
				err  error
			)
			if user {
				page, resp, err = s.client.Repositories.ListByUser(ctx, org, &github.RepositoryListByUserOptions{Type: "owner", ListOptions: opt.ListOptions})
			} else {
				page, resp, err = s.client.Repositories.ListByOrg(ctx, org, opt)
				if err != nil && statusOf(err) == http.StatusNotFound && opt.Page <= 1 && ctx.Err() == nil {
					user = true
					continue
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return out, findings, errs
				}
				msg := describe(err, "list the repositories of "+org)
				if statusOf(err) == http.StatusNotFound {
					msg = fmt.Sprintf("organization or user %q not found or not visible to this token (HTTP 404); its repositories were not checked", org)
				}
				errs = append(errs, sweep.Error{Collector: CollectorName, Kind: sweep.ErrKindError, Location: sweep.Location{Repo: org}, Message: msg})
				s.unlisted = append(s.unlisted, org)
				break
			}
			for _, r := range page {
				switch {
				case r.GetFork() && !s.cfg.IncludeForks:
					forks++
					if f, ok := s.exfilRepo(r, toInfo(r)); ok {
						findings = append(findings, f)
					}
					continue
				case r.GetArchived() && !s.cfg.IncludeArchived:
					archived++
					if f, ok := s.exfilRepo(r, toInfo(r)); ok {
						findings = append(findings, f)
					}
					continue
				}
				add(r, org)
			}
			if resp.NextPage == 0 {
				break
			}
			opt.Page = resp.NextPage
		}
		if forks+archived > 0 {
			errs = append(errs, sweep.Error{Collector: CollectorName, Kind: sweep.ErrKindSkipped, Location: sweep.Location{Repo: org},
				Message: fmt.Sprintf("%d forks and %d archived repositories not swept (use --include-forks / --include-archived)", forks, archived)})
		}
	}
	for _, full := range s.cfg.Repos {
		o, n, _ := strings.Cut(full, "/")
		r, _, err := s.client.Repositories.Get(ctx, o, n)
		if err != nil {
			if ctx.Err() != nil {
				return out, findings, errs
			}
			msg := describe(err, "read repository "+full)
			if statusOf(err) == http.StatusNotFound {
				msg = fmt.Sprintf("repository %s not found or not visible to this token (HTTP 404)", full)
			}
			errs = append(errs, sweep.Error{Collector: CollectorName, Kind: sweep.ErrKindError, Location: sweep.Location{Repo: full}, Message: msg})
			if isTransient(err) {
				s.unlisted = append(s.unlisted, full)
			}
			continue
		}
		add(r, o)
	}
	return out, findings, errs
}

func toInfo(r *github.Repository) repoInfo {
	return repoInfo{Owner: r.GetOwner().GetLogin(), Name: r.GetName(), FullName: r.GetFullName(), ID: r.GetID(),
		DefaultBranch: r.GetDefaultBranch(), HTMLURL: r.GetHTMLURL(), Fork: r.GetFork(), Archived: r.GetArchived()}
}

// exfilRepo flags a repository named like the fallback exfiltration repos.
func (s *Sweeper) exfilRepo(r *github.Repository, ri repoInfo) (sweep.Finding, bool) {
	ci := s.m.Pack().CI
	name := strings.ToLower(ri.Name)
	for _, n := range ci.RepoNames {
		n = strings.ToLower(n)
		if name != n && !strings.HasPrefix(name, n+"-") {
			continue
		}
		f := sweep.Finding{Severity: sweep.Critical, Category: CatRepo, Collector: CollectorName,
			Title:     fmt.Sprintf("repository %s exists: the campaign's fallback exfiltration creates it when stealing secrets", ri.FullName),
			Location:  sweep.Location{Repo: ri.FullName, URL: ri.HTMLURL},
			Indicator: indicator("ci-repo-names", "ci-repo", ci.RepoProvenance)}
		if t := r.GetCreatedAt(); !t.IsZero() {
			tt := t.UTC()
			f.Evidence.Time = &tt
			f.Evidence.Details = append(f.Evidence.Details, "created "+tt.Format(time.RFC3339))
		}
		return f, true
	}
	return sweep.Finding{}, false
}

// describe turns an API error into a message without the token (the
// token is never part of a URL or an error body).
func describe(err error, what string) string {
	var le *LimitError
	if errors.As(err, &le) {
		return fmt.Sprintf("could not %s: %s", what, le.Error())
	}
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl):
		return fmt.Sprintf("could not %s: primary rate limit exhausted until %s", what, rl.Rate.Reset.UTC().Format(time.RFC3339))
	case errors.As(err, &ab):
		return fmt.Sprintf("could not %s: secondary rate limit (retry after %s)", what, ab.GetRetryAfter())
	case errors.As(err, &er) && er.Response != nil:
		msg := fmt.Sprintf("could not %s: HTTP %d", what, er.Response.StatusCode)
		if er.Response.StatusCode >= 500 {
			msg += " (GitHub server error, retried)"
		}
		if er.Message != "" {
			msg += ": " + er.Message
		}
		if p := er.Response.Header.Get("X-Accepted-GitHub-Permissions"); p != "" {
			msg += " (needs " + p + ")"
		}
		if sso := er.Response.Header.Get("X-GitHub-SSO"); sso != "" {
			msg += " (SAML SSO authorisation required for this token)"
		}
		return msg
	}
	return fmt.Sprintf("could not %s: %s", what, scrubURLs(err.Error()))
}

func statusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// part is the result of one unit of work: the run listing, one run, or
// the default-branch files of a repository. A part is finished when no
// transient error (rate limit, 5xx, network) interrupted it; only finished
// parts go into the state file.
type part struct {
	Findings []sweep.Finding `json:"findings,omitempty"`
	Errors   []sweep.Error   `json:"errors,omitempty"`
	Run      bool            `json:"run,omitempty"` // a workflow run
	Logs     int64           `json:"logs,omitempty"`
	LogBytes int64           `json:"log_bytes,omitempty"`
	// Unverified: a job of this run could not be verified and nothing in
	// its workflow could be graded.
	Unverified bool `json:"unverified,omitempty"`

	transient bool // a transient failure left it unfinished
}

// repoResult is what the state file keeps for a repository: its finished
// parts, and whether all of it is finished.
type repoResult struct {
	Done       bool             `json:"done"`
	Listing    *part            `json:"listing,omitempty"`
	Runs       map[string]*part `json:"runs,omitempty"` // finished runs by id
	Files      *part            `json:"files,omitempty"`
	CIUnlisted bool             `json:"ci_unlisted,omitempty"` // runs could not be listed (permanent answer)
}

// parts returns the finished parts in a fixed order.
func (r *repoResult) parts() []*part {
	if r == nil {
		return nil
	}
	var out []*part
	if r.Listing != nil {
		out = append(out, r.Listing)
	}
	ids := make([]string, 0, len(r.Runs))
	for id := range r.Runs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, r.Runs[id])
	}
	if r.Files != nil {
		out = append(out, r.Files)
	}
	return out
}

// repoSweep holds the per-repository lazily fetched facts.
type repoSweep struct {
	s         *Sweeper
	ri        repoInfo
	cur       *part            // where findings and errors go
	workflows map[int64]string // workflow id -> path
	wfLoaded  bool
	files     map[string]*Workflow // path@sha -> parsed (nil when unreadable)
	contents  map[string]contentResult
	listings  *secretListings
}

// sweepRepo sweeps what prior (the state of an earlier sweep, or nil)
// has not finished. It returns the repository's new state and the
// unfinished parts of this attempt (reported, not saved).
func (s *Sweeper) sweepRepo(ctx context.Context, ri repoInfo, prior *repoResult) (*repoResult, []*part) {
	rs := &repoSweep{s: s, ri: ri, files: map[string]*Workflow{}, contents: map[string]contentResult{}}
	rr := &repoResult{Runs: map[string]*part{}}
	if prior != nil {
		for id, p := range prior.Runs {
			rr.Runs[id] = p
		}
		rr.Files = prior.Files
	}
	var pending []*part
	keep := func(p *part) bool {
		if p.transient || ctx.Err() != nil {
			if len(p.Findings)+len(p.Errors) > 0 && ctx.Err() == nil {
				pending = append(pending, p)
			}
			return false
		}
		return true
	}
	lp := &part{}
	rs.cur = lp
	runs, err := rs.listRuns(ctx)
	listed := err == nil
	if err != nil && ctx.Err() == nil {
		rs.addErrFor(err, sweep.ErrKindUnverified, sweep.Location{Repo: ri.FullName}, describeRuns(err))
		if !lp.transient {
			rr.CIUnlisted, listed = true, true
		}
	}
	if listed && keep(lp) {
		rr.Listing = lp
	}
	allRuns := listed
	for _, run := range runs {
		id := strconv.FormatInt(run.GetID(), 10)
		if rr.Runs[id] != nil {
			continue
		}
		if ctx.Err() != nil || s.tr.Open() != nil {
			allRuns = false
			break
		}
		rp := &part{Run: true}
		rs.cur = rp
		rs.sweepRun(ctx, run)
		if keep(rp) {
			rr.Runs[id] = rp
		} else {
			allRuns = false
		}
	}
	filesDone := s.cfg.SkipFiles || rr.Files != nil
	if !filesDone && ctx.Err() == nil && s.tr.Open() == nil {
		fp := &part{}
		rs.cur = fp
		rs.sweepFiles(ctx)
		if keep(fp) {
			rr.Files, filesDone = fp, true
		}
	}
	if s.cfg.SkipFiles {
		rr.Files = nil
	}
	rr.Done = listed && allRuns && filesDone && ctx.Err() == nil
	return rr, pending
}

func describeRuns(err error) string {
	switch statusOf(err) {
	case http.StatusNotFound:
		return "workflow runs could not be listed (HTTP 404): Actions disabled, or the token lacks actions:read on this repository; its CI was not checked"
	case http.StatusForbidden:
		return describe(err, "list workflow runs") + "; the token may not read Actions on this repository (fine-grained: Actions read); its CI was not checked"
	}
	return describe(err, "list workflow runs") + "; its CI was not checked"
}

func (rs *repoSweep) addErr(kind sweep.ErrorKind, loc sweep.Location, msg string) {
	if loc.Repo == "" {
		loc.Repo = rs.ri.FullName
	}
	rs.cur.Errors = append(rs.cur.Errors, sweep.Error{Collector: CollectorName, Kind: kind, Location: loc, Message: msg})
}

// addErrFor records an error caused by err; a transient err (rate limit,
// 5xx, network) leaves the current part unfinished, so a resumed sweep
// retries it and this error is not kept.
func (rs *repoSweep) addErrFor(err error, kind sweep.ErrorKind, loc sweep.Location, msg string) {
	if isTransient(err) {
		rs.cur.transient = true
		if kind == sweep.ErrKindSkipped {
			kind = sweep.ErrKindError
		}
	}
	rs.addErr(kind, loc, msg)
}

// isTransient says whether an API failure may go away on its own: rate
// limits, 5xx, 401 (a token being fixed), network and decoding failures.
// 403 (missing permission), 404, 409, 410 and 422 are permanent answers.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	var le *LimitError
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	if errors.As(err, &le) || errors.As(err, &rl) || errors.As(err, &ab) {
		return true
	}
	var pe *permanentError
	if errors.As(err, &pe) {
		return false
	}
	var lg *logError
	if errors.As(err, &lg) {
		return !lg.permanent()
	}
	st := statusOf(err)
	return st == 0 || st >= 500 || st == http.StatusUnauthorized || st == http.StatusTooManyRequests
}

// permanentError is a failure that retrying will not change (a body of the
// wrong type, an unparsable file).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// inScope reports whether a run could have executed inside a window: it
// was created before the window ended and last updated after it began.
func (s *Sweeper) inScope(run *github.WorkflowRun) bool {
	created := run.GetCreatedAt().Time
	updated := run.GetUpdatedAt().Time
	if updated.IsZero() || updated.Before(created) {
		updated = created
	}
	for _, w := range s.cfg.Windows {
		if !created.After(w.End) && !updated.Before(w.Start) {
			return true
		}
	}
	return false
}

const maxFiltered = 1000 // filtered run listings stop here

// listRuns lists the runs created on the windows' days. One request over
// the whole span answers most repositories (no runs, or one page of them);
// otherwise it lists one day at a time, and splits a day with more than
// 1,000 runs into hours.
func (rs *repoSweep) listRuns(ctx context.Context) ([]*github.WorkflowRun, error) {
	s := rs.s
	days := s.days
	first, last := days[0], days[len(days)-1]
	probe := first.Format("2006-01-02") + ".." + last.Format("2006-01-02")
	var (
		runs        []*github.WorkflowRun
		total, next int
		err         error
	)
	if s.dayByDay {
		total, next = 1, 1
	} else if runs, total, next, err = rs.runsPage(ctx, probe, 1); err != nil {
		return nil, err
	}
	var all []*github.WorkflowRun
	if total == 0 {
		return nil, nil
	}
	if next == 0 && len(runs) >= total {
		all = runs
	} else {
		for _, d := range days {
			day := d.Format("2006-01-02")
			got, err := rs.listRange(ctx, day+".."+day, d, d.Add(24*time.Hour-time.Second), 0)
			if err != nil {
				return nil, err
			}
			all = append(all, got...)
		}
	}
	seen := map[int64]bool{}
	var out []*github.WorkflowRun
	for _, r := range all {
		if seen[r.GetID()] || !s.inScope(r) {
			continue
		}
		seen[r.GetID()] = true
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetID() < out[j].GetID() })
	return out, nil
}

// listRange lists every run created in rng (all pages), splitting the range
// when the API's 1,000-result cap would hide runs.
func (rs *repoSweep) listRange(ctx context.Context, rng string, from, to time.Time, depth int) ([]*github.WorkflowRun, error) {
	runs, total, next, err := rs.runsPage(ctx, rng, 1)
	if err != nil {
		return nil, err
	}
	if total > maxFiltered && depth < 2 {
		step := 6 * time.Hour // 6-hour slices, then hours
		if depth == 1 {
			step = time.Hour
		}
		var out []*github.WorkflowRun
		for a := from; !a.After(to); a = a.Add(step) {
			b := a.Add(step - time.Second)
			if b.After(to) {
				b = to
			}
			sub, err := rs.listRange(ctx, a.Format(time.RFC3339)+".."+b.Format(time.RFC3339), a, b, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		return out, nil
	}
	if total > maxFiltered {
		rs.addErr(sweep.ErrKindUnverified, sweep.Location{}, fmt.Sprintf("%d workflow runs were created in %s; the API lists at most %d, so the rest were not checked", total, rng, maxFiltered))
	}
	for next != 0 {
		var more []*github.WorkflowRun
		more, _, next, err = rs.runsPage(ctx, rng, next)
		if err != nil {
			return nil, err
		}
		runs = append(runs, more...)
	}
	return runs, nil
}

func (rs *repoSweep) runsPage(ctx context.Context, created string, page int) ([]*github.WorkflowRun, int, int, error) {
	opt := &github.ListWorkflowRunsOptions{Created: created, ListOptions: github.ListOptions{PerPage: 100, Page: page}}
	wr, resp, err := rs.s.client.Actions.ListRepositoryWorkflowRuns(ctx, rs.ri.Owner, rs.ri.Name, opt)
	if err != nil {
		return nil, 0, 0, err
	}
	return wr.WorkflowRuns, wr.GetTotalCount(), resp.NextPage, nil
}

// runRef names a run in rotation entries and messages.
func runRef(repo string, run *github.WorkflowRun, job string) string {
	s := fmt.Sprintf("%s run %d", repo, run.GetID())
	if a := run.GetRunAttempt(); a > 1 {
		s += fmt.Sprintf(" attempt %d", a)
	}
	if job != "" {
		s += " job " + job
	}
	return s
}

func runDetails(run *github.WorkflowRun) []string {
	d := []string{"run created " + run.GetCreatedAt().UTC().Format(time.RFC3339)}
	if n := run.GetName(); n != "" {
		d = append(d, "workflow "+n)
	}
	if e := run.GetEvent(); e != "" {
		d = append(d, "event "+e)
	}
	if b := run.GetHeadBranch(); b != "" {
		d = append(d, "branch "+b)
	}
	if h := run.GetHeadSHA(); h != "" {
		d = append(d, "head_sha "+h)
	}
	return d
}

func runLoc(repo string, run *github.WorkflowRun) sweep.Location {
	return sweep.Location{Repo: repo, RunID: run.GetID(), RunAttempt: run.GetRunAttempt(), URL: run.GetHTMLURL()}
}

// sweepRun reads every job log of one run into rs.cur.
func (rs *repoSweep) sweepRun(ctx context.Context, run *github.WorkflowRun) {
	s := rs.s
	s.runs.Add(1)
	loc := runLoc(rs.ri.FullName, run)
	var jobs []*github.WorkflowJob
	opt := &github.ListWorkflowJobsOptions{Filter: "all", ListOptions: github.ListOptions{PerPage: 100}}
	for {
		js, resp, err := s.client.Actions.ListWorkflowJobs(ctx, rs.ri.Owner, rs.ri.Name, run.GetID(), opt)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			rs.addErrFor(err, sweep.ErrKindUnverified, loc, describe(err, "list the jobs of this run")+"; "+strings.Join(runDetails(run), ", "))
			if !rs.cur.transient {
				rs.afterRun(ctx, run, nil, nil, true, nil)
			}
			return
		}
		jobs = append(jobs, js.Jobs...)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	var exposedJobs, unverifiedJobs []string
	perms := map[string][]string{}
	for _, job := range jobs {
		if job.GetConclusion() == "skipped" {
			continue // never ran: no log, nothing exposed
		}
		if ctx.Err() != nil || s.tr.Open() != nil {
			rs.cur.transient = true
			return
		}
		jloc := loc
		jloc.Job = job.GetName()
		if job.GetHTMLURL() != "" {
			jloc.URL = job.GetHTMLURL()
		}
		if a := job.GetRunAttempt(); a > 0 {
			jloc.RunAttempt = int(a)
			if a > 1 {
				// Attempts repeat job names; keep their findings apart.
				jloc.Job += fmt.Sprintf(" (attempt %d)", a)
			}
		}
		lr, err := rs.jobLog(ctx, job)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var le *logError
			errors.As(err, &le)
			details := strings.Join(runDetails(run), ", ")
			switch {
			case le != nil && le.api && (le.status == http.StatusGone || le.status == http.StatusNotFound):
				rs.addErr(sweep.ErrKindUnverified, jloc, fmt.Sprintf("job log expired or deleted (HTTP %d): could not verify this job; %s", le.status, details))
				unverifiedJobs = append(unverifiedJobs, job.GetName())
			case le != nil && le.api && le.status == http.StatusForbidden:
				msg := "job log not readable with this token (HTTP 403"
				if le.needs != "" {
					msg += ", needs " + le.needs
				}
				rs.addErr(sweep.ErrKindUnverified, jloc, msg+"): could not verify this job; "+details)
				unverifiedJobs = append(unverifiedJobs, job.GetName())
			default:
				rs.addErrFor(err, sweep.ErrKindUnverified, jloc, fmt.Sprintf("job log could not be read: %v; %s", err, details))
				if !isTransient(err) {
					unverifiedJobs = append(unverifiedJobs, job.GetName())
				}
			}
			continue
		}
		rs.cur.Logs++
		rs.cur.LogBytes += lr.Bytes
		s.logs.Add(1)
		if lr.Truncated {
			rs.addErr(sweep.ErrKindUnverified, jloc, fmt.Sprintf("job log larger than %d bytes: only the first %d bytes were checked", s.cfg.MaxLogBytes, s.cfg.MaxLogBytes))
		}
		if f, ok := jobFinding(lr, jloc, run); ok {
			rs.cur.Findings = append(rs.cur.Findings, f)
			if f.Severity.Rank() >= sweep.High.Rank() {
				exposedJobs = append(exposedJobs, job.GetName())
				perms[job.GetName()] = lr.TokenPerms
			}
		}
	}
	if rs.cur.transient {
		return
	}
	rs.afterRun(ctx, run, exposedJobs, unverifiedJobs, false, perms)
}

// jobFinding makes one finding of every matching line of a job log: the
// worst hit names it; every hit is a line of evidence (number, step and the
// allow-listed text).
func jobFinding(lr LogResult, jloc sweep.Location, run *github.WorkflowRun) (sweep.Finding, bool) {
	if len(lr.Hits) == 0 {
		return sweep.Finding{}, false
	}
	worst := 0
	for i, h := range lr.Hits {
		if h.Severity.Rank() > lr.Hits[worst].Severity.Rank() {
			worst = i
		}
	}
	w := lr.Hits[worst]
	f := sweep.Finding{Severity: w.Severity, Category: CatLog, Title: w.Title, Collector: CollectorName, Indicator: w.Indicator}
	if n := len(lr.Hits) + lr.Dropped; n > 1 {
		f.Title += fmt.Sprintf(" (%d matching lines)", n)
	}
	f.Location = jloc
	f.Location.Step, f.Location.Line = w.Step, w.Line
	f.Evidence = sweep.Evidence{Package: w.Package, Version: w.Version, Time: w.Time, Text: w.Text}
	for _, h := range lr.Hits {
		if f.Evidence.Package == "" && h.Package != "" {
			f.Evidence.Package, f.Evidence.Version = h.Package, h.Version
		}
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("line %d, step %q: %s [%s]", h.Line, h.Step, h.Text, h.Indicator.ID))
	}
	if lr.Dropped > 0 {
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("%d further matching lines not listed", lr.Dropped))
	}
	f.Evidence.Details = append(f.Evidence.Details, runDetails(run)...)
	if w.Action != "" {
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("action %s@%s resolved to %s", w.Action, w.Ref, w.SHA))
	}
	return f, true
}

// afterRun reads the workflow file of a run that was exposed, or that could
// not be verified, at the run's head_sha: its compromised-action uses, the
// installs its run: steps make (graded against the manifests at that
// commit), and the secrets the exposed jobs could read.
func (rs *repoSweep) afterRun(ctx context.Context, run *github.WorkflowRun, exposedJobs, unverifiedJobs []string, allUnverified bool, perms map[string][]string) {
	if len(exposedJobs) == 0 && len(unverifiedJobs) == 0 && !allUnverified {
		return
	}
	wf, werr := rs.workflowAt(ctx, run)
	if ctx.Err() != nil || rs.cur.transient {
		return
	}
	var possible, likely []string // API job names graded from the workflow
	graded := map[string]bool{}
	if wf != nil && (len(unverifiedJobs) > 0 || allUnverified) {
		// Without the log, the workflow file at head_sha says whether a
		// compromised action could have run in its window, and what its
		// run: steps installed.
		targets := map[string]string{} // YAML key -> API name
		for _, j := range unverifiedJobs {
			if wj := wf.JobFor(j); wj != nil {
				targets[wj.Key] = j
			} else {
				for _, wj := range wf.Jobs {
					targets[wj.Key] = j
				}
			}
		}
		if allUnverified {
			for _, wj := range wf.Jobs {
				targets[wj.Key] = wj.Name
			}
		}
		for _, u := range wf.Uses {
			api, ok := targets[u.Job]
			if !ok {
				continue
			}
			f, ok := rs.s.useFinding(u, rs.ri, wf.Path, run)
			if !ok {
				continue
			}
			graded[api] = true
			possible = append(possible, api)
			rs.cur.Findings = append(rs.cur.Findings, f)
		}
		keys := make([]string, 0, len(targets))
		for k := range targets {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			api := targets[key]
			fs := rs.gradeInstalls(ctx, run, wf, key, api)
			if rs.cur.transient {
				return
			}
			if len(fs) > 0 {
				graded[api] = true
				likely = append(likely, api)
				rs.cur.Findings = append(rs.cur.Findings, fs...)
			}
		}
	}
	for _, j := range unverifiedJobs {
		if !graded[j] {
			rs.cur.Unverified = true
		}
	}
	if allUnverified && len(graded) == 0 {
		rs.cur.Unverified = true
	}
	if len(exposedJobs) > 0 {
		rs.expose(ctx, run, wf, werr, exposedJobs, sweep.ExposureConfirmed, perms)
	}
	if len(possible) > 0 {
		rs.expose(ctx, run, wf, werr, dedupe(possible), sweep.ExposureUnverified, nil)
	}
	if len(likely) > 0 {
		rs.expose(ctx, run, wf, werr, dedupe(likely), sweep.ExposurePrecautionary, nil)
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// useFinding judges one `uses:` against every pack entry for its
// repository (the strongest finding wins). With run == nil it is the
// default branch (what would run next); with a run it is the file at
// head_sha and the run's time decides whether a hijacked tag could have
// been fetched.
func (s *Sweeper) useFinding(u UseRef, ri repoInfo, path string, run *github.WorkflowRun) (sweep.Finding, bool) {
	var best sweep.Finding
	found := false
	for _, h := range s.m.Action(u.Repo, u.Ref) {
		if f, ok := s.useFindingFor(h, u, ri, path, run); ok && (!found || f.Severity.Rank() > best.Severity.Rank()) {
			best, found = f, true
		}
	}
	return best, found
}

func (s *Sweeper) useFindingFor(h iocs.ActionHit, u UseRef, ri repoInfo, path string, run *github.WorkflowRun) (sweep.Finding, bool) {
	a := h.Action
	f := sweep.Finding{Category: CatWorkflow, Collector: CollectorName, Indicator: indicator(a.ID, "ci-action", a.Provenance),
		Location: sweep.Location{Repo: ri.FullName, Path: path, Line: u.Line, Job: u.Job, Step: u.Step},
		Evidence: sweep.Evidence{Text: "uses: " + u.Uses}}
	if u.Latest {
		f.Evidence.Details = append(f.Evidence.Details, "with: version: latest (installs whatever release the tool had then)")
	}
	if run != nil {
		f.Location.RunID, f.Location.RunAttempt, f.Location.URL = run.GetID(), run.GetRunAttempt(), run.GetHTMLURL()
		f.Evidence.Details = append(f.Evidence.Details, runDetails(run)...)
		t := run.GetCreatedAt().UTC()
		f.Evidence.Time = &t
	}
	if h.Kind == iocs.ActionBadCommit {
		f.Severity = severityOf(h.Severity(), sweep.Critical)
		f.Title = fmt.Sprintf("workflow pins %s to imposter commit %s", a.Repo, short(u.Ref))
		return f, true
	}
	if run == nil {
		f.Severity = severityOf(h.Severity(), sweep.Medium)
		// When comes from the pack (the entry's window); the month form
		// keeps the title, and so the finding ID (Finding.Key hashes the
		// title), of reports made when it was written in here.
		when := ""
		if w, ok := s.m.Window(a.Window); ok && !w.Start.IsZero() {
			when = " in " + w.Start.UTC().Format("January 2006")
		}
		f.Title = fmt.Sprintf("workflow uses %s by mutable ref %q (its tags were hijacked%s): pin a reviewed commit SHA", a.Repo, u.Ref, when)
		return f, true
	}
	w, ok := s.m.Window(a.Window)
	if !ok {
		return sweep.Finding{}, false
	}
	created := run.GetCreatedAt().Time
	updated := run.GetUpdatedAt().Time
	if updated.Before(created) {
		updated = created
	}
	if created.After(w.End) || updated.Before(w.Start) {
		return sweep.Finding{}, false
	}
	f.Severity = sweep.High
	f.Title = fmt.Sprintf("run used %s@%s while its tags were hijacked; log unavailable, so assume it ran the malicious code", a.Repo, u.Ref)
	return f, true
}

// workflowAt fetches and parses the run's workflow file at head_sha.
func (rs *repoSweep) workflowAt(ctx context.Context, run *github.WorkflowRun) (*Workflow, error) {
	s := rs.s
	if !rs.wfLoaded {
		workflows := map[int64]string{}
		opt := &github.ListOptions{PerPage: 100}
		ok := true
		for {
			ws, resp, err := s.client.Actions.ListWorkflows(ctx, rs.ri.Owner, rs.ri.Name, opt)
			if err != nil {
				ok = false
				if ctx.Err() == nil {
					rs.addErrFor(err, sweep.ErrKindSkipped, sweep.Location{RunID: run.GetID()}, describe(err, "list workflows")+"; secrets of exposed runs are listed from the API only")
				}
				break
			}
			for _, w := range ws.Workflows {
				workflows[w.GetID()] = w.GetPath()
			}
			if resp.NextPage == 0 {
				break
			}
			opt.Page = resp.NextPage
		}
		if !ok && rs.cur.transient {
			return nil, errors.New("workflows could not be listed")
		}
		rs.wfLoaded, rs.workflows = true, workflows
	}
	path := rs.workflows[run.GetWorkflowID()]
	if path == "" {
		return nil, errors.New("workflow file of the run unknown")
	}
	key := path + "@" + run.GetHeadSHA()
	if wf, ok := rs.files[key]; ok {
		if wf == nil {
			return nil, errors.New("workflow file unreadable")
		}
		return wf, nil
	}
	data, err := rs.fileAt(ctx, path, run.GetHeadSHA())
	if err != nil {
		if ctx.Err() == nil {
			rs.addErrFor(err, sweep.ErrKindSkipped, sweep.Location{Path: path, RunID: run.GetID()}, describe(err, "read the workflow file at "+short(run.GetHeadSHA())))
			if !isTransient(err) {
				rs.files[key] = nil
			}
		}
		return nil, err
	}
	rs.files[key] = nil
	wf, err := ParseWorkflow(path, data)
	if err != nil {
		rs.addErr(sweep.ErrKindError, sweep.Location{Path: path, RunID: run.GetID()}, err.Error()+" (at "+short(run.GetHeadSHA())+")")
		return nil, err
	}
	rs.files[key] = wf
	return wf, nil
}

// sweepFiles checks the default branch: workflow files for compromised
// actions and Python manifests/lockfiles for bad versions.
func (rs *repoSweep) sweepFiles(ctx context.Context) error {
	s := rs.s
	if rs.ri.DefaultBranch == "" {
		return nil
	}
	tree, _, err := s.client.Git.GetTree(ctx, rs.ri.Owner, rs.ri.Name, url.PathEscape(rs.ri.DefaultBranch), true)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if st := statusOf(err); st == http.StatusConflict || st == http.StatusNotFound && rs.emptyRepoHint(err) {
			return nil // empty repository
		}
		rs.addErrFor(err, sweep.ErrKindError, sweep.Location{}, describe(err, "read the git tree of "+rs.ri.DefaultBranch)+"; workflow files and manifests were not checked")
		return nil
	}
	if tree.GetTruncated() {
		rs.addErr(sweep.ErrKindUnverified, sweep.Location{}, "git tree listing truncated by the API (very large repository): some workflow files or manifests may not have been checked")
	}
	var manifests []*github.TreeEntry
	blobs := map[string]*github.TreeEntry{}
	for _, e := range tree.Entries {
		if e.GetType() != "blob" {
			continue
		}
		p := e.GetPath()
		blobs[p] = e
		if lockfile.KindOf(p) != "" {
			manifests = append(manifests, e)
		}
		action := isActionPath(p)
		if !isWorkflowPath(p) && !action {
			continue
		}
		data, err := rs.readBlob(ctx, e)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		var uses []UseRef
		if action {
			// A composite action's steps run in the workflows that
			// call it (runs.steps[].uses).
			us, err := recipes.ActionMetadataUses(data, s.m)
			if err != nil {
				rs.addErr(sweep.ErrKindError, sweep.Location{Path: p}, err.Error())
				continue
			}
			for _, u := range us {
				uses = append(uses, useRef("", stepName(u), u.Value, u.With))
			}
		} else {
			wf, err := ParseWorkflow(p, data)
			if err != nil {
				rs.addErr(sweep.ErrKindError, sweep.Location{Path: p}, err.Error())
				continue
			}
			uses = wf.Uses
		}
		for _, u := range uses {
			if f, ok := s.useFinding(u, rs.ri, p, nil); ok {
				f.Location.URL = rs.blobURL(p)
				rs.cur.Findings = append(rs.cur.Findings, f)
			}
		}
	}
	return rs.sweepManifests(ctx, manifests, blobs)
}

// readBlob reads a file of the tree, recording why when it cannot.
func (rs *repoSweep) readBlob(ctx context.Context, e *github.TreeEntry) ([]byte, error) {
	p := e.GetPath()
	if e.GetSize() > maxFileBytes {
		err := fmt.Errorf("file of %d bytes larger than %d: not read", e.GetSize(), maxFileBytes)
		rs.addErr(sweep.ErrKindSkipped, sweep.Location{Path: p}, err.Error())
		return nil, err
	}
	data, err := rs.s.blobRaw(ctx, rs.ri, e.GetSHA())
	if err != nil && ctx.Err() == nil {
		rs.addErrFor(err, sweep.ErrKindError, sweep.Location{Path: p}, describe(err, "read "+p))
	}
	return data, err
}

func (rs *repoSweep) blobURL(p string) string {
	return rs.ri.HTMLURL + "/blob/" + rs.ri.DefaultBranch + "/" + p
}

func (rs *repoSweep) emptyRepoHint(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && strings.Contains(strings.ToLower(er.Message), "empty")
}

const maxFileBytes = 4 << 20

var workflowPath = regexp.MustCompile(`^\.github/workflows/[^/]+\.ya?ml$`)

func isWorkflowPath(p string) bool { return workflowPath.MatchString(p) }

// isActionPath: an action metadata file, in the repository root (an
// action's own repository) or any subdirectory (.github/actions/x).
func isActionPath(p string) bool {
	b := path.Base(p)
	return b == "action.yml" || b == "action.yaml"
}

// blobRaw fetches a blob once per sweep: identical files (templates,
// copies) in many repositories cost one request, also when two workers
// want the same blob at once.
func (s *Sweeper) blobRaw(ctx context.Context, ri repoInfo, sha string) ([]byte, error) {
	s.blobMu.Lock()
	e := s.blobCache[sha]
	if e == nil {
		e = &blobEntry{}
		s.blobCache[sha] = e
	}
	s.blobMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ok {
		return e.data, nil
	}
	u := fmt.Sprintf("repos/%s/%s/git/blobs/%s", url.PathEscape(ri.Owner), url.PathEscape(ri.Name), url.PathEscape(sha))
	b, err := s.getRaw(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(b) <= 256<<10 {
		e.data, e.ok = b, true
	}
	return b, nil
}

type blobEntry struct {
	mu   sync.Mutex
	ok   bool
	data []byte
}

// windows are the sweep's exposure windows as the timeline marks them.
func (s *Sweeper) windows() []sweep.Window {
	out := make([]sweep.Window, len(s.cfg.Windows))
	for i, w := range s.cfg.Windows {
		out[i] = sweep.Window{Start: w.Start, End: w.End, Source: w.ID}
	}
	return out
}

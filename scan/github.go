package scan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg"
)

// GitHubOptions say which organisations and repositories one GitHub sweep
// covers and how.
type GitHubOptions struct {
	Orgs  []string // every repository of each organisation
	Repos []string // OWNER/NAME
	// APIURL is a GitHub Enterprise Server URL; empty means github.com.
	APIURL string
	// Token is sent only to the API host; it is never logged or stored.
	Token string
	// Window limits the runs swept (nil: every window of the pack).
	Window          *sweep.Window
	IncludeForks    bool
	IncludeArchived bool
	Concurrency     int
	// StatePath records finished repositories and runs, so a re-run
	// retries only the unfinished.
	StatePath   string
	MaxLogBytes int64
	// SkipFiles does not read default-branch workflow files and manifests.
	SkipFiles bool
	// RateLimited, when set, is told that a standing rate limit stopped
	// the sweep: why, when to re-run, and how many repositories are left.
	RateLimited func(reason string, until time.Time, unfinished int)
}

// GitHub sweeps the Actions runs in the exposure windows, the workflows and
// manifests of every repository in scope, and returns the finished report.
// Interrupted by ctx, it returns the partial report.
func GitHub(ctx context.Context, env Env, o GitHubOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	windows, span, err := githubWindows(env, o.Window)
	if err != nil {
		return nil, err
	}
	cfg := ghorg.Options{
		Matcher: env.Matcher, Orgs: o.Orgs, Repos: o.Repos, APIURL: o.APIURL, Token: o.Token, Windows: windows,
		IncludeForks: o.IncludeForks, IncludeArchived: o.IncludeArchived,
		Concurrency: o.Concurrency, StatePath: o.StatePath, MaxLogBytes: o.MaxLogBytes,
		SkipFiles: o.SkipFiles,
	}
	if env.Progress != nil {
		cfg.Progress = func(done, total int, repo string) {
			env.show(fmt.Sprintf("%d/%d repositories (%s)", done, total, repo))
		}
	}
	sw, err := ghorg.New(cfg)
	if err != nil {
		return nil, &UsageError{err}
	}
	r := newReport(env, sweep.KindGitHub)
	r.Scan.Window = span
	for _, f := range []struct {
		on   bool
		name string
	}{{o.IncludeForks, "--include-forks"}, {o.IncludeArchived, "--include-archived"}, {o.SkipFiles, "--no-files"}} {
		if f.on {
			r.Scan.Options = append(r.Scan.Options, f.name)
		}
	}
	if o.APIURL != "" {
		r.Scan.Options = append(r.Scan.Options, "--api-url "+o.APIURL)
	}
	res, runErr := sw.Run(ctx)
	env.show("")
	if res == nil {
		if ctx.Err() != nil {
			return finish(ctx, env, r, finishing{}), nil
		}
		return nil, fmt.Errorf("github sweep: %w", runErr)
	}
	r.Scan.Targets = res.Targets
	r.Scan.Coverage = res.Coverage
	r.Findings, r.Errors, r.Timeline, r.Stats = res.Findings, res.Errors, res.Timeline, res.Stats
	r.Scan.Finished = env.now()
	if res.Limit != nil {
		until := res.Limit.Until.UTC()
		unfinished := 0
		if r.Scan.Coverage != nil {
			r.Scan.Coverage.ResumeAfter = &until
			unfinished = len(r.Scan.Coverage.Unchecked)
		}
		if o.RateLimited != nil {
			o.RateLimited(res.Limit.Reason, until, unfinished)
		}
	}
	// The engine builds its own timeline; its exposure findings are
	// planned into rotation items by finish.
	return finish(ctx, env, r, finishing{}), nil
}

// githubWindows returns the windows whose runs are swept: w, or every
// window of the pack; and the span recorded in the report.
func githubWindows(env Env, w *sweep.Window) ([]iocs.Window, *sweep.Window, error) {
	if w != nil {
		id := w.Source
		if id == "" {
			id = "--window"
		}
		return []iocs.Window{{ID: id, Title: id, Start: w.Start, End: w.End}}, w, nil
	}
	l := env.Pack
	if len(l.Windows) == 0 {
		return nil, nil, usagef("the IOC pack has no windows; pass --window START..END")
	}
	span := &sweep.Window{Start: l.Windows[0].Start, End: l.Windows[0].End}
	var ids []string
	for _, w := range l.Windows {
		if w.Start.Before(span.Start) {
			span.Start = w.Start
		}
		if w.End.After(span.End) {
			span.End = w.End
		}
		ids = append(ids, w.ID)
	}
	span.Source = "pack windows: " + strings.Join(ids, ", ")
	return l.Windows, span, nil
}

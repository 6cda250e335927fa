package ghorg

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Kind is the GitHub target's report kind: organisations' and
// repositories' Actions runs, workflows and manifests.
const Kind sweep.ScanKind = "github"

// Target says which organisations and repositories one GitHub sweep
// covers and how.
type Target struct {
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

func (Target) Kind() sweep.ScanKind             { return Kind }
func (Target) Categories() []sweep.CategoryInfo { return Categories }

// Exposures: what a job that ran the compromised code could read.
func (Target) Exposures() []sweep.ExposedKind {
	return []sweep.ExposedKind{sweep.ExposedCISecret, sweep.ExposedAllCISecrets, sweep.ExposedCIVariable,
		sweep.ExposedCILiteral, sweep.ExposedCIJobToken}
}

// Sweep sweeps the Actions runs in the exposure windows, the workflows and
// manifests of every repository in scope. Interrupted by ctx, it leaves
// the partial report.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	windows, span, err := sweepWindows(env.Pack, t.Window)
	if err != nil {
		return err
	}
	cfg := Options{
		Matcher: env.Matcher, Orgs: t.Orgs, Repos: t.Repos, APIURL: t.APIURL, Token: t.Token, Windows: windows,
		IncludeForks: t.IncludeForks, IncludeArchived: t.IncludeArchived,
		Concurrency: t.Concurrency, StatePath: t.StatePath, MaxLogBytes: t.MaxLogBytes,
		SkipFiles: t.SkipFiles,
	}
	if env.Progress != nil {
		cfg.Progress = func(done, total int, repo string) {
			env.Show(fmt.Sprintf("%d/%d repositories (%s)", done, total, repo))
		}
	}
	sw, err := New(cfg)
	if err != nil {
		return sweep.Usage(err)
	}
	r := out.Report
	r.Scan.Window = span
	for _, f := range []struct {
		on   bool
		name string
	}{{t.IncludeForks, "--include-forks"}, {t.IncludeArchived, "--include-archived"}, {t.SkipFiles, "--no-files"}} {
		if f.on {
			r.Scan.Options = append(r.Scan.Options, f.name)
		}
	}
	if t.APIURL != "" {
		r.Scan.Options = append(r.Scan.Options, "--api-url "+t.APIURL)
	}
	res, runErr := sw.Run(ctx)
	env.Show("")
	if res == nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("github sweep: %w", runErr)
	}
	r.Scan.Targets = res.Targets
	r.Scan.Coverage = res.Coverage
	r.Findings, r.Errors, r.Timeline, r.Stats = res.Findings, res.Errors, res.Timeline, res.Stats
	r.Scan.Finished = env.Now().UTC()
	if res.Limit != nil {
		until := res.Limit.Until.UTC()
		unfinished := 0
		if r.Scan.Coverage != nil {
			r.Scan.Coverage.ResumeAfter = &until
			unfinished = len(r.Scan.Coverage.Unchecked)
		}
		if t.RateLimited != nil {
			t.RateLimited(res.Limit.Reason, until, unfinished)
		}
	}
	// The engine builds its own timeline; its exposure findings are
	// planned into rotation items by the finish.
	return nil
}

// sweepWindows returns the windows whose runs are swept: w, or every
// window of the pack; and the span recorded in the report.
func sweepWindows(l *iocs.Loaded, w *sweep.Window) ([]iocs.Window, *sweep.Window, error) {
	if w != nil {
		id := w.Source
		if id == "" {
			id = "--window"
		}
		return []iocs.Window{{ID: id, Title: id, Start: w.Start, End: w.End}}, w, nil
	}
	if len(l.Windows) == 0 {
		return nil, nil, sweep.Usagef("the IOC pack has no windows; pass --window START..END")
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

// Package scan is the layer between the command line and the targets: one
// entry point, Run, taking the shared environment (Env) and one target's
// options (HostOptions, ImagesOptions, ...) and returning a finished report
// (finalised once, timeline, rotation plan).
//
// It knows nothing about flags: the commands in package main turn flags
// into options, call Run and render what it returns; an option it refuses
// is a sweep.OptionError naming the options field, which the command maps
// to its flag. The targets it drives
// are plugins (sweep.Target) registered in package targets; the file
// collectors sit below them (collectors/).
package scan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets"
)

// Env is what every target's sweep shares: the indicators, who is
// sweeping, the clock and where progress goes.
type Env struct {
	Pack    *iocs.Loaded
	Matcher *iocs.Matcher
	// Tool names the program in every report it starts.
	Tool Tool
	// Now is the sweep's clock (nil: time.Now).
	Now func() time.Time
	// Progress receives a one-line description of long work (nil: none).
	Progress Progress
}

// Tool is the identity of the program writing the report.
type Tool struct {
	Name, Version, Commit string
}

// Progress shows what a long sweep is doing on one line (sweep.Progress).
type Progress = sweep.Progress

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e Env) clock() func() time.Time {
	if e.Now != nil {
		return e.Now
	}
	return time.Now
}

func (e Env) check() error {
	if e.Pack == nil || e.Matcher == nil {
		return errors.New("scan: the environment has no IOC pack")
	}
	return nil
}

// Options are one target's options (HostOptions, ImagesOptions,
// GitHubOptions, KubeOptions, SBOMOptions, MirrorOptions): what a command
// turns its flags into. Each builds its configured target from the
// registry's packages (package targets).
type Options interface {
	target() (sweep.Target, error)
}

// Run is the one way a report is made: it builds the target from o,
// starts the report (tool and pack identity, kind, start time), lets the
// target sweep into it and finishes it (finish). Interrupted by ctx, it
// returns the partial report, finished.
func Run(ctx context.Context, env Env, o Options) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	t, err := o.target()
	if err != nil {
		return nil, err
	}
	out := &sweep.TargetOut{Report: newReport(env, t.Kind())}
	if err := t.Sweep(ctx, sweep.TargetEnv{Pack: env.Pack, Matcher: env.Matcher, Now: env.clock(), Progress: env.Progress}, out); err != nil {
		return nil, err
	}
	return finish(ctx, env, out), nil
}

// newReport starts a report of kind with the tool and pack identity.
func newReport(env Env, kind sweep.ScanKind) *sweep.Report {
	r := &sweep.Report{
		Tool: PackTool(env.Pack, sweep.Tool{Name: env.Tool.Name, Version: env.Tool.Version, Commit: env.Tool.Commit}),
		Scan: sweep.Scan{Kind: kind, Started: env.now()},
	}
	return r
}

// recordSources names each external record source (--osv) in the report
// with what it held. A record that could not be read is an error at its
// file (what it would have matched was not looked for: fail closed); the
// records of ecosystems litesweep does not sweep are a skipped entry.
func recordSources(r *sweep.Report, srcs []iocs.RecordSource) {
	for _, s := range srcs {
		r.Tool.Records = append(r.Tool.Records, s.RecordCounts)
		for _, w := range s.Warnings {
			r.Errors = append(r.Errors, sweep.Error{Kind: sweep.ErrKindError, Collector: "iocs/" + s.Kind, Location: sweep.Location{Path: w.Where},
				Message: "record not used: " + w.Message})
		}
		if s.WarningsOmitted > 0 {
			r.Errors = append(r.Errors, sweep.Error{Kind: sweep.ErrKindError, Collector: "iocs/" + s.Kind, Location: sweep.Location{Path: s.Path},
				Message: fmt.Sprintf("%d more records not used (not listed)", s.WarningsOmitted)})
		}
		ecos := make([]string, 0, len(s.Unswept))
		for e := range s.Unswept {
			ecos = append(ecos, e)
		}
		sort.Strings(ecos)
		for _, e := range ecos {
			r.Errors = append(r.Errors, sweep.Error{Kind: sweep.ErrKindSkipped, Collector: "iocs/" + s.Kind, Location: sweep.Location{Path: s.Path},
				Message: fmt.Sprintf("%d malicious-package records for %s: that ecosystem is not swept", s.Unswept[e], e)})
		}
	}
}

// PackTool returns t with the identity of the loaded packs l: the set
// as one pack (PackID .. PackPartial) and each pack (Packs).
func PackTool(l *iocs.Loaded, t sweep.Tool) sweep.Tool {
	t.PackID, t.PackVersion, t.PackSHA256, t.PackFrom, t.PackPartial = l.ID, l.Version, l.SHA256, l.From, l.Partial
	t.Packs = nil
	for _, p := range l.Packs {
		t.Packs = append(t.Packs, sweep.PackRef{ID: p.ID, Version: p.Version, SHA256: p.SHA256, From: p.From})
	}
	return t
}

// finish is the one end of every target's sweep: it stamps the end time,
// duration and interruption (from ctx), records that a partial pack left
// indicators unchecked, builds the timeline when the target asks for it,
// finalises the report (ids, order, summary, verdict) exactly once and
// attaches the rotation plan. Nothing may change the findings or errors
// after it.
func finish(ctx context.Context, env Env, out *sweep.TargetOut) *sweep.Report {
	r := out.Report
	if ctx.Err() != nil {
		r.Scan.Interrupted = true
	}
	if r.Scan.Finished.IsZero() {
		r.Scan.Finished = env.now()
	}
	r.Stats.DurationMS = r.Scan.Finished.Sub(r.Scan.Started).Milliseconds()
	if out.Timeline {
		sweep.BuildTimeline(r, out.Homes, catalog.All())
	}
	recordSources(r, env.Pack.Records)
	if len(r.Tool.PackPartial) > 0 {
		// Fail closed: what the missing sections would have found was not
		// looked for, so nothing found is not CLEAN.
		r.Errors = append(r.Errors, sweep.Error{Kind: sweep.ErrKindUnverified, Collector: "iocs",
			Message: "the IOC pack was partial (accepted as partial on request): not checked for " + strings.Join(r.Tool.PackPartial, ", ")})
	}
	r.Finalize()
	// One planner for every target: the credentials the findings exposed
	// (the host or image credential inventory, the exposure findings of
	// the targets that declare exposure kinds); none when nothing exposed
	// any.
	r.Guards = remediate.Guards([]*sweep.Report{r}, env.Pack.Pack)
	r.Rotation = remediate.Plan(r, env.Pack.Pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	return r
}

// Plan is one rotation checklist from saved reports of any registered
// kind (litesweep rotate --report), de-duplicated by credential; all lists
// inventoried credentials even where nothing exposed them.
func Plan(reports []*sweep.Report, p *iocs.Pack, all bool) []sweep.RotationItem {
	return remediate.PlanAll(reports, p, remediate.PlanOptions{All: all, Exposing: targets.Exposing()})
}

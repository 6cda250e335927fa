// Package scan is the layer between the command line and the engines: one
// entry point per target (Host, Images, GitHub, Kube, SBOM, Mirror), each
// taking the shared environment (Env) and the target's options struct and
// returning a finished report (finalised once, timeline, rotation plan).
//
// It knows nothing about flags: the commands in package main turn flags
// into options, call one entry point and render what it returns. The
// engines it drives live in targets/ (targets/images, targets/ghorg, targets/kube,
// targets/sbom, targets/mirror, targets/live) and the file collectors below it
// (collectors/).
package scan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
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

// Progress shows what a long sweep is doing on one line that each call
// replaces (a terminal's stderr); Show("") clears it. The line is
// untrusted text (repository names, paths): the implementation escapes it.
type Progress interface {
	Show(line string)
}

// Every shows line() on p about once a second until stop is called; stop
// clears the line, and calling it again does nothing. A nil p shows nothing.
func Every(p Progress, line func() string) (stop func()) {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.Show(line())
			case <-done:
				p.Show("")
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// UsageError is an error in the options rather than in the target (a root
// that is not a directory, a client that cannot be built from the given
// configuration): a command line reports it as a usage error.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// IsUsage reports whether err (or an error it wraps) is a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

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

func (e Env) show(line string) {
	if e.Progress != nil {
		e.Progress.Show(line)
	}
}

func (e Env) check() error {
	if e.Pack == nil || e.Matcher == nil {
		return errors.New("scan: the environment has no IOC pack")
	}
	return nil
}

// newReport starts a report of kind with the tool and pack identity.
func newReport(env Env, kind sweep.ScanKind) *sweep.Report {
	l := env.Pack
	r := &sweep.Report{
		Tool: sweep.Tool{Name: env.Tool.Name, Version: env.Tool.Version, Commit: env.Tool.Commit, PackID: l.ID,
			PackVersion: l.Version, PackSHA256: l.SHA256, PackFrom: l.From, PackPartial: l.Partial},
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
		r.Tool.Records = append(r.Tool.Records, sweep.RecordSource{Kind: s.Kind, Path: s.Path, SHA256: s.SHA256,
			Files: s.Files, Used: s.Used, Withdrawn: s.Withdrawn, NotMalicious: s.NotMalicious, Unswept: s.Unswept,
			Malformed: s.Malformed})
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

// finishing is what finishing a report adds for one target.
type finishing struct {
	timeline bool         // build the timeline and the environment and user verdicts
	homes    []sweep.Home // the users' homes, for the timeline
}

// finish is the one end of every target's sweep: it stamps the end time,
// duration and interruption (from ctx), records that a partial pack left
// indicators unchecked, builds the timeline, finalises the report (ids,
// order, summary, verdict) exactly once and attaches the rotation plan.
// Nothing may change the findings or errors after it.
func finish(ctx context.Context, env Env, r *sweep.Report, f finishing) *sweep.Report {
	if ctx.Err() != nil {
		r.Scan.Interrupted = true
	}
	if r.Scan.Finished.IsZero() {
		r.Scan.Finished = env.now()
	}
	r.Stats.DurationMS = r.Scan.Finished.Sub(r.Scan.Started).Milliseconds()
	if f.timeline {
		sweep.BuildTimeline(r, f.homes, catalog.All())
	}
	recordSources(r, env.Pack.Records)
	if len(r.Tool.PackPartial) > 0 {
		// Fail closed: what the missing sections would have found was not
		// looked for, so nothing found is not CLEAN.
		r.Errors = append(r.Errors, sweep.Error{Kind: sweep.ErrKindUnverified, Collector: "iocs",
			Message: "the IOC pack was partial (--iocs-partial): not checked for " + strings.Join(r.Tool.PackPartial, ", ")})
	}
	r.Finalize()
	// One planner for every target: the credentials the findings exposed
	// (the host or image credential inventory, the exposure findings of
	// GitHub and Kubernetes sweeps); none when nothing exposed any.
	r.Rotation = remediate.Plan(r, env.Pack.Pack)
	return r
}

// packWindow is the exposure window used to grade timestamps: w when given
// (the user's --window), else the pack's package window, named after the
// first package window id.
func packWindow(env Env, w *sweep.Window) sweep.Window {
	if w != nil {
		return *w
	}
	window := sweep.Window{Source: "pack"}
	window.Start, window.End = env.Matcher.PackageWindow()
	for _, pk := range env.Pack.Packages {
		if pk.Window != "" {
			window.Source = pk.Window
			break
		}
	}
	return window
}

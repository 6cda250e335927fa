package sweep

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/litesweep/litesweep/iocs"
)

// Target is one kind of thing litesweep sweeps (a host, container images,
// a forge organisation, a cluster, SBOM documents, package mirrors): a
// plugin that scan.Run starts and finishes. The registry (package
// targets) lists every target; the kinds the planner, the catalogue, merge
// and rotate know are derived from it.
type Target interface {
	// Kind names the target in reports (Scan.Kind).
	Kind() ScanKind
	// Categories declares the finding categories the target itself emits
	// (the file collectors it runs declare their own).
	Categories() []CategoryInfo
	// Exposures declares the kinds of credential its exposure findings
	// name: what a compromised job or account of the target could read.
	// A target that declares none exposes the credential inventory of
	// the systems it swept (a host, an image) instead.
	Exposures() []ExposedKind
	// Sweep sweeps the target into out: findings, errors and what was
	// swept (targets, window, stats) in out.Report. An error means the
	// sweep could not start or failed outright (a *UsageError when the
	// options are at fault); an interrupted sweep returns nil and leaves
	// its partial report, which scan.Run finishes.
	Sweep(ctx context.Context, env TargetEnv, out *TargetOut) error
}

// TargetEnv is what every target's sweep shares.
type TargetEnv struct {
	Pack    *iocs.Loaded
	Matcher *iocs.Matcher
	// Now is the sweep's clock (never nil).
	Now func() time.Time
	// Progress receives a one-line description of long work (nil: none).
	Progress Progress
}

// Show shows line on the progress line, if there is one.
func (e TargetEnv) Show(line string) {
	if e.Progress != nil {
		e.Progress.Show(line)
	}
}

// PackWindow is the exposure window used to grade timestamps: w when given
// (the user's --window), else the pack's package window, named after the
// first package window id.
func (e TargetEnv) PackWindow(w *Window) Window {
	if w != nil {
		return *w
	}
	window := Window{Source: "pack"}
	window.Start, window.End = e.Matcher.PackageWindow()
	for _, pk := range e.Pack.Packages {
		if pk.Window != "" {
			window.Source = pk.Window
			break
		}
	}
	return window
}

// TargetOut is what a target's sweep fills and how scan.Run finishes it.
type TargetOut struct {
	// Report is the report being built, started by scan.Run (tool, pack,
	// kind, start time): the target sets its findings, errors,
	// environments and what it swept; scan.Run finalises it.
	Report *Report
	// Timeline asks for the timeline and the per-environment and per-user
	// verdicts built from the findings, with the users' Homes.
	Timeline bool
	Homes    []Home
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

// UsageError is an error in what was asked rather than in the target (a
// bad flag or argument, a root that is not a directory, a client that
// cannot be built from the given configuration): the command line reports
// it and exits ExitUsage. It is the one usage-error type.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a usage error (nil stays nil).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{err}
}

// Usagef is a usage error with a formatted message.
func Usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// OptionError is a usage error in one field of a target's options, named
// by the field: the scan layer knows options, not flags, and the command
// that filled the field from a flag names the flag (OptionError.Field
// replaced, see the commands' flagNamed). Wrapped in a UsageError.
type OptionError struct {
	// Field is the options field ("Platform", "Jobs") or, once a command
	// mapped it, the flag ("--platform").
	Field string
	// Value is the refused value as the message shows it ("" for none).
	Value string
	Err   error
}

func (e *OptionError) Error() string {
	if e.Value != "" {
		return e.Field + " " + e.Value + ": " + e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// OptionUsage is the usage error of one options field.
func OptionUsage(field, value string, err error) error {
	return &UsageError{&OptionError{Field: field, Value: value, Err: err}}
}

// IsUsage reports whether err (or an error it wraps) is a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/render"
	"github.com/litesweep/litesweep/sweep/render/escape"
)

// exitCode is returned by an action that has already reported its outcome.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageError is a bad flag, argument or configuration: exit 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usageErr(err error) error { return usageError{err} }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// reportFlags are shared by every command that writes a report.
func reportFlags(formats ...string) []cli.Flag {
	if len(formats) == 0 {
		formats = []string{"table", "json", "sarif", "markdown", "html"}
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "report `FORMAT`: " + strings.Join(formats, "|")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (atomically, mode 0600) instead of stdout"},
		&cli.StringFlag{Name: "fail-on", Value: "medium", Usage: "exit 1 when a finding is at or above `SEVERITY`: critical|high|medium|low|info"},
		&cli.StringFlag{Name: "iocs", Usage: "load the IOC pack from `FILE` instead of the built-in one (refused when it lacks whole sections)"},
		&cli.BoolFlag{Name: "iocs-partial", Usage: "accept an --iocs pack that lacks whole sections (the report says which)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		wideFlag(),
	}
}

func wideFlag() cli.Flag {
	return &cli.BoolFlag{Name: "wide", Usage: "table: keep every path and evidence line whole instead of fitting the terminal"}
}

// renderOptions lays the table out for where it goes: on a terminal, its
// width (COLUMNS when set; at least 80) and colour unless NO_COLOR; piped or
// into --output, a fixed width (render.DefaultWidth, or COLUMNS) and no
// colour, so the output is stable.
func renderOptions(c *cli.Context) render.Options {
	out := c.String("output")
	tty := out == "" && isTerminal(c.App.Writer)
	o := render.Options{Color: tty && os.Getenv("NO_COLOR") == "", Wide: c.Bool("wide"), Output: out}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		o.Width = n
	} else if f, ok := c.App.Writer.(*os.File); ok && tty {
		o.Width = terminalColumns(f)
	}
	return o
}

// loadPack returns the built-in pack or the one named by --iocs.
func loadPack(c *cli.Context) (*iocs.Loaded, *iocs.Matcher, error) {
	var (
		l   *iocs.Loaded
		err error
	)
	if p := c.String("iocs"); p != "" {
		l, err = iocs.LoadFileWith(p, iocs.LoadOptions{AllowPartial: c.Bool("iocs-partial")})
		if err == nil && len(l.Partial) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "litesweep: warning: IOC pack %s is partial (--iocs-partial): it lacks %s\n", p, strings.Join(l.Partial, ", "))
		}
	} else {
		l, err = iocs.Builtin()
	}
	if err != nil {
		return nil, nil, usageErr(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	return l, m, nil
}

// checkReportFlags validates --format and --fail-on before any work starts.
func checkReportFlags(c *cli.Context) (sweep.Severity, error) {
	if f := c.String("format"); !slices.Contains(render.Formats, strings.ToLower(f)) {
		return "", usagef("unknown --format %q (want one of %s)", f, strings.Join(render.Formats, ", "))
	}
	sev, err := sweep.ParseSeverity(c.String("fail-on"))
	if err != nil {
		return "", usagef("--fail-on: %v", err)
	}
	if err := checkOutput(c); err != nil {
		return "", err
	}
	return sev, nil
}

// checkOutput fails fast, before any sweep, when --output could not be
// written, naming the path as the user gave it.
func checkOutput(c *cli.Context) error {
	if out := c.String("output"); out != "" {
		if err := sweep.CheckWritable(out); err != nil {
			return usagef("--output %s: %v", out, err)
		}
	}
	return nil
}

// reportSetup validates the shared report flags and loads the IOC pack:
// the common start of every command that writes a report.
func reportSetup(c *cli.Context) (sweep.Severity, *iocs.Loaded, *iocs.Matcher, error) {
	failOn, err := checkReportFlags(c)
	if err != nil {
		return "", nil, nil, err
	}
	l, m, err := loadPack(c)
	if err != nil {
		return "", nil, nil, err
	}
	return failOn, l, m, nil
}

// newReport starts a report with the tool and pack identity filled in.
func newReport(kind string, l *iocs.Loaded) *sweep.Report {
	return &sweep.Report{
		Tool: sweep.Tool{Name: "litesweep", Version: version, Commit: commit, PackID: l.ID,
			PackVersion: l.Version, PackSHA256: l.SHA256, PackFrom: l.From, PackPartial: l.Partial},
		Scan: sweep.Scan{Kind: kind, Started: time.Now().UTC()},
	}
}

// emitReport finalises r, writes it in the chosen format to --output or
// stdout, and returns the exit code as an error for run().
func emitReport(c *cli.Context, r *sweep.Report, failOn sweep.Severity) error {
	if c.Context.Err() != nil {
		r.Scan.Interrupted = true
	}
	if r.Scan.Finished.IsZero() {
		r.Scan.Finished = time.Now().UTC()
	}
	r.Stats.DurationMS = r.Scan.Finished.Sub(r.Scan.Started).Milliseconds()
	if len(r.Tool.PackPartial) > 0 {
		// Fail closed: what the missing sections would have found was not
		// looked for, so nothing found is not CLEAN.
		r.Errors = append(r.Errors, sweep.Error{Kind: "unverified", Collector: "iocs",
			Message: "the IOC pack was partial (--iocs-partial): not checked for " + strings.Join(r.Tool.PackPartial, ", ")})
	}
	r.Finalize()
	if err := writeRendered(c, r); err != nil {
		return err
	}
	code := r.ExitCode(failOn)
	if code != 0 && c.String("output") != "" {
		fmt.Fprintf(c.App.ErrWriter, "litesweep: verdict %s; report written to %s\n", r.Verdict, escape.Text(c.String("output")))
	}
	return exitCode(code)
}

// writeRendered renders r with --format to --output (atomic, 0600) or stdout.
func writeRendered(c *cli.Context, r *sweep.Report) error {
	format := strings.ToLower(c.String("format"))
	out := c.String("output")
	opts := renderOptions(c)
	if out == "" {
		if err := render.Write(c.App.Writer, format, r, opts); err != nil {
			return fmt.Errorf("render %s: %w", format, err)
		}
		return nil
	}
	return sweep.WriteAtomic(out, func(w io.Writer) error {
		if err := render.Write(w, format, r, opts); err != nil {
			return fmt.Errorf("render %s: %w", format, err)
		}
		return nil
	})
}

// isTerminal reports whether w is a character device (a TTY).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressWriter returns stderr when progress should be shown: stderr is a
// TTY and --quiet was not given. Otherwise nil.
func progressWriter(c *cli.Context) io.Writer {
	if c.Bool("quiet") || !isTerminal(c.App.ErrWriter) {
		return nil
	}
	return c.App.ErrWriter
}

// startProgress prints line() on stderr about once a second while long
// work runs, only when progress is wanted (a TTY, no --quiet). The returned
// function stops it and clears the line; calling it again does nothing.
func startProgress(c *cli.Context, line func() string) (stop func()) {
	pw := progressWriter(c)
	if pw == nil {
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
				fmt.Fprintf(pw, "\r\033[Klitesweep: %s", escape.Text(line()))
			case <-done:
				fmt.Fprint(pw, "\r\033[K")
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// parseWindow parses START..END (RFC 3339 or YYYY-MM-DD[THH:MM]) for --window.
func parseWindow(s string) (*sweep.Window, error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return nil, usagef("--window %q: want START..END, e.g. 2026-03-24T10:39Z..2026-03-24T16:00Z", s)
	}
	start, err := parseTime(a)
	if err != nil {
		return nil, usagef("--window start: %v", err)
	}
	end, err := parseTime(b)
	if err != nil {
		return nil, usagef("--window end: %v", err)
	}
	if end.Before(start) {
		return nil, usagef("--window: end %s is before start %s", b, a)
	}
	return &sweep.Window{Start: start, End: end, Source: "--window"}, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("cannot parse time " + fmt.Sprintf("%q", s))
}

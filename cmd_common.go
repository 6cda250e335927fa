package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/iocs/osv"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/scan"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// exitCode is returned by an action that has already reported its outcome.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageErr and usagef make the one usage-error type (sweep.UsageError): a
// bad flag, argument or configuration, exit 2.
func usageErr(err error) error { return sweep.Usage(err) }

func usagef(format string, a ...any) error { return sweep.Usagef(format, a...) }

// flagNamed names, in a usage error about a field of scan's options
// (sweep.OptionError), the flag the command filled that field from:
// flags maps the field to the flag's name.
func flagNamed(err error, flags map[string]string) error {
	var oe *sweep.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	name, ok := flags[oe.Field]
	if !ok {
		return err
	}
	named := *oe
	named.Field = "--" + name
	return usageErr(&named)
}

// reportFlags are shared by every command that writes a report.
func reportFlags(formats ...string) []cli.Flag {
	if len(formats) == 0 {
		formats = render.Formats
	}
	return append([]cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "report `FORMAT`: " + strings.Join(formats, "|")},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (atomically, mode 0600) instead of stdout"},
		&cli.StringFlag{Name: "fail-on", Value: "medium", Usage: "exit 1 when a finding is at or above `SEVERITY`: critical|high|medium|low|info"},
		osvFlag(),
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		wideFlag(),
	}, packFlags()...)
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
	o := render.Options{Color: tty && os.Getenv("NO_COLOR") == "", Wide: c.Bool("wide"), Output: out, Catalog: catalog.All()}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		o.Width = n
	} else if f, ok := c.App.Writer.(*os.File); ok && tty {
		o.Width = terminalColumns(f)
	}
	return o
}

// maxPackBytes bounds one --iocs file (the built-in packs together are
// well under 1 MiB).
const maxPackBytes = 64 << 20

// packFlags are the flags that choose the IOC packs (--iocs, --iocs-only,
// --iocs-partial), shared by every command that loads them.
func packFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "iocs", Usage: "add the IOC pack in `FILE` to the built-in packs (repeatable; a pack with a built-in pack's id replaces it)"},
		&cli.BoolFlag{Name: "iocs-only", Usage: "use only the --iocs packs, not the built-in ones (refused when together they lack whole sections)"},
		&cli.BoolFlag{Name: "iocs-partial", Usage: "accept --iocs-only packs that together lack whole sections (the report says which)"},
	}
}

// loadPack returns the built-in packs plus those named by --iocs (only
// those with --iocs-only), composed.
func loadPack(c *cli.Context) (*iocs.Loaded, *iocs.Matcher, error) {
	files := c.StringSlice("iocs")
	if c.Bool("iocs-only") && len(files) == 0 {
		return nil, nil, usagef("--iocs-only needs at least one --iocs FILE")
	}
	l, err := iocs.LoadSet(iocs.SetOptions{LoadOptions: iocs.LoadOptions{AllowPartial: c.Bool("iocs-partial")},
		Files: files, Only: c.Bool("iocs-only"), Read: func(p string) ([]byte, error) { return sweep.ReadInputLimit(p, maxPackBytes) }})
	if err == nil && len(l.Partial) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "litesweep: warning: IOC packs %s are partial (--iocs-partial): they lack %s\n", escape.Text(l.From), strings.Join(l.Partial, ", "))
	}
	if err != nil {
		return nil, nil, usageErr(err)
	}
	if err := addOSV(c, l); err != nil {
		return nil, nil, err
	}
	m, err := iocs.Compile(l)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	return l, m, nil
}

// osvFlag is --osv: OSV malicious-package records as one more pack source.
func osvFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "osv", Usage: "also check releases that OSV malicious-package records list: a directory of OSV JSON (any depth, e.g. a clone of ossf/malicious-packages) or an osv.dev zip export at `PATH`; repeatable"}
}

// addOSV adds the package indicators of every --osv source to the pack,
// after its own entries (the campaign's evidence answers first).
func addOSV(c *cli.Context, l *iocs.Loaded) error {
	paths := c.StringSlice("osv")
	if len(paths) == 0 {
		return nil
	}
	if err := osv.AddTo(c.Context, l, paths, osv.Options{Open: sweep.OpenInput}); err != nil {
		if c.Context.Err() != nil {
			return err
		}
		return usagef("--osv: %v", err)
	}
	return nil
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

// newEnv is the scan environment of a command: the loaded pack, the
// tool's identity, the clock and, on a terminal, progress on stderr.
func newEnv(c *cli.Context, l *iocs.Loaded, m *iocs.Matcher) scan.Env {
	return scan.Env{Pack: l, Matcher: m, Tool: toolIdentity(),
		Now: time.Now, Progress: progress(c)}
}

// emitReport writes the finished report r in the chosen format to
// --output or stdout, and returns the exit code as an error for run().
func emitReport(c *cli.Context, r *sweep.Report, failOn sweep.Severity) error {
	if err := writeRendered(c, r); err != nil {
		return err
	}
	code := r.ExitCode(failOn)
	if c.String("output") != "" {
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

// progress is where long work shows progress: stderr when it is a TTY
// and --quiet was not given, else nil (none).
func progress(c *cli.Context) scan.Progress {
	if c.Bool("quiet") || !isTerminal(c.App.ErrWriter) {
		return nil
	}
	return ttyProgress{c.App.ErrWriter}
}

// ttyProgress rewrites one line of a terminal.
type ttyProgress struct{ w io.Writer }

func (p ttyProgress) Show(line string) {
	if line == "" {
		fmt.Fprint(p.w, "\r\033[K")
		return
	}
	fmt.Fprintf(p.w, "\r\033[Klitesweep: %s", escape.Text(line))
}

// windowFlag is --window parsed, or nil when not given (the target's
// default windows apply).
func windowFlag(c *cli.Context) (*sweep.Window, error) {
	if s := c.String("window"); s != "" {
		return parseWindow(s)
	}
	return nil, nil
}

// rootFlag is --root made absolute; a usage error unless it is a directory.
func rootFlag(c *cli.Context) (string, error) {
	root, err := filepath.Abs(c.String("root"))
	if err != nil {
		return "", usagef("--root: %v", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return "", usagef("--root %q is not a directory", c.String("root"))
	}
	return root, nil
}

// crossMountsFlag and noCrossMountsFlag choose which filesystems below the
// root are walked; notChecked says what leaving them out means for the
// command.
func crossMountsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "cross-mounts", Usage: "also walk network and remote filesystems (NFS, SMB, sshfs and other FUSE) mounted below the root; local ones are always walked"}
}

func noCrossMountsFlag(notChecked string) cli.Flag {
	return &cli.BoolFlag{Name: "no-cross-mounts", Usage: "stay on the root's filesystem; local filesystems mounted below it are then listed as not checked (" + notChecked + ")"}
}

// mountPolicy reads --cross-mounts and --no-cross-mounts.
func mountPolicy(c *cli.Context) (sweep.MountPolicy, error) {
	switch {
	case c.Bool("cross-mounts") && c.Bool("no-cross-mounts"):
		return 0, usagef("--cross-mounts and --no-cross-mounts contradict each other")
	case c.Bool("cross-mounts"):
		return sweep.MountsAll, nil
	case c.Bool("no-cross-mounts"):
		return sweep.MountsNone, nil
	}
	return sweep.MountsLocal, nil
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

// toolIdentity is litesweep's name, version and commit as reports carry it.
func toolIdentity() scan.Tool {
	v, c := buildVersion()
	return scan.Tool{Name: "litesweep", Version: v, Commit: c}
}

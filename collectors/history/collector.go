// Package history reads recorded commands: shell and PowerShell history
// (bash, zsh with extended-history timestamps, fish, PSReadLine), IPython
// and Jupyter kernels' history.sqlite (read from the file's bytes, never
// through SQLite, so nothing is written beside it; session times are local
// without a zone, graded to within 14 hours) and Jupyter notebooks' code
// cells (!cmd, %pip, %conda, %%bash), for commands that install,
// upgrade, download or run a tracked package with pip, uv, poetry, pipx,
// conda, pdm or pipenv, and for command lines naming the pack's C2 domains
// and IPs. Files are streamed line by line with a byte cap: a huge history
// is read from its end (the most recent commands) and the truncation is
// recorded. Commands are never stored verbatim: evidence is built from
// the allow-listed words of a parsed command line (see evidence.go).
//
// Severity of an install that admits a bad version:
//   - timestamped inside the exposure window: high;
//   - untimed (plain bash, PowerShell): medium;
//   - timestamped after the window with an exact pin to a bad version:
//     medium (PyPI no longer served it, but a cache or mirror could);
//   - timestamped outside the window otherwise (a range resolved to a
//     clean release from PyPI, or before the bad releases existed): low.
//
// A C2 mention is high inside the window and medium otherwise (it may be a
// responder's own check).
package history

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// Window is the exposure window (zero: the pack's package window).
	Window sweep.Window
	// MaxBytes caps the bytes read from one history file (default 64 MiB).
	MaxBytes int64
	// MaxLine caps one line (default 64 KiB).
	MaxLine int
}

// Collector is the shell-history collector.
type Collector struct {
	o       Options
	judge   *installcmd.Judge
	needles []needle
	start   time.Time
	end     time.Time
}

// New returns the collector.
func New(o Options) *Collector {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	c := &Collector{o: o, judge: installcmd.NewJudge(o.Matcher), needles: needles(o.Matcher), start: o.Window.Start, end: o.Window.End}
	if c.start.IsZero() && c.end.IsZero() {
		c.start, c.end = o.Matcher.PackageWindow()
	}
	return c
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return "history/shell" }

// FileRequired implements sweep.Collector.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	return !e.IsSymlink() && FormatOf(e.Path) != ""
}

func (c *Collector) inWindow(t time.Time) bool {
	return !t.IsZero() && !t.Before(c.start) && !t.After(c.end)
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	format := FormatOf(f.Path)
	fh, err := f.FS.Open(sweep.Rel(f.Path))
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("history: %s", sweep.TrimPathErr(err))))
		return
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("history: %s", sweep.TrimPathErr(err))))
		return
	}
	if !fi.Mode().IsRegular() {
		return
	}
	var r io.Reader = fh
	skipFirst := false
	lineBase := 0
	size := fi.Size()
	if size > c.o.MaxBytes {
		// Read the most recent MaxBytes: a history file grows at its end.
		sk, ok := fh.(io.Seeker)
		if ok {
			if _, err := sk.Seek(size-c.o.MaxBytes, io.SeekStart); err == nil {
				skipFirst = true
			} else {
				ok = false
			}
		}
		where := "last"
		if !ok {
			where = "first"
		}
		r = io.LimitReader(fh, c.o.MaxBytes)
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("history truncated: read the %s %d of %d bytes (cap); the rest was not checked", where, c.o.MaxBytes, size)})
		if skipFirst {
			lineBase = -1 // line numbers are relative to the read part: unknown
		}
	}
	user := sweep.UserOf(c.o.Homes, f.Path)
	d := dialectOf(format)
	reported := 0
	err = Scan(countReader{r, ctx}, format, Limits{MaxLine: c.o.MaxLine}, skipFirst, max(lineBase, 0), func(e Entry) error {
		if reported >= maxPerFile {
			return ErrStop
		}
		line, label := e.Line, strconv.Itoa(e.Line)
		if lineBase < 0 {
			line, label = 0, "unknown line"
		}
		for _, ev := range installEvidence(e.Cmd, d, label, c.judge) {
			if len(ev.in.Admits) == 0 {
				continue
			}
			out.Finding(c.installFinding(f, format, line, e, ev, user))
			reported++
		}
		for _, mn := range mentions(e.Cmd, c.needles) {
			out.Finding(c.mentionFinding(f, format, line, e, mn, mentionText(e.Cmd, d, label, mn), user))
			reported++
		}
		return nil
	})
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), fmt.Errorf("history: %s", sweep.TrimPathErr(err))))
	}
	if reported >= maxPerFile {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
			Message: fmt.Sprintf("more than %d matching commands: the rest are not reported", maxPerFile)})
	}
}

// countReader stops reading when the sweep is cancelled.
type countReader struct {
	r   io.Reader
	ctx context.Context
}

func (c countReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// zoneSpread is how far a local time without a zone can be from UTC.
const zoneSpread = 14 * time.Hour

// gradeInstall applies the package comment's severity rules.
func (c *Collector) gradeInstall(t time.Time, local bool, in installcmd.Install) (sweep.Severity, string) {
	exactBad := in.Exact != "" && len(in.Admits) > 0
	if local && !t.IsZero() {
		// A local time without a zone is within 14 hours of UTC either way.
		shown := t.Format("2006-01-02 15:04:05")
		switch {
		case t.Add(zoneSpread).Before(c.start):
			return sweep.Low, fmt.Sprintf("ran at %s (local time, zone not recorded), before the bad releases were published", shown)
		case t.Add(-zoneSpread).After(c.end):
			t = t.Add(-zoneSpread) // graded as after the window, below
		default:
			return sweep.High, fmt.Sprintf("ran at %s (local time, zone not recorded), within a day of the exposure window (%s – %s UTC)", shown, c.start.Format("2006-01-02 15:04"), c.end.Format("2006-01-02 15:04"))
		}
	}
	switch {
	case t.IsZero():
		return sweep.Medium, "untimed history entry: when it ran is unknown"
	case c.inWindow(t):
		return sweep.High, fmt.Sprintf("ran at %s, inside the exposure window (%s – %s UTC)", t.Format(time.RFC3339), c.start.Format("2006-01-02 15:04"), c.end.Format("2006-01-02 15:04"))
	case exactBad && t.After(c.end):
		return sweep.Medium, fmt.Sprintf("ran at %s, after the window: PyPI no longer served %s %s, but a pip/uv cache or a mirror could have", t.Format(time.RFC3339), in.Package.Name, in.Exact)
	case t.Before(c.start):
		return sweep.Low, fmt.Sprintf("ran at %s, before the bad releases were published", t.Format(time.RFC3339))
	}
	return sweep.Low, fmt.Sprintf("ran at %s, after the window: PyPI resolved a clean release unless a cache or mirror still held %s", t.Format(time.RFC3339), strings.Join(in.Admits, "/"))
}

func (c *Collector) installFinding(f *sweep.File, format Format, line int, e Entry, ev evidenced, user string) sweep.Finding {
	in := ev.in
	sev, why := c.gradeInstall(e.Time, e.Local, in)
	req := in.Package.Name
	if in.Spec != "" {
		req += " " + in.Spec
	}
	var title string
	if in.Exact != "" {
		title = fmt.Sprintf("%s: %s %s %s", titleOf(format), in.Tool, in.Package.Name, in.Exact)
	} else {
		title = fmt.Sprintf("%s: %s %s (admits %s)", titleOf(format), in.Tool, req, strings.Join(in.Admits, ", "))
	}
	details := []string{why, fmt.Sprintf("requested %s, which admits %s", req, strings.Join(in.Admits, ", ")), "history format: " + string(format)}
	if e.Where != "" {
		details = append(details, "entry: "+e.Where)
	}
	if in.Upgrade {
		details = append(details, "upgrade requested")
	}
	loc := f.Location()
	loc.Line = line
	evd := sweep.Evidence{Package: in.Package.Name, Version: in.Admits[0], Installer: strings.Fields(in.Tool)[0],
		Text: ev.text, Details: details}
	if !e.Time.IsZero() && !e.Local {
		t := e.Time
		evd.Time = &t
	}
	return sweep.Finding{Severity: sev, Category: CatHistory, Title: title, Location: loc, Evidence: evd,
		Indicator: &sweep.Indicator{ID: in.Package.ID, Kind: "package", Confidence: string(in.Package.Provenance.Confidence), Sources: in.Package.Provenance.Sources},
		User:      user, Collector: c.Name()}
}

func (c *Collector) mentionFinding(f *sweep.File, format Format, line int, e Entry, mn Mention, text, user string) sweep.Finding {
	sev := sweep.Medium
	why := "untimed history entry; a command naming the C2 may also be a responder's own check"
	if e.Local && !e.Time.IsZero() {
		why = fmt.Sprintf("ran at %s (local time, zone not recorded); a command naming the C2 may also be a responder's own check", e.Time.Format("2006-01-02 15:04:05"))
	} else if !e.Time.IsZero() {
		why = fmt.Sprintf("ran at %s; a command naming the C2 may also be a responder's own check", e.Time.Format(time.RFC3339))
		if c.inWindow(e.Time) {
			sev = sweep.High
			why = fmt.Sprintf("ran at %s, inside the exposure window", e.Time.Format(time.RFC3339))
		}
	}
	loc := f.Location()
	loc.Line = line
	ev := sweep.Evidence{Text: text, Details: []string{why, "indicator role: " + mn.Role, "history format: " + string(format)}}
	if e.Where != "" {
		ev.Details = append(ev.Details, "entry: "+e.Where)
	}
	if !e.Time.IsZero() && !e.Local {
		t := e.Time
		ev.Time = &t
	}
	var ind *sweep.Indicator
	for _, n := range c.o.Matcher.Pack().Network {
		if n.ID == mn.ID {
			ind = &sweep.Indicator{ID: n.ID, Kind: "network", Confidence: string(n.Provenance.Confidence), Sources: n.Provenance.Sources}
		}
	}
	return sweep.Finding{Severity: sev, Category: CatHistory, Title: titleOf(format) + " names " + mn.Value, Location: loc,
		Evidence: ev, Indicator: ind, User: user, Collector: c.Name()}
}

// titleOf names a history format in finding titles.
func titleOf(f Format) string {
	switch f {
	case IPython:
		return "IPython history"
	case Notebook:
		return "notebook cell"
	}
	return "shell history"
}

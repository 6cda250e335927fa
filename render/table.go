package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// Table writes a terminal report laid out to o's width: the verdict first,
// then the findings grouped by severity (each an id and title, its location
// and its evidence on indented lines of their own, long paths shortened in
// the middle), the environments, the credentials to rotate, what could not
// be checked, statistics, and a closing summary, so that the last lines on
// the screen answer the question. With o.Wide nothing is shortened.
//
// Every string of the report reaches the terminal through escape.Text: the
// report is copied with it first, so no cell or line can carry a control
// character, a bidirectional override or a newline that starts a row.
func Table(w io.Writer, r *sweep.Report, o Options) error {
	r = escape.Copy(r, escape.Text)
	cols := o.width()
	bw := &errWriter{w: w}
	verdict := string(r.Verdict)
	if o.Color {
		verdict = colorVerdict(r.Verdict)
	}
	if c := r.Scan.Coverage.String(); c != "" {
		verdict += "; " + c
	}
	bw.printf("litesweep %s sweep of %s: %s\n", r.Scan.Kind, fit(scanTarget(r), cols-40, o), verdict)
	bw.lines("", wrapUnless(VerdictSentence(r), cols, o))
	for _, g := range r.Guards {
		bw.printf("Disarm %s before any rotation it guards (%s):\n", g.Name, g.Item)
		for i, st := range g.Disarm {
			bw.lines("", wrapUnless(fmt.Sprintf("  %d. %s", i+1, st), cols, o))
		}
		for _, p := range g.Paths {
			bw.printf("  found: %s\n", fit(p, cols-9, o))
		}
	}
	if r.Scan.Window != nil {
		bw.printf("Exposure window: %s .. %s (%s)\n", r.Scan.Window.Start.UTC().Format("2006-01-02 15:04Z"),
			r.Scan.Window.End.UTC().Format("2006-01-02 15:04Z"), r.Scan.Window.Source)
	}
	if r.Scan.Interrupted {
		bw.lines("", wrapUnless("INTERRUPTED: the sweep was stopped; this report holds only what was found until then.", cols, o))
	}
	var locs pathSet
	for _, f := range r.Findings {
		locs = append(locs, f.Location.String())
	}
	for _, group := range groupBySeverity(r.Findings) {
		heading := fmt.Sprintf("%s (%d)", strings.ToUpper(string(group[0].Severity)), len(group))
		if o.Color {
			heading = colorSeverity(group[0].Severity, heading)
		}
		bw.printf("\n%s\n", heading)
		idw := 0
		for _, f := range group {
			idw = max(idw, width(f.ID))
		}
		indent := strings.Repeat(" ", 2+idw+2)
		avail := cols - len(indent)
		for _, f := range group {
			title := wrapUnless(f.Title, avail, o)
			bw.printf("  %-*s  %s\n", idw, f.ID, title[0])
			bw.lines(indent, title[1:])
			loc := f.Location.String()
			user := ""
			if f.User != "" {
				user = "  [" + f.User + "]"
			}
			bw.lines(indent, []string{locs.fit(loc, avail-width(user), o) + user})
			ev := string(f.Category)
			if e := EvidenceLine(f); e != "" {
				ev += " · " + e
			}
			bw.lines(indent, wrapUnless(ev, avail, o))
		}
	}
	if len(r.Findings) == 0 {
		bw.printf("\nNo findings.\n")
	}
	if bw.err != nil {
		return bw.err
	}
	if len(r.Environments) > 0 {
		bw.printf("\nEnvironments (%d)\n", len(r.Environments))
		vw := 0
		for _, e := range r.Environments {
			vw = max(vw, width(e.Verdict))
		}
		indent := strings.Repeat(" ", 2+vw+2)
		avail := cols - len(indent)
		var envPaths pathSet
		for _, e := range r.Environments {
			envPaths = append(envPaths, e.Path)
		}
		for _, e := range r.Environments {
			what := e.Kind
			if e.User != "" {
				what += ", " + e.User
			}
			what = "  (" + what + ")"
			bw.printf("  %-*s  %s%s\n", vw, e.Verdict, envPaths.fit(e.Path, avail-width(what), o), what)
			if e.Reason != "" {
				bw.lines(indent, wrapUnless(e.Reason, avail, o))
			}
		}
	}
	if len(r.Rotation) > 0 {
		bw.printf("\nCredentials to rotate (%d)\n", len(r.Rotation))
		for _, it := range r.Rotation {
			pw := 4
			indent := strings.Repeat(" ", 2+pw+2)
			avail := cols - len(indent)
			title := wrapUnless(it.Title, avail, o)
			bw.printf("  %-*s  %s\n", pw, it.Priority, title[0])
			bw.lines(indent, title[1:])
			if it.Where != "" {
				bw.lines(indent, wrapUnless("where: "+it.Where, avail, o))
			}
			if len(it.Names) > 0 {
				bw.lines(indent, wrapUnless("names: "+strings.Join(it.Names, ", "), avail, o))
			}
			if it.Why != "" {
				bw.lines(indent, wrapUnless("why: "+it.Why, avail, o))
			}
		}
	}
	errs, skipped := splitErrors(r.Errors)
	if len(errs) > 0 {
		bw.printf("\nCould not check (%d)\n", len(errs))
		for _, e := range errs {
			bw.lines("  ", []string{fit(e.Location.String(), cols-2, o)})
			msg := e.Message
			if e.Collector != "" {
				msg = e.Collector + ": " + msg
			}
			bw.lines("      ", wrapUnless(msg, cols-6, o))
		}
	}
	if len(skipped) > 0 {
		var ps []string
		for i, e := range skipped {
			if i == 8 {
				ps = append(ps, fmt.Sprintf("and %d more (see JSON)", len(skipped)-8))
				break
			}
			ps = append(ps, e.Location.String())
		}
		bw.printf("\n")
		bw.lines("", wrapUnless(fmt.Sprintf("Not walked on purpose (%d): %s", len(skipped), strings.Join(ps, ", ")), cols, o))
	}
	s := r.Stats
	switch {
	case s.DirsRead > 0 || s.FilesSeen > 0:
		bw.printf("\nScanned %d directories and %d files, read %d files (%s) in %s.\n", s.DirsRead, s.FilesSeen,
			s.FilesRead, humanBytes(s.BytesRead), humanMS(s.DurationMS))
	default:
		bw.printf("\nDone in %s.\n", humanMS(s.DurationMS))
	}
	if s.APICalls > 0 {
		bw.printf("API calls: %d.\n", s.APICalls)
	}
	closingSummary(bw, r, cols, o, verdict, len(errs))
	return bw.err
}

// closingSummary ends the table with the answer, sized for the last
// screen of an 80×24 terminal: the verdict and the counts (a line that
// does not wrap at 80 columns), the three most important findings, what
// could not be checked, and the exact next commands for the verdict.
func closingSummary(bw *errWriter, r *sweep.Report, cols int, o Options, verdict string, unchecked int) {
	bw.printf("\n%s\n", strings.Repeat("─", min(cols, 60)))
	counts := map[sweep.Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for _, sev := range []sweep.Severity{sweep.Critical, sweep.High, sweep.Medium, sweep.Low, sweep.Info} {
		if n := counts[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	found := "no findings"
	if len(parts) > 0 {
		found = strings.Join(parts, ", ")
	}
	// The verdict line never wraps: the counts go on a line of their own
	// when both do not fit (measured without colour codes).
	plain := string(r.Verdict)
	if c := r.Scan.Coverage.String(); c != "" {
		plain += "; " + c
	}
	coloured := strings.TrimSuffix(verdict, plain[len(r.Verdict):])
	if line := "Verdict: " + plain + " — " + found + "."; width(line) <= cols || o.Wide {
		bw.printf("Verdict: %s%s — %s.\n", coloured, plain[len(r.Verdict):], found)
	} else {
		bw.printf("Verdict: %s\n", coloured)
		if len(plain) > len(r.Verdict) {
			bw.lines("         ", wrapUnless(strings.TrimPrefix(plain[len(r.Verdict):], "; "), cols-9, o))
		}
		bw.lines("", wrapUnless("Found: "+found+".", cols, o))
	}
	if top := topFindings(r.Findings, 3); len(top) > 0 {
		idw := 0
		for _, f := range top {
			idw = max(idw, width(f.ID))
		}
		indent := strings.Repeat(" ", 2+idw+2)
		avail := cols - len(indent)
		var locs pathSet
		for _, f := range r.Findings {
			locs = append(locs, f.Location.String())
		}
		if len(r.Findings) > len(top) {
			bw.printf("Most important (%d of %d, all above):\n", len(top), len(r.Findings))
		} else {
			bw.printf("Findings:\n")
		}
		for _, f := range top {
			bw.printf("  %-*s  %s\n", idw, f.ID, fit(strings.ToUpper(string(f.Severity))+" "+f.Title, avail, o))
			bw.lines(indent, []string{locs.fit(f.Location.String(), avail, o)})
		}
	}
	if unchecked > 0 {
		bw.lines("", wrapUnless(fmt.Sprintf("Could not check: %d %s (listed above).", unchecked, plural(unchecked, "location", "locations")), cols, o))
	}
	if r.Scan.Interrupted {
		bw.printf("Interrupted: only part of the target was swept.\n")
	}
	if len(r.Rotation) > 0 {
		bw.printf("Rotate: %d %s (listed above).\n", len(r.Rotation), plural(len(r.Rotation), "credential", "credentials"))
	}
	if steps := NextSteps(r, o); len(steps) > 0 {
		bw.printf("Next:\n")
		for i, st := range steps {
			if st.Command == "" {
				bw.lines(fmt.Sprintf("  %d. ", i+1), wrapUnless(st.Why, cols-5, o)[:1])
				bw.lines("     ", wrapUnless(st.Why, cols-5, o)[1:])
				continue
			}
			bw.printf("  %d. %s\n", i+1, st.Command) // whole: a command is copied, never shortened
			bw.lines("     ", wrapUnless(st.Why, cols-5, o))
		}
	}
	if o.Output != "" {
		bw.lines("", wrapUnless("Full report: "+o.Output, cols, o))
	} else {
		bw.lines("", wrapUnless("Full report: add -f json -o FILE (every path and detail in full), or --wide.", cols, o))
	}
}

// topFindings are the n most important findings: highest severity first,
// in the report's order within a severity.
func topFindings(fs []sweep.Finding, n int) []sweep.Finding {
	var out []sweep.Finding
	for _, g := range groupBySeverity(fs) {
		for _, f := range g {
			if len(out) == n {
				return out
			}
			out = append(out, f)
		}
	}
	return out
}

// fit shortens a path-like string to max columns unless o.Wide.
func fit(s string, max int, o Options) string {
	if o.Wide {
		return s
	}
	return ShortenMiddle(s, max)
}

// wrapUnless wraps s to max columns unless o.Wide.
func wrapUnless(s string, max int, o Options) []string {
	if o.Wide {
		return []string{s}
	}
	return Wrap(s, max)
}

// columnTable writes rows (the first is the header) as aligned columns
// without borders, cells as given: the caller has fitted them to the width.
func columnTable(w io.Writer, rows [][]string) error {
	if len(rows) == 0 {
		return nil
	}
	t := tablewriter.NewTable(w, tablewriter.WithConfig(tablewriter.Config{
		Header: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
		Row:    tw.CellConfig{Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone}, Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
	}), tablewriter.WithRendition(tw.Rendition{
		Borders:  tw.BorderNone,
		Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
	}))
	t.Header(rows[0])
	for _, r := range rows[1:] {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}

func scanTarget(r *sweep.Report) string {
	switch {
	case r.Scan.Hostname != "" && r.Scan.Root != "" && r.Scan.Root != "/":
		return fmt.Sprintf("%s (root %s)", r.Scan.Hostname, r.Scan.Root)
	case r.Scan.Hostname != "":
		return r.Scan.Hostname
	case r.Scan.Root != "":
		return r.Scan.Root
	case len(r.Scan.Targets) > 0:
		return strings.Join(r.Scan.Targets, ", ")
	}
	return "(nothing)"
}

func colorVerdict(v sweep.Verdict) string {
	code := "32" // green
	switch v {
	case sweep.Compromised:
		code = "1;31"
	case sweep.Exposed:
		code = "31"
	case sweep.AtRisk, sweep.Incomplete:
		code = "33"
	}
	return "\x1b[" + code + "m" + string(v) + "\x1b[0m"
}

func colorSeverity(s sweep.Severity, text string) string {
	code := "1"
	switch s {
	case sweep.Critical:
		code = "1;31"
	case sweep.High:
		code = "31"
	case sweep.Medium:
		code = "33"
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func humanMS(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

// lines writes each line after indent.
func (e *errWriter) lines(indent string, ls []string) {
	for _, l := range ls {
		e.printf("%s%s\n", indent, l)
	}
}

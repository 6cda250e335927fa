package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/render/escape"
)

// Table writes a readable terminal report: the verdict first, then the
// findings grouped by severity, what could not be checked, and statistics.
//
// Every string of the report reaches the terminal through escape.Text: the
// report is copied with it first, so no cell or line can carry a control
// character, a bidirectional override or a newline that starts a row.
func Table(w io.Writer, r *sweep.Report, o Options) error {
	r = escape.Copy(r, escape.Text)
	bw := &errWriter{w: w}
	verdict := string(r.Verdict)
	if o.Color {
		verdict = colorVerdict(r.Verdict)
	}
	bw.printf("litesweep %s sweep of %s: %s\n", r.Scan.Kind, scanTarget(r), verdict)
	bw.printf("%s\n", VerdictSentence(r))
	if r.Scan.Window != nil {
		bw.printf("Exposure window: %s .. %s (%s)\n", r.Scan.Window.Start.UTC().Format("2006-01-02 15:04Z"),
			r.Scan.Window.End.UTC().Format("2006-01-02 15:04Z"), r.Scan.Window.Source)
	}
	if r.Scan.Interrupted {
		bw.printf("INTERRUPTED: the sweep was stopped; this report holds only what was found until then.\n")
	}
	if bw.err != nil {
		return bw.err
	}
	for _, group := range groupBySeverity(r.Findings) {
		bw.printf("\n%s (%d)\n", strings.ToUpper(string(group[0].Severity)), len(group))
		t := newTable(w)
		t.Header("ID", "Category", "Finding", "Location", "Evidence")
		for _, f := range group {
			user := ""
			if f.User != "" {
				user = " [" + f.User + "]"
			}
			if err := t.Append(f.ID, f.Category, f.Title, f.Location.String()+user, EvidenceLine(f)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(r.Findings) == 0 {
		bw.printf("\nNo findings.\n")
	}
	if len(r.Environments) > 0 {
		bw.printf("\nEnvironments (%d)\n", len(r.Environments))
		t := newTable(w)
		t.Header("Verdict", "Environment", "Kind", "User", "Reason")
		for _, e := range r.Environments {
			if err := t.Append(e.Verdict, e.Path, e.Kind, e.User, e.Reason); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(r.Rotation) > 0 {
		bw.printf("\nCredentials to rotate (%d)\n", len(r.Rotation))
		t := newTable(w)
		t.Header("Priority", "Credential", "Where", "Names", "Why")
		for _, it := range r.Rotation {
			if err := t.Append(it.Priority, it.Title, it.Where, strings.Join(it.Names, ", "), it.Why); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	errs, skipped := splitErrors(r.Errors)
	if len(errs) > 0 {
		bw.printf("\nCould not check (%d)\n", len(errs))
		t := newTable(w)
		t.Header("Location", "Collector", "Problem")
		for _, e := range errs {
			if err := t.Append(e.Location.String(), e.Collector, e.Message); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(skipped) > 0 {
		bw.printf("\nNot walked on purpose (%d): ", len(skipped))
		var ps []string
		for i, e := range skipped {
			if i == 8 {
				ps = append(ps, fmt.Sprintf("and %d more (see JSON)", len(skipped)-8))
				break
			}
			ps = append(ps, e.Location.String())
		}
		bw.printf("%s\n", strings.Join(ps, ", "))
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
	return bw.err
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithConfig(tablewriter.Config{
		Header: tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.On}},
		Row:    tw.CellConfig{Formatting: tw.CellFormatting{AutoWrap: tw.WrapNormal}, ColMaxWidths: tw.CellWidth{Global: 60}},
	}))
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

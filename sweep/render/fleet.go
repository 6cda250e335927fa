package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/fleet"
	"github.com/litesweep/litesweep/sweep/render/escape"
)

// FleetFormats lists the formats `litesweep merge` writes.
var FleetFormats = []string{"table", "json", "markdown", "sarif", "html"}

// WriteFleet renders a fleet report in the named format.
func WriteFleet(w io.Writer, format string, f *fleet.Fleet, o Options) error {
	switch strings.ToLower(format) {
	case "json":
		return FleetJSON(w, f)
	case "markdown":
		return FleetMarkdown(w, f)
	case "html":
		return FleetHTML(w, f, o)
	case "sarif":
		return FleetSARIF(w, f)
	case "table":
		return FleetTable(w, f, o)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(FleetFormats, ", "))
}

// FleetJSON writes the fleet report: the merged sections and every host's
// full report, so a fleet report can itself be merged again.
func FleetJSON(w io.Writer, f *fleet.Fleet) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

// FleetSentence explains a fleet verdict in one sentence a manager can read:
// how many systems are in each verdict, then what the worst one means.
func FleetSentence(f *fleet.Fleet) string {
	if len(f.Hosts) == 0 {
		return fmt.Sprintf("No usable report was merged (%d inputs skipped): nothing is known about these systems.", len(f.Skipped))
	}
	var parts []string
	for _, v := range fleet.VerdictOrder {
		if n := len(f.ByVerdict[v]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	s := fmt.Sprintf("%d %s swept: %s. ", len(f.Hosts), plural(len(f.Hosts), "system", "systems"), strings.Join(parts, ", "))
	if f.Verdict == sweep.Incomplete && f.Gaps() > 0 {
		return s + fmt.Sprintf("Nothing was found, but %d %s could not be read (see skipped inputs): the result is not a clean bill of health.",
			f.Gaps(), plural(f.Gaps(), "report", "reports"))
	}
	return s + VerdictSentence(&sweep.Report{Verdict: f.Verdict})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FleetMarkdown writes the fleet report for an incident ticket.
// Every string from the merged reports goes through mdText or mdCode.
func FleetMarkdown(w io.Writer, f *fleet.Fleet) error {
	bw := &errWriter{w: w}
	bw.printf("# litesweep fleet report: %s\n\n", mdText(string(f.Verdict)))
	bw.printf("%s\n\n", mdText(FleetSentence(f)))
	bw.printf("Generated %s by %s %s (IOC pack %s %s).", f.Generated.UTC().Format("2006-01-02 15:04Z"), mdText(f.Tool.Name), mdText(f.Tool.Version), mdText(f.Tool.PackID), mdText(f.Tool.PackVersion))
	if f.Window != nil {
		bw.printf(" Exposure window %s .. %s.", f.Window.Start.UTC().Format("2006-01-02 15:04Z"), f.Window.End.UTC().Format("2006-01-02 15:04Z"))
	}
	bw.printf("\n\n## Systems by verdict\n\n| Verdict | System | Kind | Critical | High | Medium | Low | Could not check | Report |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, h := range f.Hosts {
		r := h.Report
		bw.printf("| %s | %s | %s | %d | %d | %d | %d | %d | %s |\n", mdText(string(h.Verdict)), mdText(h.Name), mdText(h.Kind), r.Summary["critical"], r.Summary["high"],
			r.Summary["medium"], r.Summary["low"], r.Incomplete(), mdText(h.Source))
	}
	if len(f.Skipped) > 0 {
		bw.printf("\n## Skipped inputs (%d)\n\n| Input | Why | Reason |\n|---|---|---|\n", len(f.Skipped))
		for _, s := range f.Skipped {
			bw.printf("| %s | %s | %s |\n", mdCode(s.Path), mdText(string(s.Kind)), mdText(s.Reason))
		}
	}
	if len(f.Rotation) > 0 {
		bw.printf("\n## Credentials to rotate (%d, de-duplicated across systems)\n\n", len(f.Rotation))
		for _, it := range f.Rotation {
			names := ""
			if len(it.Names) > 0 {
				names = " (" + mdText(strings.Join(it.Names, ", ")) + ")"
			}
			bw.printf("- [ ] **%s** %s%s at %s on %s\n", mdText(it.Priority), mdText(it.Title), names, mdInline(it.Where), mdText(strings.Join(it.Hosts, ", ")))
			if it.Why != "" {
				bw.printf("  - Why: %s\n", mdText(it.Why))
			}
			for _, s := range it.Steps {
				bw.printf("  - Step: %s\n", mdText(s))
			}
			if it.Verify != "" {
				bw.printf("  - Confirm: %s\n", mdText(it.Verify))
			}
		}
	}
	if len(f.Timeline) > 0 {
		bw.printf("\n## Timeline (all systems, UTC)\n\n| Time | System | Event | In window |\n|---|---|---|---|\n")
		for _, e := range f.Timeline {
			in := ""
			if e.InWindow {
				in = "yes"
			}
			bw.printf("| %s | %s | %s | %s |\n", e.Time.UTC().Format("2006-01-02 15:04:05"), mdText(e.Host), mdText(e.Event), in)
		}
	}
	for _, h := range f.Hosts {
		r := h.Report
		if len(r.Findings) == 0 && r.Incomplete() == 0 {
			continue
		}
		bw.printf("\n## %s: %s\n\n%s\n", mdText(h.Name), mdText(string(h.Verdict)), mdText(VerdictSentence(r)))
		if len(r.Findings) > 0 {
			bw.printf("\n| ID | Severity | Finding | Location | Evidence |\n|---|---|---|---|---|\n")
			for _, fd := range r.Findings {
				bw.printf("| %s | %s | %s | %s | %s |\n", mdCode(fd.ID), mdText(string(fd.Severity)), mdText(fd.Title), mdCode(fd.Location.String()), mdText(EvidenceLine(fd)))
			}
		}
		if n := r.Incomplete(); n > 0 {
			bw.printf("\nCould not check (%d):\n\n", n)
			for _, e := range r.Errors {
				if e.Kind != "skipped" {
					bw.printf("- %s: %s\n", mdInline(e.Location.String()), mdText(e.Message))
				}
			}
		}
	}
	return bw.err
}

// FleetTable writes the fleet summary for a terminal, laid out to o's
// width like Table: one aligned line per system (worst first), skipped
// inputs, the merged rotation checklist, and a closing line with the answer.
func FleetTable(w io.Writer, f *fleet.Fleet, o Options) error {
	f = escape.Copy(f, escape.Text)
	cols := o.width()
	bw := &errWriter{w: w}
	verdict := string(f.Verdict)
	if o.Color {
		verdict = colorVerdict(f.Verdict)
	}
	bw.printf("litesweep fleet of %d: %s\n", len(f.Hosts), verdict)
	bw.lines("", wrapUnless(FleetSentence(f), cols, o))
	if len(f.Hosts) > 0 {
		bw.printf("\nSystems (%d)\n", len(f.Hosts))
		rows := [][]string{{"VERDICT", "SYSTEM", "KIND", "FINDINGS", "UNCHECKED", "REPORT"}}
		for _, h := range f.Hosts {
			rows = append(rows, []string{string(h.Verdict), h.Name, h.Kind, fmt.Sprint(len(h.Report.Findings)),
				fmt.Sprint(h.Report.Incomplete()), h.Source})
		}
		if bw.err != nil {
			return bw.err
		}
		if err := columnTable(w, fitColumns(rows, cols-1, []int{1, 5}, o)); err != nil {
			return err
		}
	}
	if len(f.Skipped) > 0 {
		bw.printf("\nSkipped inputs (%d)\n", len(f.Skipped))
		for _, s := range f.Skipped {
			bw.lines("  ", []string{fit(s.Path, cols-2, o)})
			bw.lines("      ", wrapUnless(string(s.Kind)+": "+s.Reason, cols-6, o))
		}
	}
	if len(f.Rotation) > 0 {
		bw.printf("\nCredentials to rotate (%d)\n", len(f.Rotation))
		indent := strings.Repeat(" ", 8)
		avail := cols - len(indent)
		for _, it := range f.Rotation {
			title := wrapUnless(it.Title, avail, o)
			bw.printf("  %-4s  %s\n", it.Priority, title[0])
			bw.lines(indent, title[1:])
			if it.Where != "" {
				bw.lines(indent, wrapUnless("where: "+it.Where, avail, o))
			}
			if len(it.Names) > 0 {
				bw.lines(indent, wrapUnless("names: "+strings.Join(it.Names, ", "), avail, o))
			}
			bw.lines(indent, wrapUnless("systems: "+strings.Join(it.Hosts, ", "), avail, o))
		}
	}
	bw.printf("\n%s\n", strings.Repeat("─", min(cols, 60)))
	var byVerdict []string
	for _, v := range fleet.VerdictOrder {
		if n := len(f.ByVerdict[v]); n > 0 {
			byVerdict = append(byVerdict, fmt.Sprintf("%d %s", n, v))
		}
	}
	bw.lines("", wrapUnless(fmt.Sprintf("Verdict: %s — %d %s: %s.", verdict, len(f.Hosts), plural(len(f.Hosts), "system", "systems"),
		strings.Join(byVerdict, ", ")), cols, o))
	if len(f.Skipped) > 0 {
		bw.printf("Skipped: %d %s (listed above).\n", len(f.Skipped), plural(len(f.Skipped), "input", "inputs"))
	}
	if o.Output != "" {
		bw.lines("", wrapUnless("Full report: "+o.Output, cols, o))
	}
	return bw.err
}

// fitColumns fits rows (the first is the header) into max columns as
// columnTable lays them out (one space of padding each side of a cell): the
// columns named in shrink (paths and names) are shortened in the middle,
// last one first, until a row fits; the others keep their width.
func fitColumns(rows [][]string, max int, shrink []int, o Options) [][]string {
	if len(rows) == 0 || o.Wide {
		return rows
	}
	n := len(rows[0])
	ws := make([]int, n)
	for _, r := range rows {
		for i, c := range r {
			ws[i] = maxInt(ws[i], width(c))
		}
	}
	total := func() int {
		t := 2 * n
		for _, w := range ws {
			t += w
		}
		return t
	}
	for k := len(shrink) - 1; k >= 0 && total() > max; k-- {
		i := shrink[k]
		ws[i] = maxInt(12, ws[i]-(total()-max))
	}
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		row := make([]string, len(r))
		for i, c := range r {
			c = ShortenMiddle(c, ws[i])
			if width(c) > ws[i] {
				c = cutMiddle(c, ws[i])
			}
			row[i] = c
		}
		out = append(out, row)
	}
	return out
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

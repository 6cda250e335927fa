package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// FleetFormats lists the formats `litesweep merge` writes, from the output
// registry.
var FleetFormats = FormatsFor(DocFleet)

// WriteFleet renders a fleet report in the named format.
func WriteFleet(w io.Writer, format string, f *fleet.Fleet, o Options) error {
	return Output(w, DocFleet, format, f, o)
}

// FleetJSON writes the fleet report (schema 2.0, docs/report-schema.md):
// the merged sections and, per system, a compact findings index and a
// reference to its full report by path and SHA-256.
func FleetJSON(w io.Writer, f *fleet.Fleet) error { return FleetJSONOpts(w, f, Options{}) }

// FleetJSONOpts is FleetJSON written as a stream: one system at a time,
// its findings read back from the merge's spool; with o.Embed each
// system's newest report is copied in whole ("report"), read again from
// its file and checked against its digest.
func FleetJSONOpts(w io.Writer, f *fleet.Fleet, o Options) error {
	jw := &jsonStream{w: bufio.NewWriterSize(w, 256<<10)}
	jw.raw("{\n")
	jw.field("schema_version", f.SchemaVersion)
	jw.field("kind", f.Kind)
	jw.field("tool", f.Tool)
	jw.field("generated", f.Generated)
	jw.field("verdict", f.Verdict)
	jw.field("hosts_by_verdict", f.ByVerdict)
	jw.field("summary", f.Summary)
	if f.Window != nil {
		jw.field("window", f.Window)
	}
	jw.raw(`  "hosts": [`)
	for i := range f.Hosts {
		h := &f.Hosts[i]
		if i > 0 {
			jw.raw(",")
		}
		head := jw.marshal(h, "    ")
		head = strings.TrimSuffix(strings.TrimRight(head, "\n"), "}")
		head = strings.TrimRight(head, " \n")
		jw.raw("\n    " + head + ",\n      \"findings\": [")
		n := 0
		err := f.Index(h, func(line []byte) error {
			if n > 0 {
				jw.raw(",")
			}
			n++
			jw.raw("\n        ")
			jw.bytes(line)
			return jw.err
		})
		if err != nil {
			return err
		}
		if n > 0 {
			jw.raw("\n      ")
		}
		jw.raw("]")
		if o.Embed {
			data, err := f.ReportBytes(h)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, data); err != nil {
				return fmt.Errorf("report %s: %w", h.Source, err)
			}
			jw.raw(",\n      \"report\": ")
			jw.raw(buf.String())
		}
		jw.raw("\n    }")
	}
	if len(f.Hosts) > 0 {
		jw.raw("\n  ")
	}
	jw.raw("],\n")
	// The two arrays that grow with the fleet go element by element: one
	// item's encoding in memory at a time, not the whole list's.
	streamArray(jw, "rotation", f.Rotation, false)
	streamArray(jw, "timeline", f.Timeline, false)
	if len(f.Checklists) > 0 {
		jw.field("checklists", f.Checklists)
	}
	if len(f.Learned) > 0 {
		jw.field("learned", f.Learned)
	}
	if len(f.Observations) > 0 {
		jw.field("observations", f.Observations)
	}
	jw.last("skipped", f.Skipped)
	jw.raw("}\n")
	if jw.err != nil {
		return jw.err
	}
	return jw.w.Flush()
}

// jsonStream writes a JSON document piece by piece.
type jsonStream struct {
	w   *bufio.Writer
	buf bytes.Buffer
	err error
}

func (j *jsonStream) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonStream) bytes(b []byte) {
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
}

func (j *jsonStream) marshal(v any, prefix string) string {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	if prefix != "" {
		enc.SetIndent(prefix, "  ")
	}
	if err := enc.Encode(v); err != nil && j.err == nil {
		j.err = err
	}
	return strings.TrimSuffix(j.buf.String(), "\n")
}

func (j *jsonStream) field(name string, v any) {
	j.raw("  " + strconv.Quote(name) + ": " + j.marshal(v, "  ") + ",\n")
}

func (j *jsonStream) last(name string, v any) {
	j.raw("  " + strconv.Quote(name) + ": " + j.marshal(v, "  ") + "\n")
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

// FleetGuardSentence is what every fleet rendering says first when a
// system's newest report shows a dead-man switch ("" when none does):
// which systems carry one armed, and that each is disarmed there before
// anything it guards is revoked. It does not escape: the caller escapes
// the sentence for its medium.
func FleetGuardSentence(f *fleet.Fleet) string {
	var on []string
	running := 0
	for i := range f.Hosts {
		h := &f.Hosts[i]
		if len(h.Guards) == 0 {
			continue
		}
		var names []string
		for _, g := range h.Guards {
			n := g.Name
			if g.Running {
				n += " RUNNING"
				running++
			}
			names = append(names, n)
		}
		on = append(on, h.Name+" ("+strings.Join(names, ", ")+")")
	}
	if len(on) == 0 {
		return ""
	}
	s := fmt.Sprintf("DEAD-MAN SWITCH armed on %d %s: %s.", len(on), plural(len(on), "system", "systems"), capJoin(on))
	if running > 0 {
		s += fmt.Sprintf(" %d %s running and may fire at any moment.", running, plural(running, "is", "are"))
	}
	return s + " On each, disarm it first (its P0 rotation item; litesweep remediate there stops, disables and moves it aside keeping evidence) and revoke nothing it watches until then."
}

// observationLine is one fleet observation in a sentence. It does not
// escape: the caller escapes the line for its medium.
func observationLine(o fleet.Observation) string {
	s := fmt.Sprintf("The payload %s (SHA-256 %s) that %s learned from %s (%s) is also in a reported file on %s",
		o.Name, short(o.SHA256, 16), o.LearnedOn, o.Location.String(), o.Reason, capJoin(o.Systems))
	if o.More > 0 {
		s += fmt.Sprintf(" and %d more", o.More)
	}
	return s + ": their own reports do not rate it as this payload; sweep them again with the learned hashes (litesweep iocs --from-report)."
}

// pendingLine says how many of a credential's systems still have to
// rotate it: "10 of 11 systems pending".
func pendingLine(it *fleet.Rotation) string {
	n := len(it.Systems)
	if it.Pending == 0 {
		return fmt.Sprintf("rotated on %s", plural(n, "its system", fmt.Sprintf("all %d systems", n)))
	}
	return fmt.Sprintf("%d of %d %s pending", it.Pending, n, plural(n, "system", "systems"))
}

// capJoin lists names, at most listCap of them.
func capJoin(s []string) string {
	l, more := capList(s)
	out := strings.Join(l, ", ")
	if more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
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
	if g := FleetGuardSentence(f); g != "" {
		bw.printf("**%s**\n\n", mdText(g))
	}
	bw.printf("%s\n\n", mdText(FleetSentence(f)))
	bw.printf("Generated %s by %s %s (IOC pack %s %s).", f.Generated.UTC().Format("2006-01-02 15:04Z"), mdText(f.Tool.Name), mdText(f.Tool.Version), mdText(f.Tool.PackID), mdText(f.Tool.PackVersion))
	if f.Window != nil {
		bw.printf(" Exposure window %s .. %s.", f.Window.Start.UTC().Format("2006-01-02 15:04Z"), f.Window.End.UTC().Format("2006-01-02 15:04Z"))
	}
	bw.printf("\n\n## Systems by verdict\n\n| Verdict | System | Kind | Critical | High | Medium | Low | Could not check | Report |\n|---|---|---|---|---|---|---|---|---|\n")
	for i := range f.Hosts {
		h := &f.Hosts[i]
		bw.printf("| %s | %s | %s | %d | %d | %d | %d | %d | %s |\n", mdText(string(h.Verdict)), mdText(h.Name), mdText(h.Kind), h.Summary["critical"], h.Summary["high"],
			h.Summary["medium"], h.Summary["low"], h.Incomplete, mdText(h.Source))
	}
	if len(f.Skipped) > 0 {
		bw.printf("\n## Skipped inputs (%d)\n\n| Input | Why | Reason |\n|---|---|---|\n", len(f.Skipped))
		for _, s := range f.Skipped {
			bw.printf("| %s | %s | %s |\n", mdCode(s.Path), mdText(string(s.Kind)), mdText(s.Reason))
		}
	}
	if len(f.Observations) > 0 {
		bw.printf("\n## Fleet observations (%d)\n\n", len(f.Observations))
		for _, o := range f.Observations {
			bw.printf("- %s\n", mdText(observationLine(o)))
		}
	}
	if len(f.Rotation) > 0 {
		bw.printf("\n## Credentials to rotate (%d, de-duplicated across systems)\n\n", len(f.Rotation))
		for _, it := range f.Rotation {
			box := "[ ]"
			if it.Status == fleet.RotationDone {
				box = "[x]"
			}
			names := ""
			if len(it.Names) > 0 {
				names = " (" + mdText(strings.Join(it.Names, ", ")) + ")"
			}
			if len(it.Systems) <= 1 || it.Shared != "" {
				bw.printf("- %s **%s** %s%s at %s on %s\n", box, mdText(it.Priority), mdText(it.Title), names, mdInline(it.Where), mdText(strings.Join(it.Hosts, ", ")))
				if it.Shared != "" {
					bw.printf("  - One credential: %s\n", mdText(it.Shared))
				}
				if it.RotatedAt != nil {
					bw.printf("  - Rotated: %s\n", it.RotatedAt.UTC().Format("2006-01-02 15:04Z"))
				}
			} else {
				bw.printf("- **%s** %s%s at %s: %s\n", mdText(it.Priority), mdText(it.Title), names, mdInline(it.Where), mdText(pendingLine(&it)))
				for _, sd := range it.Systems {
					box, when := "[ ]", ""
					if sd.Status == fleet.RotationDone {
						box = "[x]"
						if sd.RotatedAt != nil {
							when = " rotated " + sd.RotatedAt.UTC().Format("2006-01-02 15:04Z")
						}
					}
					bw.printf("  - %s %s %s%s\n", box, mdText(sd.Host), mdInline(sd.ID), when)
				}
			}
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
	for i := range f.Hosts {
		h := &f.Hosts[i]
		if h.Shown() == 0 && h.Incomplete == 0 {
			continue
		}
		bw.printf("\n## %s: %s\n\n%s\n", mdText(h.Name), mdText(string(h.Verdict)), mdText(HostSentence(h)))
		if h.FirstBad != nil {
			bw.printf("\n%s\n", mdText(historyLine(h)))
		}
		if h.Shown() > 0 {
			bw.printf("\n| ID | Severity | Finding | Location | Evidence |\n|---|---|---|---|---|\n")
			if err := f.Findings(h, func(fd *sweep.Finding) error {
				bw.printf("| %s | %s | %s | %s | %s |\n", mdCode(fd.ID), mdText(string(fd.Severity)), mdText(fd.Title), mdCode(fd.Location.String()), mdText(EvidenceLine(*fd)))
				return bw.err
			}); err != nil {
				return err
			}
		}
		if h.Incomplete > 0 {
			errs, err := f.Errors(h)
			if err != nil {
				return err
			}
			bw.printf("\nCould not check (%d):\n\n", h.Incomplete)
			for _, e := range errs {
				bw.printf("- %s: %s\n", mdInline(e.Location.String()), mdText(e.Message))
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
	if g := FleetGuardSentence(f); g != "" {
		bw.lines("", wrapUnless(g, cols, o))
	}
	bw.lines("", wrapUnless(FleetSentence(f), cols, o))
	if len(f.Hosts) > 0 {
		bw.printf("\nSystems (%d)\n", len(f.Hosts))
		rows := [][]string{{"VERDICT", "SYSTEM", "KIND", "FINDINGS", "UNCHECKED", "REPORT"}}
		for i := range f.Hosts {
			h := &f.Hosts[i]
			rows = append(rows, []string{string(h.Verdict), h.Name, h.Kind, fmt.Sprint(h.Shown()),
				fmt.Sprint(h.Incomplete), h.Source})
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
	if len(f.Observations) > 0 {
		bw.printf("\nFleet observations (%d)\n", len(f.Observations))
		for _, ob := range f.Observations {
			bw.lines("  ", wrapUnless(observationLine(ob), cols-2, o))
		}
	}
	if len(f.Rotation) > 0 {
		bw.printf("\nCredentials to rotate (%d)\n", len(f.Rotation))
		indent := strings.Repeat(" ", 8)
		avail := cols - len(indent)
		for _, it := range f.Rotation {
			title := wrapUnless(it.Title, avail, o)
			prio := it.Priority
			if it.Status == fleet.RotationDone {
				prio = "done"
			}
			bw.printf("  %-4s  %s\n", prio, title[0])
			bw.lines(indent, title[1:])
			if it.Where != "" {
				bw.lines(indent, wrapUnless("where: "+it.Where, avail, o))
			}
			if len(it.Names) > 0 {
				bw.lines(indent, wrapUnless("names: "+strings.Join(it.Names, ", "), avail, o))
			}
			if it.Shared != "" {
				bw.lines(indent, wrapUnless("one credential: "+it.Shared, avail, o))
			}
			if len(it.Systems) > 1 {
				var pending, rotated []string
				for _, sd := range it.Systems {
					if sd.Status == fleet.RotationDone {
						rotated = append(rotated, sd.Host)
					} else {
						pending = append(pending, sd.Host)
					}
				}
				bw.lines(indent, wrapUnless(pendingLine(&it), avail, o))
				if len(pending) > 0 && it.Shared == "" {
					bw.lines(indent, wrapUnless("pending: "+capJoin(pending), avail, o))
				}
				if len(rotated) > 0 {
					bw.lines(indent, wrapUnless("rotated: "+capJoin(rotated), avail, o))
				}
			} else {
				bw.lines(indent, wrapUnless("systems: "+strings.Join(it.Hosts, ", "), avail, o))
			}
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

// HostSentence explains one system's fleet verdict in one sentence.
func HostSentence(h *fleet.Host) string {
	if h.Verdict == fleet.Remediated {
		return "Cleaned: the newest report is CLEAN, but an earlier one was " + string(h.FirstBad.Verdict) +
			"; its findings are listed, and the credentials it exposed stay on the checklist until marked rotated."
	}
	return VerdictSentence(&sweep.Report{Verdict: h.Verdict})
}

// historyLine says which reports a system's fleet entry comes from.
func historyLine(h *fleet.Host) string {
	fb := h.FirstBad
	return fmt.Sprintf("First %s report: %s (finished %s). Newest report: %s (finished %s, %s). %d reports of this system merged.",
		fb.Verdict, fb.Path, stampUTC(fb.Finished), h.Source, stampUTC(h.Scan.Finished), h.ReportVerdict, max(1, len(h.History)))
}

func stampUTC(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

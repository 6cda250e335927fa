package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// Markdown writes a report a responder pastes into an incident ticket
// (GitHub, GitLab, Jira with Markdown): the verdict and its one-sentence
// explanation first, the scan facts, findings grouped by severity, per-
// environment verdicts, the timeline, the rotation checklist as task
// items, what could not be checked, and statistics.
//
// It is written with plain strings rather than tablewriter's Markdown
// renderer: every untrusted string goes through escape.Markdown or
// escape.CodeSpan (controls made visible, structure characters escaped with
// backslashes, never HTML entities), paths and evidence go into code spans
// so __pycache__ and base64 stay literal, and the output carries no
// column padding, so it is byte-stable for golden tests and diffs cleanly
// in a ticket's history.
func Markdown(w io.Writer, r *sweep.Report, _ Options) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# litesweep %s sweep of %s: **%s**", mdText(string(r.Scan.Kind)), mdText(scanTarget(r)), mdText(string(r.Verdict)))
	if c := r.Scan.Coverage.String(); c != "" {
		fmt.Fprintf(b, "; %s", mdText(c))
	}
	b.WriteString("\n\n")
	fmt.Fprintf(b, "> %s\n\n", mdText(VerdictSentence(r)))
	if r.Scan.Interrupted {
		b.WriteString("> **Interrupted:** the sweep was stopped; this report holds only what was found until then.\n\n")
	}
	var counts []string
	for _, sv := range []sweep.Severity{sweep.Critical, sweep.High, sweep.Medium, sweep.Low, sweep.Info} {
		if n := r.Summary[string(sv)]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, sv))
		}
	}
	var facts []string
	if len(counts) > 0 {
		facts = append(facts, "Findings: "+strings.Join(counts, ", ")+".")
	}
	if n := r.Incomplete(); n > 0 {
		facts = append(facts, fmt.Sprintf("Could not check: %d.", n))
	}
	if len(facts) > 0 {
		b.WriteString(strings.Join(facts, " ") + "\n\n")
	}

	for _, g := range r.Guards {
		fmt.Fprintf(b, "## Dead-man switch: disarm %s first\n\n", mdText(g.Name))
		fmt.Fprintf(b, "It %s. Rotation item %s carries these steps; every rotation it guards waits for it.\n\n", mdText(g.Effect), mdCode(g.Item))
		for i, st := range g.Disarm {
			fmt.Fprintf(b, "%d. %s\n", i+1, mdText(st))
		}
		for _, p := range g.Paths {
			fmt.Fprintf(b, "- found: %s\n", mdCode(p))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Scan\n\n| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, v)
		}
	}
	row("Kind", mdText(string(r.Scan.Kind)))
	row("Host", mdText(r.Scan.Hostname))
	row("Root", mdCode(r.Scan.Root))
	if len(r.Scan.Targets) > 0 {
		var ts []string
		for _, t := range r.Scan.Targets {
			ts = append(ts, mdCode(t))
		}
		row("Targets", strings.Join(ts, ", "))
	}
	if win := r.Scan.Window; win != nil {
		row("Exposure window", fmt.Sprintf("%s .. %s (%s)", mdTime(win.Start), mdTime(win.End), mdText(win.Source)))
	}
	if !r.Scan.Started.IsZero() {
		row("Started", mdTime(r.Scan.Started))
	}
	if !r.Scan.Finished.IsZero() {
		row("Finished", mdTime(r.Scan.Finished))
	}
	tool := mdText(r.Tool.Name + " " + r.Tool.Version)
	if r.Tool.Commit != "" {
		tool += " (" + mdCode(r.Tool.Commit) + ")"
	}
	row("Tool", tool)
	for _, p := range r.Tool.UsedPacks() {
		row("IOC pack", fmt.Sprintf("%s %s, sha256 %s, from %s", mdCode(p.ID), mdText(p.Version),
			mdCode(p.SHA256), mdText(p.From)))
	}
	if len(r.Scan.Options) > 0 {
		row("Options", mdCode(strings.Join(r.Scan.Options, " ")))
	}
	b.WriteString("\n")

	fmt.Fprintf(b, "## Findings (%d)\n\n", len(r.Findings))
	if len(r.Findings) == 0 {
		b.WriteString("No findings.\n\n")
	}
	for _, group := range groupBySeverity(r.Findings) {
		fmt.Fprintf(b, "### %s (%d)\n\n", mdText(titleCase(string(group[0].Severity))), len(group))
		b.WriteString("| ID | Category | Finding | Location | User / environment | Evidence | Indicator |\n|---|---|---|---|---|---|---|\n")
		for _, f := range group {
			who := mdText(f.User)
			if f.Environment != "" {
				if who != "" {
					who += "<br>"
				}
				who += mdCode(f.Environment)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCode(f.ID), mdText(string(f.Category)), mdText(f.Title),
				mdCode(f.Location.String()), who, mdEvidence(f), mdIndicator(f.Indicator))
		}
		b.WriteString("\n")
	}

	if len(r.Environments) > 0 {
		fmt.Fprintf(b, "## Environments and users (%d)\n\n", len(r.Environments))
		b.WriteString("| Verdict | Environment | Kind | User | Why |\n|---|---|---|---|---|\n")
		for _, e := range r.Environments {
			v := mdText(e.Verdict)
			if e.Verdict != sweep.EnvClean && e.Verdict != "" {
				v = "**" + v + "**"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", v, mdCode(e.Path), mdText(e.Kind), mdText(e.User), mdText(e.Reason))
		}
		b.WriteString("\n")
	}

	if len(r.Timeline) > 0 {
		fmt.Fprintf(b, "## Timeline (%d)\n\n", len(r.Timeline))
		if r.Scan.Window != nil {
			b.WriteString("Events inside the exposure window are marked **in window**.\n\n")
		}
		b.WriteString("| Time (UTC) | Window | Event | Finding |\n|---|---|---|---|\n")
		for _, e := range r.Timeline {
			in := ""
			if e.InWindow {
				in = "**in window**"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdTime(e.Time), in, mdText(e.Event), mdCode(e.Finding))
		}
		b.WriteString("\n")
	}

	if len(r.Rotation) > 0 {
		fmt.Fprintf(b, "## Credentials to rotate (%d)\n\n", len(r.Rotation))
		b.WriteString("Names only: the report never holds a secret value.\n\n")
		for _, it := range r.Rotation {
			fmt.Fprintf(b, "- [ ] **%s** %s: %s", mdText(it.Priority), mdText(it.Title), mdInline(it.Where))
			if len(it.Names) > 0 {
				var ns []string
				for _, n := range it.Names {
					ns = append(ns, mdInline(n))
				}
				fmt.Fprintf(b, " (%s)", strings.Join(ns, ", "))
			}
			if it.User != "" {
				fmt.Fprintf(b, ", user %s", mdText(it.User))
			}
			if it.Host != "" {
				fmt.Fprintf(b, ", host %s", mdText(it.Host))
			}
			b.WriteString("\n")
			if it.Why != "" {
				fmt.Fprintf(b, "  - Why: %s", mdText(it.Why))
				if len(it.ExposedBy) > 0 {
					var ex []string
					for _, x := range it.ExposedBy {
						ex = append(ex, mdInline(x))
					}
					fmt.Fprintf(b, " (%s)", strings.Join(ex, ", "))
				}
				b.WriteString("\n")
			}
			for _, s := range it.Steps {
				fmt.Fprintf(b, "  - [ ] %s\n", mdText(s))
			}
			if it.Verify != "" {
				fmt.Fprintf(b, "  - Verify: %s\n", mdText(it.Verify))
			}
		}
		b.WriteString("\n")
	}

	errs, skipped := splitErrors(r.Errors)
	if len(errs) > 0 {
		fmt.Fprintf(b, "## Could not check (%d)\n\n", len(errs))
		b.WriteString("| Location | Collector | Kind | Problem |\n|---|---|---|---|\n")
		for _, e := range errs {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCode(e.Location.String()), mdCode(e.Collector), mdText(string(e.Kind)), mdText(e.Message))
		}
		b.WriteString("\n")
	}
	if len(skipped) > 0 {
		fmt.Fprintf(b, "## Not read on purpose (%d)\n\n", len(skipped))
		for _, e := range skipped {
			fmt.Fprintf(b, "- %s: %s\n", mdInline(e.Location.String()), mdText(e.Message))
		}
		b.WriteString("\n")
	}

	s := r.Stats
	b.WriteString("## Statistics\n\n")
	fmt.Fprintf(b, "- %d directories and %d files seen, %d files read (%s), in %s\n", s.DirsRead, s.FilesSeen, s.FilesRead,
		humanBytes(s.BytesRead), humanMS(s.DurationMS))
	fmt.Fprintf(b, "- %d skipped on purpose, %d errors\n", s.Skipped, s.Errors)
	for _, kv := range []struct {
		k string
		v int64
	}{{"images", s.Images}, {"layers", s.Layers}, {"repositories", s.Repos}, {"workflow runs", s.Runs}, {"logs", s.Logs}, {"API calls", s.APICalls}} {
		if kv.v > 0 {
			fmt.Fprintf(b, "- %d %s\n", kv.v, kv.k)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func mdTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func mdEvidence(f sweep.Finding) string {
	e := f.Evidence
	var parts []string
	if e.Package != "" {
		s := e.Package
		if e.Version != "" {
			s += "==" + e.Version
		}
		parts = append(parts, mdCode(s))
	}
	if e.Installer != "" {
		parts = append(parts, "installer "+mdText(e.Installer))
	}
	if e.SHA256 != "" {
		parts = append(parts, "sha256 "+mdCode(e.SHA256))
	}
	if e.Size > 0 {
		parts = append(parts, fmt.Sprintf("%d bytes", e.Size))
	}
	if e.Time != nil {
		parts = append(parts, "at "+mdTime(*e.Time))
	}
	if e.ModTime != nil {
		parts = append(parts, "mtime "+mdTime(*e.ModTime))
	}
	if e.Owner != "" {
		parts = append(parts, "owner "+mdText(e.Owner))
	}
	if e.Text != "" {
		parts = append(parts, mdCode(short(e.Text, 200)))
	}
	for _, d := range e.Details {
		parts = append(parts, mdText(d))
	}
	return strings.Join(parts, "<br>")
}

func mdIndicator(in *sweep.Indicator) string {
	if in == nil {
		return ""
	}
	s := mdCode(in.ID)
	if in.Confidence != "" {
		s += " (" + mdText(in.Confidence) + ")"
	}
	for i, src := range in.Sources {
		if i == 2 {
			s += fmt.Sprintf("<br>and %d more", len(in.Sources)-2)
			break
		}
		s += "<br>" + mdLink(src)
	}
	return s
}

// mdLink renders a source as a link when it is an http(s) URL, else as text.
func mdLink(s string) string {
	if (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && escape.Text(s) == s && !strings.ContainsAny(s, " <>()|`\\") {
		return "<" + s + ">"
	}
	return mdText(s)
}

// mdText escapes s for a table cell or a line of text (escape.Markdown).
func mdText(s string) string { return escape.Markdown(s) }

// mdCode puts s in a code span safe inside a table cell (escape.CodeSpan).
func mdCode(s string) string { return escape.CodeSpan(s, true) }

// mdInline is mdCode outside a table (pipes stay as they are).
func mdInline(s string) string { return escape.CodeSpan(s, false) }

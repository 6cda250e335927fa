// Package render turns a sweep.Report into the formats a responder reads or
// uploads: a terminal table, JSON (docs/report-schema.md), Markdown for an
// incident ticket, SARIF 2.1.0 for code scanning, and a self-contained HTML
// page, and CSV of the findings for a spreadsheet. Renderers never see secret values: the report holds none.
package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
)

// Formats lists the formats of a report, from the output registry.
var Formats = FormatsFor(DocReport)

// Options tune rendering.
type Options struct {
	// Color enables ANSI colour in the table (only on a TTY).
	Color bool
	// Width is the terminal width the table is laid out to (0: DefaultWidth,
	// at least MinWidth).
	Width int
	// Wide keeps every path and evidence line whole in the table instead of
	// fitting it to Width.
	Wide bool
	// Output is where the report is being written (--output), named by the
	// table's closing summary; empty for stdout.
	Output string
	// Rerun is the command that builds the document again from the same
	// inputs, without format or output (litesweep rotate -r host.json):
	// the checklist's next steps extend it.
	Rerun string
	// Embed copies each system's full report into the fleet JSON instead
	// of referencing it by path and digest (merge --embed).
	Embed bool
	// Catalog declares the finding categories (package catalog): SARIF
	// rule texts and remediation come from it. A category it does not
	// declare, or the zero Catalog, renders generically.
	Catalog sweep.Catalog
}

// width is the layout width the options ask for.
func (o Options) width() int {
	switch {
	case o.Width == 0:
		return DefaultWidth
	case o.Width < MinWidth:
		return MinWidth
	}
	return o.Width
}

// Write renders r in the named format.
func Write(w io.Writer, format string, r *sweep.Report, o Options) error {
	return Output(w, DocReport, format, r, o)
}

// JSON writes the versioned report schema, indented: the same bytes as
// encoding the whole report with json.Encoder (SetIndent("", "  "),
// SetEscapeHTML(false)), produced as a stream. Each top-level field and
// each element of the long arrays is encoded on its own, so memory holds
// one finding's encoding at a time, not the report's three times over.
// TestJSONStreamMatchesEncoder keeps the field list in step with
// sweep.Report.
func JSON(w io.Writer, r *sweep.Report, _ Options) error {
	jw := &jsonStream{w: bufio.NewWriterSize(w, 256<<10)}
	jw.raw("{\n")
	jw.field("schema_version", r.SchemaVersion)
	jw.field("tool", r.Tool)
	jw.field("scan", r.Scan)
	jw.field("verdict", r.Verdict)
	streamArray(jw, "guards", r.Guards, true)
	jw.field("summary", r.Summary)
	streamArray(jw, "findings", r.Findings, false)
	streamArray(jw, "environments", r.Environments, true)
	streamArray(jw, "timeline", r.Timeline, true)
	streamArray(jw, "rotation", r.Rotation, true)
	streamArray(jw, "learned", r.Learned, true)
	streamArray(jw, "errors", r.Errors, false)
	jw.last("stats", r.Stats)
	jw.raw("}\n")
	if jw.err != nil {
		return jw.err
	}
	return jw.w.Flush()
}

// streamArray writes one array field element by element, as the indenting
// encoder would: null for a nil slice (left out with omitEmpty), [] when
// empty.
func streamArray[T any](jw *jsonStream, name string, s []T, omitEmpty bool) {
	switch {
	case len(s) == 0 && omitEmpty:
		return
	case s == nil:
		jw.raw("  " + strconv.Quote(name) + ": null,\n")
		return
	case len(s) == 0:
		jw.raw("  " + strconv.Quote(name) + ": [],\n")
		return
	}
	jw.raw("  " + strconv.Quote(name) + ": [")
	for i := range s {
		if i > 0 {
			jw.raw(",")
		}
		jw.raw("\n    ")
		jw.raw(jw.marshal(&s[i], "    "))
	}
	jw.raw("\n  ],\n")
}

// groupBySeverity returns the report's findings grouped, worst first.
func groupBySeverity(fs []sweep.Finding) [][]sweep.Finding {
	groups := map[sweep.Severity][]sweep.Finding{}
	for _, f := range fs {
		groups[f.Severity] = append(groups[f.Severity], f)
	}
	keys := make([]sweep.Severity, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Rank() > keys[j].Rank() })
	out := make([][]sweep.Finding, 0, len(keys))
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}

// splitErrors separates what could not be checked from what was not walked
// on purpose (Error.Kind "skipped"), the two lists every renderer shows.
func splitErrors(all []sweep.Error) (errs, skipped []sweep.Error) {
	for _, e := range all {
		if e.Kind == sweep.ErrKindSkipped {
			skipped = append(skipped, e)
		} else {
			errs = append(errs, e)
		}
	}
	return errs, skipped
}

// EvidenceLine is a one-line summary of a finding's evidence. It does not
// escape: the caller escapes the line for its medium.
func EvidenceLine(f sweep.Finding) string {
	e := f.Evidence
	var parts []string
	if e.Package != "" {
		s := e.Package
		if e.Version != "" {
			s += "==" + e.Version
		}
		parts = append(parts, s)
	}
	if e.SHA256 != "" {
		parts = append(parts, "sha256:"+short(e.SHA256, 12))
	}
	if e.Time != nil {
		parts = append(parts, "at "+e.Time.UTC().Format("2006-01-02 15:04Z"))
	} else if e.ModTime != nil {
		parts = append(parts, "mtime "+e.ModTime.UTC().Format("2006-01-02 15:04Z"))
	}
	if e.Text != "" {
		parts = append(parts, `"`+short(e.Text, 100)+`"`)
	}
	if len(parts) == 0 && len(e.Details) > 0 {
		parts = append(parts, e.Details[0])
	}
	return strings.Join(parts, "; ")
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// VerdictSentence explains the verdict in one sentence a manager can read.
func VerdictSentence(r *sweep.Report) string {
	if g := GuardSentence(r); g != "" {
		return g + " " + verdictSentence(r)
	}
	return verdictSentence(r)
}

// GuardSentence is what every rendering says first when the sweep found a
// dead-man switch ("" when it found none): what it does and that it is
// disarmed before anything it guards is revoked.
func GuardSentence(r *sweep.Report) string { return guardsSentence(r.Guards) }

// guardsSentence is GuardSentence of a list of guards (a report's, a
// checklist's, a fleet system's).
func guardsSentence(gs []sweep.Guard) string {
	var parts []string
	for _, g := range gs {
		state := "present"
		if g.Running {
			state = "RUNNING"
		}
		where := ""
		if g.Host != "" {
			where = " on " + g.Host
		}
		parts = append(parts, fmt.Sprintf("DEAD-MAN SWITCH %s %s%s: it %s. Disarm it first (rotation item %s: stop, disable, move aside keeping evidence) and revoke nothing it watches until then.",
			g.Name, state, where, g.Effect, g.Item))
	}
	return strings.Join(parts, " ")
}

func verdictSentence(r *sweep.Report) string {
	switch r.Verdict {
	case sweep.Compromised:
		return "Malicious code, persistence or staging files are present: treat the system as compromised, isolate it and rotate every credential it held."
	case sweep.Exposed:
		return "There is evidence the bad versions were installed, downloaded or ran: rotate the credentials listed and confirm no persistence remains."
	case sweep.AtRisk:
		return "Nothing malicious is installed, but a manifest or lockfile would install a bad version: pin a clean version before the next install."
	case sweep.Incomplete:
		return "Nothing was found, but some places could not be checked (see the errors): the result is not a clean bill of health."
	case fleet.Remediated:
		return "Systems were compromised or exposed and have since been cleaned: rotate every credential still on the checklist."
	}
	return "No indicator of this incident was found in what was checked."
}

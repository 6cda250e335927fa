package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
)

// Doc is a kind of document litesweep writes.
type Doc string

const (
	DocReport      Doc = "report"      // one sweep (*sweep.Report)
	DocFleet       Doc = "fleet"       // merged reports (*fleet.Fleet)
	DocChecklist   Doc = "checklist"   // the rotation checklist (*remediate.Checklist)
	DocRemediation Doc = "remediation" // remediate's plan and result (*remediate.Document)
)

// output is one format of one document.
type output struct {
	format string
	doc    Doc
	write  func(w io.Writer, v any, o Options) error
}

// outputs is the one output registry: every format of every document,
// declared once, in the order --format lists them. A command offers every
// format its document has here (FormatsFor), and writes through Output.
var outputs = []output{
	{"table", DocReport, report(Table)},
	{"json", DocReport, report(JSON)},
	{"markdown", DocReport, report(Markdown)},
	{"sarif", DocReport, report(SARIF)},
	{"csv", DocReport, report(CSV)},
	{"html", DocReport, report(HTML)},

	{"table", DocFleet, fleetDoc(FleetTable)},
	{"json", DocFleet, fleetDoc(FleetJSONOpts)},
	{"markdown", DocFleet, fleetDoc(func(w io.Writer, f *fleet.Fleet, _ Options) error { return FleetMarkdown(w, f) })},
	{"sarif", DocFleet, fleetDoc(FleetSARIF)},
	{"html", DocFleet, fleetDoc(FleetHTML)},

	{"markdown", DocChecklist, checklistDoc(ChecklistMarkdown)},
	{"table", DocChecklist, checklistDoc(ChecklistTable)},
	{"csv", DocChecklist, checklistDoc(ChecklistCSV)},
	{"json", DocChecklist, checklistDoc(ChecklistJSON)},
	{"html", DocChecklist, checklistDoc(ChecklistHTML)},

	{"text", DocRemediation, remediationDoc(func(w io.Writer, d *remediate.Document) error { _, err := w.Write(d.Text.Bytes()); return err })},
	{"json", DocRemediation, remediationDoc(remediationJSON)},
}

// FormatsFor lists the formats of document d, in order.
func FormatsFor(d Doc) []string {
	var out []string
	for _, o := range outputs {
		if o.doc == d {
			out = append(out, o.format)
		}
	}
	return out
}

// Output writes v, a document of kind d, in the named format.
func Output(w io.Writer, d Doc, format string, v any, o Options) error {
	f := strings.ToLower(format)
	for _, out := range outputs {
		if out.doc == d && out.format == f {
			return out.write(w, v, o)
		}
	}
	return fmt.Errorf("unknown format %q for a %s (want one of %s)", format, d, strings.Join(FormatsFor(d), ", "))
}

func report(fn func(io.Writer, *sweep.Report, Options) error) func(io.Writer, any, Options) error {
	return func(w io.Writer, v any, o Options) error { return fn(w, v.(*sweep.Report), o) }
}

func fleetDoc(fn func(io.Writer, *fleet.Fleet, Options) error) func(io.Writer, any, Options) error {
	return func(w io.Writer, v any, o Options) error { return fn(w, v.(*fleet.Fleet), o) }
}

func remediationDoc(fn func(io.Writer, *remediate.Document) error) func(io.Writer, any, Options) error {
	return func(w io.Writer, v any, _ Options) error { return fn(w, v.(*remediate.Document)) }
}

func remediationJSON(w io.Writer, d *remediate.Document) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

package render

import (
	"io"

	"github.com/litesweep/litesweep/remediate"
)

// ChecklistFormats are the formats of the rotation checklist (litesweep
// rotate), from the output registry.
var ChecklistFormats = FormatsFor(DocChecklist)

// WriteChecklist renders the checklist in one of ChecklistFormats.
func WriteChecklist(w io.Writer, format string, c *remediate.Checklist) error {
	return Output(w, DocChecklist, format, c, Options{})
}

// checklistAs is the checklist renderer of one format (remediate's).
func checklistAs(format string) func(io.Writer, any, Options) error {
	return func(w io.Writer, v any, _ Options) error {
		return remediate.WriteChecklist(w, format, v.(*remediate.Checklist))
	}
}

package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// ChecklistFormats are the formats of the rotation checklist (litesweep
// rotate), from the output registry.
var ChecklistFormats = FormatsFor(DocChecklist)

// WriteChecklist renders the checklist in one of ChecklistFormats.
func WriteChecklist(w io.Writer, format string, c *remediate.Checklist) error {
	return Output(w, DocChecklist, format, c, Options{})
}

func checklistDoc(fn func(io.Writer, *remediate.Checklist, Options) error) func(io.Writer, any, Options) error {
	return func(w io.Writer, v any, o Options) error {
		c := v.(*remediate.Checklist)
		if c.SchemaVersion == "" {
			c.SchemaVersion = remediate.ChecklistSchemaVersion
		}
		if c.Items == nil {
			c.Items = []sweep.RotationItem{}
		}
		return fn(w, c, o)
	}
}

// ChecklistJSON writes the checklist's versioned JSON (what litesweep
// merge reads back for its rotated marks).
func ChecklistJSON(w io.Writer, c *remediate.Checklist, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

var priorityTitle = map[string]string{
	"P0": "P0: disarm first",
	"P1": "P1: rotate now",
	"P2": "P2: rotate today",
	"P3": "P3: review and rotate",
}

// priorityHeading heads the items of priority p in a checklist.
func priorityHeading(p string) string {
	if t, ok := priorityTitle[p]; ok {
		return t
	}
	return p
}

// ChecklistMarkdown writes the checklist for a ticket, with a box for each
// step. Every string from the reports goes through escape.
func ChecklistMarkdown(w io.Writer, c *remediate.Checklist, _ Options) error {
	md := escape.Markdown
	code := func(s string) string { return escape.CodeSpan(s, false) }
	var b strings.Builder
	b.WriteString("# Credential rotation checklist\n\n")
	fmt.Fprintf(&b, "Generated %s by litesweep. Credentials are named by kind, location and name only; no secret value was read into this checklist.\n\n",
		c.Generated.UTC().Format("2006-01-02 15:04Z"))
	if g := guardsSentence(c.Guards); g != "" {
		fmt.Fprintf(&b, "**%s**\n\n", md(g))
	}
	if len(c.Sources) > 0 {
		b.WriteString("Built from:\n\n")
		for _, s := range c.Sources {
			fmt.Fprintf(&b, "- %s: %s sweep of %s, verdict **%s**, %d findings\n", md(s.From), md(s.Kind), md(orDash(s.Host)), md(s.Verdict), s.Findings)
		}
		b.WriteString("\n")
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "> %s\n\n", md(n))
	}
	if len(c.Items) == 0 {
		b.WriteString("Nothing to rotate: no finding in these reports exposed a credential.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	// One credential location on several systems is one entry with a box
	// per system (each system's is its own credential unless its names
	// carry the same key id).
	cur := ""
	for _, g := range itemGroups(c.Items) {
		it := c.Items[g[0]]
		if it.Priority != cur {
			cur = it.Priority
			fmt.Fprintf(&b, "## %s\n\n", md(priorityHeading(cur)))
		}
		if len(g) > 1 {
			pending := 0
			for _, j := range g {
				if c.Items[j].RotatedAt == nil {
					pending++
				}
			}
			fmt.Fprintf(&b, "- **%s** (%s/%s) %s: %d of %d systems pending\n", md(it.Title), md(it.Kind), md(it.Provider), code(fleet.RotationID(it)), pending, len(g))
			for _, j := range g {
				box, when := "[ ]", ""
				if at := c.Items[j].RotatedAt; at != nil {
					box, when = "[x]", " rotated "+at.UTC().Format("2006-01-02 15:04Z")
				}
				fmt.Fprintf(&b, "  - %s %s %s%s\n", box, md(orDash(c.Items[j].Host)), code(c.Items[j].ID), when)
			}
			if ids := sweep.KeyIDs(it.Names); len(ids) > 0 {
				fmt.Fprintf(&b, "  - One credential: the same %s on every system (one rotation closes it everywhere)\n", md(strings.Join(ids, ", ")))
			}
		} else {
			box := "[ ]"
			if it.RotatedAt != nil {
				box = "[x]"
			}
			fmt.Fprintf(&b, "- %s **%s** (%s/%s) %s\n", box, md(it.Title), md(it.Kind), md(it.Provider), code(it.ID))
			if it.Host != "" {
				fmt.Fprintf(&b, "  - Host: %s\n", md(it.Host))
			}
		}
		if it.User != "" {
			fmt.Fprintf(&b, "  - User: %s\n", md(it.User))
		}
		fmt.Fprintf(&b, "  - Where: %s\n", code(it.Where))
		if len(it.Names) > 0 {
			var ns []string
			for _, n := range it.Names {
				ns = append(ns, code(n))
			}
			fmt.Fprintf(&b, "  - Names: %s\n", strings.Join(ns, ", "))
		}
		fmt.Fprintf(&b, "  - Why: %s\n", md(it.Why))
		if len(it.ExposedBy) > 0 {
			fmt.Fprintf(&b, "  - Exposed by: %s\n", md(strings.Join(it.ExposedBy, ", ")))
		}
		b.WriteString("  - Rotate:\n")
		for _, s := range it.Steps {
			fmt.Fprintf(&b, "    - [ ] %s\n", md(s))
		}
		fmt.Fprintf(&b, "  - [ ] Verify: %s\n", md(it.Verify))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ChecklistCSVHeader names the columns of the CSV checklist: one row per
// item, in checklist order.
var ChecklistCSVHeader = []string{"id", "priority", "kind", "provider", "title", "host", "user", "where", "names", "why", "exposed_by", "steps", "verify", "done"}

// ChecklistCSV writes one row per item for a spreadsheet; every cell goes
// through escape.CSV (controls made visible, formulas defused).
func ChecklistCSV(w io.Writer, c *remediate.Checklist, _ Options) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ChecklistCSVHeader); err != nil {
		return err
	}
	for _, it := range c.Items {
		rec := []string{it.ID, it.Priority, it.Kind, it.Provider, it.Title, it.Host, it.User, it.Where,
			strings.Join(it.Names, "; "), it.Why, strings.Join(it.ExposedBy, " "), strings.Join(it.Steps, " | "), it.Verify, ""}
		for i := range rec {
			rec[i] = escape.CSV(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// itemGroups groups a checklist's items by credential (fleet.RotationKey:
// one location on several systems is one entry with a duty per system),
// in the order of each group's first item.
func itemGroups(items []sweep.RotationItem) [][]int {
	at := map[string]int{}
	var out [][]int
	for i, it := range items {
		k := fleet.RotationKey(it)
		if j, ok := at[k]; ok {
			out[j] = append(out[j], i)
			continue
		}
		at[k] = len(out)
		out = append(out, []int{i})
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

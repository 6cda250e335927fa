package remediate

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// Source is one report a checklist was built from.
type Source struct {
	From     string `json:"from"` // file name, or "sweep of ROOT"
	Kind     string `json:"kind"`
	Host     string `json:"host,omitempty"`
	Verdict  string `json:"verdict"`
	Findings int    `json:"findings"`
}

// Checklist is the rotation checklist with where it came from.
type Checklist struct {
	SchemaVersion string               `json:"schema_version"`
	Generated     time.Time            `json:"generated"`
	Sources       []Source             `json:"sources"`
	Inventoried   int                  `json:"inventoried"`
	Items         []sweep.RotationItem `json:"items"`
	Notes         []string             `json:"notes,omitempty"`
}

// ChecklistSchemaVersion versions the JSON checklist.
const ChecklistSchemaVersion = "1.0"

// WriteChecklist renders the checklist as markdown, csv or json.
func WriteChecklist(w io.Writer, format string, c *Checklist) error {
	if c.SchemaVersion == "" {
		c.SchemaVersion = ChecklistSchemaVersion
	}
	if c.Items == nil {
		c.Items = []sweep.RotationItem{}
	}
	switch strings.ToLower(format) {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(c)
	case "csv":
		return writeCSV(w, c.Items)
	case "markdown", "md":
		return writeMarkdown(w, c)
	}
	return fmt.Errorf("unknown format %q (want markdown, csv or json)", format)
}

var priorityTitle = map[string]string{
	"P1": "P1: rotate now",
	"P2": "P2: rotate today",
	"P3": "P3: review and rotate",
}

func writeMarkdown(w io.Writer, c *Checklist) error {
	var b strings.Builder
	b.WriteString("# Credential rotation checklist\n\n")
	fmt.Fprintf(&b, "Generated %s by litesweep. Credentials are named by kind, location and name only; no secret value was read into this checklist.\n\n",
		c.Generated.UTC().Format("2006-01-02 15:04Z"))
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
	groups := map[string][]int{}
	for i, it := range c.Items {
		k := fleet.RotationKey(it)
		groups[k] = append(groups[k], i)
	}
	cur := ""
	for i, it := range c.Items {
		g := groups[fleet.RotationKey(it)]
		if len(g) > 1 && g[0] != i {
			continue // listed with the first of its group
		}
		if it.Priority != cur {
			cur = it.Priority
			t := priorityTitle[cur]
			if t == "" {
				t = cur
			}
			fmt.Fprintf(&b, "## %s\n\n", md(t))
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

// md escapes text from reports (names come from files on a suspect host)
// so it cannot inject Markdown or HTML or control characters.
func md(s string) string { return escape.Markdown(s) }

// code puts s in a code span long enough not to be closed by s.
func code(s string) string { return escape.CodeSpan(s, false) }

func writeCSV(w io.Writer, items []sweep.RotationItem) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "priority", "kind", "provider", "title", "host", "user", "where", "names", "why", "exposed_by", "steps", "verify", "done"}); err != nil {
		return err
	}
	for _, it := range items {
		rec := []string{it.ID, it.Priority, it.Kind, it.Provider, it.Title, it.Host, it.User, it.Where,
			strings.Join(it.Names, "; "), it.Why, strings.Join(it.ExposedBy, " "), strings.Join(it.Steps, " | "), it.Verify, ""}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe makes controls visible and defuses spreadsheet formulas in cells
// that come from a suspect host.
func csvSafe(s string) string { return escape.CSV(s) }

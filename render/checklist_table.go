package render

import (
	"fmt"
	"strings"

	"io"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// ChecklistTable writes the rotation checklist for a terminal, laid out to
// o's width like Table: the dead-man switches first, then each item by
// priority (a box, its id and title; where, names, why, the numbered steps
// and how to confirm on indented lines), and a closing summary sized for
// the last screen: the answer, the first item and the exact next commands.
// Every string reaches the terminal through escape.Text.
func ChecklistTable(w io.Writer, c *remediate.Checklist, o Options) error {
	c = escape.Copy(c, escape.Text)
	cols := o.width()
	bw := &errWriter{w: w}
	bw.printf("litesweep rotation checklist: %s\n", checklistCount(c))
	if g := guardsSentence(c.Guards); g != "" {
		bw.lines("", wrapUnless(g, cols, o))
	}
	for _, s := range c.Sources {
		bw.lines("", wrapUnless(fmt.Sprintf("From %s: %s sweep of %s, %s, %d findings.", s.From, s.Kind, orDash(s.Host), s.Verdict, s.Findings), cols, o))
	}
	bw.lines("", wrapUnless("Names and locations only: no secret value was read into this checklist.", cols, o))
	for _, n := range c.Notes {
		bw.lines("", wrapUnless("Note: "+n, cols, o))
	}
	var where pathSet
	for _, it := range c.Items {
		where = append(where, it.Where)
	}
	cur := ""
	const indent = "        "
	avail := cols - len(indent)
	for _, g := range itemGroups(c.Items) {
		it := c.Items[g[0]]
		if it.Priority != cur {
			cur = it.Priority
			n := 0
			for _, x := range c.Items {
				if x.Priority == cur {
					n++
				}
			}
			bw.printf("\n%s (%d)\n", priorityHeading(cur), n)
		}
		box := "[ ]"
		if len(g) == 1 && it.RotatedAt != nil {
			box = "[x]"
		}
		if len(g) > 1 {
			box = "   "
		}
		title := wrapUnless(it.Title+" ("+it.Kind+"/"+it.Provider+")", cols-6, o)
		bw.printf("  %s %s\n", box, title[0])
		bw.lines("      ", title[1:])
		if len(g) > 1 {
			pending := 0
			for _, j := range g {
				if c.Items[j].RotatedAt == nil {
					pending++
				}
			}
			bw.lines(indent, wrapUnless(fmt.Sprintf("%d of %d systems pending:", pending, len(g)), avail, o))
			for _, j := range g {
				sb, when := "[ ]", ""
				if at := c.Items[j].RotatedAt; at != nil {
					sb, when = "[x]", " rotated "+at.UTC().Format("2006-01-02 15:04Z")
				}
				bw.lines(indent, wrapUnless(fmt.Sprintf("%s %s %s%s", sb, orDash(c.Items[j].Host), c.Items[j].ID, when), avail, o))
			}
			if ids := sweep.KeyIDs(it.Names); len(ids) > 0 {
				bw.lines(indent, wrapUnless("one credential: the same "+strings.Join(ids, ", ")+" on every system", avail, o))
			}
		} else {
			id := it.ID
			if it.RotatedAt != nil {
				id += " rotated " + it.RotatedAt.UTC().Format("2006-01-02 15:04Z")
			}
			if it.Host != "" {
				id += " on " + it.Host
			}
			bw.lines(indent, wrapUnless(id, avail, o))
		}
		if it.Where != "" {
			user := ""
			if it.User != "" {
				user = "  [" + it.User + "]"
			}
			// A dead-man switch's item lists its files comma-joined: one
			// line each.
			for i, p := range strings.Split(it.Where, ", ") {
				label := "where: "
				if i > 0 {
					label, user = "       ", ""
				}
				bw.lines(indent, []string{label + where.fit(p, avail-7-width(user), o) + user})
			}
		}
		if len(it.Names) > 0 {
			bw.lines(indent, wrapUnless("names: "+strings.Join(it.Names, ", "), avail, o))
		}
		if it.Why != "" {
			bw.lines(indent, wrapUnless("why: "+it.Why, avail, o))
		}
		for i, st := range it.Steps {
			n := fmt.Sprintf("%d. ", i+1)
			l := wrapUnless(st, avail-len(n), o)
			bw.lines(indent+n, l[:1])
			bw.lines(indent+strings.Repeat(" ", len(n)), l[1:])
		}
		if it.Verify != "" {
			bw.lines(indent, wrapUnless("confirm: "+it.Verify, avail, o))
		}
	}
	if len(c.Items) == 0 {
		bw.printf("\nNothing to rotate: no finding in these reports exposed a credential.\n")
	}
	checklistClosing(bw, c, cols, o)
	return bw.err
}

// checklistCount is "N credentials to rotate (P1 a, P2 b), k rotated".
func checklistCount(c *remediate.Checklist) string {
	if len(c.Items) == 0 {
		return "nothing to rotate"
	}
	counts := map[string]int{}
	var order []string
	done := 0
	for _, it := range c.Items {
		if counts[it.Priority] == 0 {
			order = append(order, it.Priority)
		}
		counts[it.Priority]++
		if it.RotatedAt != nil {
			done++
		}
	}
	var parts []string
	for _, p := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[p], p))
	}
	s := fmt.Sprintf("%d %s (%s)", len(c.Items), plural(len(c.Items), "item", "items"), strings.Join(parts, ", "))
	if done > 0 {
		s += fmt.Sprintf(", %d rotated", done)
	}
	return s
}

// checklistClosing ends the table with the answer, sized for the last
// screen of an 80x24 terminal: the counts, the first item to do, and the
// exact next commands.
func checklistClosing(bw *errWriter, c *remediate.Checklist, cols int, o Options) {
	bw.printf("\n%s\n", strings.Repeat("─", min(cols, 60)))
	bw.lines("", wrapUnless("Rotate: "+checklistCount(c)+".", cols, o))
	var first *sweep.RotationItem
	for i := range c.Items {
		if c.Items[i].RotatedAt == nil {
			first = &c.Items[i]
			break
		}
	}
	if first != nil {
		on := ""
		if first.Host != "" {
			on = " on " + first.Host
		}
		bw.lines("", wrapUnless("First: "+first.ID+" ("+first.Priority+")"+on, cols, o))
		bw.lines("  ", wrapUnless(first.Title, cols-2, o))
	}
	if steps := ChecklistNextSteps(c, o); len(steps) > 0 {
		bw.printf("Next:\n")
		for i, st := range steps {
			if st.Command == "" {
				l := wrapUnless(st.Why, cols-5, o)
				bw.lines(fmt.Sprintf("  %d. ", i+1), l[:1])
				bw.lines("     ", l[1:])
				continue
			}
			// A command is copied, never shortened: one too long for its
			// numbered line gets a line of its own after why.
			if n := fmt.Sprintf("  %d. ", i+1); width(n+st.Command) <= cols || o.Wide {
				bw.printf("%s%s\n", n, st.Command)
				bw.lines("     ", wrapUnless(st.Why, cols-5, o))
			} else {
				l := wrapUnless(strings.ToUpper(st.Why[:1])+st.Why[1:]+":", cols-5, o)
				bw.lines(n, l[:1])
				bw.lines("     ", l[1:])
				bw.printf("%s\n", st.Command)
			}
		}
	}
	if o.Output != "" {
		bw.lines("", wrapUnless("Checklist: "+o.Output, cols, o))
	} else {
		bw.lines("", wrapUnless("To keep: add -f markdown -o checklist.md (a box for every step), or -f html.", cols, o))
	}
}

// guardRoot is " --root DIR" when the report that found guard g swept a
// mounted disk (remediate must plan for that disk, not the machine it runs
// on), "" for a running system.
func guardRoot(c *remediate.Checklist, g sweep.Guard) string {
	var root string
	n := 0
	for _, s := range c.Sources {
		if s.Root == "" || (len(c.Sources) > 1 && s.Host != g.Host) {
			continue
		}
		root = s.Root
		n++
	}
	if n != 1 {
		return ""
	}
	return " --root " + ShellWord(root)
}

// ChecklistNextSteps are what a checklist asks for now, in order, with the
// exact commands: disarm a dead-man switch before anything else, rotate in
// the order listed, then mark what was rotated (o.Rerun is the rotate
// command that built the checklist, its inputs only).
func ChecklistNextSteps(c *remediate.Checklist, o Options) []Step {
	rerun := escape.Text(o.Rerun)
	if rerun == "" {
		rerun = "litesweep rotate -r REPORT.json"
	}
	var steps []Step
	for _, g := range c.Guards {
		where := ""
		if g.Host != "" {
			where = "on " + g.Host + ": "
		}
		steps = append(steps, Step{Command: "litesweep remediate" + guardRoot(c, g),
			Why: where + "disarms " + g.Name + " first (" + g.Item + "; dry run, then --apply --evidence-dir DIR); revoke nothing it watches before"})
	}
	var pending *sweep.RotationItem
	for i := range c.Items {
		if c.Items[i].RotatedAt == nil && c.Items[i].Kind != "dead-man-switch" {
			pending = &c.Items[i]
			break
		}
	}
	switch {
	case pending != nil:
		steps = append(steps, Step{Why: "Rotate in the order above, highest priority first; each item says how and how to confirm the old one is dead."},
			Step{Command: rerun + " --rotated " + pending.ID + " -f json -o rotated.json",
				Why: "mark what you rotated (repeat --rotated); litesweep merge reads rotated.json"})
	case len(c.Items) == 0 && c.Inventoried > 0:
		steps = append(steps, Step{Command: rerun + " --all", Why: fmt.Sprintf("list the %d inventoried credentials no finding exposed", c.Inventoried)})
	}
	return steps
}

package remediate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Guards returns the dead-man switches the reports' findings show (a
// finding whose indicator is one of a pack guard's), one per guard and
// host, in a stable order. scan.finish records them in the report; the
// planner puts their disarm items first.
func Guards(reports []*sweep.Report, p *iocs.Pack) []sweep.Guard {
	if p == nil || len(p.Guards) == 0 {
		return nil
	}
	byKey := map[string]*sweep.Guard{}
	var keys []string
	for _, r := range reports {
		if r == nil {
			continue
		}
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Indicator == nil {
				continue
			}
			g, ok := p.GuardOf(f.Indicator.ID)
			if !ok {
				continue
			}
			host := r.Scan.Hostname
			key := g.ID + "\x00" + host
			sg := byKey[key]
			if sg == nil {
				sg = &sweep.Guard{ID: g.ID, Name: g.Name, Host: host, Effect: g.Effect,
					Disarm: append([]string(nil), g.Disarm...), Item: guardItemID(g.ID, host)}
				byKey[key] = sg
				keys = append(keys, key)
			}
			if f.ID != "" {
				sg.Findings = appendUnique(sg.Findings, f.ID)
			}
			if loc := f.Location.String(); loc != "" {
				sg.Paths = appendUnique(sg.Paths, loc)
			}
			if strings.HasPrefix(f.Collector, "live/") {
				sg.Running = true
			}
		}
	}
	sort.Strings(keys)
	out := make([]sweep.Guard, 0, len(keys))
	for _, k := range keys {
		g := byKey[k]
		sort.Strings(g.Findings)
		sort.Strings(g.Paths)
		out = append(out, *g)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func guardItemID(id, host string) string {
	sum := sha256.Sum256([]byte("guard\x00" + id + "\x00" + host))
	return "ROT-DISARM-" + strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// gate puts each found guard's disarm item first (priority P0) and makes
// every item whose credential the guard watches wait for it: its first
// step says so and After names the disarm item. No item it guards keeps a
// revocation step that could be read as "do this now".
func gate(items []sweep.RotationItem, guards []sweep.Guard, p *iocs.Pack) []sweep.RotationItem {
	if len(guards) == 0 {
		return items
	}
	have := map[string]bool{}
	for _, it := range items {
		have[it.ID] = true
	}
	var first []sweep.RotationItem
	for _, g := range guards {
		if have[g.Item] {
			continue // a saved checklist that already holds it
		}
		title := fmt.Sprintf("Disarm the dead-man switch %s before revoking anything it watches", g.Name)
		where := strings.Join(g.Paths, ", ")
		if g.Running {
			title += " (it is running)"
		}
		first = append(first, sweep.RotationItem{ID: g.Item, Priority: "P0", Kind: "dead-man-switch", Provider: g.Name,
			Title: title, Where: where, Host: g.Host, ExposedBy: g.Findings,
			Why:    fmt.Sprintf("it %s", g.Effect),
			Steps:  append([]string(nil), g.Disarm...),
			Verify: fmt.Sprintf("No %s process or unit runs (ps, systemctl --user list-units, launchctl list) and its files are in the evidence directory; only then start the rotations it guards.", g.Name)})
	}
	out := append(first, items...)
	sort.SliceStable(out, func(i, j int) bool { // disarm items first, as saved ones may not be
		return out[i].Kind == "dead-man-switch" && out[j].Kind != "dead-man-switch"
	})
	for i := range out {
		it := &out[i]
		if it.Kind == "dead-man-switch" {
			continue
		}
		for _, g := range guards {
			pg := guardByID(p, g.ID)
			if pg == nil || !pg.Watches(it.Kind, it.Provider) || slices.Contains(it.After, g.Item) {
				continue
			}
			it.After = appendUnique(it.After, g.Item)
			it.Steps = append([]string{fmt.Sprintf("Do not start until %s is done: %s watches this credential and %s.", g.Item, g.Name, g.Effect)}, it.Steps...)
		}
	}
	return out
}

func guardByID(p *iocs.Pack, id string) *iocs.GuardIOC {
	if p == nil {
		return nil
	}
	for i := range p.Guards {
		if p.Guards[i].ID == id {
			return &p.Guards[i]
		}
	}
	return nil
}

// splitGuardTargets splits targets into a dead-man switch's and the rest,
// each in plan order.
func splitGuardTargets(ts []Target) (guard, rest []Target) {
	for _, t := range ts {
		if t.Guard != "" {
			guard = append(guard, t)
		} else {
			rest = append(rest, t)
		}
	}
	return guard, rest
}

// splitGuardProcs splits processes into a dead-man switch's and the rest.
func splitGuardProcs(ps []Proc, m *iocs.Matcher) (guard, rest []Proc) {
	for _, p := range ps {
		if m != nil {
			if _, ok := m.GuardOf(p.Indicator); ok {
				guard = append(guard, p)
				continue
			}
		}
		rest = append(rest, p)
	}
	return guard, rest
}

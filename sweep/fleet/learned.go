package fleet

import (
	"fmt"
	"sort"

	"github.com/litesweep/litesweep/collectors/payloads"
	"github.com/litesweep/litesweep/sweep"
)

// hashed is what merge keeps of a finding with a file hash, so learned
// hashes can be spread across the fleet after every report is read.
type hashed struct {
	sha    string
	size   int64
	f      *sweep.Finding // only its title, location, environment, user and file times
	locStr string
}

// keepHashed records f when it carries a hash a learned payload could match.
func (d *digest) keepHashed(f *sweep.Finding) {
	if f.Evidence.SHA256 == "" || f.Category == payloads.CatCopy {
		return
	}
	keep := &sweep.Finding{Title: f.Title, Location: f.Location, Environment: f.Environment, User: f.User,
		Evidence: sweep.Evidence{SHA256: f.Evidence.SHA256, Size: f.Evidence.Size, ModTime: f.Evidence.ModTime}}
	d.hashed = append(d.hashed, hashed{sha: f.Evidence.SHA256, size: f.Evidence.Size, f: keep, locStr: f.Location.String()})
}

// learnFrom adds a report's learned hashes to the fleet's, one per hash
// (the first by host and location wins, whatever the input order).
func (b *Builder) learnFrom(system string, ls []sweep.Learned) {
	for _, l := range ls {
		if l.Host == "" {
			l.Host = system
		}
		if old, ok := b.learned[l.SHA256]; ok && old.Host+old.Location.String() <= l.Host+l.Location.String() {
			continue
		}
		b.learned[l.SHA256] = l
	}
}

// copies returns the critical copy findings (category payloads.CatCopy,
// the one declaration of a learned payload's copy) of one report: every
// hashed finding whose SHA-256 some system learned by context, unless it is
// the learned file itself.
func copies(d *digest, learned map[string]sweep.Learned) []sweep.Finding {
	if len(learned) == 0 || len(d.hashed) == 0 {
		return nil
	}
	src := map[string]bool{}
	for _, l := range d.learned {
		src[l.Location.String()] = true
	}
	var add []sweep.Finding
	seen := map[string]bool{}
	for _, hf := range d.hashed {
		l, ok := learned[hf.sha]
		if !ok || src[hf.locStr] || seen[hf.locStr] {
			continue
		}
		seen[hf.locStr] = true
		f := hf.f
		c := sweep.Finding{Severity: sweep.Critical, Category: payloads.CatCopy,
			Title:    "copy of a payload learned on " + l.Host + ": " + l.Name,
			Location: f.Location, Environment: f.Environment, User: f.User, Collector: "merge",
			Evidence: sweep.Evidence{SHA256: hf.sha, Size: hf.size, ModTime: f.Evidence.ModTime,
				Details: []string{fmt.Sprintf("SHA-256 equals the payload learned on %s from %s: %s", l.Host, l.Location.String(), l.Reason),
					"raised by merge; the finding on this system was: " + f.Title}},
			Indicator: &sweep.Indicator{ID: payloads.LearnedID(l.SHA256), Kind: "learned", Confidence: "derived",
				Sources: []string{"learned on " + l.Host + ": " + l.Location.String()}}}
		c.SetID()
		add = append(add, c)
	}
	sweep.SortFindings(add)
	return add
}

// applyLearned spreads the learned hashes across the fleet: a system whose
// shown or newest report has a copy gets the critical companion findings
// (listed first) and its verdict follows.
func (b *Builder) applyLearned(h *Host, st *hostState, shown *digest) {
	if len(b.learned) == 0 {
		return
	}
	if add := copies(shown, b.learned); len(add) > 0 {
		h.extra = add
		sum := make(map[string]int, len(h.Summary)+1)
		for k, v := range h.Summary {
			sum[k] = v
		}
		sum[string(sweep.Critical)] += len(add)
		h.Summary = sum
	}
	cur := st.cur
	if cur == shown && h.extra != nil || cur != shown && len(copies(cur, b.learned)) > 0 {
		h.worst = sweep.Critical
		h.Verdict = sweep.Compromised
	}
}

func (b *Builder) learnedList() []sweep.Learned {
	if len(b.learned) == 0 {
		return nil
	}
	out := make([]sweep.Learned, 0, len(b.learned))
	for _, l := range b.learned {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SHA256 < out[j].SHA256 })
	return out
}

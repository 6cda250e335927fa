package fleet

import (
	"fmt"
	"sort"

	"github.com/litesweep/litesweep/sweep"
)

// CatLearnedCopy is the category of a finding merge raises to critical
// because its file has the hash of a payload another system learned.
const CatLearnedCopy = "payload-copy"

// applyLearned spreads learned payload hashes across the fleet: every
// finding on any system whose evidence SHA-256 equals a hash some system
// learned by context (sweep.Learned) gets a critical companion finding with
// the learned link, unless it is the learned file itself. The affected
// reports are finalised again, so verdicts and summaries follow. It
// returns the fleet's learned indicators, one per hash, with their host.
func applyLearned(hosts []Host) []sweep.Learned {
	learned := map[string]sweep.Learned{}
	for _, h := range hosts {
		for _, l := range h.Report.Learned {
			if l.Host == "" {
				l.Host = h.Name
			}
			if old, ok := learned[l.SHA256]; ok && old.Host+old.Location.String() <= l.Host+l.Location.String() {
				continue
			}
			learned[l.SHA256] = l
		}
	}
	if len(learned) == 0 {
		return nil
	}
	for i := range hosts {
		h := &hosts[i]
		r := h.Report
		src := map[string]bool{}
		for _, l := range r.Learned {
			src[l.Location.String()] = true
		}
		var add []sweep.Finding
		seen := map[string]bool{}
		for _, f := range r.Findings {
			l, ok := learned[f.Evidence.SHA256]
			if !ok || f.Evidence.SHA256 == "" || f.Category == CatLearnedCopy || src[f.Location.String()] || seen[f.Location.String()] {
				continue
			}
			seen[f.Location.String()] = true
			add = append(add, sweep.Finding{Severity: sweep.Critical, Category: CatLearnedCopy,
				Title:    "copy of a payload learned on " + l.Host + ": " + l.Name,
				Location: f.Location, Environment: f.Environment, User: f.User, Collector: "merge",
				Evidence: sweep.Evidence{SHA256: f.Evidence.SHA256, Size: f.Evidence.Size, ModTime: f.Evidence.ModTime,
					Details: []string{fmt.Sprintf("SHA-256 equals the payload learned on %s from %s: %s", l.Host, l.Location.String(), l.Reason),
						"raised by merge; the finding on this system was: " + f.Title}},
				Indicator: &sweep.Indicator{ID: "learned-" + l.SHA256[:min(12, len(l.SHA256))], Kind: "learned", Confidence: "derived",
					Sources: []string{"learned on " + l.Host + ": " + l.Location.String()}}})
		}
		if len(add) > 0 {
			r.Findings = append(r.Findings, add...)
			r.Finalize()
			h.Verdict = r.Verdict
		}
	}
	out := make([]sweep.Learned, 0, len(learned))
	for _, l := range learned {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SHA256 < out[j].SHA256 })
	return out
}

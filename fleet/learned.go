package fleet

import (
	"slices"
	"sort"

	"github.com/litesweep/litesweep/sweep"
)

// Observation is a fleet-level fact that no single report states: a payload
// one system learned by context (sweep.Learned) whose SHA-256 a file
// reported on other systems has. It is made once, for the fleet: merge adds
// no finding to any system and changes no system's verdict (a system's
// findings and verdict are its own report's). To make it a finding there,
// sweep those systems again with the learned hashes as a pack (`litesweep
// iocs --from-report`).
type Observation struct {
	SHA256    string         `json:"sha256"`
	Name      string         `json:"name"`
	LearnedOn string         `json:"learned_on"`
	Location  sweep.Location `json:"location"`
	Reason    string         `json:"reason"`
	// Systems are the other systems whose shown or newest report has a
	// finding on a file with this hash, by name (at most MaxListed; More
	// counts the rest).
	Systems []string `json:"systems"`
	More    int      `json:"more,omitempty"`
}

// MaxListed caps the systems listed in one observation.
const MaxListed = 100

// keepHashes records the distinct file hashes of a report's findings (each
// string interned across the fleet: copies of one payload cost a slice
// entry per system).
func (b *Builder) keepHash(d *digest, f *sweep.Finding) {
	sha := f.Evidence.SHA256
	if sha == "" {
		return
	}
	if s, ok := b.hashes[sha]; ok {
		sha = s
	} else {
		sha = string([]byte(sha))
		b.hashes[sha] = sha
	}
	if !slices.Contains(d.hashes, sha) {
		d.hashes = append(d.hashes, sha)
	}
}

// learnFrom adds a report's learned hashes to the fleet's, one per hash
// (the first by host and location wins, whatever the input order), and
// remembers which systems learned each.
func (b *Builder) learnFrom(system string, ls []sweep.Learned) {
	for _, l := range ls {
		if l.Host == "" {
			l.Host = system
		}
		if b.learners[l.SHA256] == nil {
			b.learners[l.SHA256] = map[string]struct{}{}
		}
		b.learners[l.SHA256][system] = struct{}{}
		if old, ok := b.learned[l.SHA256]; ok && old.Host+old.Location.String() <= l.Host+l.Location.String() {
			continue
		}
		b.learned[l.SHA256] = l
	}
}

// observations lists, per learned hash, the other systems holding it.
func (b *Builder) observations() []Observation {
	if len(b.learned) == 0 {
		return nil
	}
	holders := map[string][]string{}
	for _, k := range b.order {
		st := b.hosts[k]
		for _, d := range []*digest{st.cur, st.firstBad} {
			if d == nil {
				continue
			}
			for _, sha := range d.hashes {
				if _, ok := b.learned[sha]; !ok {
					continue
				}
				if _, own := b.learners[sha][st.name]; own {
					continue
				}
				if hs := holders[sha]; len(hs) == 0 || hs[len(hs)-1] != st.name {
					holders[sha] = append(hs, st.name)
				}
			}
		}
	}
	var out []Observation
	for _, l := range b.learnedList() {
		hs := holders[l.SHA256]
		if len(hs) == 0 {
			continue
		}
		slices.Sort(hs)
		hs = slices.Compact(hs)
		o := Observation{SHA256: l.SHA256, Name: l.Name, LearnedOn: l.Host, Location: l.Location, Reason: l.Reason}
		if len(hs) > MaxListed {
			o.More = len(hs) - MaxListed
			hs = hs[:MaxListed]
		}
		o.Systems = hs
		out = append(out, o)
	}
	return out
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

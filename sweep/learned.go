package sweep

import "sort"

// Learned is a payload hash the sweep proved malicious by context, not by
// the pack: a .pth or module claimed by an affected distribution's RECORD,
// a pack-named start-up hook beside an affected distribution, or a script
// at a persistence path. Any other file with the same SHA-256, under any
// name, anywhere in the same sweep (and, in merge, anywhere in the fleet)
// is a copy of the payload.
type Learned struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Name is the base name of the file it was learned from.
	Name string `json:"name"`
	// Kind is the pack file kind it stands for: pth, tampered-module,
	// persistence-script, binary.
	Kind string `json:"kind"`
	// Location is where it was learned.
	Location Location `json:"location"`
	// Reason says which context proved it malicious.
	Reason string `json:"reason"`
	// PackIndicator is the pack file indicator with this hash, when the
	// pack already knew it (then it is no variant, only a confirmation).
	PackIndicator string `json:"pack_indicator,omitempty"`
	// Host names the system it was learned on (set by merge).
	Host string `json:"host,omitempty"`
}

// LearnedID is the indicator id of a learned hash ("learned-" and the first
// 12 hex digits), the same in reports and in `iocs --from-report`.
func LearnedID(sha string) string {
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return "learned-" + sha
}

// LearnSink is implemented by sinks that keep the sweep's learned
// indicators. Collectors that prove a payload by context call Learn; the
// payload-copy collector reads Learned when every other collector has
// finished.
type LearnSink interface {
	Learn(Learned)
	// Learned returns one entry per hash.
	Learned() []Learned
	// LearnedAt reports whether a file at p was itself a source of a
	// learned indicator (not a copy).
	LearnedAt(p string) bool
}

// Learn implements LearnSink. Of two sources of one hash the one with the
// smaller location is kept, so the report does not depend on walk order.
func (c *Collection) Learn(l Learned) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.learned == nil {
		c.learned, c.learnedAt = map[string]Learned{}, map[string]bool{}
	}
	c.learnedAt[l.Location.Path] = true
	if old, ok := c.learned[l.SHA256]; ok && old.Location.String() <= l.Location.String() {
		return
	}
	c.learned[l.SHA256] = l
}

// Learned implements LearnSink: the learned indicators sorted by hash.
func (c *Collection) Learned() []Learned {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Learned, 0, len(c.learned))
	for _, l := range c.learned {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SHA256 < out[j].SHA256 })
	return out
}

// LearnFrom records a learned indicator when the sink keeps them.
func LearnFrom(out Sink, l Learned) {
	if ls, ok := out.(LearnSink); ok {
		ls.Learn(l)
	}
}

// LearnedAt implements LearnSink.
func (c *Collection) LearnedAt(p string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.learnedAt[p]
}

package iocs

import (
	"errors"
	"fmt"
	"sort"
)

// check reports why a range is not one this ecosystem can evaluate: an
// event with no field or more than one, a version the ecosystem does not
// accept, or no introduced event.
func (r VersionRange) check(eco Ecosystem) error {
	intro := false
	for i, e := range r.Events {
		v, kind := e.value()
		if kind == "" {
			return fmt.Errorf("events[%d]: exactly one of introduced, fixed, last_affected, limit is required", i)
		}
		if kind == "introduced" {
			intro = true
			if v == "0" {
				continue
			}
		}
		if _, err := eco.CanonicalVersion(v); err != nil {
			return fmt.Errorf("events[%d].%s: %v", i, kind, err)
		}
	}
	if !intro {
		return errors.New("a range needs an introduced event")
	}
	return nil
}

// value returns the event's version and which field holds it ("" when
// none or more than one does).
func (e RangeEvent) value() (string, string) {
	v, kind, n := "", "", 0
	for _, f := range [...]struct{ k, v string }{{"introduced", e.Introduced}, {"fixed", e.Fixed},
		{"last_affected", e.LastAffected}, {"limit", e.Limit}} {
		if f.v != "" {
			v, kind, n = f.v, f.k, n+1
		}
	}
	if n != 1 {
		return "", ""
	}
	return v, kind
}

// Every reports whether the range holds every version: introduced at "0"
// and never ended.
func (r VersionRange) Every() bool {
	zero := false
	for _, e := range r.Events {
		switch _, kind := e.value(); kind {
		case "introduced":
			zero = zero || e.Introduced == "0"
		case "fixed", "last_affected", "limit":
			return false
		}
	}
	return zero
}

// compiledRange is a range with its events' versions canonicalised and
// sorted in the ecosystem's order.
type compiledRange struct {
	every  bool
	events []compiledEvent
}

type compiledEvent struct {
	kind    string // introduced, fixed, last_affected, limit
	version string // canonical; "" for introduced "0"
	shown   string // as the pack writes it
}

func compileRange(eco Ecosystem, r VersionRange) (compiledRange, bool) {
	c := compiledRange{every: r.Every()}
	for _, e := range r.Events {
		v, kind := e.value()
		if kind == "" {
			return c, false
		}
		if kind == "introduced" && v == "0" {
			c.events = append(c.events, compiledEvent{kind: kind})
			continue
		}
		cv, err := eco.CanonicalVersion(v)
		if err != nil {
			return c, false
		}
		c.events = append(c.events, compiledEvent{kind: kind, version: cv, shown: v})
	}
	sort.SliceStable(c.events, func(i, j int) bool {
		a, b := c.events[i], c.events[j]
		switch {
		case a.version == "" || b.version == "":
			return a.version == "" && b.version != ""
		}
		return eco.CompareVersions(a.version, b.version) < 0
	})
	return c, true
}

// contains reports whether canonical version v is in the range, as OSV
// evaluates it: the events at or below v, in order, decide.
func (c compiledRange) contains(eco Ecosystem, v string) bool {
	if c.every {
		return true
	}
	in := false
	for _, e := range c.events {
		if e.version == "" { // introduced "0"
			in = true
			continue
		}
		cmp := eco.CompareVersions(v, e.version)
		switch e.kind {
		case "introduced":
			if cmp >= 0 {
				in = true
			}
		case "fixed", "limit":
			if cmp >= 0 {
				in = false
			}
		case "last_affected":
			if cmp > 0 {
				in = false
			}
		}
	}
	return in
}

// segment is one stretch of versions a range makes bad: from lo
// (inclusive; "" for introduced "0") to hi ("" when the range never
// ends), hi included for last_affected; canonical, and as the pack
// writes them. A range's segments hold exactly the versions contains does.
type segment struct {
	lo, hi           string
	loShown, hiShown string
	hiIn             bool
}

func (c compiledRange) segments() []segment {
	var out []segment
	var cur segment
	in := false
	for _, e := range c.events {
		switch e.kind {
		case "introduced":
			if !in {
				cur, in = segment{lo: e.version, loShown: e.shown}, true
			}
		case "fixed", "limit", "last_affected":
			if in {
				cur.hi, cur.hiShown, cur.hiIn, in = e.version, e.shown, e.kind == "last_affected", false
				out = append(out, cur)
			}
		}
	}
	if in {
		out = append(out, cur)
	}
	return out
}

// contains reports whether canonical version v is in the segment.
func (s segment) contains(eco Ecosystem, v string) bool {
	if s.lo != "" && eco.CompareVersions(v, s.lo) < 0 {
		return false
	}
	if s.hi == "" {
		return true
	}
	d := eco.CompareVersions(v, s.hi)
	return d < 0 || s.hiIn && d == 0
}

// String shows the segment as a report does: "2.0 ≤ v < 2.3", "v ≤ 3.1",
// "v ≥ 2.0".
func (s segment) String() string {
	hi := " < " + s.hiShown
	if s.hiIn {
		hi = " ≤ " + s.hiShown
	}
	switch {
	case s.lo == "" && s.hi == "":
		return AnyVersion
	case s.lo == "":
		return "v" + hi
	case s.hi == "":
		return "v ≥ " + s.loShown
	}
	return s.loShown + " ≤ v" + hi
}

package iocs

import (
	"fmt"
	"slices"
)

// AnyVersion is what a constraint admits of a package every version of
// which is bad (an OSV record with "introduced: 0" and no end).
const AnyVersion = "any version"

// constrained is an ecosystem whose installers take version constraints
// (PyPI, npm): it reads one as they do and says what it admits.
type constrained interface {
	constraint(spec string) (constraint, error)
	// least is the ecosystem's lowest versions (a pre-release and a
	// release).
	least() []string
	// successors are the first versions after v that a constraint may
	// admit: the next pre-release, post-release or release of v, and the
	// first release above v and all its post-releases.
	successors(v string) []string
}

// constraint is a requested version constraint, read as the ecosystem's
// installers read it.
type constraint interface {
	// admits reports whether the constraint admits v (a version as a pack
	// lists it) and how the version is shown.
	admits(v string) (shown string, ok bool)
	// exact is the one version the constraint fixes ("" for a range).
	exact() string
	// points are the versions its clauses name, and for a wildcard the
	// first version past it: where an interval it admits may begin.
	points() []string
}

// Admitted returns what a requested version constraint admits of a
// tracked package's bad releases in ecosystem eco, read as that
// ecosystem's installers read it (PyPI: PEP 440 specifiers and poetry's ^
// and ~; npm: node-semver ranges; "" is any version): the bad versions it
// admits, highest first, and the one version it fixes ("" for a range).
// Every entry naming the package counts, its listed versions and its
// ranges: AnyVersion when one makes every version bad, else a range's
// first or last affected version the constraint admits, the version it
// fixes when a range holds it, and a stretch of a range it meets where
// none of those lies, shown as the stretch ("2.0 ≤ v < 2.3"). An error for a constraint the ecosystem
// cannot read, or an ecosystem whose installers take none. The
// install-command parser (shell history, CI steps, build recipes) asks it.
func (m *Matcher) Admitted(eco Ecosystem, name, spec string) (bad []string, exact string, err error) {
	ce, ok := eco.(constrained)
	if !ok {
		return nil, "", fmt.Errorf("%s packages are not installed by version constraint", eco.ID())
	}
	c, err := ce.constraint(spec)
	if err != nil {
		return nil, "", err
	}
	exact = c.exact()
	if m.pkgs[key(eco, name)] == nil {
		return nil, exact, nil
	}
	if _, every := m.EveryVersion(eco, name); every {
		return []string{AnyVersion}, exact, nil
	}
	return m.admittedBy(eco, name, c), exact, nil
}

// admittedBy is the one comparison of a constraint with a package's bad
// releases (Admitted, AdmittedBad, AdmittedNPM): the listed versions of
// every entry naming it, each range's first and last affected version,
// and the version the constraint fixes when a range holds it; highest
// first, shown as the constraint shows them. A stretch of a range the
// constraint meets where none of those versions lies (">=2.1,<2.3"
// against introduced 2.0, fixed 2.3) is shown as the stretch, "2.0 ≤ v <
// 2.3" (segment.String): the versions the pack names are not a resolver's
// whole choice.
func (m *Matcher) admittedBy(eco Ecosystem, name string, c constraint) []string {
	n := key(eco, name)
	type shownVersion struct {
		shown, canon string
		stretch      bool
	}
	var out []shownVersion
	seen := map[string]bool{}
	add := func(v string) {
		canon, err := eco.CanonicalVersion(v)
		if err != nil || seen[canon] {
			return
		}
		if shown, ok := c.admits(v); ok {
			seen[canon] = true
			out = append(out, shownVersion{shown, canon, false})
		}
	}
	var segs []segment
	for _, pk := range m.entries(n) {
		for _, v := range pk.Versions {
			add(v)
		}
		for _, r := range pk.Ranges {
			for _, e := range r.Events {
				if v, kind := e.value(); v != "0" && (kind == "introduced" || kind == "last_affected") {
					add(v)
				}
			}
			if cr, ok := compileRange(eco, r); ok && !cr.every {
				segs = append(segs, cr.segments()...)
			}
		}
	}
	if exact := c.exact(); exact != "" {
		if _, ok := m.Release(eco, name, exact); ok {
			add(exact)
		}
	}
	shownSeg := map[string]bool{}
	for _, s := range segs {
		if shownSeg[s.String()] || slices.ContainsFunc(out, func(v shownVersion) bool { return !v.stretch && s.contains(eco, v.canon) }) {
			continue // a version the pack names in it is shown
		}
		if s.meets(eco, c) {
			shownSeg[s.String()] = true
			k := s.hi
			if k == "" {
				k = s.lo
			}
			out = append(out, shownVersion{s.String(), k, true})
		}
	}
	slices.SortStableFunc(out, func(a, b shownVersion) int { return -eco.CompareVersions(a.canon, b.canon) })
	var bad []string
	for _, v := range out {
		bad = append(bad, v.shown)
	}
	return bad
}

// meets reports whether the constraint admits a version in the segment.
// Both are unions of intervals whose ends are versions they name (the
// constraint's clauses, the range's events), so a version in both, when
// there is one, is where the later of two intervals begins: one of those
// versions, the ecosystem's least version, or the first version after
// one of them (successors). Each candidate is judged by the segment and
// by the constraint as the ecosystem reads it (pre-release rules, !=
// points, wildcards), so what is reported is a version both hold; a
// decoy just outside a range ("<2.0" against introduced 2.0) is not.
func (s segment) meets(eco Ecosystem, c constraint) bool {
	ce, ok := eco.(constrained)
	if !ok {
		return false
	}
	base := append(append(ce.least(), c.points()...), s.lo, s.hi)
	cands := slices.Clone(base)
	for _, v := range base {
		cands = append(cands, ce.successors(v)...)
	}
	for _, v := range cands {
		canon, err := eco.CanonicalVersion(v)
		if v == "" || err != nil || !s.contains(eco, canon) {
			continue
		}
		if _, ok := c.admits(v); ok {
			return true
		}
	}
	return false
}

// pypiConstraint is a PEP 440 specifier set (poetry's ^ and ~ included).
type pypiConstraint struct{ set SpecifierSet }

func (pypiEco) constraint(spec string) (constraint, error) {
	set, err := ParseSpecifier(spec)
	return pypiConstraint{set}, err
}

func (c pypiConstraint) admits(v string) (string, bool) { return v, c.set.Contains(v) }

func (c pypiConstraint) exact() string { v, _ := c.set.Exact(); return v }

func (c pypiConstraint) points() []string {
	var out []string
	for _, and := range c.set.Any {
		for _, cl := range and {
			out = append(out, cl.Version)
			if cl.Prefix && len(cl.v.Release) > 0 {
				next := Version{Epoch: cl.v.Epoch, Release: slices.Clone(cl.v.Release), Post: -1, Dev: -1}
				next.Release[len(next.Release)-1]++
				out = append(out, next.String())
			}
		}
	}
	return out
}

func (pypiEco) least() []string { return []string{"0.dev0", "0"} }

// successors: v with its last pre, post or dev number one higher, v
// without its dev part, its release, that release's .post0, and the
// release padded with zeros and a final 1 (2.1 -> 2.1.0.0.0.0.0.0.1: above
// 2.1 and all its post-releases, below any version anyone writes).
func (pypiEco) successors(v string) []string {
	p, err := ParseVersion(v)
	if err != nil {
		return nil
	}
	p.Local = ""
	var out []string
	bump := func(f func(*Version)) {
		q := p
		q.Release = slices.Clone(p.Release)
		f(&q)
		out = append(out, q.String())
	}
	if p.Dev >= 0 {
		bump(func(q *Version) { q.Dev++ })
		bump(func(q *Version) { q.Dev = -1 })
	}
	if p.Post >= 0 {
		bump(func(q *Version) { q.Post++; q.Dev = -1 })
	}
	if p.Pre != "" {
		bump(func(q *Version) { q.PreN++; q.Post, q.Dev = -1, -1 })
	}
	final := Version{Epoch: p.Epoch, Release: slices.Clone(p.Release), Post: -1, Dev: -1}
	post := final
	post.Post = 0
	deep := final
	deep.Release = append(slices.Clone(p.Release), make([]int, max(0, 8-len(p.Release)))...)
	deep.Release = append(deep.Release, 1)
	return append(out, final.String(), post.String(), deep.String())
}

// npmConstraint is a node-semver range as npm resolves it.
type npmConstraint struct{ r SemverRange }

func (npmEco) constraint(spec string) (constraint, error) {
	r, err := ParseSemverRange(spec)
	return npmConstraint{r}, err
}

func (c npmConstraint) admits(v string) (string, bool) {
	canon, err := NPM.CanonicalVersion(v)
	return canon, err == nil && c.r.Contains(canon)
}

func (c npmConstraint) exact() string { v, _ := c.r.Exact(); return v }

func (c npmConstraint) points() []string {
	var out []string
	for _, set := range c.r.sets {
		for _, cp := range set {
			if !cp.any {
				out = append(out, cp.v.String())
			}
		}
	}
	return out
}

func (npmEco) least() []string { return []string{"0.0.0-0", "0.0.0"} }

// successors: a pre-release's first extension ("rc.1" -> "rc.1.0") and
// its release; a release's next patch and that patch's first pre-release.
func (npmEco) successors(v string) []string {
	s, err := ParseSemver(v)
	if err != nil {
		return nil
	}
	if len(s.Pre) > 0 {
		return []string{s.String() + ".0", sv(s.Major, s.Minor, s.Patch, "").String()}
	}
	return []string{sv(s.Major, s.Minor, s.Patch+1, "0").String(), sv(s.Major, s.Minor, s.Patch+1, "").String()}
}

// tagConstraint is an npm dist-tag ("latest"): it pointed at whatever was
// newest while a bad release was published, so it admits every one.
type tagConstraint struct{}

func (tagConstraint) admits(v string) (string, bool) {
	canon, err := NPM.CanonicalVersion(v)
	return canon, err == nil
}

func (tagConstraint) exact() string { return "" }

func (tagConstraint) points() []string { return nil }

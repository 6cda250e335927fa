package iocs

import (
	"fmt"
	"strconv"
	"strings"
)

// Clause is one comparison of a version specifier, e.g. ">=1.80" or "==1.82.*".
type Clause struct {
	Op      string // ==, !=, <=, >=, <, >, ~=, ===
	Version string // as written (without the ".*" of a prefix match)
	Prefix  bool   // "==1.82.*" / "!=1.82.*"
	v       Version
}

// SpecifierSet is a parsed version constraint: a union (poetry "||") of
// intersections (PEP 440 ",", poetry " " or ",") of clauses. An empty set
// (no alternatives) admits every version, as does "*" or "".
type SpecifierSet struct {
	Raw  string
	Any  [][]Clause // alternatives; each alternative is an AND of clauses
	open bool       // admits everything
}

// ParseSpecifier parses a PEP 440 specifier set (">=1.80,<2", "~=1.82.0",
// "==1.82.*", "!=1.82.7", "===1.82.8", ">1", "<2", "<=1.82.8"), a poetry
// constraint ("^1.82", "~1.82", "1.82.8", "1.82.*", ">=1.80 <2", "a || b")
// or "*"/"" (anything). Parenthesised old-style "(>=1.0)" is accepted.
func ParseSpecifier(s string) (SpecifierSet, error) {
	set := SpecifierSet{Raw: s}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		t = strings.TrimSpace(t[1 : len(t)-1])
	}
	if t == "" || t == "*" {
		set.open = true
		return set, nil
	}
	for _, alt := range strings.Split(t, "||") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			return SpecifierSet{}, fmt.Errorf("specifier %q: empty alternative", s)
		}
		var and []Clause
		for _, part := range splitClauses(alt) {
			cs, err := parseClause(part)
			if err != nil {
				return SpecifierSet{}, fmt.Errorf("specifier %q: %w", s, err)
			}
			and = append(and, cs...)
		}
		if len(and) == 0 {
			set.open = true
			continue
		}
		set.Any = append(set.Any, and)
	}
	return set, nil
}

// splitClauses splits one alternative on commas and on whitespace that
// separates two clauses (poetry ">=1.2 <2.0"), keeping "== 1.2" together.
func splitClauses(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		fields := strings.Fields(c)
		cur := ""
		for _, f := range fields {
			if cur != "" && isOpOnly(cur) {
				cur += f
				continue
			}
			if cur != "" {
				out = append(out, cur)
			}
			cur = f
		}
		if cur != "" {
			out = append(out, cur)
		}
	}
	return out
}

func isOpOnly(s string) bool {
	switch s {
	case "==", "!=", "<=", ">=", "<", ">", "~=", "===", "^", "~", "=":
		return true
	}
	return false
}

func parseClause(c string) ([]Clause, error) {
	c = strings.TrimSpace(c)
	if c == "*" {
		return nil, nil
	}
	var op string
	for _, o := range []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">", "^", "~", "="} {
		if strings.HasPrefix(c, o) {
			op = o
			break
		}
	}
	ver := strings.TrimSpace(c[len(op):])
	if ver == "" {
		return nil, fmt.Errorf("clause %q has no version", c)
	}
	switch op {
	case "===":
		return []Clause{{Op: "===", Version: ver}}, nil
	case "", "=":
		// poetry bare version, conda "=": exact or wildcard.
		op = "=="
	}
	prefix := false
	if strings.HasSuffix(ver, ".*") {
		if op != "==" && op != "!=" {
			return nil, fmt.Errorf("clause %q: a wildcard is only allowed with == or !=", c)
		}
		prefix = true
		ver = strings.TrimSuffix(ver, ".*")
	}
	v, err := ParseVersion(ver)
	if err != nil {
		return nil, err
	}
	switch op {
	case "^":
		return caret(ver, v)
	case "~":
		return tilde(ver, v)
	case "~=":
		if len(releaseOf(ver)) < 2 {
			return nil, fmt.Errorf("clause %q: ~= needs at least two release segments", c)
		}
		// ~=X.Y.Z is >=X.Y.Z, ==X.Y.*
		rel := releaseOf(ver)
		pre := strings.Join(intsToStr(rel[:len(rel)-1]), ".")
		pv, _ := ParseVersion(pre)
		return []Clause{{Op: ">=", Version: ver, v: v}, {Op: "==", Version: pre, Prefix: true, v: pv}}, nil
	}
	return []Clause{{Op: op, Version: ver, Prefix: prefix, v: v}}, nil
}

// releaseOf returns the release segments as written (trailing zeros kept),
// which ~=, ^ and ~ depend on.
func releaseOf(ver string) []int {
	s := strings.TrimLeft(strings.ToLower(strings.TrimSpace(ver)), "v")
	if i := strings.Index(s, "!"); i >= 0 {
		s = s[i+1:]
	}
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			// stop at the first non-numeric segment (pre/post/dev)
			d := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' })
			if d > 0 {
				n, _ = strconv.Atoi(p[:d])
				out = append(out, n)
			}
			break
		}
		out = append(out, n)
	}
	return out
}

func intsToStr(a []int) []string {
	out := make([]string, len(a))
	for i, n := range a {
		out[i] = strconv.Itoa(n)
	}
	return out
}

func bound(op string, rel []int) Clause {
	s := strings.Join(intsToStr(rel), ".")
	v, _ := ParseVersion(s)
	return Clause{Op: op, Version: s, v: v}
}

// caret implements poetry's ^: the leftmost non-zero segment may not change.
func caret(ver string, v Version) ([]Clause, error) {
	rel := releaseOf(ver)
	if len(rel) == 0 {
		return nil, fmt.Errorf("^%s: no release segments", ver)
	}
	up := make([]int, 0, len(rel))
	i := 0
	for i < len(rel)-1 && rel[i] == 0 {
		i++
	}
	up = append(up, rel[:i]...)
	up = append(up, rel[i]+1)
	return []Clause{{Op: ">=", Version: ver, v: v}, bound("<", up)}, nil
}

// tilde implements poetry's ~: ~1 is >=1,<2; ~1.2 and ~1.2.3 are <1.3.
func tilde(ver string, v Version) ([]Clause, error) {
	rel := releaseOf(ver)
	if len(rel) == 0 {
		return nil, fmt.Errorf("~%s: no release segments", ver)
	}
	var up []int
	if len(rel) == 1 {
		up = []int{rel[0] + 1}
	} else {
		up = []int{rel[0], rel[1] + 1}
	}
	return []Clause{{Op: ">=", Version: ver, v: v}, bound("<", up)}, nil
}

// Exact reports whether the set pins exactly one version ("==1.82.8",
// "===1.82.8", poetry "1.82.8") and returns it.
func (s SpecifierSet) Exact() (string, bool) {
	if s.open || len(s.Any) != 1 {
		return "", false
	}
	var exact string
	for _, c := range s.Any[0] {
		if (c.Op == "==" && !c.Prefix) || c.Op == "===" {
			if exact != "" && NormalizeVersion(exact) != NormalizeVersion(c.Version) {
				return "", false
			}
			exact = c.Version
		}
	}
	return exact, exact != ""
}

// Contains reports whether the set admits version v (a PEP 440 string).
// Pre-releases are admitted only when a clause names a pre-release, as pip
// does by default.
func (s SpecifierSet) Contains(ver string) bool {
	if s.open {
		return true
	}
	v, err := ParseVersion(ver)
	for _, and := range s.Any {
		ok := true
		pre := false
		for _, c := range and {
			if c.Op == "===" {
				if strings.TrimSpace(c.Version) != strings.TrimSpace(ver) {
					ok = false
				}
				continue
			}
			if err != nil || !c.admits(v) {
				ok = false
				break
			}
			if c.v.Pre != "" || c.v.Dev >= 0 {
				pre = true
			}
		}
		if ok && err == nil && (v.Pre != "" || (v.Dev >= 0)) && !pre {
			ok = false
		}
		if ok {
			return true
		}
	}
	return false
}

func (c Clause) admits(v Version) bool {
	pub := v
	pub.Local = ""
	switch c.Op {
	case "==":
		if c.Prefix {
			return prefixMatch(c.v, v)
		}
		if c.v.Local == "" {
			return pub.Compare(c.v) == 0
		}
		return v.Compare(c.v) == 0
	case "!=":
		if c.Prefix {
			return !prefixMatch(c.v, v)
		}
		if c.v.Local == "" {
			return pub.Compare(c.v) != 0
		}
		return v.Compare(c.v) != 0
	case ">=":
		return pub.Compare(c.v) >= 0
	case "<=":
		return pub.Compare(c.v) <= 0
	case ">":
		if pub.Compare(c.v) <= 0 {
			return false
		}
		// >V excludes post-releases of V unless V is itself a post-release.
		if c.v.Post < 0 && v.Post >= 0 && sameRelease(v, c.v) && v.Pre == c.v.Pre && v.PreN == c.v.PreN {
			return false
		}
		return true
	case "<":
		if pub.Compare(c.v) >= 0 {
			return false
		}
		// <V excludes pre-releases of V unless V is itself a pre-release.
		if c.v.Pre == "" && c.v.Dev < 0 && (v.Pre != "" || v.Dev >= 0) && sameRelease(v, c.v) {
			return false
		}
		return true
	}
	return false
}

func sameRelease(a, b Version) bool {
	if a.Epoch != b.Epoch {
		return false
	}
	n := max(len(a.Release), len(b.Release))
	for i := 0; i < n; i++ {
		x, y := 0, 0
		if i < len(a.Release) {
			x = a.Release[i]
		}
		if i < len(b.Release) {
			y = b.Release[i]
		}
		if x != y {
			return false
		}
	}
	return true
}

// prefixMatch implements "==P.*": v's release starts with P's release
// (zero-padded) in the same epoch; pre/post/dev of v do not matter.
func prefixMatch(p, v Version) bool {
	if p.Epoch != v.Epoch {
		return false
	}
	for i, n := range p.Release {
		x := 0
		if i < len(v.Release) {
			x = v.Release[i]
		}
		if x != n {
			return false
		}
	}
	return true
}

// String renders the set in PEP 440 form.
func (s SpecifierSet) String() string {
	if s.open {
		return "*"
	}
	var alts []string
	for _, and := range s.Any {
		var cs []string
		for _, c := range and {
			v := c.Version
			if c.Prefix {
				v += ".*"
			}
			cs = append(cs, c.Op+v)
		}
		alts = append(alts, strings.Join(cs, ","))
	}
	return strings.Join(alts, " || ")
}

// AdmittedBad returns the bad versions of a tracked PyPI package that the
// specifier admits, highest first (the one a resolver would have picked
// while it was the newest release), from every entry that names the
// package, its ranges included (Matcher.Admitted says how). A package
// every version of which is bad (an OSV record with "introduced: 0")
// admits AnyVersion. It returns nil for untracked names.
func (m *Matcher) AdmittedBad(name string, spec SpecifierSet) []string {
	if _, ok := m.Tracked(name); !ok {
		return nil
	}
	if _, every := m.EveryVersion(PyPI, name); every {
		return []string{AnyVersion}
	}
	return m.admittedBy(PyPI, name, pypiConstraint{spec})
}

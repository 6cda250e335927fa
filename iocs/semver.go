package iocs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Semver is a semantic version as node-semver (npm's) reads it. Build
// metadata is kept for display but takes no part in comparison.
type Semver struct {
	Major, Minor, Patch uint64
	Pre                 []string // dot-separated pre-release identifiers
	Build               string
}

const (
	numID  = `0|[1-9]\d*`
	preID  = `(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)`
	buildP = `[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*`
)

// semverRe is node-semver's FULL (with its loose tolerance of a leading
// "=" or "v" and surrounding spaces, as semver.clean applies to a
// package.json version).
var semverRe = regexp.MustCompile(`^\s*[=v]*\s*(` + numID + `)\.(` + numID + `)\.(` + numID + `)` +
	`(?:-(` + preID + `(?:\.` + preID + `)*))?(?:\+(` + buildP + `))?\s*$`)

// ParseSemver parses a full semantic version (1.2.3, 1.2.3-beta.1+build).
func ParseSemver(s string) (Semver, error) {
	m := semverRe.FindStringSubmatch(s)
	if m == nil {
		return Semver{}, fmt.Errorf("%q is not a valid semver version", s)
	}
	var v Semver
	var err error
	for i, p := range []*uint64{&v.Major, &v.Minor, &v.Patch} {
		if *p, err = strconv.ParseUint(m[i+1], 10, 53); err != nil {
			return Semver{}, fmt.Errorf("%q: %w", s, err)
		}
	}
	if m[4] != "" {
		v.Pre = strings.Split(m[4], ".")
	}
	v.Build = m[5]
	return v, nil
}

// String renders the version without build metadata (its identity for
// comparison and matching).
func (v Semver) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if len(v.Pre) > 0 {
		s += "-" + strings.Join(v.Pre, ".")
	}
	return s
}

// Compare orders versions by semver 2.0 precedence.
func (v Semver) Compare(o Semver) int {
	for _, p := range [][2]uint64{{v.Major, o.Major}, {v.Minor, o.Minor}, {v.Patch, o.Patch}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(v.Pre) == 0 && len(o.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1
	case len(o.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(o.Pre); i++ {
		if c := comparePreID(v.Pre[i], o.Pre[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(v.Pre), len(o.Pre))
}

func comparePreID(a, b string) int {
	x, ea := strconv.ParseUint(a, 10, 64)
	y, eb := strconv.ParseUint(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case ea == nil:
		return -1 // numeric identifiers sort before alphanumeric ones
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func compareSemverStrings(a, b string) int {
	x, _ := ParseSemver(a)
	y, _ := ParseSemver(b)
	return x.Compare(y)
}

// SemverRange is an npm version range (node-semver's Range): a union
// ("||") of intersections of comparators.
type SemverRange struct {
	Raw  string
	sets [][]comparator
}

type comparator struct {
	op  string // "", "<", "<=", ">", ">="; "" is equality
	v   Semver
	any bool
}

var (
	rangeOrRe  = regexp.MustCompile(`\s*\|\|\s*`)
	opSpaceRe  = regexp.MustCompile(`(~>?|\^|[<>]=?|=)\s+`)
	partialP   = `[v=\s]*(0|[1-9]\d*|x|X|\*)(?:\.(0|[1-9]\d*|x|X|\*)(?:\.(0|[1-9]\d*|x|X|\*)(?:-?(` + preID + `(?:\.` + preID + `)*))?(?:\+` + buildP + `)?)?)?`
	hyphenRe   = regexp.MustCompile(`^\s*(` + partialP + `)\s+-\s+(` + partialP + `)\s*$`)
	partialRe  = regexp.MustCompile(`^` + partialP + `$`)
	compPrefix = regexp.MustCompile(`^(~>?|\^|<=|>=|<|>|=)?`)
)

// ParseSemverRange parses a range as npm does (node-semver, loose): "^1.2.3",
// "~1.2", "1.x", "1.2.3 - 2", ">=1 <2 || 3", "*", "" (any). An error means
// npm would not read it as a range (npm then takes it for a dist-tag).
func ParseSemverRange(s string) (SemverRange, error) {
	r := SemverRange{Raw: s}
	for _, alt := range rangeOrRe.Split(strings.TrimSpace(s), -1) {
		set, err := parseRangeSet(alt)
		if err != nil {
			return SemverRange{}, fmt.Errorf("range %q: %w", s, err)
		}
		r.sets = append(r.sets, set)
	}
	return r, nil
}

func parseRangeSet(s string) ([]comparator, error) {
	s = strings.TrimSpace(s)
	if m := hyphenRe.FindStringSubmatch(s); m != nil {
		return hyphen(m[2:6], m[7:11])
	}
	s = opSpaceRe.ReplaceAllString(s, "$1")
	var out []comparator
	for _, f := range strings.Fields(s) {
		cs, err := parseComparator(f)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	if len(out) == 0 {
		out = []comparator{{any: true}}
	}
	return out, nil
}

// partial is a possibly incomplete version: nil parts are X.
type partial struct {
	p   [3]*uint64
	pre string
}

func parsePartial(g []string) (partial, error) {
	var pt partial
	for i := 0; i < 3; i++ {
		if g[i] == "" || g[i] == "x" || g[i] == "X" || g[i] == "*" {
			break
		}
		n, err := strconv.ParseUint(g[i], 10, 53)
		if err != nil {
			return pt, err
		}
		pt.p[i] = &n
	}
	if pt.p[2] != nil {
		pt.pre = g[3]
	}
	return pt, nil
}

func (pt partial) num(i int) uint64 {
	if pt.p[i] == nil {
		return 0
	}
	return *pt.p[i]
}

func sv(ma, mi, pa uint64, pre string) Semver {
	v := Semver{Major: ma, Minor: mi, Patch: pa}
	if pre != "" {
		v.Pre = strings.Split(pre, ".")
	}
	return v
}

func parseComparator(f string) ([]comparator, error) {
	op := compPrefix.FindString(f)
	rest := f[len(op):]
	m := partialRe.FindStringSubmatch(rest)
	if m == nil {
		return nil, fmt.Errorf("%q is not a comparator", f)
	}
	pt, err := parsePartial(m[1:5])
	if err != nil {
		return nil, err
	}
	M, mi, p := pt.p[0] == nil, pt.p[1] == nil, pt.p[2] == nil
	xm, xp := M || mi, M || mi || p
	ma, mn, pa := pt.num(0), pt.num(1), pt.num(2)
	ge := func(v Semver) comparator { return comparator{op: ">=", v: v} }
	lt := func(v Semver) comparator { return comparator{op: "<", v: v} }
	switch op {
	case "~", "~>":
		switch {
		case M:
			return []comparator{{any: true}}, nil
		case mi:
			return []comparator{ge(sv(ma, 0, 0, "")), lt(sv(ma+1, 0, 0, "0"))}, nil
		case p:
			return []comparator{ge(sv(ma, mn, 0, "")), lt(sv(ma, mn+1, 0, "0"))}, nil
		}
		return []comparator{ge(sv(ma, mn, pa, pt.pre)), lt(sv(ma, mn+1, 0, "0"))}, nil
	case "^":
		switch {
		case M:
			return []comparator{{any: true}}, nil
		case mi:
			return []comparator{ge(sv(ma, 0, 0, "")), lt(sv(ma+1, 0, 0, "0"))}, nil
		case p:
			if ma == 0 {
				return []comparator{ge(sv(ma, mn, 0, "")), lt(sv(ma, mn+1, 0, "0"))}, nil
			}
			return []comparator{ge(sv(ma, mn, 0, "")), lt(sv(ma+1, 0, 0, "0"))}, nil
		}
		lo := ge(sv(ma, mn, pa, pt.pre))
		switch {
		case ma == 0 && mn == 0:
			return []comparator{lo, lt(sv(ma, mn, pa+1, "0"))}, nil
		case ma == 0:
			return []comparator{lo, lt(sv(ma, mn+1, 0, "0"))}, nil
		}
		return []comparator{lo, lt(sv(ma+1, 0, 0, "0"))}, nil
	}
	// X-ranges and plain comparators (node-semver replaceXRange).
	if op == "=" && xp {
		op = ""
	}
	switch {
	case M:
		if op == ">" || op == "<" {
			return []comparator{lt(sv(0, 0, 0, "0"))}, nil // matches nothing
		}
		return []comparator{{any: true}}, nil
	case op != "" && xp:
		if xm {
			mn, pa = 0, 0
		}
		pa = 0
		pre := ""
		switch op {
		case ">":
			op = ">="
			if xm {
				ma, mn = ma+1, 0
			} else {
				mn++
			}
		case "<=":
			op = "<"
			if xm {
				ma++
			} else {
				mn++
			}
		}
		if op == "<" {
			pre = "0"
		}
		return []comparator{{op: op, v: sv(ma, mn, pa, pre)}}, nil
	case xm:
		return []comparator{ge(sv(ma, 0, 0, "")), lt(sv(ma+1, 0, 0, "0"))}, nil
	case xp:
		return []comparator{ge(sv(ma, mn, 0, "")), lt(sv(ma, mn+1, 0, "0"))}, nil
	}
	if op == "=" {
		op = ""
	}
	return []comparator{{op: op, v: sv(ma, mn, pa, pt.pre)}}, nil
}

// hyphen is node-semver's hyphenReplace: "A - B".
func hyphen(from, to []string) ([]comparator, error) {
	f, err := parsePartial(from)
	if err != nil {
		return nil, err
	}
	t, err := parsePartial(to)
	if err != nil {
		return nil, err
	}
	var out []comparator
	switch {
	case f.p[0] == nil:
	case f.p[1] == nil:
		out = append(out, comparator{op: ">=", v: sv(f.num(0), 0, 0, "")})
	case f.p[2] == nil:
		out = append(out, comparator{op: ">=", v: sv(f.num(0), f.num(1), 0, "")})
	default:
		out = append(out, comparator{op: ">=", v: sv(f.num(0), f.num(1), f.num(2), f.pre)})
	}
	switch {
	case t.p[0] == nil:
	case t.p[1] == nil:
		out = append(out, comparator{op: "<", v: sv(t.num(0)+1, 0, 0, "0")})
	case t.p[2] == nil:
		out = append(out, comparator{op: "<", v: sv(t.num(0), t.num(1)+1, 0, "0")})
	default:
		out = append(out, comparator{op: "<=", v: sv(t.num(0), t.num(1), t.num(2), t.pre)})
	}
	if len(out) == 0 {
		out = []comparator{{any: true}}
	}
	return out, nil
}

func (c comparator) test(v Semver) bool {
	if c.any {
		return true
	}
	d := v.Compare(c.v)
	switch c.op {
	case "":
		return d == 0
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return false
}

// Contains reports whether npm would consider version v (a full semver)
// to satisfy the range: a pre-release satisfies only a set with a
// comparator naming a pre-release of the same major.minor.patch.
func (r SemverRange) Contains(ver string) bool {
	v, err := ParseSemver(ver)
	if err != nil {
		return false
	}
	for _, set := range r.sets {
		if testSet(set, v) {
			return true
		}
	}
	return false
}

func testSet(set []comparator, v Semver) bool {
	for _, c := range set {
		if !c.test(v) {
			return false
		}
	}
	if len(v.Pre) == 0 {
		return true
	}
	for _, c := range set {
		if c.any || len(c.v.Pre) == 0 {
			continue
		}
		if c.v.Major == v.Major && c.v.Minor == v.Minor && c.v.Patch == v.Patch {
			return true
		}
	}
	return false
}

// Exact returns the one version the range admits when it is a single
// equality ("1.2.3", "=1.2.3", "v1.2.3").
func (r SemverRange) Exact() (string, bool) {
	if len(r.sets) != 1 || len(r.sets[0]) != 1 {
		return "", false
	}
	c := r.sets[0][0]
	if c.any || c.op != "" {
		return "", false
	}
	return c.v.String(), true
}

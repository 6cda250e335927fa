package iocs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var nameSep = regexp.MustCompile(`[-_.]+`)

// NormalizeName canonicalises a distribution name as PEP 503 does:
// lower case, runs of "-", "_" and "." become one "-".
func NormalizeName(name string) string {
	return nameSep.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}

// Version is a parsed PEP 440 version.
type Version struct {
	Epoch   int
	Release []int
	Pre     string // "a", "b", "rc" or ""
	PreN    int
	Post    int // -1 when absent
	Dev     int // -1 when absent
	Local   string
}

// PEP 440 appendix B regular expression, case-insensitive, anchored.
var pep440 = regexp.MustCompile(`(?i)^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?` +
	`(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d+)?))?` +
	`(?:[-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// localSep spells a local label's separators as PEP 440's canonical ".".
var localSep = strings.NewReplacer("-", ".", "_", ".")

// ParseVersion parses a PEP 440 version string.
func ParseVersion(s string) (Version, error) {
	m := pep440.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a valid PEP 440 version", s)
	}
	v := Version{Post: -1, Dev: -1}
	if m[1] != "" {
		v.Epoch, _ = strconv.Atoi(m[1])
	}
	for _, p := range strings.Split(m[2], ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return Version{}, fmt.Errorf("%q: release segment %q: %w", s, p, err)
		}
		v.Release = append(v.Release, n)
	}
	// Trailing zeros do not change a release: 1.82.8.0 == 1.82.8.
	for len(v.Release) > 1 && v.Release[len(v.Release)-1] == 0 {
		v.Release = v.Release[:len(v.Release)-1]
	}
	if m[3] != "" {
		switch strings.ToLower(m[3]) {
		case "alpha", "a":
			v.Pre = "a"
		case "beta", "b":
			v.Pre = "b"
		default:
			v.Pre = "rc"
		}
		v.PreN, _ = strconv.Atoi(m[4])
	}
	switch {
	case m[5] != "":
		v.Post, _ = strconv.Atoi(m[5])
	case m[6] != "":
		v.Post, _ = strconv.Atoi(m[7])
	}
	if m[8] != "" {
		v.Dev, _ = strconv.Atoi(m[9])
	}
	if m[10] != "" {
		v.Local = strings.ToLower(localSep.Replace(m[10]))
	}
	return v, nil
}

// String renders the canonical form (with trailing release zeros removed).
func (v Version) String() string {
	var b strings.Builder
	if v.Epoch != 0 {
		fmt.Fprintf(&b, "%d!", v.Epoch)
	}
	for i, n := range v.Release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	if v.Pre != "" {
		fmt.Fprintf(&b, "%s%d", v.Pre, v.PreN)
	}
	if v.Post >= 0 {
		fmt.Fprintf(&b, ".post%d", v.Post)
	}
	if v.Dev >= 0 {
		fmt.Fprintf(&b, ".dev%d", v.Dev)
	}
	if v.Local != "" {
		b.WriteString("+" + v.Local)
	}
	return b.String()
}

// NormalizeVersion returns the canonical PEP 440 form of s, or s itself
// (trimmed, lower case) when it does not parse, so that an unparseable
// version never equals a bad one by accident.
func NormalizeVersion(s string) string {
	v, err := ParseVersion(s)
	if err != nil {
		return "invalid:" + strings.ToLower(strings.TrimSpace(s))
	}
	return v.String()
}

// Compare orders two versions as PEP 440 does for the public part
// (epoch, release, pre, post, dev); local labels are compared as strings.
func (v Version) Compare(o Version) int {
	if c := cmpInt(v.Epoch, o.Epoch); c != 0 {
		return c
	}
	n := max(len(v.Release), len(o.Release))
	for i := 0; i < n; i++ {
		a, b := 0, 0
		if i < len(v.Release) {
			a = v.Release[i]
		}
		if i < len(o.Release) {
			b = o.Release[i]
		}
		if c := cmpInt(a, b); c != 0 {
			return c
		}
	}
	if c := cmpInt(v.preKey(), o.preKey()); c != 0 {
		return c
	}
	if v.Pre != "" && v.Pre == o.Pre {
		if c := cmpInt(v.PreN, o.PreN); c != 0 {
			return c
		}
	}
	if c := cmpInt(v.Post, o.Post); c != 0 {
		return c
	}
	if c := cmpInt(devKey(v.Dev), devKey(o.Dev)); c != 0 {
		return c
	}
	return strings.Compare(v.Local, o.Local)
}

// preKey orders: dev-only release < a < b < rc < final.
func (v Version) preKey() int {
	switch v.Pre {
	case "a":
		return 1
	case "b":
		return 2
	case "rc":
		return 3
	}
	if v.Dev >= 0 && v.Post < 0 {
		return 0
	}
	return 4
}

func devKey(d int) int {
	if d < 0 {
		return int(^uint(0) >> 1)
	}
	return d
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

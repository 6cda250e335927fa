package iocs

import (
	"strings"
)

// NPMSpec is a package spec as npm reads it (npm-package-arg) for the
// registry cases: "name", "name@range", "name@tag", "@scope/name@1.2.3",
// and an alias "alias@npm:real@range" (Name is then the real package).
// The install-command parser (npm, yarn, pnpm, bun arguments) and the
// manifest reader both split specs with it.
type NPMSpec struct {
	Name string // the package npm fetches
	// Alias is the name it is installed under when it differs ("" if not).
	Alias string
	// Spec is what follows the name: a range, a tag, or "" (latest).
	Spec string
	// Registry is false for specs that fetch no registry release (git,
	// file:, link:, workspace:, URLs, user/repo shorthands).
	Registry bool
}

// SplitNPMName splits "name@rest" where name may be "@scope/name"; ok is
// false when there is no "@" after the name.
func SplitNPMName(s string) (name, rest string, ok bool) {
	i := strings.Index(s[min(1, len(s)):], "@")
	if i < 0 {
		return s, "", false
	}
	i++
	return s[:i], s[i+1:], true
}

// ParseNPMSpec parses an install argument ("left-pad@^1.3", "@s/x",
// "y@npm:@s/x@1"). A dependency's package.json entry is ParseNPMDep.
func ParseNPMSpec(arg string) NPMSpec {
	name, rest, _ := SplitNPMName(strings.TrimSpace(arg))
	return ParseNPMDep(name, rest)
}

// ParseNPMDep reads a package.json dependency: key name, value spec.
func ParseNPMDep(name, spec string) NPMSpec {
	s := NPMSpec{Name: name, Spec: strings.TrimSpace(spec), Registry: true}
	if real, ok := strings.CutPrefix(s.Spec, "npm:"); ok {
		n, r, _ := SplitNPMName(real)
		s.Alias, s.Name, s.Spec = name, n, r
	}
	if strings.Contains(s.Spec, ":") || strings.Contains(s.Spec, "/") || s.Name == "" ||
		strings.HasPrefix(s.Name, ".") || strings.HasPrefix(s.Name, "/") || strings.Contains(s.Name, ":") {
		s.Registry = false
	}
	return s
}

// AdmittedNPM returns the bad versions of a tracked npm package that npm
// could resolve spec to, highest first (the versions of every entry
// naming the package, its ranges included: Matcher.Admitted). A spec npm does not read as a range is a
// dist-tag ("latest"), which resolved to whatever the tag pointed at while
// a bad release was published: every bad version, with tag true. When an
// entry makes every version bad (a malicious-package record), every
// registry spec admits it: every is true. ok is false for an untracked
// name or a spec that fetches no registry release.
func (m *Matcher) AdmittedNPM(s NPMSpec) (bad []string, tag, every, ok bool) {
	if _, tracked := m.TrackedIn(NPM, s.Name); !tracked || !s.Registry {
		return nil, false, false, false
	}
	_, every = m.EveryVersion(NPM, s.Name)
	r, err := ParseSemverRange(s.Spec)
	var c constraint = npmConstraint{r}
	if tag = err != nil; tag {
		c = tagConstraint{}
	}
	bad = m.admittedBy(NPM, s.Name, c)
	return bad, tag, every, true
}

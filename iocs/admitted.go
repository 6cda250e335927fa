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
}

// constraint is a requested version constraint, read as the ecosystem's
// installers read it.
type constraint interface {
	// admits reports whether the constraint admits v (a version as a pack
	// lists it) and how the version is shown.
	admits(v string) (shown string, ok bool)
	// exact is the one version the constraint fixes ("" for a range).
	exact() string
}

// Admitted returns what a requested version constraint admits of a
// tracked package's bad releases in ecosystem eco, read as that
// ecosystem's installers read it (PyPI: PEP 440 specifiers and poetry's ^
// and ~; npm: node-semver ranges; "" is any version): the bad versions it
// admits, highest first, and the one version it fixes ("" for a range).
// Every entry naming the package counts, its listed versions and its
// ranges: AnyVersion when one makes every version bad, else a range's
// first or last affected version the constraint admits, and the version
// it fixes when a range holds it. An error for a constraint the ecosystem
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
// first, shown as the constraint shows them.
func (m *Matcher) admittedBy(eco Ecosystem, name string, c constraint) []string {
	n := key(eco, name)
	type shownVersion struct{ shown, canon string }
	var out []shownVersion
	seen := map[string]bool{}
	add := func(v string) {
		canon, err := eco.CanonicalVersion(v)
		if err != nil || seen[canon] {
			return
		}
		if shown, ok := c.admits(v); ok {
			seen[canon] = true
			out = append(out, shownVersion{shown, canon})
		}
	}
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
		}
	}
	if exact := c.exact(); exact != "" {
		if _, ok := m.Release(eco, name, exact); ok {
			add(exact)
		}
	}
	slices.SortStableFunc(out, func(a, b shownVersion) int { return -eco.CompareVersions(a.canon, b.canon) })
	var bad []string
	for _, v := range out {
		bad = append(bad, v.shown)
	}
	return bad
}

// pypiConstraint is a PEP 440 specifier set (poetry's ^ and ~ included).
type pypiConstraint struct{ set SpecifierSet }

func (pypiEco) constraint(spec string) (constraint, error) {
	set, err := ParseSpecifier(spec)
	return pypiConstraint{set}, err
}

func (c pypiConstraint) admits(v string) (string, bool) { return v, c.set.Contains(v) }

func (c pypiConstraint) exact() string { v, _ := c.set.Exact(); return v }

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

// tagConstraint is an npm dist-tag ("latest"): it pointed at whatever was
// newest while a bad release was published, so it admits every one.
type tagConstraint struct{}

func (tagConstraint) admits(v string) (string, bool) {
	canon, err := NPM.CanonicalVersion(v)
	return canon, err == nil
}

func (tagConstraint) exact() string { return "" }

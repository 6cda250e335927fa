package iocs

import (
	"fmt"
	"regexp"
	"strings"
)

// Ecosystem is what the pack needs to know about one package ecosystem:
// how its package names and versions compare. Where its installs, lockfiles
// and caches live is its collectors' knowledge (collectors/registry.go lists
// them per ecosystem); a collector asks the matcher "is name@version bad in
// ecosystem E" (Matcher.Release), so a PyPI `foo` never matches an npm `foo`.
type Ecosystem interface {
	// ID is the pack's `ecosystem:` value ("pypi", "npm", "vscode").
	ID() string
	// PURLType is the package-URL type of the ecosystem ("pypi", "npm"),
	// or "" when package URLs do not name it.
	PURLType() string
	// NormalizeName is the canonical spelling of a package name: two names
	// the ecosystem treats as one package normalise to the same string.
	NormalizeName(name string) string
	// CanonicalVersion returns the canonical form of a version, or an
	// error when the ecosystem's tools would not accept it as a version.
	CanonicalVersion(v string) (string, error)
	// CompareVersions orders two canonical versions (-1, 0, 1).
	CompareVersions(a, b string) int
	// ValidName reports why a pack's package name is not one of the
	// ecosystem's, or nil.
	ValidName(name string) error
}

// The built-in ecosystems. Adding one is an implementation of Ecosystem,
// a line in ecosystems, and its collectors.
var (
	PyPI   Ecosystem = pypiEco{}
	NPM    Ecosystem = npmEco{}
	VSCode Ecosystem = vscodeEco{}
)

var ecosystems = []Ecosystem{PyPI, NPM, VSCode}

// Ecosystems returns the ecosystems a pack may name, in a stable order.
func Ecosystems() []Ecosystem { return append([]Ecosystem(nil), ecosystems...) }

// EcosystemByID returns the ecosystem a pack's `ecosystem:` value names
// (compared case-insensitively).
func EcosystemByID(id string) (Ecosystem, bool) {
	for _, e := range ecosystems {
		if strings.EqualFold(e.ID(), strings.TrimSpace(id)) {
			return e, true
		}
	}
	return nil, false
}

// EcosystemByPURL returns the ecosystem of a package-URL type.
func EcosystemByPURL(typ string) (Ecosystem, bool) {
	for _, e := range ecosystems {
		if e.PURLType() != "" && strings.EqualFold(e.PURLType(), typ) {
			return e, true
		}
	}
	return nil, false
}

// normalizeIn canonicalises a version in an ecosystem; a version that does
// not parse becomes a string no canonical version equals, so an unparseable
// version never matches a bad one by accident.
func normalizeIn(e Ecosystem, v string) string {
	c, err := e.CanonicalVersion(v)
	if err != nil {
		return "invalid:" + strings.ToLower(strings.TrimSpace(v))
	}
	return c
}

// pypiEco: PEP 503 names, PEP 440 versions.
type pypiEco struct{}

func (pypiEco) ID() string                      { return "pypi" }
func (pypiEco) PURLType() string                { return "pypi" }
func (pypiEco) NormalizeName(n string) string   { return NormalizeName(n) }
func (pypiEco) CompareVersions(a, b string) int { return comparePEP440(a, b) }
func (pypiEco) CanonicalVersion(v string) (string, error) {
	p, err := ParseVersion(v)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

var pypiNameRe = regexp.MustCompile(`(?i)^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)

func (pypiEco) ValidName(n string) error {
	if !pypiNameRe.MatchString(n) {
		return fmt.Errorf("%q is not a PyPI project name (PEP 508)", n)
	}
	return nil
}

func comparePEP440(a, b string) int {
	x, _ := ParseVersion(a)
	y, _ := ParseVersion(b)
	return x.Compare(y)
}

// npmEco: npm package names (scoped "@scope/name"; the registry keys
// names exactly, and new names are lower case) and semver 2.0 versions as
// node-semver reads them (a leading "v" or "=" is dropped, build metadata
// does not take part in comparison).
type npmEco struct{}

func (npmEco) ID() string                      { return "npm" }
func (npmEco) PURLType() string                { return "npm" }
func (npmEco) NormalizeName(n string) string   { return strings.TrimSpace(n) }
func (npmEco) CompareVersions(a, b string) int { return compareSemverStrings(a, b) }
func (npmEco) CanonicalVersion(v string) (string, error) {
	s, err := ParseSemver(v)
	if err != nil {
		return "", err
	}
	return s.String(), nil
}

// npmNameRe is validate-npm-package-name's rule for a name the registry
// accepts (legacy upper-case names included): an optional @scope/, then
// URL-safe characters not starting with "." or "_".
var npmNameRe = regexp.MustCompile(`^(@[a-zA-Z0-9][a-zA-Z0-9._~-]*/)?[a-zA-Z0-9~-][a-zA-Z0-9._~-]*$`)

func (npmEco) ValidName(n string) error {
	if len(n) > 214 || !npmNameRe.MatchString(n) {
		return fmt.Errorf("%q is not an npm package name (name or @scope/name)", n)
	}
	return nil
}

// vscodeEco: VS Code-family extensions, named "publisher.name" (compared
// case-insensitively, as the editors and the marketplaces do), with
// semver versions (vsce refuses anything else).
type vscodeEco struct{}

func (vscodeEco) ID() string                      { return "vscode" }
func (vscodeEco) PURLType() string                { return "" }
func (vscodeEco) NormalizeName(n string) string   { return strings.ToLower(strings.TrimSpace(n)) }
func (vscodeEco) CompareVersions(a, b string) int { return compareSemverStrings(a, b) }
func (vscodeEco) CanonicalVersion(v string) (string, error) {
	return NPM.CanonicalVersion(v)
}

var extIDRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*\.[a-zA-Z0-9][a-zA-Z0-9._-]*$`)

func (vscodeEco) ValidName(n string) error {
	if !extIDRe.MatchString(n) {
		return fmt.Errorf("%q is not an extension id (publisher.name)", n)
	}
	return nil
}

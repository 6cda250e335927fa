// Package npm holds the npm ecosystem's collectors: installed packages
// (node_modules/**/package.json wherever a tree or a global prefix keeps
// them), lockfiles and manifests, and package caches. Each asks the
// matcher whether name@version is bad in iocs.NPM, so names and versions
// compare as npm compares them and a same-named PyPI package never matches.
package npm

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Options configure the collectors.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
}

// MaxManifestSize caps the bytes read from one package.json.
const MaxManifestSize = 4 << 20

// New returns the npm ecosystem's collectors.
func New(o Options) []sweep.Collector {
	return []sweep.Collector{&Installed{o: o}, NewLockfiles(o), &Cache{o: o}}
}

// manifest is the part of a package.json the collectors read.
type manifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Overrides            json.RawMessage   `json:"overrides"`
	Resolutions          map[string]string `json:"resolutions"`
}

// withUser names the user whose home holds the finding's path (none for a
// system location), so the rotation planner scopes what it exposed.
func (o Options) withUser(f sweep.Finding) sweep.Finding {
	f.User = sweep.UserOf(o.Homes, f.Location.Path)
	return f
}

// mentions reports whether b holds any tracked npm name, so that files
// that cannot matter are not parsed.
func mentions(m *iocs.Matcher, b []byte) bool {
	for _, n := range m.NamesIn(iocs.NPM) {
		if bytes.Contains(b, []byte(n)) {
			return true
		}
	}
	return false
}

// pkgDirName is the package name a directory below node_modules holds:
// ".../node_modules/name" or ".../node_modules/@scope/name", else "".
func pkgDirName(dir string) string {
	parent, base := path.Dir(dir), path.Base(dir)
	if base == "" || base[0] == '.' || base[0] == '@' {
		return ""
	}
	if path.Base(parent) == "node_modules" {
		return base
	}
	if scope := path.Base(parent); strings.HasPrefix(scope, "@") && len(scope) > 1 && path.Base(path.Dir(parent)) == "node_modules" {
		return scope + "/" + base
	}
	return ""
}

func indicatorOf(pk *iocs.PackageIOC) *sweep.Indicator {
	return &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources}
}

func severityOf(pk *iocs.PackageIOC, def sweep.Severity) sweep.Severity {
	if v, err := sweep.ParseSeverity(pk.Severity); err == nil {
		return v
	}
	return def
}

// cleanAdvice names the pack's clean releases of a package.
func cleanAdvice(pk *iocs.PackageIOC) string {
	var s []string
	if pk.LastClean != "" {
		s = append(s, pk.LastClean)
	}
	if pk.FirstClean != "" {
		s = append(s, pk.FirstClean+" or later")
	}
	if len(s) == 0 {
		return "a release the pack does not list as bad"
	}
	return strings.Join(s, ", or ")
}

package iocs

import (
	"strings"
	"testing"
)

// ecoPack holds the same name in three ecosystems, at different versions.
const ecoPack = `
schema_version: 1
id: test-ecosystems
version: "1"
title: test
packages:
  - {id: pypi-foo, ecosystem: pypi, name: Foo_Bar, versions: ["1.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-foo, ecosystem: npm, name: foo-bar, versions: ["2.0.0", "2.0.1-beta.1"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-scoped, ecosystem: npm, name: "@acme/foo-bar", versions: ["3.1.4"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: ext-foo, ecosystem: vscode, name: Acme.Foo-Bar, versions: ["4.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func ecoMatcher(t *testing.T) *Matcher {
	t.Helper()
	l, err := ParseWith([]byte(ecoPack), "test", LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReleaseByEcosystem(t *testing.T) {
	m := ecoMatcher(t)
	tests := []struct {
		eco       Ecosystem
		name, ver string
		want      string // package id, "" for no match
	}{
		{PyPI, "foo-bar", "1.0", "pypi-foo"},
		{PyPI, "FOO.BAR", "1.0.0.0", "pypi-foo"},
		{PyPI, "foo-bar", "2.0.0", ""}, // npm's bad version is not PyPI's
		{NPM, "foo-bar", "2.0.0", "npm-foo"},
		{NPM, "foo-bar", "v2.0.0", "npm-foo"},
		{NPM, "foo-bar", "2.0.0+build.7", "npm-foo"},
		{NPM, "foo-bar", "2.0.1-beta.1", "npm-foo"},
		{NPM, "foo-bar", "2.0.1", ""}, // adjacent clean
		{NPM, "foo-bar", "1.0.0", ""}, // PyPI's bad version is not npm's
		{NPM, "foo_bar", "2.0.0", ""}, // npm names are not PEP 503 names
		{NPM, "Foo-Bar", "2.0.0", ""}, // nor case-folded
		{NPM, "foo-bar", "2.0", ""},   // not a semver version
		{NPM, "@acme/foo-bar", "3.1.4", "npm-scoped"},
		{NPM, "@other/foo-bar", "3.1.4", ""},
		{NPM, "foo-bar", "3.1.4", ""},
		{VSCode, "acme.foo-bar", "4.0.0", "ext-foo"},
		{VSCode, "ACME.FOO-BAR", "4.0.0", "ext-foo"},
		{VSCode, "acme.foo-bar", "4.0.1", ""},
		{VSCode, "foo-bar", "2.0.0", ""},
	}
	for _, tc := range tests {
		pk, ok := m.Release(tc.eco, tc.name, tc.ver)
		got := ""
		if ok {
			got = pk.ID
		}
		if got != tc.want {
			t.Errorf("Release(%s, %q, %q) = %q, want %q", tc.eco.ID(), tc.name, tc.ver, got, tc.want)
		}
	}
	if got := m.TrackedNames(); len(got) != 1 || got[0] != "foo-bar" {
		t.Errorf("TrackedNames (PyPI) = %v", got)
	}
	if got := m.NamesIn(NPM); strings.Join(got, ",") != "foo-bar,@acme/foo-bar" {
		t.Errorf("NamesIn(npm) = %v", got)
	}
	if _, ok := m.Tracked("@acme/foo-bar"); ok {
		t.Error("the PyPI question found an npm package")
	}
}

func TestPackEcosystemValidation(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{`{id: a, ecosystem: rubygems, name: x, versions: ["1"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, `"rubygems" is not one of pypi, npm, vscode`},
		{`{id: a, ecosystem: npm, name: x, versions: ["1.2"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, "not a valid semver version"},
		{`{id: a, ecosystem: npm, name: x, versions: ["1.2.3"], last_clean: "1.2", severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, "last_clean"},
		{`{id: a, ecosystem: npm, name: "@a b/x", versions: ["1.2.3"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, "not an npm package name"},
		{`{id: a, ecosystem: vscode, name: nopublisher, versions: ["1.2.3"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, "publisher.name"},
		{`{id: a, ecosystem: pypi, name: x, versions: ["1.2.3-x.y"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}`, "PEP 440"},
	} {
		doc := "schema_version: 1\nid: t\nversion: \"1\"\ntitle: t\npackages:\n  - " + tc.entry + "\n"
		_, err := ParseWith([]byte(doc), "t", LoadOptions{AllowPartial: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.entry, err, tc.want)
		}
	}
}

package sbom

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

var update = flag.Bool("update", false, "rewrite testdata/made-by-library and golden files")

// The fixtures under testdata/made-by-library are written by the format
// libraries themselves (cyclonedx-go's encoder, tools-golang's writers)
// from the component list below, so their shape is what those libraries
// emit; testdata/handwritten holds edge cases and the shape of GitHub's
// dependency-graph export; testdata/syft (when present) holds real syft
// output (see testdata/README.md).

// wheel7 is the pack's published SHA-256 of litellm-1.82.7-py3-none-any.whl.
const wheel7 = "8395c3268d5c5dbae1c7c6d4bb3c318c752ba4608cfcd90eb97ffb94a910eac2"

type comp struct {
	ref, name, version, purl, sha, where string
	children                             []comp
}

var components = []comp{
	{ref: "pkg:pypi/litellm@1.82.8?package-id=1", name: "litellm", version: "1.82.8", purl: "pkg:pypi/litellm@1.82.8?repository_url=https://ci:s3cr3t-T0ken@pypi.internal/simple",
		where: "/app/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info/METADATA"},
	// PEP 503/440 spellings of a bad release.
	{ref: "c2", name: "LiteLLM", version: "1.82.7.0", purl: "pkg:pypi/LiteLLM@1.82.7.0"},
	// Not bad: a later release, another ecosystem, a post release.
	{ref: "c3", name: "litellm", version: "1.82.80", purl: "pkg:pypi/litellm@1.82.80"},
	{ref: "c4", name: "litellm", version: "1.82.8", purl: "pkg:npm/litellm@1.82.8"},
	{ref: "c5", name: "litellm", version: "1.82.8.post1", purl: "pkg:pypi/litellm@1.82.8.post1"},
	// No purl: name and version only (medium).
	{ref: "c6", name: "litellm", version: "1.82.7"},
	// A file component hashed by the generator.
	{ref: "c7", name: "wheels/litellm-1.82.7-py3-none-any.whl", version: "", sha: wheel7},
	// Nested below an application component.
	{ref: "c8", name: "worker", version: "2.0", purl: "pkg:generic/worker@2.0", children: []comp{
		{ref: "c9", name: "telnyx", version: "4.87.1", purl: "pkg:pypi/telnyx@4.87.1"},
	}},
	{ref: "c10", name: "requests", version: "2.32.3", purl: "pkg:pypi/requests@2.32.3"},
}

func cdxComponents(cs []comp) *[]cdx.Component {
	out := []cdx.Component{}
	for _, c := range cs {
		x := cdx.Component{BOMRef: c.ref, Type: cdx.ComponentTypeLibrary, Name: c.name, Version: c.version, PackageURL: c.purl}
		if c.sha != "" {
			x.Type = cdx.ComponentTypeFile
			x.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: c.sha}}
		}
		if c.where != "" {
			x.Properties = &[]cdx.Property{{Name: "syft:location:0:path", Value: c.where}}
		}
		if c.children != nil {
			x.Type = cdx.ComponentTypeApplication
			x.Components = cdxComponents(c.children)
		}
		out = append(out, x)
	}
	return &out
}

func libraryBOM() *cdx.BOM {
	b := cdx.NewBOM()
	b.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	b.Metadata = &cdx.Metadata{Component: &cdx.Component{BOMRef: "subject", Type: cdx.ComponentTypeContainer,
		Name: "registry.example.com/team/app", Version: "sha256:4f2d1e8c9b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e"}}
	b.Components = cdxComponents(components)
	return b
}

func spdxDoc() *spdx.Document {
	d := &spdx.Document{SPDXVersion: spdx.Version, DataLicense: spdx.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName: "registry.example.com/team/app:1.4", DocumentNamespace: "https://example.com/spdx/app-1.4",
		CreationInfo: &spdx.CreationInfo{Creators: []common.Creator{{CreatorType: "Tool", Creator: "litesweep-test"}}, Created: "2026-03-25T00:00:00Z"}}
	root := &spdx.Package{PackageName: "registry.example.com/team/app", PackageVersion: "1.4", PackageSPDXIdentifier: "root",
		PackageDownloadLocation: "NOASSERTION", PrimaryPackagePurpose: "CONTAINER"}
	d.Packages = append(d.Packages, root)
	d.Relationships = append(d.Relationships, &spdx.Relationship{RefA: common.MakeDocElementID("", "DOCUMENT"),
		RefB: common.MakeDocElementID("", "root"), Relationship: "DESCRIBES"})
	var add func(cs []comp)
	add = func(cs []comp) {
		for i, c := range cs {
			p := &spdx.Package{PackageName: c.name, PackageVersion: c.version, PackageDownloadLocation: "NOASSERTION",
				PackageSPDXIdentifier: common.ElementID(fmt.Sprintf("Package-%s-%d", strings.NewReplacer(":", "-", "/", "-", "@", "-", "?", "-", "=", "-").Replace(c.ref), i))}
			if c.purl != "" {
				p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: c.purl}}
			}
			if c.sha != "" {
				p.PackageChecksums = []spdx.Checksum{{Algorithm: spdx.SHA256, Value: c.sha}}
			}
			d.Packages = append(d.Packages, p)
			add(c.children)
		}
	}
	add(components)
	return d
}

func writeLibraryFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "made-by-library")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(libraryBOM(), cdx.SpecVersion1_6); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "app.cdx.json"), buf.Bytes())
	buf.Reset()
	enc = cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatXML)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(libraryBOM(), cdx.SpecVersion1_5); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "app.cdx.xml"), buf.Bytes())
	buf.Reset()
	if err := spdxjson.Write(spdxDoc(), &buf, spdxjson.Indent("  ")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "app.spdx.json"), buf.Bytes())
	buf.Reset()
	if err := tagvalue.Write(spdxDoc(), &buf); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "app.spdx"), buf.Bytes())
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// summary renders findings and errors one per line for golden files.
func summary(fs []sweep.Finding, es []sweep.Error) string {
	var lines []string
	for _, f := range fs {
		ind := ""
		if f.Indicator != nil {
			ind = f.Indicator.ID
		}
		lines = append(lines, fmt.Sprintf("finding %s %s | %s | %s | %s", f.Severity, f.Title, f.Location.String(), ind, f.Evidence.Text))
	}
	for _, e := range es {
		lines = append(lines, fmt.Sprintf("%s %s | %s", e.Kind, e.Location.String(), e.Message))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func scan(t *testing.T, path string) ([]sweep.Finding, []sweep.Error, string) {
	t.Helper()
	col := sweep.NewCollection(nil)
	subject := ScanFile(context.Background(), path, Options{Matcher: sweeptest.Matcher(t)}, col)
	fs, es := col.Drain()
	return fs, es, subject
}

func TestFixtures(t *testing.T) {
	if *update {
		writeLibraryFixtures(t)
	}
	var files []string
	for _, dir := range []string{"made-by-library", "handwritten", "cdxgen", "syft"} {
		m, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, f := range m {
			if !strings.HasSuffix(f, ".golden") && !strings.HasSuffix(f, "README.md") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d fixtures found", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, "testdata/"), func(t *testing.T) {
			fs, es, _ := scan(t, f)
			sweeptest.Golden(t, f+".golden", []byte(summary(fs, es)), *update)
		})
	}
}

// Every library-made format yields the same findings: the formats differ,
// the components do not.
func TestFormatsAgree(t *testing.T) {
	want := []string{
		"high the SBOM lists litellm 1.82.7, a compromised release",
		"high the SBOM lists litellm 1.82.8, a compromised release",
		"high the SBOM lists litellm-1.82.7-py3-none-any.whl, a file of a compromised release",
		"high the SBOM lists telnyx 4.87.1, a compromised release",
		"medium the SBOM lists litellm 1.82.7, a compromised release",
	}
	for _, f := range []string{"app.cdx.json", "app.cdx.xml", "app.spdx.json", "app.spdx"} {
		fs, es, subject := scan(t, filepath.Join("testdata", "made-by-library", f))
		if len(es) != 0 {
			t.Errorf("%s: errors %v", f, es)
		}
		var got []string
		for _, x := range fs {
			got = append(got, string(x.Severity)+" "+x.Title)
			if x.Location.Image == "" || x.Location.Image != subject {
				t.Errorf("%s: finding %q not located at the subject image %q: %+v", f, x.Title, subject, x.Location)
			}
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: findings\n%s\nwant\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// A purl qualifier (repository_url) may carry a private index's
// credentials: no finding or error carries it.
func TestNoQualifiersInEvidence(t *testing.T) {
	for _, f := range []string{"app.cdx.json", "app.cdx.xml", "app.spdx.json", "app.spdx"} {
		fs, es, _ := scan(t, filepath.Join("testdata", "made-by-library", f))
		if all := fmt.Sprintf("%+v %+v", fs, es); strings.Contains(all, "s3cr3t") || strings.Contains(all, "repository_url") {
			t.Errorf("%s: a qualifier reached the report: %s", f, all)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		err  string
	}{
		{`{"bomFormat":"CycloneDX","specVersion":"1.5"}`, CycloneDXJSON, ""},
		{"\ufeff  {\"spdxVersion\":\"SPDX-2.3\"}", SPDXJSON, ""},
		{`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4">`, CycloneDXXML, ""},
		{"SPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\n", SPDXTagValue, ""},
		{"## comment\nSPDXVersion: SPDX-2.2\n", SPDXTagValue, ""},
		{`{"name":"x"}`, "", "neither bomFormat nor spdxVersion"},
		{`<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#">`, "", "RDF"},
		{"", "", "empty"},
		{"\x89PNG", "", "not a CycloneDX or SPDX document"},
	} {
		got, err := sniff([]byte(tc.in))
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("sniff(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestSubjectName(t *testing.T) {
	for _, tc := range [][4]string{
		{"alpine", "3.19", "", "alpine:3.19"},
		{"app", "sha256:00", "", "app@sha256:00"},
		{"alpine:3.19", "3.19", "", "alpine:3.19"},
		{"https://ci:t0ken@git.example.com/org/repo.git", "", "", "https://git.example.com/org/repo.git"},
		{"repo", "1.0", "org", "org/repo:1.0"},
	} {
		if got := subjectName(tc[0], tc[1], tc[2]); got != tc[3] {
			t.Errorf("subjectName(%q, %q, %q) = %q, want %q", tc[0], tc[1], tc[2], got, tc[3])
		}
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Read(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}`), 10)
	if err == nil || !strings.Contains(err.Error(), "more than 10 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	fs, es, _ := scan(t, filepath.Join(t.TempDir(), "nope.json"))
	if len(fs) != 0 || len(es) != 1 || es[0].Kind != "error" || !strings.Contains(es[0].Message, "cannot open") {
		t.Fatalf("findings %v errors %v", fs, es)
	}
}

// Truncating a valid document anywhere never yields a silent clean: either
// a located error, or (tag-value, which is line-based) only what the
// complete lines hold.
func TestTruncatedEverywhere(t *testing.T) {
	for _, name := range []string{"app.cdx.json", "app.cdx.xml", "app.spdx.json"} {
		data := sweeptest.Testdata(t, filepath.Join("made-by-library", name))
		for cut := 1; cut < len(data)-2; cut += max(1, len(data)/97) {
			_, err := Read(bytes.NewReader(data[:cut]), DefaultMaxBytes)
			if err == nil {
				t.Errorf("%s cut at %d of %d bytes: no error", name, cut, len(data))
				break
			}
		}
	}
}

// TestPURLEcosystems: a pkg:npm purl is asked of the npm ecosystem (scoped
// names included), a pkg:pypi purl of PyPI, and a same-named package of the
// other ecosystem at the other's bad version never matches.
func TestPURLEcosystems(t *testing.T) {
	const pack = `
schema_version: 1
id: t
version: "1"
title: t
packages:
  - {id: npm-left, ecosystem: npm, name: tpcp-fixture-left, versions: ["2.0.1"], first_clean: "2.0.2", severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-worm, ecosystem: npm, name: "@tpcp-fixture/worm", versions: ["1.4.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-left, ecosystem: pypi, name: tpcp-fixture-left, versions: ["2.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
`
	m := sweeptest.MatcherFromYAML(t, pack)
	for _, tc := range []struct {
		c    Component
		want string // "severity indicator", "" for none
	}{
		{Component{Name: "tpcp-fixture-left", Version: "2.0.1", PURL: "pkg:npm/tpcp-fixture-left@2.0.1"}, "high npm-left"},
		{Component{Name: "worm", Version: "1.4.0", PURL: "pkg:npm/%40tpcp-fixture/worm@1.4.0"}, "high npm-worm"},
		{Component{Name: "tpcp-fixture-left", Version: "2.0.0", PURL: "pkg:pypi/tpcp-fixture-left@2.0.0"}, "high pypi-left"},
		{Component{Name: "tpcp-fixture-left", Version: "2.0.0", PURL: "pkg:npm/tpcp-fixture-left@2.0.0"}, ""},  // PyPI's bad version, npm's package
		{Component{Name: "tpcp-fixture-left", Version: "2.0.1", PURL: "pkg:pypi/tpcp-fixture-left@2.0.1"}, ""}, // npm's bad version, PyPI's package
		{Component{Name: "tpcp-fixture-left", Version: "2.0.2", PURL: "pkg:npm/tpcp-fixture-left@2.0.2"}, ""},  // adjacent clean
		{Component{Name: "worm", Version: "1.4.0", PURL: "pkg:npm/worm@1.4.0"}, ""},                            // unscoped namesake
		{Component{Name: "tpcp-fixture-left", Version: "2.0.1"}, "medium npm-left"},                            // no purl: by name
	} {
		f, ok := match(tc.c, m)
		got := ""
		if ok {
			got = string(f.Severity) + " " + f.Indicator.ID
		}
		if got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.c, got, tc.want)
		}
	}
}

// Package sbom reads software bills of materials (CycloneDX JSON and XML,
// SPDX 2.x JSON and tag-value, as written by syft, trivy, cdxgen or GitHub's
// dependency-graph export) and reports every component that is an affected
// distribution of the IOC pack, with the SBOM's subject (an image, a
// repository) as the location.
//
// The formats are parsed by their reference libraries (cyclonedx-go,
// spdx/tools-golang), never by hand. A component matches when its package
// URL is pkg:pypi/NAME@VERSION of a bad release, or, when it carries no
// package URL at all, when its name and version do after PEP 503/440
// normalisation (the iocs Matcher). A component of another ecosystem
// (pkg:npm/litellm) never matches. Component SHA-256 hashes are compared
// with the pack's artefact and file hashes.
//
// Fail closed: a document that is truncated, malformed, of an unknown
// format or spec version, or larger than the cap, is a located error; a
// document that lists no component at all cannot show its subject clean
// and is recorded as unverified.
package sbom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Collector is the collector name on findings and errors.
const Collector = "sbom/components"

// CatComponent is the category of an affected component.
const CatComponent sweep.Category = "sbom/component"

// Categories declares the categories this target emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatComponent, Short: "An SBOM lists a bad release",
		Description: "A software bill of materials (CycloneDX or SPDX) lists a component that is a bad release of the pack (by package URL, or by name and version, or by a component hash): the SBOM's subject (an image, a repository, an application) contains or was built with it.",
		Help: []string{
			"Sweep the SBOM's subject itself (`litesweep images` for an image, `litesweep github` for a repository, `litesweep host` where it is deployed): the SBOM says what was built, not whether the payload ran.",
			"Rebuild the subject with a clean version pinned with hashes (the package's last_clean or first_clean version in the pack), redeploy it, and rotate the secrets of the environments that ran it.",
		}},
}

// DefaultMaxBytes caps one SBOM document.
const DefaultMaxBytes = 512 << 20

// Format is a recognised document format.
type Format string

const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// Options for reading SBOMs.
type Options struct {
	Matcher  *iocs.Matcher
	MaxBytes int64 // default DefaultMaxBytes
}

// Component is one package an SBOM lists, in a format-neutral form.
type Component struct {
	Ref     string // bom-ref or SPDXID
	Name    string
	Version string
	PURL    string
	SHA256  []string
	// Where is the first path the generator says the component was found
	// at (syft's location properties), "" when none.
	Where string
}

// Document is a parsed SBOM.
type Document struct {
	Format      Format
	SpecVersion string
	// Subject names what the SBOM describes; SubjectKind is "image" when it
	// is a container image, "repo" otherwise.
	Subject     string
	SubjectKind string
	Components  []Component
}

// ErrUnknownFormat marks a document that is neither CycloneDX nor SPDX.
var ErrUnknownFormat = errors.New("not a CycloneDX or SPDX document")

// ScanFile reads one SBOM file and reports its affected components. It
// returns the document's subject ("" when it could not be read).
func ScanFile(ctx context.Context, path string, o Options, out sweep.Sink) string {
	loc := sweep.Location{Path: path}
	if err := ctx.Err(); err != nil {
		out.Error(sweep.Error{Location: loc, Collector: Collector, Message: "not read: interrupted"})
		return ""
	}
	f, err := sweep.OpenInput(path)
	if err != nil {
		out.Error(sweep.ErrorAt(loc, Collector, fmt.Errorf("cannot open SBOM: %s", sweep.TrimPathErr(err))))
		return ""
	}
	defer f.Close()
	doc, err := Read(f, o.maxBytes())
	if err != nil {
		out.Error(sweep.ErrorAt(loc, Collector, err))
		return ""
	}
	Report(doc, path, o.Matcher, out)
	return doc.Subject
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// Read parses a CycloneDX or SPDX document of at most max bytes.
func Read(r io.Reader, max int64) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read SBOM: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("SBOM not read: %w (more than %d bytes; raise --max-sbom-size)", sweep.ErrTooLarge, max)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, err
	}
	switch format {
	case CycloneDXJSON, CycloneDXXML:
		return readCycloneDX(data, format)
	default:
		return readSPDX(data, format)
	}
}

// sniff decides the format from the first bytes and, for JSON, the
// top-level marker field.
func sniff(data []byte) (Format, error) {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	if len(t) == 0 {
		return "", errors.New("empty SBOM document")
	}
	head := t[:min(len(t), 64<<10)]
	switch t[0] {
	case '{':
		switch {
		case bytes.Contains(head, []byte(`"bomFormat"`)):
			return CycloneDXJSON, nil
		case bytes.Contains(head, []byte(`"spdxVersion"`)):
			return SPDXJSON, nil
		case bytes.Contains(head, []byte("spdx.org/rdf/3.")):
			return "", errors.New("SPDX 3 (JSON-LD) document: an unknown spec version for this reader (export SPDX 2.3 JSON or CycloneDX)")
		}
		return "", fmt.Errorf("%w: a JSON document with neither bomFormat nor spdxVersion", ErrUnknownFormat)
	case '<':
		if bytes.Contains(head, []byte("cyclonedx.org/schema/bom")) {
			return CycloneDXXML, nil
		}
		if bytes.Contains(head, []byte("spdx.org/rdf")) {
			return "", fmt.Errorf("%w: SPDX RDF/XML is not supported (convert to SPDX JSON)", ErrUnknownFormat)
		}
		return "", fmt.Errorf("%w: an XML document without the CycloneDX namespace", ErrUnknownFormat)
	}
	if bytes.HasPrefix(t, []byte("SPDXVersion:")) || bytes.Contains(head, []byte("\nSPDXVersion:")) {
		return SPDXTagValue, nil
	}
	return "", ErrUnknownFormat
}

func readCycloneDX(data []byte, format Format) (*Document, error) {
	var bom cdx.BOM
	ff := cdx.BOMFileFormatJSON
	if format == CycloneDXXML {
		ff = cdx.BOMFileFormatXML
	}
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), ff).Decode(&bom); err != nil {
		if errors.Is(err, cdx.ErrInvalidSpecVersion) {
			return nil, fmt.Errorf("CycloneDX document of an unknown spec version: %w", err)
		}
		return nil, fmt.Errorf("CycloneDX %s is truncated or malformed: %w", formatWord(format), err)
	}
	if format == CycloneDXJSON && bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("%w: bomFormat is %q", ErrUnknownFormat, bom.BOMFormat)
	}
	if bom.SpecVersion == 0 {
		what := "specVersion is missing"
		if format == CycloneDXXML {
			what = fmt.Sprintf("namespace %q is not a known CycloneDX schema", bom.XMLNS)
		}
		return nil, fmt.Errorf("CycloneDX document of an unknown spec version: %s", what)
	}
	doc := &Document{Format: format, SpecVersion: bom.SpecVersion.String(), SubjectKind: "repo"}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		c := bom.Metadata.Component
		doc.Subject = subjectName(c.Name, c.Version, c.Group)
		if c.Type == cdx.ComponentTypeContainer {
			doc.SubjectKind = "image"
		}
	}
	var walk func([]cdx.Component)
	walk = func(cs []cdx.Component) {
		for _, c := range cs {
			doc.Components = append(doc.Components, cdxComponent(c))
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	if bom.Components != nil {
		walk(*bom.Components)
	}
	return doc, nil
}

func cdxComponent(c cdx.Component) Component {
	out := Component{Ref: c.BOMRef, Name: c.Name, Version: c.Version, PURL: c.PackageURL}
	if c.Group != "" && !strings.HasPrefix(c.PackageURL, "pkg:") {
		out.Name = c.Group + "/" + c.Name
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				out.SHA256 = append(out.SHA256, strings.ToLower(h.Value))
			}
		}
	}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			if strings.HasPrefix(p.Name, "syft:location:") && strings.HasSuffix(p.Name, ":path") && out.Where == "" {
				out.Where = p.Value
			}
		}
	}
	return out
}

func readSPDX(data []byte, format Format) (*Document, error) {
	var (
		d   *spdx.Document
		err error
	)
	if format == SPDXJSON {
		d, err = spdxjson.Read(bytes.NewReader(data))
	} else {
		d, err = tagvalue.Read(bytes.NewReader(data))
	}
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "unsupported SDPX version") || strings.Contains(msg, "unsupported SPDX version") {
			return nil, fmt.Errorf("SPDX document of an unknown spec version: %v", err)
		}
		return nil, fmt.Errorf("SPDX %s is truncated or malformed: %v", formatWord(format), err)
	}
	doc := &Document{Format: format, SpecVersion: d.SPDXVersion, SubjectKind: "repo", Subject: d.DocumentName}
	described := map[spdx.ElementID]bool{}
	for _, r := range d.Relationships {
		if r == nil {
			continue
		}
		if strings.EqualFold(r.Relationship, "DESCRIBES") && r.RefA.ElementRefID == "DOCUMENT" {
			described[r.RefB.ElementRefID] = true
		}
		if strings.EqualFold(r.Relationship, "DESCRIBED_BY") && r.RefB.ElementRefID == "DOCUMENT" {
			described[r.RefA.ElementRefID] = true
		}
	}
	for _, p := range d.Packages {
		if p == nil {
			continue
		}
		if described[p.PackageSPDXIdentifier] {
			doc.Subject = subjectName(p.PackageName, p.PackageVersion, "")
			if strings.EqualFold(p.PrimaryPackagePurpose, "CONTAINER") {
				doc.SubjectKind = "image"
			}
			continue
		}
		c := Component{Ref: "SPDXRef-" + string(p.PackageSPDXIdentifier), Name: p.PackageName, Version: p.PackageVersion}
		for _, ref := range p.PackageExternalReferences {
			if ref != nil && strings.EqualFold(ref.RefType, "purl") && c.PURL == "" {
				c.PURL = ref.Locator
			}
		}
		for _, ck := range p.PackageChecksums {
			if ck.Algorithm == spdx.SHA256 {
				c.SHA256 = append(c.SHA256, strings.ToLower(ck.Value))
			}
		}
		doc.Components = append(doc.Components, c)
	}
	return doc, nil
}

var userinfoRe = regexp.MustCompile(`//[^/@\s]*@`)

// subjectName joins a subject's name and version ("alpine:3.19", or
// "image@sha256:…" when the version is a digest), without duplicating one
// already in the name.
func subjectName(name, version, group string) string {
	if group != "" {
		name = group + "/" + name
	}
	// A repository URL's userinfo (https://user:token@host/...) is not a name.
	name = userinfoRe.ReplaceAllString(name, "//")
	switch {
	case version == "" || strings.Contains(name, version):
		return name
	case strings.HasPrefix(version, "sha256:"):
		return name + "@" + version
	}
	return name + ":" + version
}

func formatWord(f Format) string {
	switch f {
	case CycloneDXXML:
		return "XML"
	case SPDXTagValue:
		return "tag-value"
	}
	return "JSON"
}

// Report sends the findings for one parsed document to out.
func Report(doc *Document, path string, m *iocs.Matcher, out sweep.Sink) {
	base := sweep.Location{Path: path}
	switch doc.SubjectKind {
	case "image":
		base.Image = doc.Subject
	default:
		base.Repo = doc.Subject
	}
	if len(doc.Components) == 0 {
		out.Error(sweep.Error{Location: base, Collector: Collector, Kind: sweep.ErrKindUnverified,
			Message: fmt.Sprintf("the %s document (spec %s) lists no components: it cannot show its subject is clean", doc.Format, doc.SpecVersion)})
		return
	}
	for _, c := range doc.Components {
		if f, ok := match(c, m); ok {
			f.Location = base
			// The component's own place: where the generator found it,
			// else its reference in the document, so two components of
			// the same release stay two findings.
			f.Location.Member = nonEmpty(c.Where, bare(c.Ref))
			out.Finding(f)
		}
	}
}

// match decides whether one component is an affected distribution.
func match(c Component, m *iocs.Matcher) (sweep.Finding, bool) {
	f := sweep.Finding{Category: CatComponent, Collector: Collector}
	for _, h := range c.SHA256 {
		if hit, ok := m.Artifact(h); ok {
			f.Severity = sweep.High
			f.Title = fmt.Sprintf("the SBOM lists %s, a file of a compromised release", hit.Artifact.Filename)
			f.Evidence = sweep.Evidence{Package: hit.Package.Name, Version: c.Version, SHA256: h, Text: componentText(c),
				Details: []string{"the component's SHA-256 is the published hash of " + hit.Artifact.Filename}}
			f.Indicator = indicator(hit.Package.ID+":"+hit.Artifact.Filename, "artifact", hit.Artifact.Provenance)
			return f, true
		}
		if fi, ok := m.File(h); ok {
			f.Severity = sweep.High
			f.Title = fmt.Sprintf("the SBOM lists %s, a malicious file (%s)", fi.Name, fi.ID)
			f.Evidence = sweep.Evidence{SHA256: h, Text: componentText(c), Details: []string{fi.Description}}
			f.Indicator = indicator(fi.ID, "file", fi.Provenance)
			return f, true
		}
	}
	name, version, how := c.Name, c.Version, ""
	// Without a package URL the component's ecosystem is unknown: its name
	// and version are asked of each ecosystem package URLs name, in turn
	// (would-install grade).
	var ecos []iocs.Ecosystem
	for _, e := range iocs.Ecosystems() {
		if e.PURLType() != "" {
			ecos = append(ecos, e)
		}
	}
	if c.PURL != "" {
		p, err := packageurl.FromString(c.PURL)
		if err != nil {
			return f, false // an unreadable purl names no ecosystem
		}
		eco, ok := iocs.EcosystemByPURL(p.Type)
		if !ok {
			// Another ecosystem: a same-named Debian or Maven package is
			// not the tracked one.
			return f, false
		}
		ecos = []iocs.Ecosystem{eco}
		name, version, how = p.Name, p.Version, "package URL "+bare(c.PURL)
		if p.Namespace != "" && eco == iocs.NPM {
			name = p.Namespace + "/" + p.Name // pkg:npm/%40scope/name
		}
		if version == "" {
			version = c.Version
		}
	} else {
		how = "name and version (the component carries no package URL)"
	}
	var pk *iocs.PackageIOC
	var eco iocs.Ecosystem
	for _, e := range ecos {
		if p, ok := m.Release(e, name, version); ok {
			pk, eco = p, e
			break
		}
	}
	if pk == nil {
		return f, false
	}
	canon, _ := eco.CanonicalVersion(version)
	f.Severity = sweep.High
	if c.PURL == "" {
		// Without an ecosystem the match is by name only: would-install grade.
		f.Severity = sweep.Medium
	}
	f.Title = fmt.Sprintf("the SBOM lists %s %s, a compromised release", pk.Name, canon)
	f.Evidence = sweep.Evidence{Package: pk.Name, Version: version, Text: componentText(c),
		Details: []string{"matched by " + how, "the SBOM's subject shipped this release: rebuild it from a clean version (" + nonEmpty(pk.FirstClean, pk.LastClean) + ") and treat where it ran as exposed"}}
	if len(c.SHA256) > 0 {
		f.Evidence.SHA256 = c.SHA256[0]
	}
	f.Indicator = indicator(pk.ID, "package", pk.Provenance)
	return f, true
}

// componentText is the allow-listed description of a component: its
// reference, name, version and package URL as the SBOM states them.
func componentText(c Component) string {
	parts := []string{}
	if c.Ref != "" {
		parts = append(parts, "ref "+trim(bare(c.Ref)))
	}
	parts = append(parts, trim(c.Name)+" "+trim(c.Version))
	if c.PURL != "" {
		parts = append(parts, trim(bare(c.PURL)))
	}
	return strings.Join(parts, "; ")
}

// bare drops a package URL's qualifiers and subpath (and anything after a
// '?' or '#' in a reference): qualifiers such as repository_url may carry
// a private index's credentials, and are never evidence.
func bare(s string) string {
	if p, err := packageurl.FromString(s); err == nil {
		p.Qualifiers, p.Subpath = nil, ""
		return p.ToString()
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func indicator(id, kind string, p iocs.Provenance) *sweep.Indicator {
	return &sweep.Indicator{ID: id, Kind: kind, Confidence: string(p.Confidence), Sources: p.Sources}
}

package iocs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed packs/*.yaml
var packFS embed.FS

// BuiltinName is the file name of the shipped pack inside packs/.
const BuiltinName = "packs/litellm-2026-03.yaml"

// SchemaVersion is the pack schema this build reads.
const SchemaVersion = 1

// Loaded is a validated set of packs, merged into one Pack, with the
// facts a report records about it.
type Loaded struct {
	// Pack is the union of the set's packs (see Compose). For a set of
	// more than one pack its ID is SetID and its Version the newest.
	*Pack
	// SHA256 is the digest of the pack's bytes as read (one pack), or of
	// the set (see setDigest).
	SHA256 string `json:"sha256"`
	// From is "builtin", the file the pack was read from, or the list of
	// both ("builtin + extra.yaml").
	From string `json:"from"`
	// Partial lists the sections the set lacks, when it was loaded with
	// LoadOptions.AllowPartial (--iocs-partial); reports say so.
	Partial []string `json:"partial,omitempty"`
	// Records are the external record sources (--osv) whose entries were
	// added to the pack's packages, with what each held.
	Records []RecordSource `json:"records,omitempty"`
	// Releases are the package releases those records list, kept apart
	// from Packages in a compact table (see Releases); the matcher answers
	// from them after Packages, and Packages marshals them after its own.
	Releases *Releases `json:"-"`
	// Packs are the packs of the set, in load order.
	Packs []PackRef `json:"packs"`
	// parts are the packs as each was written (per-pack values such as
	// ci.install_pattern are read from them).
	parts []*Pack
}

// LoadOptions change how a pack is accepted.
type LoadOptions struct {
	// AllowPartial accepts a set lacking whole sections (see Sections)
	// and records them in Loaded.Partial instead of refusing it.
	AllowPartial bool
}

// ErrPartial marks a pack refused because it lacks whole sections.
var ErrPartial = errors.New("partial IOC pack")

// Builtin returns the embedded packs, composed.
func Builtin() (*Loaded, error) {
	srcs, err := BuiltinSources()
	if err != nil {
		return nil, err
	}
	return Compose(srcs, LoadOptions{})
}

// LoadFile reads and validates a whole pack from a file.
func LoadFile(path string) (*Loaded, error) { return LoadFileWith(path, LoadOptions{}) }

// LoadFileWith reads and validates a pack from a file, alone.
func LoadFileWith(path string, o LoadOptions) (*Loaded, error) {
	return LoadSet(SetOptions{LoadOptions: o, Files: []string{path}, Only: true})
}

// Parse decodes a whole pack: see ParseWith.
func Parse(b []byte, from string) (*Loaded, error) { return ParseWith(b, from, LoadOptions{}) }

// ParseWith decodes one pack (YAML, or JSON which is YAML) alone: see
// Compose. Unknown fields are errors, every indicator is validated, and a
// pack lacking a whole section is refused unless o.AllowPartial. Every
// message names the field and its line.
func ParseWith(b []byte, from string, o LoadOptions) (*Loaded, error) {
	return Compose([]Source{{From: from, Data: b}}, o)
}

// decode reads one pack strictly, without validating it.
func decode(b []byte, from string) (*Pack, *yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("IOC pack %s: %w", from, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, fmt.Errorf("IOC pack %s: empty document", from)
	}
	if errs := checkTimes(&doc); len(errs) > 0 {
		return nil, nil, fmt.Errorf("IOC pack %s: invalid pack:\n  %s", from, strings.Join(errs, "\n  "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Pack
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("IOC pack %s: empty document", from)
		}
		return nil, nil, fmt.Errorf("IOC pack %s: %s", from, locate(&doc, err))
	}
	return &p, &doc, nil
}

var (
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hexSHA1   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	hexMD5    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	idRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	tagRe     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// minMarker is the shortest marker a binary entry may carry: shorter
// strings occur by chance in large executables.
const minMarker = 6

var severities = map[string]bool{"critical": true, "high": true, "medium": true, "low": true, "info": true}

var confidences = map[Confidence]bool{Confirmed: true, MultiSecondary: true, SingleSource: true, Uncertain: true, Derived: true}

// validator collects errors with the path of the field and, when the
// document is known, its line.
type validator struct {
	errs []string
	ids  map[string]string
	doc  *yaml.Node
}

func (v *validator) fail(field, format string, a ...any) {
	msg := field + ": " + fmt.Sprintf(format, a...)
	if l := lineOf(v.doc, field); l > 0 {
		msg = fmt.Sprintf("line %d: %s", l, msg)
	}
	v.errs = append(v.errs, msg)
}

func (v *validator) id(field, id string) {
	switch {
	case id == "":
		v.fail(field+".id", "is required")
	case !idRe.MatchString(id):
		v.fail(field+".id", "%q must be lower case letters, digits, '.', '_' or '-'", id)
	case v.ids[id] != "":
		v.fail(field+".id", "%q is already used by %s", id, v.ids[id])
	default:
		v.ids[id] = field
	}
}

func (v *validator) required(field, val string) {
	if strings.TrimSpace(val) == "" {
		v.fail(field, "is required")
	}
}

func (v *validator) severity(field, s string) {
	if !severities[s] {
		v.fail(field, "%q is not one of critical, high, medium, low, info", s)
	}
}

func (v *validator) prov(field string, p Provenance) {
	if len(p.Sources) == 0 {
		v.fail(field+".sources", "at least one source is required")
	}
	if !confidences[p.Confidence] {
		v.fail(field+".confidence", "%q is not one of confirmed, multi-secondary, single-source, uncertain, derived", p.Confidence)
	}
}

func (v *validator) sha256(field, s string) {
	if s != "" && !hexSHA256.MatchString(s) {
		v.fail(field, "%q is not 64 lower-case hex digits", s)
	}
}

// persistencePath checks a persistence entry's path, kind, format, label
// and markers.
func (v *validator) persistencePath(f string, pe PathIOC) {
	if !slices.Contains(PathKinds, pe.Kind) {
		v.fail(f+".kind", "%q is not one of %s", pe.Kind, strings.Join(PathKinds, ", "))
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(pe.Path, "~/"), "/")
	if pe.Path != "" && (rest == "" || strings.HasPrefix(rest, "/") || path.Clean(rest) != rest || rest == "." ||
		strings.HasPrefix(rest, "../") || rest == ".." || strings.Contains(rest, "\\")) {
		v.fail(f+".path", "%q must be a clean slash path: ~/REL, /ABS or REL (matched in any directory)", pe.Path)
	}
	if strings.ContainsAny(path.Dir(rest), "*?[") {
		v.fail(f+".path", "%q: only the base name may be a glob", pe.Path)
	} else if _, err := path.Match(path.Base(rest), ""); err != nil {
		v.fail(f+".path", "%q: bad glob: %v", pe.Path, err)
	}
	switch {
	case pe.Kind == "hook" && !slices.Contains(HookFormats, pe.Format):
		v.fail(f+".format", "%q: a hook needs a format, one of %s", pe.Format, strings.Join(HookFormats, ", "))
	case pe.Kind != "hook" && pe.Format != "":
		v.fail(f+".format", "only a hook has a format")
	}
	if pe.Label != "" && pe.Kind != "launchd" && pe.Kind != "task" {
		v.fail(f+".label", "only a launchd job or a scheduled task has a label")
	}
	for j, m := range pe.Markers {
		if strings.TrimSpace(m) == "" {
			v.fail(fmt.Sprintf("%s.markers[%d]", f, j), "is empty")
		}
	}
}

// image checks a bad-image entry: full repository names (as
// ParseImageRef normalises them), tags a registry accepts, sha256 digests.
func (v *validator) image(f string, im ImageIOC, windows map[string]bool) {
	v.id(f, im.ID)
	if len(im.Repositories) == 0 {
		v.fail(f+".repositories", "at least one repository is required")
	}
	for j, r := range im.Repositories {
		ref, err := ParseImageRef(r)
		switch {
		case err != nil:
			v.fail(fmt.Sprintf("%s.repositories[%d]", f, j), "%v", err)
		case ref.Repository != r || strings.Contains(r, "@") || hasExplicitTag(r): // a registry port is not a tag
			v.fail(fmt.Sprintf("%s.repositories[%d]", f, j), "%q must be a full repository name without tag or digest (%s)", r, ref.Repository)
		}
	}
	if len(im.Tags)+len(im.RestoredTags)+len(im.Digests) == 0 {
		v.fail(f, "needs tags, restored_tags or digests")
	}
	for field, tags := range map[string][]string{"tags": im.Tags, "restored_tags": im.RestoredTags} {
		for j, t := range tags {
			if !tagRe.MatchString(t) {
				v.fail(fmt.Sprintf("%s.%s[%d]", f, field, j), "%q is not a valid image tag", t)
			}
		}
	}
	for j, d := range im.Digests {
		df := fmt.Sprintf("%s.digests[%d]", f, j)
		hexd, ok := strings.CutPrefix(d.Digest, "sha256:")
		if !ok || !hexSHA256.MatchString(hexd) {
			v.fail(df+".digest", "%q is not sha256:<64 lower-case hex digits>", d.Digest)
		}
		if len(d.Tags) == 0 {
			v.fail(df+".tags", "at least one tag is required")
		}
		v.required(df+".platform", d.Platform)
	}
	if im.Window != "" && !windows[im.Window] {
		v.fail(f+".window", "%q names no window", im.Window)
	}
	if len(im.RestoredTags) > 0 && im.Window == "" {
		v.fail(f+".window", "restored tags are evidence only inside a window: one is required")
	}
	v.severity(f+".severity", im.Severity)
	v.prov(f+".provenance", im.Provenance)
}

// Validate checks the pack alone (its windows are the only ones its
// references may name) and returns an error naming every bad field.
func (p *Pack) Validate() error { return p.validateIn(nil, nil) }

// validateIn checks the pack; references may also name the windows of
// the set it is part of (known).
func (p *Pack) validateIn(doc *yaml.Node, known map[string]bool) error {
	v := &validator{ids: map[string]string{}, doc: doc}
	if p.SchemaVersion != SchemaVersion {
		v.fail("schema_version", "is %d; this build reads %d", p.SchemaVersion, SchemaVersion)
	}
	v.required("id", p.ID)
	v.required("version", p.Version)
	v.required("title", p.Title)
	windows := map[string]bool{}
	for id := range known {
		windows[id] = true
	}
	for i, w := range p.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		v.id(f, w.ID)
		windows[w.ID] = true
		if w.Start.IsZero() || w.End.IsZero() {
			v.fail(f, "start and end are required")
		} else if w.End.Before(w.Start) {
			v.fail(f+".end", "is before start")
		}
		v.prov(f+".provenance", w.Provenance)
	}
	for i, pk := range p.Packages {
		f := fmt.Sprintf("packages[%d]", i)
		v.id(f, pk.ID)
		eco, ok := EcosystemByID(pk.Ecosystem)
		if !ok {
			var ids []string
			for _, e := range ecosystems {
				ids = append(ids, e.ID())
			}
			v.fail(f+".ecosystem", "%q is not one of %s", pk.Ecosystem, strings.Join(ids, ", "))
		}
		v.required(f+".name", pk.Name)
		if eco != nil && pk.Name != "" {
			if err := eco.ValidName(pk.Name); err != nil {
				v.fail(f+".name", "%v", err)
			}
		}
		if len(pk.Versions) == 0 && len(pk.Ranges) == 0 {
			v.fail(f+".versions", "at least one version (or a range) is required")
		}
		for j, r := range pk.Ranges {
			if eco == nil {
				break
			}
			if err := r.check(eco); err != nil {
				v.fail(fmt.Sprintf("%s.ranges[%d]", f, j), "%v", err)
			}
		}
		for j, ver := range pk.Versions {
			if eco == nil {
				break
			}
			if _, err := eco.CanonicalVersion(ver); err != nil {
				v.fail(fmt.Sprintf("%s.versions[%d]", f, j), "%v", err)
			}
		}
		for _, c := range []struct{ n, s string }{{"last_clean", pk.LastClean}, {"first_clean", pk.FirstClean}} {
			if c.s != "" && eco != nil {
				if _, err := eco.CanonicalVersion(c.s); err != nil {
					v.fail(f+"."+c.n, "%v", err)
				}
			}
		}
		if pk.Window != "" && !windows[pk.Window] {
			v.fail(f+".window", "%q names no window", pk.Window)
		}
		v.severity(f+".severity", pk.Severity)
		for j, a := range pk.Artifacts {
			af := fmt.Sprintf("%s.artifacts[%d]", f, j)
			v.required(af+".filename", a.Filename)
			v.required(af+".sha256", a.SHA256)
			v.sha256(af+".sha256", a.SHA256)
			v.prov(af+".provenance", a.Provenance)
		}
		v.prov(f+".provenance", pk.Provenance)
	}
	for i, fi := range p.Files {
		f := fmt.Sprintf("files[%d]", i)
		v.id(f, fi.ID)
		v.required(f+".name", fi.Name)
		v.required(f+".kind", fi.Kind)
		v.sha256(f+".sha256", fi.SHA256)
		if fi.MD5 != "" && !hexMD5.MatchString(fi.MD5) {
			v.fail(f+".md5", "%q is not 32 lower-case hex digits", fi.MD5)
		}
		if fi.Kind == "binary" {
			if strings.Contains(fi.Name, "/") {
				v.fail(f+".name", "%q must be a base name", fi.Name)
			}
			if fi.SHA256 == "" && len(fi.Markers) == 0 {
				v.fail(f, "a binary needs sha256 or markers: its name alone is not evidence")
			}
		} else if len(fi.Markers) > 0 {
			v.fail(f+".markers", "only a binary (kind binary) carries markers")
		}
		for j, mk := range fi.Markers {
			if len(mk) < minMarker {
				v.fail(fmt.Sprintf("%s.markers[%d]", f, j), "%q is shorter than %d bytes", mk, minMarker)
			}
		}
		v.severity(f+".severity", fi.Severity)
		v.prov(f+".provenance", fi.Provenance)
	}
	for i, s := range p.Strings {
		f := fmt.Sprintf("strings[%d]", i)
		v.id(f, s.ID)
		v.required(f+".value", s.Value)
		v.prov(f+".provenance", s.Provenance)
	}
	for i, pe := range p.Persistence {
		f := fmt.Sprintf("persistence[%d]", i)
		v.id(f, pe.ID)
		v.required(f+".path", pe.Path)
		v.persistencePath(f, pe)
		v.severity(f+".severity", pe.Severity)
		v.prov(f+".provenance", pe.Provenance)
	}
	for i, s := range p.Staging {
		f := fmt.Sprintf("staging[%d]", i)
		v.id(f, s.ID)
		v.required(f+".name", s.Name)
		if strings.Contains(s.Name, "/") {
			v.fail(f+".name", "%q must be a base name", s.Name)
		}
		v.severity(f+".severity", s.Severity)
		v.prov(f+".provenance", s.Provenance)
	}
	for i, n := range p.Network {
		f := fmt.Sprintf("network[%d]", i)
		v.id(f, n.ID)
		v.required(f+".value", n.Value)
		switch n.Kind {
		case "domain", "ip", "url":
		default:
			v.fail(f+".kind", "%q is not one of domain, ip, url", n.Kind)
		}
		v.prov(f+".provenance", n.Provenance)
	}
	for i, pr := range p.Processes {
		f := fmt.Sprintf("processes[%d]", i)
		v.id(f, pr.ID)
		if len(pr.All) == 0 {
			v.fail(f+".all", "at least one string is required")
		}
		v.severity(f+".severity", pr.Severity)
		v.prov(f+".provenance", pr.Provenance)
	}
	for i, fs := range p.ForkStorms {
		f := fmt.Sprintf("fork_storms[%d]", i)
		v.id(f, fs.ID)
		v.required(f+".symptom", fs.Symptom)
		v.prov(f+".provenance", fs.Provenance)
	}
	if p.CI.InstallPattern != "" {
		if _, err := regexp.Compile(p.CI.InstallPattern); err != nil {
			v.fail("ci.install_pattern", "%v", err)
		}
		v.required("ci.install_package", p.CI.InstallPackage)
	}
	for i, a := range p.CI.Actions {
		f := fmt.Sprintf("ci.actions[%d]", i)
		v.id(f, a.ID)
		if strings.Count(a.Repo, "/") != 1 {
			v.fail(f+".repo", "%q must be owner/name", a.Repo)
		}
		if a.Window != "" && !windows[a.Window] {
			v.fail(f+".window", "%q names no window", a.Window)
		}
		for j, s := range a.BadSHAs {
			if !hexSHA1.MatchString(s) {
				v.fail(fmt.Sprintf("%s.bad_shas[%d]", f, j), "%q is not a 40-hex commit SHA", s)
			}
		}
		v.severity(f+".severity", a.Severity)
		v.prov(f+".provenance", a.Provenance)
	}
	for i, s := range p.CI.LogStrings {
		f := fmt.Sprintf("ci.log_strings[%d]", i)
		v.id(f, s.ID)
		v.required(f+".value", s.Value)
		v.prov(f+".provenance", s.Provenance)
	}
	for i, k := range p.Kubernetes {
		f := fmt.Sprintf("kubernetes[%d]", i)
		v.id(f, k.ID)
		v.required(f+".kind", k.Kind)
		v.required(f+".name_prefix", k.NamePrefix)
		v.severity(f+".severity", k.Severity)
		v.prov(f+".provenance", k.Provenance)
		for _, id := range k.Drops {
			if len(p.Persistence) > 0 && !slices.ContainsFunc(p.Persistence, func(pe PathIOC) bool { return pe.ID == id }) {
				v.fail(f+".drops", "%q is not a persistence entry of the pack", id)
			}
		}
	}
	for i, im := range p.Images {
		v.image(fmt.Sprintf("images[%d]", i), im, windows)
	}
	for i, c := range p.Credentials {
		f := fmt.Sprintf("credentials[%d]", i)
		v.id(f, c.ID)
		v.required(f+".kind", c.Kind)
		v.required(f+".title", c.Title)
		if len(c.Paths) == 0 && len(c.Env) == 0 {
			v.fail(f, "needs paths or env")
		}
		if len(c.Rotate) == 0 {
			v.fail(f+".rotate", "at least one rotation step is required")
		}
		switch c.Priority {
		case "P1", "P2", "P3":
		default:
			v.fail(f+".priority", "%q is not one of P1, P2, P3", c.Priority)
		}
		v.prov(f+".provenance", c.Provenance)
	}
	for i, g := range p.Guards {
		f := fmt.Sprintf("guards[%d]", i)
		v.id(f, g.ID)
		v.required(f+".name", g.Name)
		v.required(f+".effect", g.Effect)
		if len(g.Indicators) == 0 {
			v.fail(f+".indicators", "at least one indicator id is required")
		}
		if len(g.Guards) == 0 {
			v.fail(f+".guards", "at least one credential kind or provider is required")
		}
		if len(g.Disarm) == 0 {
			v.fail(f+".disarm", "at least one step is required")
		}
		v.severity(f+".severity", g.Severity)
		v.prov(f+".provenance", g.Provenance)
	}
	if len(v.errs) > 0 {
		if len(v.errs) > 10 {
			v.errs = append(v.errs[:10], fmt.Sprintf("... and %d more", len(v.errs)-10))
		}
		return fmt.Errorf("invalid pack:\n  %s", strings.Join(v.errs, "\n  "))
	}
	return nil
}

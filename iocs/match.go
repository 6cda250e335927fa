package iocs

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
)

// Matcher is a compiled, immutable view of a pack, safe for concurrent use.
type Matcher struct {
	pack         *Loaded
	rel          *Releases                // the records' releases (--osv), answering after the pack's entries
	pkgs         map[string]*PackageIOC   // ecosystem \x00 normalised name -> package
	bad          map[string]*PackageIOC   // ecosystem \x00 normalised name \x00 canonical bad version -> the first entry naming it
	ranges       map[string][]rangeEntry  // ecosystem \x00 normalised name -> bad ranges, in pack order
	more         map[string][]*PackageIOC // ecosystem \x00 normalised name -> the entries after the first naming it (most names have one)
	names        map[string][]string      // ecosystem -> normalised names
	artHash      map[string]ArtifactHit   // sha256 -> artefact
	fileHash     map[string]*FileIOC      // sha256 -> file
	fileName     map[string][]*FileIOC    // base name -> files
	binName      map[string][]*FileIOC    // binaryKey(base name) -> files of kind binary
	maxMarker    int                      // longest binary marker
	sizes        map[int64]bool           // sizes of hashed files and artefacts (prefilter)
	staging      map[string]*StagingIOC
	stagingGlobs []glob
	windows      map[string]*Window
	install      []*regexp.Regexp
	needles      []*StringIOC
	maxNeedle    int
	images       imageIndex
}

// ArtifactHit is an artefact matched by hash, with its package.
type ArtifactHit struct {
	Package  *PackageIOC
	Artifact *Artifact
}

// Compile builds a Matcher for a validated pack.
func Compile(l *Loaded) (*Matcher, error) {
	m := &Matcher{
		pack: l, pkgs: map[string]*PackageIOC{}, bad: map[string]*PackageIOC{}, ranges: map[string][]rangeEntry{}, more: map[string][]*PackageIOC{}, names: map[string][]string{},
		artHash: map[string]ArtifactHit{}, fileHash: map[string]*FileIOC{}, fileName: map[string][]*FileIOC{}, binName: map[string][]*FileIOC{},
		sizes: map[int64]bool{}, staging: map[string]*StagingIOC{}, windows: map[string]*Window{},
		rel: l.Releases,
	}
	p := l.Pack
	for i := range p.Packages {
		pk := &p.Packages[i]
		eco, ok := EcosystemByID(pk.Ecosystem)
		if !ok {
			return nil, fmt.Errorf("packages[%d]: ecosystem %q is not supported", i, pk.Ecosystem)
		}
		n := key(eco, pk.Name)
		if m.pkgs[n] == nil {
			// The first entry for a name is the one a name-only question
			// (TrackedIn) answers with: the campaign packs load before
			// OSV records, so their advice and evidence win.
			m.names[eco.ID()] = append(m.names[eco.ID()], eco.NormalizeName(pk.Name))
			m.pkgs[n] = pk
		}
		if m.pkgs[n] != pk {
			m.more[n] = append(m.more[n], pk)
		}
		for _, v := range pk.Versions {
			if k := n + "\x00" + normalizeIn(eco, v); m.bad[k] == nil {
				m.bad[k] = pk
			}
		}
		for _, r := range pk.Ranges {
			if c, ok := compileRange(eco, r); ok {
				m.ranges[n] = append(m.ranges[n], rangeEntry{pk: pk, r: c})
			}
		}
		for j := range pk.Artifacts {
			a := &pk.Artifacts[j]
			m.artHash[a.SHA256] = ArtifactHit{pk, a}
			if a.Size > 0 {
				m.sizes[a.Size] = true
			}
		}
	}
	for i := range p.Files {
		f := &p.Files[i]
		if f.SHA256 != "" {
			m.fileHash[f.SHA256] = f
		}
		if f.Size > 0 {
			m.sizes[f.Size] = true
		}
		m.fileName[f.Name] = append(m.fileName[f.Name], f)
		if f.Kind == "binary" {
			k := binaryKey(f.Name)
			m.binName[k] = append(m.binName[k], f)
			for _, mk := range f.Markers {
				m.maxMarker = max(m.maxMarker, len(mk))
			}
		}
	}
	for i := range p.Staging {
		s := &p.Staging[i]
		if j := strings.IndexAny(s.Name, "*?[\\"); j >= 0 {
			m.stagingGlobs = append(m.stagingGlobs, glob{prefix: s.Name[:j], pattern: s.Name, ioc: s})
			continue
		}
		m.staging[s.Name] = s
	}
	for i := range p.Windows {
		m.windows[p.Windows[i].ID] = &p.Windows[i]
	}
	m.images = compileImages(p)
	for i := range p.Strings {
		s := &p.Strings[i]
		m.needles = append(m.needles, s)
		m.maxNeedle = max(m.maxNeedle, len(s.Value))
	}
	parts := l.parts
	if len(parts) == 0 { // a Loaded built by hand, not by Compose
		parts = []*Pack{p}
	}
	for _, pt := range parts {
		if pt.CI.InstallPattern == "" {
			continue
		}
		re, err := regexp.Compile(pt.CI.InstallPattern)
		if err != nil {
			return nil, fmt.Errorf("%s: ci.install_pattern: %w", pt.ID, err)
		}
		m.install = append(m.install, re)
	}
	return m, nil
}

// GuardOf returns the dead-man switch an indicator id belongs to.
func (m *Matcher) GuardOf(indicatorID string) (*GuardIOC, bool) { return m.pack.GuardOf(indicatorID) }

// GuardOf returns the dead-man switch an indicator id belongs to.
func (p *Pack) GuardOf(indicatorID string) (*GuardIOC, bool) {
	for i := range p.Guards {
		for _, id := range p.Guards[i].Indicators {
			if id == indicatorID {
				return &p.Guards[i], true
			}
		}
	}
	return nil, false
}

// Pack returns the pack the matcher was built from.
func (m *Matcher) Pack() *Loaded { return m.pack }

func key(eco Ecosystem, name string) string { return eco.ID() + "\x00" + eco.NormalizeName(name) }

// Release returns the package IOC when name@version is a bad release in
// ecosystem eco: the question every collector asks. Names and versions
// compare as the ecosystem compares them (PEP 503/440 for PyPI, exact
// names and semver for npm, case-insensitive publisher.name and semver for
// editor extensions), and a same-named package of another ecosystem
// never matches.
func (m *Matcher) Release(eco Ecosystem, name, version string) (*PackageIOC, bool) {
	n := key(eco, name)
	c := normalizeIn(eco, version)
	if pk := m.bad[n+"\x00"+c]; pk != nil {
		return pk, true
	}
	rel := m.rel
	for i := rel.named(n); i >= 0; i = rel.rels[i].next {
		if rel.versions(i, func(v string) bool { return v == c }) {
			return rel.entry(i), true
		}
	}
	valid := !strings.HasPrefix(c, "invalid:")
	for _, re := range m.ranges[n] {
		if re.r.every || (valid && re.r.contains(eco, c)) {
			return re.pk, true
		}
	}
	for i := rel.named(n); i >= 0; i = rel.rels[i].next {
		if rel.rels[i].every {
			return rel.entry(i), true
		}
		if !valid {
			continue
		}
		pk := rel.entry(i)
		for _, r := range pk.Ranges {
			if cr, ok := compileRange(eco, r); ok && cr.contains(eco, c) {
				return pk, true
			}
		}
	}
	return nil, false
}

// entries returns every entry naming a package, in pack order: the first
// (TrackedIn's answer) then the rest.
func (m *Matcher) entries(n string) []*PackageIOC {
	var out []*PackageIOC
	if pk := m.pkgs[n]; pk != nil {
		out = append([]*PackageIOC{pk}, m.more[n]...)
	}
	for i := m.rel.named(n); i >= 0; i = m.rel.rels[i].next {
		out = append(out, m.rel.entry(i))
	}
	return out
}

// rangeEntry is a package entry's compiled range.
type rangeEntry struct {
	pk *PackageIOC
	r  compiledRange
}

// EveryVersion returns the entry that makes every version of a package
// bad (a malicious-package record with "introduced: 0" and no end), if
// one does.
func (m *Matcher) EveryVersion(eco Ecosystem, name string) (*PackageIOC, bool) {
	n := key(eco, name)
	for _, re := range m.ranges[n] {
		if re.r.every {
			return re.pk, true
		}
	}
	for i := m.rel.named(n); i >= 0; i = m.rel.rels[i].next {
		if m.rel.rels[i].every {
			return m.rel.entry(i), true
		}
	}
	return nil, false
}

// TrackedIn reports whether a package name (any spelling the ecosystem
// treats as the same) is in the pack for ecosystem eco.
func (m *Matcher) TrackedIn(eco Ecosystem, name string) (*PackageIOC, bool) {
	n := key(eco, name)
	if pk, ok := m.pkgs[n]; ok {
		return pk, true
	}
	if i := m.rel.named(n); i >= 0 {
		return m.rel.entry(i), true
	}
	return nil, false
}

// NamesIn returns the normalised names the pack tracks in ecosystem eco,
// in pack order.
func (m *Matcher) NamesIn(eco Ecosystem) []string {
	out := append([]string(nil), m.names[eco.ID()]...)
	if m.rel == nil {
		return out
	}
	prefix := eco.ID() + "\x00"
	for _, i := range m.rel.firsts {
		r := &m.rel.rels[i]
		if k := r.blob[:r.keyLen]; strings.HasPrefix(k, prefix) && m.pkgs[k] == nil {
			out = append(out, k[len(prefix):])
		}
	}
	return out
}

// Tracked is TrackedIn(PyPI, name): the PyPI ecosystem's collectors ask it.
func (m *Matcher) Tracked(name string) (*PackageIOC, bool) { return m.TrackedIn(PyPI, name) }

// TrackedNames is NamesIn(PyPI).
func (m *Matcher) TrackedNames() []string { return m.NamesIn(PyPI) }

// Package is Release(PyPI, name, version): LiteLLM==1.82.8.0 matches while
// 1.82.80 and 1.82.8.post1 do not.
func (m *Matcher) Package(name, version string) (*PackageIOC, bool) {
	return m.Release(PyPI, name, version)
}

// Artifact matches a SHA-256 (lower-case hex) against the bad releases' files.
func (m *Matcher) Artifact(sha string) (ArtifactHit, bool) {
	h, ok := m.artHash[strings.ToLower(sha)]
	return h, ok
}

// File matches a SHA-256 (lower-case hex) against the pack's files.
func (m *Matcher) File(sha string) (*FileIOC, bool) {
	f, ok := m.fileHash[strings.ToLower(sha)]
	return f, ok
}

// RecordHash matches a RECORD hash field ("sha256=<urlsafe b64, no padding>")
// against file and artefact hashes without reading the file.
func (m *Matcher) RecordHash(field string) (*FileIOC, bool) {
	algo, b64, ok := strings.Cut(field, "=")
	if !ok || algo != "sha256" {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(b64, "="))
	if err != nil || len(raw) != 32 {
		return nil, false
	}
	return m.File(hex.EncodeToString(raw))
}

// FilesNamed returns the pack's files with this base name.
func (m *Matcher) FilesNamed(base string) []*FileIOC { return m.fileName[base] }

// Binaries returns the pack's bad binaries (files of kind binary) a file
// of this base name could be: the walk's one question per file, so it
// allocates only for a name ending in .exe, which compares without case
// (a Windows disk's MSBuild.exe is msbuild.exe).
func (m *Matcher) Binaries(base string) []*FileIOC {
	if len(m.binName) == 0 {
		return nil
	}
	if n := len(base); n >= 4 && n <= 64 && strings.EqualFold(base[n-4:], ".exe") {
		// Lower-cased on the stack: m[string(b)] does not allocate.
		var b [64]byte
		for i := 0; i < n; i++ {
			c := base[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return m.binName[string(b[:n])]
	}
	return m.binName[binaryKey(base)]
}

// MaxBinaryMarker is the length of the longest binary marker (0: none).
func (m *Matcher) MaxBinaryMarker() int { return m.maxMarker }

// binaryKey is how binary names compare: exactly, except that a Windows
// executable's name (.exe, any case) compares lower-cased.
func binaryKey(base string) string {
	if n := len(base); n >= 4 && strings.EqualFold(base[n-4:], ".exe") {
		return strings.ToLower(base)
	}
	return base
}

// HashWorthy reports whether a file of this size could match a hashed
// indicator, so collectors hash only files that can match.
func (m *Matcher) HashWorthy(size int64) bool { return m.sizes[size] }

// Staging returns the staging indicator for a base name.
func (m *Matcher) Staging(base string) (*StagingIOC, bool) {
	if s, ok := m.staging[base]; ok {
		return s, true
	}
	for _, g := range m.stagingGlobs {
		if strings.HasPrefix(base, g.prefix) {
			if ok, _ := path.Match(g.pattern, base); ok {
				return g.ioc, true
			}
		}
	}
	return nil, false
}

// glob is a staging name pattern with its literal prefix, tested first so
// that most base names are rejected without path.Match.
type glob struct {
	prefix, pattern string
	ioc             *StagingIOC
}

// Window returns a window by id.
func (m *Matcher) Window(id string) (*Window, bool) {
	w, ok := m.windows[id]
	return w, ok
}

// PackageWindow is the download window of the first package with a window,
// the default window of a host sweep.
func (m *Matcher) PackageWindow() (start, end time.Time) {
	for _, pk := range m.pack.Packages {
		if w, ok := m.windows[pk.Window]; ok {
			return w.Start, w.End
		}
	}
	return time.Time{}, time.Time{}
}

// InstallLine matches a CI or shell log line installing a bad version and
// returns the version.
func (m *Matcher) InstallLine(line string) (string, bool) {
	for _, re := range m.install {
		sm := re.FindStringSubmatch(line)
		if sm == nil {
			continue
		}
		if len(sm) > 1 {
			return sm[1], true
		}
		return sm[0], true
	}
	return "", false
}

// Strings returns the string indicators found in b (each at most once).
func (m *Matcher) Strings(b []byte) []*StringIOC {
	var out []*StringIOC
	for _, s := range m.needles {
		if bytes.Contains(b, []byte(s.Value)) {
			out = append(out, s)
		}
	}
	return out
}

// MaxNeedle is the length of the longest string indicator, the overlap a
// chunked scanner must keep between chunks.
func (m *Matcher) MaxNeedle() int { return m.maxNeedle }

// Processes returns the process indicators a running process matches
// (each at most once, in pack order). The one rule, used by the live
// sweep and by remediation before a kill:
//
//   - the indicator's Exe, when set, ends the normalised base name
//     (ExeBase) of the resolved executable or of argv[0];
//   - every string of All occurs in the command line (argv joined by
//     single spaces); an indicator with no strings matches nothing.
func (m *Matcher) Processes(exe string, argv []string) []*ProcessIOC {
	if len(argv) == 0 {
		return nil // a kernel thread or an exited process
	}
	line := strings.Join(argv, " ")
	var out []*ProcessIOC
	for i := range m.pack.Processes {
		p := &m.pack.Processes[i]
		if len(p.All) == 0 || !ExeMatches(p.Exe, exe, argv[0]) {
			continue
		}
		all := true
		for _, s := range p.All {
			if !strings.Contains(line, s) {
				all = false
				break
			}
		}
		if all {
			out = append(out, p)
		}
	}
	return out
}

// ExeMatches reports whether a process's executable is an indicator's
// exe: the normalised base name (ExeBase) of the resolved executable or of
// argv[0] ends with want. An empty want matches every process.
func ExeMatches(want, exe, argv0 string) bool {
	if want == "" {
		return true
	}
	for _, e := range []string{exe, argv0} {
		if e != "" && strings.HasSuffix(ExeBase(e), want) {
			return true
		}
	}
	return false
}

// ExeBase is the base name of an executable path (slash or backslash),
// lower-cased, without ".exe" and without a version suffix:
// /usr/bin/python3.11 → python, C:\Python311\python.exe → python.
func ExeBase(p string) string {
	b := path.Base(strings.ReplaceAll(p, `\`, "/"))
	b = strings.TrimSuffix(strings.ToLower(b), ".exe")
	return strings.TrimRight(b, "0123456789.")
}

// TempDirs are the temporary directories staging files are looked for in,
// as absolute slash paths inside the swept root: /tmp, /var/tmp, macOS's
// /private/tmp, /private/var/tmp, /private/var/folders and /var/folders,
// /run/user (when walked), Windows/Temp, and for every home (root's
// included) ~/tmp, ~/.tmp and ~/AppData/Local/Temp.
func TempDirs(homes []string) []string {
	out := []string{"/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp", "/private/var/folders", "/var/folders", "/run/user", "/Windows/Temp"}
	seen := map[string]bool{}
	for _, h := range append([]string{"/root"}, homes...) {
		h = path.Clean("/" + h)
		if seen[h] || h == "/" {
			continue
		}
		seen[h] = true
		out = append(out, h+"/tmp", h+"/.tmp", h+"/AppData/Local/Temp")
	}
	return out
}

// StagingAt returns the staging indicator of a file at p (an absolute
// slash path inside the swept root). The one rule, used by the sweep and
// by remediation: its base name matches a staging indicator (Staging) and
// it lies below one of temps (TempDirs), at any depth.
func (m *Matcher) StagingAt(p string, temps []string) (*StagingIOC, bool) {
	s, ok := m.Staging(path.Base(p))
	if !ok {
		return nil, false
	}
	for _, t := range temps {
		if strings.HasPrefix(p, t+"/") {
			return s, true
		}
	}
	return nil, false
}

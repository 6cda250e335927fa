// Package lockfile reads Python dependency manifests and lockfiles
// (requirements*.txt with -r/-c includes and --hash, pyproject.toml in PEP
// 621, PEP 735 and poetry form, poetry.lock, uv.lock, Pipfile, Pipfile.lock,
// pdm.lock, pylock.toml and conda environment.yml) and decides whether a
// project pins, locks or would resolve to a bad release of the IOC pack.
//
// The parsers are pure functions over bytes (Parse), so the same code reads
// files found by the host walk and files fetched from a git tree; includes
// are read through a Resolver callback. Evaluate grades the requirements of
// a set of parsed files per project: an exact pin, a lock entry or a hash of
// a bad artefact is high; a range that admits a bad version, with nothing in
// the same project pinning the package, is medium ("would have resolved to
// 1.82.8 during the window").
package lockfile

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

// Kind is the format of a manifest or lockfile.
type Kind string

const (
	Requirements Kind = "requirements" // requirements*.txt, constraints*.txt, *.in
	PyProject    Kind = "pyproject"    // pyproject.toml
	PoetryLock   Kind = "poetry.lock"
	UVLock       Kind = "uv.lock"
	Pipfile      Kind = "Pipfile"
	PipfileLock  Kind = "Pipfile.lock"
	PDMLock      Kind = "pdm.lock"
	PyLock       Kind = "pylock" // PEP 751 pylock.toml / pylock.<name>.toml
	CondaEnv     Kind = "conda-environment"
)

// IsLock reports whether files of this kind record resolved versions.
func (k Kind) IsLock() bool {
	switch k {
	case PoetryLock, UVLock, PipfileLock, PDMLock, PyLock:
		return true
	}
	return false
}

var (
	reqName  = regexp.MustCompile(`(?i)^(?:.*[-_.])?(?:requirements|constraints|reqs)(?:[-_.].*)?\.(?:txt|in)$`)
	pylockRe = regexp.MustCompile(`^pylock\.[^/]+\.toml$`)
	condaRe  = regexp.MustCompile(`(?i)^environment(?:[-_.][^/]*)?\.ya?ml$`)
)

// KindOf returns the kind of a file from its path, or "" when it is not a
// manifest this package reads.
func KindOf(p string) Kind {
	base := path.Base(p)
	// Every kind's name ends in one of a few suffixes (the walk asks this of
	// every file name, so the regular expressions below run only on those).
	if !manifestSuffix(base) {
		return ""
	}
	switch base {
	case "pyproject.toml":
		return PyProject
	case "poetry.lock":
		return PoetryLock
	case "uv.lock":
		return UVLock
	case "Pipfile":
		return Pipfile
	case "Pipfile.lock":
		return PipfileLock
	case "pdm.lock":
		return PDMLock
	case "pylock.toml":
		return PyLock
	}
	// Most names with those suffixes (top_level.txt, entry_points.txt,
	// config.yml) fail these substring tests and never reach a regexp.
	lower := strings.ToLower(base) // no allocation unless base has upper case
	if strings.HasPrefix(base, "pylock.") && pylockRe.MatchString(base) {
		return PyLock
	}
	if (strings.Contains(lower, "req") || strings.Contains(lower, "constraints")) && reqName.MatchString(base) {
		return Requirements
	}
	if strings.HasSuffix(base, ".txt") || strings.HasSuffix(base, ".in") {
		if d := path.Base(path.Dir(p)); d == "requirements" || d == "requirements.d" {
			return Requirements
		}
	}
	if strings.HasPrefix(lower, "environment") && condaRe.MatchString(base) {
		return CondaEnv
	}
	return ""
}

// manifestSuffix reports whether base can be a manifest or lockfile name:
// it ends in .toml, .lock, .txt, .in, .yml or .yaml (in any case, as the
// requirements and environment names may be) or is Pipfile.
func manifestSuffix(base string) bool {
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return base == "Pipfile"
	}
	switch ext := base[i+1:]; len(ext) {
	case 2:
		return strings.EqualFold(ext, "in")
	case 3:
		return strings.EqualFold(ext, "txt") || strings.EqualFold(ext, "yml")
	case 4:
		return ext == "toml" || ext == "lock" || strings.EqualFold(ext, "yaml")
	}
	return false
}

// Requirement is one dependency declaration or lock entry.
type Requirement struct {
	// Name is the distribution name as written.
	Name string `json:"name"`
	// Specifier is the version constraint as written ("" admits anything).
	// Lock entries carry "==<version>".
	Specifier string `json:"specifier,omitempty"`
	// Locked marks an entry of a lockfile (a resolved version).
	Locked bool `json:"locked,omitempty"`
	// Version is the resolved version of a lock entry, or the version named
	// by a direct reference's file name.
	Version string `json:"version,omitempty"`
	// Constraint marks a constraints-file entry (-c): it pins a version
	// without requesting the package.
	Constraint bool `json:"constraint,omitempty"`
	// URL is a direct reference (name @ url, a wheel path) with any user
	// information removed.
	URL string `json:"url,omitempty"`
	// Hashes are "sha256:<hex>" (lower case) of the allowed artefacts.
	Hashes []string `json:"hashes,omitempty"`
	Extras []string `json:"extras,omitempty"`
	Marker string   `json:"marker,omitempty"`
	// Group is the dependency group or section (dependencies,
	// optional:proxy, dev, default, develop, ...).
	Group string `json:"group,omitempty"`
	// File is the file the requirement is written in (an include's path for
	// requirements pulled in with -r/-c) and Line its 1-based line (0 when
	// unknown).
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

// Problem is a non-fatal issue met while parsing (an include that cannot be
// read, a line that is not a requirement).
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Result is a parsed file.
type Result struct {
	Path         string        `json:"path"`
	Kind         Kind          `json:"kind"`
	Requirements []Requirement `json:"requirements"`
	Problems     []Problem     `json:"problems,omitempty"`
}

// SyntaxError is a file that could not be parsed at all (invalid TOML, YAML
// or JSON), with the line when the parser knows it.
type SyntaxError struct {
	File string
	Line int
	Err  error
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Resolver returns the contents of a file included by another (pip's -r and
// -c, conda's "-r" in a pip sub-list). ref is the reference as written and
// from the including file's path; it returns the included file's path (as
// it will be reported) and its bytes. Callers confine it to their tree.
type Resolver func(from, ref string) (string, []byte, error)

// ErrNoResolver is returned for includes when Parse has no resolver.
var ErrNoResolver = errors.New("includes are not followed (no resolver)")

// MaxIncludeDepth bounds -r/-c nesting.
const MaxIncludeDepth = 8

// Parse parses one file of the given path (its kind comes from the base
// name; see KindOf). Includes are read through resolve, which may be nil.
// A *SyntaxError is returned when the file cannot be parsed at all; a
// partial Result is still returned for requirement files.
func Parse(p string, data []byte, resolve Resolver) (Result, error) {
	return ParseKind(KindOf(p), p, data, resolve)
}

// ParseKind parses a file of a known kind.
func ParseKind(k Kind, p string, data []byte, resolve Resolver) (Result, error) {
	r := Result{Path: p, Kind: k}
	var err error
	switch k {
	case Requirements:
		st := &reqState{resolve: resolve, seen: map[string]bool{p: true}}
		// constraints*.txt read on its own is still a constraints file.
		st.parse(&r, p, data, strings.HasPrefix(strings.ToLower(path.Base(p)), "constraints"), 0)
	case PyProject:
		err = parsePyProject(&r, data)
	case PoetryLock, PDMLock:
		err = parsePackageLock(&r, data, "package")
	case UVLock:
		err = parsePackageLock(&r, data, "package")
	case PyLock:
		err = parsePackageLock(&r, data, "packages")
	case Pipfile:
		err = parsePipfile(&r, data)
	case PipfileLock:
		err = parsePipfileLock(&r, data)
	case CondaEnv:
		err = parseConda(&r, data, resolve)
	default:
		return r, fmt.Errorf("%s: not a known manifest or lockfile", p)
	}
	return r, err
}

var reqRe = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$`)

// ParseRequirement parses a PEP 508 requirement string ("litellm[proxy]>=1.80;
// python_version>'3.8'", "litellm @ https://.../litellm-1.82.8-py3-none-any.whl").
func ParseRequirement(s string) (Requirement, error) {
	s = strings.TrimSpace(s)
	m := reqRe.FindStringSubmatch(s)
	if m == nil {
		return Requirement{}, fmt.Errorf("not a requirement: %q", clip(s))
	}
	r := Requirement{Name: m[1]}
	if m[2] != "" {
		for _, e := range strings.Split(strings.Trim(m[2], "[]"), ",") {
			if e = strings.TrimSpace(e); e != "" {
				r.Extras = append(r.Extras, e)
			}
		}
	}
	rest := strings.TrimSpace(m[3])
	if strings.HasPrefix(rest, "@") {
		u := strings.TrimSpace(rest[1:])
		if i := strings.Index(u, " ;"); i >= 0 {
			r.Marker = strings.TrimSpace(u[i+2:])
			u = strings.TrimSpace(u[:i])
		}
		r.URL = StripUserinfo(u)
		if n, v, ok := DistFromFilename(urlBase(u)); ok && iocs.NormalizeName(n) == iocs.NormalizeName(r.Name) {
			r.Version = v
		}
		return r, nil
	}
	if i := strings.Index(rest, ";"); i >= 0 {
		r.Marker = strings.TrimSpace(rest[i+1:])
		rest = strings.TrimSpace(rest[:i])
	}
	if rest != "" {
		if _, err := iocs.ParseSpecifier(rest); err != nil {
			return Requirement{}, err
		}
		// PEP 508 does not allow a bare version ("litellm 1.82.8").
		if !strings.ContainsAny(rest[:1], "<>=!~(") {
			return Requirement{}, fmt.Errorf("not a requirement: %q", clip(s))
		}
	}
	r.Specifier = rest
	return r, nil
}

// StripUserinfo removes "user:password@" from a URL so that a credential
// embedded in an index or direct-reference URL is never stored.
// Text is how a finding shows requirement q: its name, extras and locked
// version, specifier or direct reference. A direct reference never shows
// its query or fragment (a signed download URL's signature, a token
// parameter), nor userinfo (stripped when read); with short set, only its
// last path element ("…/name-1.0-py3-none-any.whl"), for text published
// elsewhere. One rendering for the lockfile collector and the GitHub sweep.
func (q Requirement) Text(short bool) string {
	text := q.Name
	if len(q.Extras) > 0 {
		text += "[" + strings.Join(q.Extras, ",") + "]"
	}
	switch {
	case q.Locked:
		text += " " + q.Version + " (locked)"
	case q.URL != "":
		u := q.URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		if short {
			u = "…/" + path.Base(u)
		}
		text += " @ " + u
	default:
		text += q.Specifier
	}
	return text
}

func StripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "://"); i >= 0 {
			rest := raw[i+3:]
			if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
				return raw[:i+3] + "***@" + rest[at+1:]
			}
		}
		return raw
	}
	u.User = nil
	s := u.String()
	return strings.Replace(s, "://", "://***@", 1)
}

func urlBase(u string) string {
	if i := strings.IndexAny(u, "#?"); i >= 0 {
		u = u[:i]
	}
	return path.Base(strings.ReplaceAll(u, "\\", "/"))
}

var wheelRe = regexp.MustCompile(`^([^-]+)-([^-]+)(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$`)

// DistFromFilename returns the project name and version encoded in a wheel
// ("litellm-1.82.8-py3-none-any.whl") or sdist ("litellm-1.82.8.tar.gz",
// ".zip", ".tar.bz2") file name.
func DistFromFilename(fn string) (name, version string, ok bool) {
	if m := wheelRe.FindStringSubmatch(fn); m != nil {
		return m[1], m[2], true
	}
	for _, ext := range []string{".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar"} {
		if !strings.HasSuffix(strings.ToLower(fn), ext) {
			continue
		}
		stem := fn[:len(fn)-len(ext)]
		for i := strings.LastIndex(stem, "-"); i > 0; i = strings.LastIndex(stem[:i], "-") {
			if _, err := iocs.ParseVersion(stem[i+1:]); err == nil {
				return stem[:i], stem[i+1:], true
			}
		}
		return "", "", false
	}
	return "", "", false
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

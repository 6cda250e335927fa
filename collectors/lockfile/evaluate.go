package lockfile

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Hit is a requirement that pins, locks or would resolve to a bad release.
type Hit struct {
	Requirement Requirement `json:"requirement"`
	Kind        Kind        `json:"kind"` // kind of the file the requirement was parsed from
	// Source is the path of the parsed file (Result.Path); it differs from
	// Requirement.File for requirements read through an include.
	Source  string           `json:"source"`
	Package *iocs.PackageIOC `json:"-"`
	// Severity is High for an exact pin, a lock entry or a bad artefact's
	// hash, Medium for a range that admits a bad version.
	Severity sweep.Severity `json:"severity"`
	// Versions are the bad versions pinned or admitted, highest first.
	Versions []string `json:"versions"`
	// Artifact is set when a hash in the requirement is a bad artefact's.
	Artifact *iocs.Artifact `json:"-"`
	Title    string         `json:"title"`
	Why      string         `json:"why"`
}

// ProjectDir is the project a manifest belongs to: its directory, or the
// parent of a "requirements" directory.
func ProjectDir(p string) string {
	d := path.Dir(p)
	switch path.Base(d) {
	case "requirements", "requirements.d", "reqs":
		return path.Dir(d)
	}
	return d
}

// Relevant drops requirements that do not name a tracked package, so that a
// caller holding many files keeps only what Evaluate can use.
func Relevant(m *iocs.Matcher, r Result) Result {
	out := r
	out.Requirements = nil
	for _, q := range r.Requirements {
		if _, ok := m.Tracked(q.Name); ok {
			out.Requirements = append(out.Requirements, q)
		}
	}
	return out
}

// Evaluate grades the tracked requirements of a set of parsed files. Files
// are grouped into projects by ProjectDir; a range that admits a bad
// version is reported only when nothing in the same project (a lock entry
// or an exact pin in a requirements/constraints file) fixes the package's version,
// since that pin is then what gets installed (and is graded itself).
func Evaluate(m *iocs.Matcher, results []Result) []Hit {
	pinned := map[string]bool{} // project \x00 normalised name
	for _, r := range results {
		proj := ProjectDir(r.Path)
		for _, q := range r.Requirements {
			if _, ok := m.Tracked(q.Name); !ok {
				continue
			}
			// A lock entry, or an exact pin in a requirements or constraints
			// file (a compiled pin list), fixes what the project installs. An
			// exact pin in one pyproject group does not fix other groups.
			if q.Locked || (r.Kind == Requirements && exactVersion(q) != "") {
				pinned[proj+"\x00"+iocs.NormalizeName(q.Name)] = true
			}
		}
	}
	var hits []Hit
	seen := map[string]bool{} // an include read by two files is graded once
	for _, r := range results {
		proj := ProjectDir(r.Path)
		for _, q := range r.Requirements {
			pk, ok := m.Tracked(q.Name)
			if !ok {
				continue
			}
			if h, ok := grade(m, pk, r.Kind, q, pinned[proj+"\x00"+iocs.NormalizeName(q.Name)]); ok {
				h.Source = r.Path
				key := fmt.Sprintf("%s\x00%d\x00%s", h.Requirement.File, h.Requirement.Line, h.Title)
				if seen[key] {
					continue
				}
				seen[key] = true
				hits = append(hits, h)
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i].Requirement, hits[j].Requirement
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return hits
}

// exactVersion is the single version a requirement fixes, or "".
func exactVersion(q Requirement) string {
	if q.Locked && q.Version != "" {
		return q.Version
	}
	if q.URL != "" && q.Version != "" {
		return q.Version
	}
	s, err := iocs.ParseSpecifier(q.Specifier)
	if err != nil {
		return ""
	}
	v, _ := s.Exact()
	return v
}

func grade(m *iocs.Matcher, pk *iocs.PackageIOC, kind Kind, q Requirement, projectPinned bool) (Hit, bool) {
	h := Hit{Requirement: q, Kind: kind, Package: pk}
	what := describe(kind, q)
	for _, hs := range q.Hashes {
		algo, hex, _ := strings.Cut(hs, ":")
		if algo != "sha256" {
			continue
		}
		if a, ok := m.Artifact(hex); ok && a.Package == pk {
			h.Severity, h.Artifact = sweep.High, a.Artifact
			ver := versionOfArtifact(a.Artifact.Filename)
			h.Versions = []string{ver}
			h.Title = fmt.Sprintf("%s allows the hash of %s", what, a.Artifact.Filename)
			h.Why = fmt.Sprintf("%s lists sha256:%s, the hash of the malicious %s: installing from it fetches %s %s.",
				q.File, hex, a.Artifact.Filename, pk.Name, ver)
			return h, true
		}
	}
	if v := exactVersion(q); v != "" {
		if _, bad := m.Package(q.Name, v); !bad {
			return h, false
		}
		h.Severity, h.Versions = sweep.High, []string{v}
		switch {
		case q.Locked:
			h.Title = fmt.Sprintf("%s locks %s %s", kind, pk.Name, v)
			h.Why = fmt.Sprintf("The lockfile resolves %s to the malicious %s: every install from it gets the bad release (from PyPI during the window, or from a cache or mirror later).", pk.Name, v)
		case q.Constraint:
			h.Title = fmt.Sprintf("%s constrains %s to %s", what, pk.Name, v)
			h.Why = fmt.Sprintf("A constraint pins %s to the malicious %s: any install that pulls %s in gets the bad release.", pk.Name, v, pk.Name)
		default:
			h.Title = fmt.Sprintf("%s pins %s %s", what, pk.Name, v)
			h.Why = fmt.Sprintf("The requirement pins %s to the malicious %s (from PyPI during the window, or from a cache or mirror later).", pk.Name, v)
		}
		return h, true
	}
	if projectPinned {
		return h, false
	}
	spec, err := iocs.ParseSpecifier(q.Specifier)
	if err != nil {
		return h, false
	}
	bad := m.AdmittedBad(q.Name, spec)
	if len(bad) == 0 {
		return h, false
	}
	h.Severity, h.Versions = sweep.Medium, bad
	shown := q.Specifier
	if shown == "" {
		shown = "(any version)"
	}
	h.Title = fmt.Sprintf("%s %s would have resolved to %s during the window", pk.Name, shown, bad[0])
	window := "while the bad releases were on PyPI"
	if w, ok := m.Window(pk.Window); ok {
		window = fmt.Sprintf("during the window %s – %s UTC", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"))
	}
	h.Why = fmt.Sprintf("%s requires %s %s, which admits %s, and nothing in %s (no lock entry or exact pin) fixes the version: an install %s would have resolved to %s, the newest release then.",
		what, pk.Name, shown, strings.Join(bad, " and "), ProjectDir(q.File), window, bad[0])
	return h, true
}

func describe(kind Kind, q Requirement) string {
	s := string(kind)
	if q.Group != "" && kind != Requirements {
		s += " (" + q.Group + ")"
	}
	return s
}

func versionOfArtifact(fn string) string {
	if _, v, ok := DistFromFilename(fn); ok {
		return v
	}
	return ""
}

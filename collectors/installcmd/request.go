package installcmd

import (
	"path"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/iocs"
)

// Request is one requested package, parsed from its argument.
type Request struct {
	Ecosystem string
	// Name is the package name as written (npm: with its @scope/).
	Name string
	// Spec is the requested constraint as written: PEP 440 (">=1.80,<2"),
	// poetry or npm after "@" ("^1.82", "1.82.8"), conda "name=ver" as
	// "==ver.*"; "" when unpinned ("latest" and npm dist-tags included).
	Spec string
	// Exact is the version fixed by a wheel or sdist file name or by a
	// direct reference's file name ("" otherwise).
	Exact string
	// At marks the "name@constraint" form (poetry, pdm, npm).
	At bool
	// Tag marks an npm dist-tag other than latest ("next", "beta"): the
	// version it named at the time is not known from the command.
	Tag bool
}

// npmNameRe is an npm package name, optionally scoped (names published
// before 2017 may hold capitals).
var npmNameRe = regexp.MustCompile(`^(?:@[A-Za-z0-9][A-Za-z0-9._~-]*/)?[A-Za-z0-9._~-][A-Za-z0-9._~-]*$`)

// validRange reports a spec npm reads as a version range (node-semver).
func validRange(spec string) bool {
	_, err := iocs.ParseSemverRange(spec)
	return err == nil
}

// Request parses a Package argument of the invocation; ok is false for an
// argument that names no registry package (a git URL, a tarball, a local
// path, a malformed word).
func (inv Invocation) Request(a Arg) (Request, bool) {
	if a.Kind != Package {
		return Request{}, false
	}
	if inv.Ecosystem == NPM {
		return ParseNPM(a.Value)
	}
	return parsePython(a.Value, inv.Conda)
}

// parsePython reads a PEP 508 requirement, a poetry "name@constraint", a
// conda "name=ver" (optionally "channel::name"), or a wheel/sdist path.
func parsePython(arg string, conda bool) (Request, bool) {
	arg = strings.Trim(arg, `"'`)
	if conda {
		if i := strings.Index(arg, "::"); i >= 0 {
			arg = arg[i+2:] // channel::name
		}
	}
	if arg == "" {
		return Request{}, false
	}
	r := Request{Ecosystem: PyPI}
	if strings.HasSuffix(arg, ".whl") || strings.HasSuffix(arg, ".tar.gz") || strings.HasSuffix(arg, ".zip") {
		n, v, ok := lockfile.DistFromFilename(path.Base(strings.ReplaceAll(arg, `\`, "/")))
		if !ok {
			return Request{}, false
		}
		r.Name, r.Spec, r.Exact = n, "=="+v, v
	} else if n, c, ok := strings.Cut(arg, "@"); ok && !strings.Contains(arg, "://") && !strings.Contains(n, " ") {
		// poetry/pdm "litellm@^1.82", "litellm@1.82.8", "litellm@latest"
		r.Name = strings.TrimSpace(n)
		c = strings.TrimSpace(c)
		r.At = true
		if c != "latest" && c != "" {
			r.Spec = c
		}
	} else if conda && !strings.ContainsAny(arg, "<>!~") && strings.Count(arg, "=") == 1 {
		n, v, _ := strings.Cut(arg, "=")
		r.Name, r.Spec = n, "=="+v+".*"
	} else {
		q, err := lockfile.ParseRequirement(arg)
		if err != nil {
			return Request{}, false
		}
		r.Name, r.Spec = q.Name, q.Specifier
		if q.URL != "" {
			if q.Version == "" {
				return Request{}, false
			}
			r.Spec, r.Exact = "=="+q.Version, q.Version
		}
	}
	return r, true
}

// ParseNPM reads an npm package argument as npm does (iocs.ParseNPMSpec,
// the npm spec reader the manifest collectors share): "name",
// "name@range", "@scope/name@version", "name@tag", "alias@npm:name@range".
// Git, URL, tarball and path arguments are not registry requests.
func ParseNPM(arg string) (Request, bool) {
	arg = strings.Trim(arg, `"'`)
	if arg == "" || strings.HasPrefix(arg, "~") || strings.HasSuffix(arg, ".tgz") || strings.HasSuffix(arg, ".tar.gz") {
		return Request{}, false // a home path or a tarball
	}
	s := iocs.ParseNPMSpec(arg)
	if !s.Registry || !npmNameRe.MatchString(s.Name) {
		return Request{}, false // a git host shorthand (user/repo), a file: or a URL spec
	}
	r := Request{Ecosystem: NPM, Name: s.Name, At: s.Spec != ""}
	switch spec := s.Spec; {
	case spec == "" || spec == "latest" || spec == "*" || spec == "x" || spec == "X":
	case !validRange(spec):
		r.Tag = true // npm reads what is not a range as a dist-tag
	default:
		r.Spec = spec
	}
	return r, true
}

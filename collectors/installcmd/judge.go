package installcmd

import (
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

// Install is a request of a tracked package, judged against the pack.
type Install struct {
	// Tool is the invocation's Tool ("pip install", "npm install", ...).
	Tool    string
	Package *iocs.PackageIOC
	// Spec is the requested constraint as written ("" = unpinned); a PEP
	// 440 local version label (free text) is replaced by Ellipsis.
	Spec string
	// Exact is the exact version requested, when there is one.
	Exact string
	// Admits are the bad versions the request admits, highest first.
	Admits  []string
	Upgrade bool
	// Shown is the package argument as evidence shows it: rebuilt from the
	// parsed name and constraint, never the word as typed.
	Shown string
}

// Judge decides which requests of a command install a bad release; what
// a request's constraint admits is the matcher's (iocs.Matcher.Admitted:
// PEP 440 and poetry for PyPI, node-semver ranges for npm, every entry and
// range of the package).
type Judge struct {
	m *iocs.Matcher
}

// NewJudge returns a judge over the pack's packages.
func NewJudge(m *iocs.Matcher) *Judge { return &Judge{m: m} }

// shownSpecRe is the shape of an npm constraint evidence may show.
var shownSpecRe = regexp.MustCompile(`^[0-9A-Za-z.*^~<>=| -]{1,100}$`)

// Judge judges one Package argument: ok when it requests a tracked
// package of the invocation's ecosystem (whether or not it admits a bad
// release: see Install.Admits).
func (j *Judge) Judge(inv Invocation, a Arg) (Install, bool) {
	r, ok := inv.Request(a)
	if !ok {
		return Install{}, false
	}
	eco, ok := iocs.EcosystemByID(r.Ecosystem)
	if !ok {
		return Install{}, false
	}
	pk, ok := j.m.TrackedIn(eco, r.Name)
	if !ok {
		return Install{}, false
	}
	if r.Tag {
		// A dist-tag named some version at the time: any bad one.
		bad, _, err := j.m.Admitted(eco, pk.Name, "")
		if err != nil {
			return Install{}, false
		}
		return Install{Tool: inv.Tool, Package: pk, Admits: bad, Upgrade: inv.Upgrade, Shown: pk.Name + "@" + Ellipsis}, true
	}
	admits, exact, err := j.m.Admitted(eco, pk.Name, r.Spec)
	if err != nil {
		return Install{}, false
	}
	if r.Exact != "" {
		exact = r.Exact
	}
	spec := r.Spec
	shown := pk.Name + spec
	switch {
	case r.Ecosystem != PyPI:
		shown = pk.Name
		if spec != "" {
			shown += "@" + Ellipsis
			if shownSpecRe.MatchString(spec) {
				shown = pk.Name + "@" + spec
			}
		}
	case strings.Contains(spec, "+"):
		shown = pk.Name + " " + Ellipsis // a local version label is free text
	case exact != "" && !strings.HasPrefix(spec, "==") && !r.At:
		shown = pk.Name + "==" + exact
	case r.At && spec != "":
		shown = pk.Name + "@" + spec
	}
	// A local version label (+...) is free text: it never reaches a report.
	if strings.Contains(spec, "+") || !shownSpecRe.MatchString(spec) && spec != "" && r.Ecosystem != PyPI {
		spec = Ellipsis
	}
	if strings.Contains(exact, "+") {
		exact = Ellipsis
	}
	return Install{Tool: inv.Tool, Package: pk, Spec: spec, Exact: exact, Admits: admits, Upgrade: inv.Upgrade, Shown: shown}, true
}

// Analyze recognises one simple command and judges its package arguments.
// keep is the invocation's Keep plus, for each request that admits a bad
// release, its word shown as Install.Shown: the words evidence may show.
func (j *Judge) Analyze(w []Word) (installs []Install, keep map[int]string) {
	inv, ok := Recognize(w)
	if !ok {
		return nil, nil
	}
	for _, a := range inv.Args {
		in, ok := j.Judge(inv, a)
		if !ok {
			continue
		}
		installs = append(installs, in)
		if len(in.Admits) > 0 {
			if a.Glued {
				inv.Keep[a.Word] = a.Opt + "=" + in.Shown
			} else {
				inv.Keep[a.Word] = in.Shown
			}
		}
	}
	return installs, inv.Keep
}

// Installs finds the installs of tracked packages in a command text.
func (j *Judge) Installs(text string, d Dialect) []Install {
	cmds, err := Parse(text, d)
	if err != nil {
		cmds = Lenient(text)
	}
	var out []Install
	for _, c := range cmds {
		in, _ := j.Analyze(c.Words)
		out = append(out, in...)
	}
	return out
}

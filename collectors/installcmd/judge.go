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

// Versions is one ecosystem's comparison of a requested constraint with
// the bad releases of a tracked package.
type Versions interface {
	// Admitted returns the bad versions of pk the constraint admits,
	// highest first, and the one version it fixes ("" for a range); an
	// error for a constraint it cannot read.
	Admitted(pk *iocs.PackageIOC, spec string) (bad []string, exact string, err error)
}

// Judge decides which requests of a command install a bad release.
type Judge struct {
	m        *iocs.Matcher
	versions map[string]Versions
}

// NewJudge returns a judge over the pack's packages: PyPI requests are
// compared by PEP 440 (and poetry's ^ and ~), npm requests by node-semver
// ranges as npm reads them.
func NewJudge(m *iocs.Matcher) *Judge {
	return &Judge{m: m, versions: map[string]Versions{PyPI: pypi{m}, NPM: npmRanges{m}}}
}

// pypi compares PEP 440 (and poetry) constraints.
type pypi struct{ m *iocs.Matcher }

func (p pypi) Admitted(pk *iocs.PackageIOC, spec string) ([]string, string, error) {
	set, err := iocs.ParseSpecifier(spec)
	if err != nil {
		return nil, "", err
	}
	exact, _ := set.Exact()
	return p.m.AdmittedBad(pk.Name, set), exact, nil
}

// npmRanges compares node-semver ranges as npm resolves them
// (iocs.Matcher.AdmittedNPM).
type npmRanges struct{ m *iocs.Matcher }

func (n npmRanges) Admitted(pk *iocs.PackageIOC, spec string) ([]string, string, error) {
	r, err := iocs.ParseSemverRange(spec)
	if err != nil {
		return nil, "", err
	}
	bad, _, _, _ := n.m.AdmittedNPM(iocs.NPMSpec{Name: pk.Name, Spec: spec, Registry: true})
	exact, _ := r.Exact()
	return bad, exact, nil
}

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
	v := j.versions[r.Ecosystem]
	if v == nil {
		return Install{}, false
	}
	if r.Tag {
		// A dist-tag named some version at the time: any bad one.
		bad, _, err := v.Admitted(pk, "")
		if err != nil {
			return Install{}, false
		}
		return Install{Tool: inv.Tool, Package: pk, Admits: bad, Upgrade: inv.Upgrade, Shown: pk.Name + "@" + Ellipsis}, true
	}
	admits, exact, err := v.Admitted(pk, r.Spec)
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

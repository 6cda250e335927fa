package remediate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/collectors/binaries"
	"github.com/litesweep/litesweep/collectors/payloads"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/host"
	"github.com/litesweep/litesweep/targets/live"
)

// Target kinds, in the order remediation handles them.
const (
	KindUnitLink    = "unit-link"
	KindUnit        = "unit"
	KindScript      = "script"
	KindBinary      = "binary"
	KindState       = "state"
	KindPth         = "pth"
	KindPackageFile = "package-file"
	KindModule      = "tampered-module"
	KindCopy        = "payload-copy"
	KindStaging     = "staging"
)

var kindOrder = []string{KindUnitLink, KindUnit, KindScript, KindBinary, KindState, KindPth, KindModule, KindPackageFile, KindCopy, KindStaging}

// Target is one file remediation moves into evidence.
type Target struct {
	Path      string `json:"path"` // absolute inside the root
	Kind      string `json:"kind"`
	Indicator string `json:"indicator,omitempty"`
	Reason    string `json:"reason"`
	User      string `json:"user,omitempty"`
	// Unit is the systemd unit name for unit and unit-link targets.
	Unit   string `json:"unit,omitempty"`
	System bool   `json:"system,omitempty"` // a system (not user) unit
	// Env is the Python environment a package file belongs to.
	Env string `json:"env,omitempty"`
	// SHA256 is the hash the sweep saw, when its finding has one: at
	// apply time a file that no longer hashes the same is "changed" and
	// left in place.
	SHA256 string `json:"sha256,omitempty"`
	// Guard is the pack id of the dead-man switch this file belongs to:
	// remediate stops, disables and moves it before any other step.
	Guard string `json:"guard,omitempty"`
	// Finding is the id of the sweep finding the target comes from ("" for
	// a file a finding's plan expansion added: a RECORD row, an
	// enablement link).
	Finding string `json:"finding,omitempty"`
}

// Reinstall is the clean reinstall advice for one environment.
type Reinstall struct {
	Env     string `json:"env"`
	Package string `json:"package"`
	Version string `json:"version"` // bad version found
	Command string `json:"command"`
}

// SweepState says what the sweep a plan comes from covered.
type SweepState struct {
	// From is "sweep" (run by remediate) or the saved report's file name.
	From    string `json:"from"`
	Verdict string `json:"verdict,omitempty"`
	// Complete is false when the sweep was interrupted or something could
	// not be checked: remediation then removes what was found, and the
	// plan says the sweep did not finish.
	Complete    bool `json:"complete"`
	Unchecked   int  `json:"unchecked,omitempty"` // located errors that count against CLEAN
	Interrupted bool `json:"interrupted,omitempty"`
}

// Removal is what remediation acts on, planned from a host sweep's
// findings.
type Removal struct {
	Targets   []Target    `json:"targets"`
	Processes []Proc      `json:"processes"`
	Reinstall []Reinstall `json:"reinstall,omitempty"`
	Errors    []string    `json:"errors,omitempty"`
	Sweep     SweepState  `json:"sweep"`
}

// RemovalOptions configure FromReport.
type RemovalOptions struct {
	Root    string // host directory that is the tree's "/" (the report's root)
	Matcher *iocs.Matcher
	// Skip lists absolute tree paths whose findings are not acted on (the
	// evidence directory).
	Skip []string
	// From names the report for SweepState ("sweep" when remediate ran it).
	From string
}

// FromReport plans remediation from a host sweep's findings. It detects
// nothing itself: every target is a finding of the sweep or the plan
// expansion of one, namely
//
//   - a malicious start-up hook (startup-hook, critical): the .pth;
//   - an installed affected release (python-package whose name and version
//     are a bad release of the pack): its METADATA, RECORD and every file
//     its RECORD lists inside its environment, plus the reinstall advice;
//   - a tampered module (tampered-file);
//   - persistence (persistence): the unit, script, binary or state file,
//     and for a unit every *.wants / *.requires enablement link beside it;
//   - a staging file (staging) that the pack's staging rule
//     (Matcher.StagingAt) confirms;
//   - a copy of a payload learned in the sweep (payload-copy);
//   - the processes the live collector reported with a critical process
//     indicator (killed only after Matcher.Processes, the exe and the start
//     time are re-checked: VerifyProcess).
func FromReport(r *sweep.Report, o RemovalOptions) (*Removal, error) {
	if r.Scan.Kind != host.Kind {
		return nil, fmt.Errorf("a %s report: remediate acts on host reports only", r.Scan.Kind)
	}
	rootFS, err := sweep.OpenTree(o.Root) // never blocks on a FIFO etc/passwd
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", o.Root, err)
	}
	defer rootFS.Close()
	homes := sweep.Homes(rootFS)
	var homeDirs []string
	for _, h := range homes {
		homeDirs = append(homeDirs, h.Dir)
	}
	p := &planner{m: o.Matcher, fsys: rootFS, homes: homes, temps: iocs.TempDirs(homeDirs),
		skip: o.Skip, found: map[string]Target{}, reinstall: map[string]Reinstall{}, pids: map[int]bool{}}
	rm := &Removal{Sweep: SweepState{From: o.From, Verdict: string(r.Verdict), Unchecked: r.Incomplete(),
		Interrupted: r.Scan.Interrupted}}
	rm.Sweep.Complete = rm.Sweep.Unchecked == 0 && !r.Scan.Interrupted && r.Scan.Coverage.Complete()
	for i := range r.Findings {
		p.finding(&r.Findings[i])
	}
	for _, t := range p.found {
		if g, ok := o.Matcher.GuardOf(t.Indicator); ok {
			t.Guard = g.ID
		}
		rm.Targets = append(rm.Targets, t)
	}
	SortTargets(rm.Targets)
	for _, rs := range p.reinstall {
		rm.Reinstall = append(rm.Reinstall, rs)
	}
	sort.Slice(rm.Reinstall, func(i, j int) bool {
		if rm.Reinstall[i].Env != rm.Reinstall[j].Env {
			return rm.Reinstall[i].Env < rm.Reinstall[j].Env
		}
		return rm.Reinstall[i].Package < rm.Reinstall[j].Package
	})
	rm.Processes = p.procs
	guardProc := func(pr Proc) bool { _, ok := o.Matcher.GuardOf(pr.Indicator); return ok }
	sort.Slice(rm.Processes, func(i, j int) bool {
		if a, b := guardProc(rm.Processes[i]), guardProc(rm.Processes[j]); a != b {
			return a // a dead-man switch's processes are killed first
		}
		return rm.Processes[i].PID < rm.Processes[j].PID
	})
	rm.Errors = p.errs
	return rm, nil
}

type planner struct {
	m         *iocs.Matcher
	fsys      fs.FS
	homes     []sweep.Home
	temps     []string
	skip      []string
	found     map[string]Target
	reinstall map[string]Reinstall
	procs     []Proc
	pids      map[int]bool
	errs      []string
}

func (p *planner) errorf(format string, a ...any) { p.errs = append(p.errs, fmt.Sprintf(format, a...)) }

// put adds a target; of two for one path the earlier kind wins.
func (p *planner) put(t Target) {
	if t.Path != path.Clean(t.Path) || !strings.HasPrefix(t.Path, "/") || t.Path == "/" {
		p.errorf("%q is not a clean absolute path inside the root: not acted on", t.Path)
		return
	}
	for _, s := range p.skip {
		if hasPrefixPath(t.Path, s) {
			return // the evidence directory
		}
	}
	if t.User == "" {
		t.User = sweep.UserOf(p.homes, t.Path)
	}
	if old, ok := p.found[t.Path]; ok {
		if rankKind(old.Kind) < rankKind(t.Kind) || (rankKind(old.Kind) == rankKind(t.Kind) && old.Finding != "") {
			return
		}
		if t.SHA256 == "" {
			t.SHA256 = old.SHA256
		}
	}
	p.found[t.Path] = t
}

func indicatorID(f *sweep.Finding) string {
	if f.Indicator == nil {
		return ""
	}
	return f.Indicator.ID
}

// finding turns one finding into targets (or a process to kill).
func (p *planner) finding(f *sweep.Finding) {
	loc := f.Location
	if loc.Image != "" || loc.Member != "" || loc.Repo != "" || loc.Object != "" {
		return // not a file of this tree
	}
	base := Target{Path: loc.Path, Indicator: indicatorID(f), Reason: f.Title, User: f.User,
		SHA256: f.Evidence.SHA256, Finding: f.ID}
	switch f.Category {
	case python.CatStartup:
		if f.Severity != sweep.Critical {
			return // suspicious or unrecognised lines are for a person to judge
		}
		if !(strings.HasSuffix(loc.Path, ".pth") || strings.HasSuffix(loc.Path, ".start")) || !python.IsSiteDir(path.Dir(loc.Path)) {
			p.errorf("%s: reported as a start-up hook, but not a .pth or .start file of a site directory: not moved", loc.Path)
			return
		}
		base.Kind, base.Env = KindPth, envPrefix(path.Dir(loc.Path))
		p.put(base)
	case python.CatPackage:
		p.dist(f)
	case python.CatTampered:
		base.Kind = KindModule
		p.put(base)
	case persistence.CatPersistence:
		p.persistence(f, base)
	case persistence.CatStaging:
		s, ok := p.m.StagingAt(loc.Path, p.temps)
		if !ok {
			p.errorf("%s: reported as staging, but not a staging file of the pack in a temporary directory: not moved", loc.Path)
			return
		}
		base.Kind, base.Indicator, base.Reason = KindStaging, s.ID, s.Description
		p.put(base)
	case payloads.CatCopy:
		base.Kind = KindCopy
		p.put(base)
	case binaries.CatBinary:
		if f.Severity != sweep.Critical {
			return // a marker without a known hash is for a person to judge
		}
		if len(p.m.Binaries(path.Base(loc.Path))) == 0 {
			p.errorf("%s: reported as a bad binary, but not named like a binary of the pack: not moved", loc.Path)
			return
		}
		base.Kind = KindBinary
		p.put(base)
	case live.CatProcess:
		p.process(f)
	}
}

// process adds a process the live collector reported with a critical
// process indicator.
func (p *planner) process(f *sweep.Finding) {
	if f.Collector != live.NameProcesses || f.Indicator == nil || f.Indicator.Kind != "process" ||
		f.Severity != sweep.Critical || f.Location.PID <= 0 || p.pids[int(f.Location.PID)] {
		return
	}
	p.pids[int(f.Location.PID)] = true
	pr := Proc{PID: int(f.Location.PID), Exe: f.Location.Exe, Indicator: f.Indicator.ID, Reason: f.Title, Finding: f.ID}
	if f.Evidence.Time != nil {
		t := f.Evidence.Time.UTC()
		pr.Started = &t
	}
	p.procs = append(p.procs, pr)
}

// persistence adds a persistence file; a unit brings its enablement links.
func (p *planner) persistence(f *sweep.Finding, t Target) {
	pi := p.pathIOC(t.Indicator)
	dir := path.Base(path.Dir(t.Path))
	switch {
	case strings.HasSuffix(dir, ".wants") || strings.HasSuffix(dir, ".requires"):
		t.Kind = KindUnitLink
	case strings.HasSuffix(t.Path, ".service"):
		t.Kind = KindUnit // a unit under any name: its indicator may be the script it runs
	case pi != nil && slices.Contains(kindOrder, pi.Kind):
		t.Kind = pi.Kind
	default:
		t.Kind = KindScript
		if fi, ok := p.m.File(t.SHA256); ok && fi.Kind == "binary" {
			t.Kind = KindBinary
		}
	}
	if pi != nil {
		t.Reason = pi.Description
	}
	if t.Kind == KindUnit || t.Kind == KindUnitLink {
		t.Unit = path.Base(t.Path)
		t.System = !strings.Contains(t.Path, "/.config/systemd/user/")
	}
	p.put(t)
	if t.Kind != KindUnit {
		return
	}
	// Enablement links in any *.wants / *.requires directory next to the unit.
	unitDir := path.Dir(t.Path)
	ents, err := fs.ReadDir(p.fsys, sweep.Rel(unitDir))
	if err != nil {
		p.errorf("%s: %s: enablement links of %s were not looked for", unitDir, sweep.TrimPathErr(err), t.Unit)
	}
	for _, e := range ents {
		if e.IsDir() && (strings.HasSuffix(e.Name(), ".wants") || strings.HasSuffix(e.Name(), ".requires")) {
			lp := path.Join(unitDir, e.Name(), t.Unit)
			if li, err := fs.Lstat(p.fsys, sweep.Rel(lp)); err == nil && !li.IsDir() {
				p.put(Target{Path: lp, Kind: KindUnitLink, Indicator: t.Indicator, Unit: t.Unit, System: t.System,
					Reason: "enablement link of " + t.Unit, User: t.User})
			}
		}
	}
}

func (p *planner) pathIOC(id string) *iocs.PathIOC {
	if id == "" {
		return nil
	}
	ps := p.m.Pack().Persistence
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

// dist expands an installed affected release the sweep reported into its
// files: METADATA, RECORD and every file RECORD lists inside its
// environment. Reading the RECORD of a reported distribution is plan
// expansion, not detection.
func (p *planner) dist(f *sweep.Finding) {
	name, version := f.Evidence.Package, f.Evidence.Version
	pk, bad := p.m.Package(name, version)
	if !bad {
		return
	}
	distDir := f.Location.Path
	if !strings.HasSuffix(distDir, ".dist-info") && !strings.HasSuffix(distDir, ".egg-info") {
		distDir = path.Dir(distDir) // the finding points at METADATA
	}
	site := path.Dir(distDir)
	if !python.IsSiteDir(site) {
		p.errorf("%s: reported as an installed distribution, but not in a site directory: not moved", distDir)
		return
	}
	env := envPrefix(site)
	clean := pk.LastClean
	if clean == "" {
		clean = pk.FirstClean
	}
	if clean != "" {
		p.reinstall[env+"\x00"+site+"\x00"+pk.Name] = Reinstall{Env: env, Package: pk.Name, Version: version,
			Command: reinstallCommand(site, env, pk.Name, clean, pk.FirstClean)}
	}
	if !strings.HasSuffix(distDir, ".dist-info") {
		p.errorf("%s: %s %s is installed as egg-info, which lists no files: remove it with that environment's pip (pip uninstall %s)", distDir, name, version, pk.Name)
		return
	}
	reason := fmt.Sprintf("file of %s %s (%s)", pk.Name, version, pk.Description)
	user := f.User
	add := func(tp string, fromFinding bool) {
		t := Target{Path: tp, Kind: KindPackageFile, Indicator: pk.ID, Reason: reason, User: user, Env: env}
		if fromFinding {
			t.Finding = f.ID
		}
		p.put(t)
	}
	for _, n := range []string{"METADATA", "RECORD"} {
		tp := distDir + "/" + n
		if fi, err := fs.Lstat(p.fsys, sweep.Rel(tp)); err == nil && !fi.IsDir() {
			add(tp, n == "METADATA")
		}
	}
	rec, err := sweep.ReadFileLimit(p.fsys, sweep.Rel(distDir+"/RECORD"), 64<<20)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			p.errorf("%s/RECORD: %s: only METADATA and RECORD of %s %s are moved", distDir, sweep.TrimPathErr(err), name, version)
		}
		return
	}
	rows, errs := python.ParseRecord(rec)
	for _, e := range errs {
		p.errorf("%s/RECORD: %v: files it lists past that point are not moved", distDir, e)
	}
	for _, row := range rows {
		rel := row.Path
		if rel == "" || strings.HasPrefix(rel, "/") {
			continue
		}
		tp := path.Clean(path.Join(site, rel))
		// RECORD paths may climb to bin/ of the environment, never above it.
		if !hasPrefixPath(tp, site) && (env == "" || !hasPrefixPath(tp, env)) {
			p.errorf("%s/RECORD lists %q outside its environment: not moved", distDir, rel)
			continue
		}
		fi, err := fs.Lstat(p.fsys, sweep.Rel(tp))
		if err != nil || fi.IsDir() {
			continue
		}
		add(tp, false)
	}
}

// SortTargets orders targets the way remediation acts: links, units,
// scripts, then hooks and package files, staging last. A distribution's
// RECORD and METADATA move after its other files, METADATA last: a run cut
// short (a full disk, a crash, Ctrl-C) leaves what identifies the
// distribution to the sweep (its METADATA) in place, so the next run, into
// any evidence directory, finds and finishes the rest.
func SortTargets(ts []Target) {
	sort.SliceStable(ts, func(i, j int) bool {
		if a, b := ts[i].Guard != "", ts[j].Guard != ""; a != b {
			return a // a dead-man switch is disarmed before any other step
		}
		if a, b := rankKind(ts[i].Kind), rankKind(ts[j].Kind); a != b {
			return a < b
		}
		if a, b := identityRank(ts[i]), identityRank(ts[j]); a != b {
			return a < b
		}
		return ts[i].Path < ts[j].Path
	})
}

// identityRank puts the files that identify an installed distribution last.
func identityRank(t Target) int {
	if t.Kind != KindPackageFile || !strings.HasSuffix(path.Dir(t.Path), ".dist-info") {
		return 0
	}
	switch path.Base(t.Path) {
	case "RECORD":
		return 1
	case "METADATA":
		return 2
	}
	return 0
}

func rankKind(k string) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// envPrefix returns the environment prefix of a site directory:
// <prefix>/lib/pythonX.Y/site-packages -> <prefix>.
func envPrefix(site string) string {
	lib := path.Dir(site) // .../lib/python3.11
	if strings.HasPrefix(path.Base(lib), "python") && path.Base(path.Dir(lib)) == "lib" {
		return path.Dir(path.Dir(lib))
	}
	if path.Base(lib) == "python3" && path.Base(path.Dir(lib)) == "lib" { // Debian dist-packages
		return path.Dir(path.Dir(lib))
	}
	return ""
}

// reinstallCommand is the exact command a responder runs (never litesweep)
// to put a clean version back into that environment.
func reinstallCommand(site, env, pkg, clean, firstClean string) string {
	spec := fmt.Sprintf("'%s==%s'", pkg, clean)
	alt := ""
	if firstClean != "" && firstClean != clean {
		alt = fmt.Sprintf(" (or '%s>=%s')", pkg, firstClean)
	}
	lib := path.Base(path.Dir(site))
	switch {
	case strings.Contains(site, "/.local/lib/"):
		return fmt.Sprintf("%s -m pip install --user --no-cache-dir %s%s", lib, spec, alt)
	case env == "/usr" || env == "/usr/local":
		py := lib
		if py == "python3" || !strings.HasPrefix(py, "python") {
			py = "python3"
		}
		return fmt.Sprintf("%s/bin/%s -m pip install --no-cache-dir %s%s", env, py, spec, alt)
	case env != "":
		return fmt.Sprintf("%s/bin/python -m pip install --no-cache-dir %s%s", env, spec, alt)
	}
	return fmt.Sprintf("python3 -m pip install --no-cache-dir --target %s %s%s", site, spec, alt)
}

func hasPrefixPath(p, base string) bool {
	return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}

// startedEqual compares a process start time with the one recorded.
func startedEqual(a time.Time, b *time.Time) bool { return b == nil || a.Equal(*b) }

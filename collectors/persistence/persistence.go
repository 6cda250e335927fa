// Package persistence finds the campaign's persistence and staging
// artefacts in a swept tree, per user and system-wide, without running or
// following anything:
//
//   - the pack's persistence paths ("~/" expanded for every home resolved
//     from the tree, root's included; absolute ones inside the root), such
//     as the user's persistence script and its systemd user unit,
//     its default.target.wants / multi-user.target.wants enablement
//     symlinks (link text read with fs.ReadLink, never followed), the
//     Kubernetes-node units and scripts, /tmp/pglog and /tmp/.pg_state;
//   - files named like a persistence script of the pack
//     anywhere, by SHA-256 and by the pack's strings;
//   - systemd unit files in /etc/systemd and users' ~/.config/systemd by
//     content: Description "System Telemetry Service" or any string of the
//     pack, or an ExecStart= naming a persistence script of the pack;
//   - enablement symlinks (*.wants/<unit>) of the pack's unit names;
//   - whatever runs by itself (autostart.go): crontabs (/etc/crontab,
//     /etc/cron.d, the spools), /etc/anacrontab, queued at jobs, shell
//     start-up files, XDG autostart entries, systemd units, drop-ins and
//     timers, launchd plists (XML and binary), Windows Task Scheduler
//     files, and the pack's hook files (.claude/settings.json hooks,
//     .vscode/tasks.json folderOpen tasks), each read as the program that
//     runs it reads it; an entry is a finding when its command runs the
//     campaign (runs: a pack persistence path, process indicator, strong
//     string or bad install) or carries its pack entry's markers. A file
//     at a pack path or with a pack unit name or launchd label is the
//     campaign's; an entry with markers only with the campaign's content;
//   - staging files (Matcher.StagingAt: a staging name of the pack such
//     as tpcp.tar.gz, payload.enc, session.key.enc, runner_collected_*.txt
//     in any temporary directory of iocs.TempDirs: /tmp, /var/tmp,
//     /private/tmp, /private/var/folders and /var/folders (macOS),
//     /run/user (when walked), users' ~/tmp, ~/.tmp and
//     AppData/Local/Temp, and Windows/Temp). Staging files are never read:
//     they hold encrypted stolen credentials.
//
// Every hit is critical (or the pack's severity) with size, SHA-256 when
// hashed, mtime, ctime and owner.
package persistence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Name is the collector's registry name.
const Name = "persistence/files"

const maxUnit = 256 << 10

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// MaxHashSize caps bytes hashed or scanned per file (default 64 MiB).
	MaxHashSize int64
}

// Collector is the persistence and staging collector.
type Collector struct {
	o         Options
	m         *iocs.Matcher
	judge     *installcmd.Judge
	exact     map[string]*iocs.PathIOC // absolute tree path -> indicator
	scripts   map[string]*iocs.FileIOC // base names of persistence scripts
	units     map[string]*iocs.PathIOC // unit and timer base names (NAME.service) -> indicator
	labels    map[string]*iocs.PathIOC // launchd labels and task names -> indicator
	homeTails []homeTail               // "~/" paths a command can name under any home
	absRun    map[string]*iocs.PathIOC // absolute paths a command can run
	rels      []relPath                // relative paths: trailing components anywhere
	relBase   map[string]bool          // base names of rels (FileRequired prefilter)
	globs     []globPath               // paths whose base name is a glob
	temps     []string                 // temp roots (iocs.TempDirs)
	unitDirs  []string                 // systemd dirs whose units are read
	homes     map[string]bool          // every home, root's included

	mu      sync.Mutex
	flagged map[string]*sweep.Indicator // unit base name -> the indicator it was reported with
	timers  []timer
}

type homeTail struct {
	tail string // "/.config/NAME/NAME.py"
	pi   *iocs.PathIOC
}

type relPath struct {
	rel string
	pi  *iocs.PathIOC
}

type globPath struct {
	dir  string // absolute dir, or a home-relative "/.config/x" (home), or "" for anywhere
	home bool
	base string
	pi   *iocs.PathIOC
}

// timer is a systemd timer seen in the walk, matched against the units
// reported when the walk is over.
type timer struct {
	f      sweep.Location
	name   string
	target string
	sched  []string
	ff     facts
	path   string
}

// New returns a collector.
func New(o Options) *Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 64 << 20
	}
	c := &Collector{o: o, m: o.Matcher, judge: installcmd.NewJudge(o.Matcher), exact: map[string]*iocs.PathIOC{}, scripts: map[string]*iocs.FileIOC{},
		units: map[string]*iocs.PathIOC{}, labels: map[string]*iocs.PathIOC{}, absRun: map[string]*iocs.PathIOC{},
		relBase: map[string]bool{}, homes: map[string]bool{"/root": true}, flagged: map[string]*sweep.Indicator{}}
	for _, h := range o.Homes {
		c.homes[h.Dir] = true
	}
	runnable := func(k string) bool { return k == "script" || k == "binary" || k == "dropper" }
	p := o.Matcher.Pack()
	for i := range p.Persistence {
		pi := &p.Persistence[i]
		rest, home := strings.CutPrefix(pi.Path, "~/")
		abs := !home && strings.HasPrefix(pi.Path, "/")
		base := path.Base(pi.Path)
		switch {
		case strings.ContainsAny(base, "*?[\\"):
			dir := path.Dir(rest)
			switch {
			case home:
				c.globs = append(c.globs, globPath{dir: "/" + dir, home: true, base: base, pi: pi})
			case abs:
				c.globs = append(c.globs, globPath{dir: path.Clean(dir), base: base, pi: pi})
			default:
				c.globs = append(c.globs, globPath{dir: "/" + dir, home: true, base: base, pi: pi})
			}
		case home:
			for h := range c.homes {
				c.exact[path.Join(h, rest)] = pi
			}
			if runnable(pi.Kind) {
				c.homeTails = append(c.homeTails, homeTail{"/" + rest, pi})
			}
		case abs:
			c.exact[path.Clean(pi.Path)] = pi
			if runnable(pi.Kind) {
				c.absRun[path.Clean(pi.Path)] = pi
			}
		default:
			c.rels = append(c.rels, relPath{rest, pi})
			c.relBase[base] = true
		}
		switch pi.Kind {
		case "unit", "timer":
			c.units[base] = pi
		case "launchd", "task":
			if pi.Label != "" {
				c.labels[pi.Label] = pi
			}
		}
	}
	for i := range p.Files {
		if p.Files[i].Kind == "persistence-script" {
			c.scripts[p.Files[i].Name] = &p.Files[i]
		}
	}
	var dirs []string
	for _, h := range o.Homes {
		dirs = append(dirs, h.Dir)
	}
	c.temps = iocs.TempDirs(dirs)
	c.unitDirs = []string{"/etc/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd", "/lib/systemd", "/run/systemd/system", "/run/systemd/user"}
	for h := range c.homes {
		c.unitDirs = append(c.unitDirs, h+"/.config/systemd", h+"/.local/share/systemd")
	}
	return c
}

// lookup returns the pack entry for a file at p: an exact path, a relative
// path's trailing components, a globbed base name.
func (c *Collector) lookup(p, name string) *iocs.PathIOC {
	if pi, ok := c.exact[p]; ok {
		return pi
	}
	if c.relBase[name] {
		for _, r := range c.rels {
			if strings.HasSuffix(p, "/"+r.rel) {
				return r.pi
			}
		}
	}
	for _, g := range c.globs {
		if !matchBase(g.base, name) {
			continue
		}
		dir := path.Dir(p)
		if g.home && strings.HasSuffix(dir, g.dir) && (g.pi.Path[0] != '~' || c.homes[strings.TrimSuffix(dir, g.dir)]) {
			return g.pi
		}
		if !g.home && dir == g.dir {
			return g.pi
		}
	}
	return nil
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return Name }

func under(p, base string) bool { return strings.HasPrefix(p, base+"/") }

func (c *Collector) inUnitDir(p string) bool {
	for _, d := range c.unitDirs {
		if under(p, d) {
			return true
		}
	}
	return false
}

// FileRequired implements sweep.Collector: path tests only.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	if c.lookup(e.Path, e.Name) != nil {
		return true
	}
	if _, ok := c.scripts[e.Name]; ok {
		return true
	}
	if _, ok := c.m.StagingAt(e.Path, c.temps); ok {
		return true
	}
	return c.formatOf(e.Path, e.Name) != fNone
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	if s, ok := c.m.StagingAt(f.Path, c.temps); ok {
		c.staging(f, s, out)
		return
	}
	pi := c.lookup(f.Path, f.Name)
	if pi == nil && strings.HasSuffix(path.Dir(f.Path), ".wants") && f.IsSymlink() {
		// an enablement link of a pack unit in any systemd directory
		if u, ok := c.units[f.Name]; ok {
			c.enablement(f, u, out)
			return
		}
	}
	if pi != nil && (pi.Kind == "unit-link" || f.IsSymlink()) {
		c.enablement(f, pi, out)
		return
	}
	fm := c.formatOf(f.Path, f.Name)
	if pi != nil && pi.Kind == "hook" {
		fm = map[string]format{"claude-settings": fClaude, "vscode-tasks": fVSCodeTasks}[pi.Format]
	}
	switch fm {
	case fUnit, fTimer:
		c.unit(f, pi, fm, out)
	case fNone:
		c.content(f, pi, out)
	default:
		c.scheduled(f, fm, pi, out)
	}
}

func (c *Collector) emit(out sweep.Sink, f sweep.Finding, p string, ff facts) {
	f.Collector = Name
	f.User = sweep.UserOf(c.o.Homes, p)
	if f.User == "" && ff.uid >= 0 {
		f.User = userOf(ff.uid, c.o.Homes)
	}
	out.Finding(f)
}

func (c *Collector) errorAt(out sweep.Sink, loc sweep.Location, kind sweep.ErrorKind, msg string) {
	out.Error(sweep.Error{Location: loc, Collector: Name, Message: msg, Kind: kind})
}

type facts struct {
	size         int64
	mode         fs.FileMode
	mtime, ctime time.Time
	uid          int
}

func factsOf(f *sweep.File) facts {
	ff := facts{uid: -1}
	fi, err := f.Info()
	if err != nil || fi == nil {
		return ff
	}
	ff.size, ff.mode, ff.mtime = fi.Size(), fi.Mode(), fi.ModTime().UTC()
	if t, ok := sweep.ChangeTime(fi); ok {
		ff.ctime = t.UTC()
	}
	if u, ok := sweep.Owner(fi); ok {
		ff.uid = u
	}
	return ff
}

func userOf(uid int, homes []sweep.Home) string {
	for _, h := range homes {
		if h.UID == uid {
			return h.User
		}
	}
	return ""
}

func (ff facts) evidence(homes []sweep.Home) sweep.Evidence {
	ev := sweep.Evidence{Size: ff.size}
	if ff.mode != 0 {
		ev.Mode = ff.mode.String()
	}
	if !ff.mtime.IsZero() {
		t := ff.mtime
		ev.ModTime = &t
		t2 := ff.mtime
		ev.Time = &t2
	}
	if !ff.ctime.IsZero() {
		ev.Details = append(ev.Details, "ctime "+ff.ctime.Format(time.RFC3339))
	}
	if ff.uid >= 0 {
		ev.Owner = sweep.OwnerName(ff.uid, homes)
	}
	return ev
}

func sev(s string) sweep.Severity {
	if v, err := sweep.ParseSeverity(s); err == nil {
		return v
	}
	return sweep.Critical
}

func ind(id, kind string, p iocs.Provenance) *sweep.Indicator {
	return &sweep.Indicator{ID: id, Kind: kind, Confidence: string(p.Confidence), Sources: p.Sources}
}

// staging reports a staging file by name; its content is never read.
func (c *Collector) staging(f *sweep.File, s *iocs.StagingIOC, out sweep.Sink) {
	ff := factsOf(f)
	ev := ff.evidence(c.o.Homes)
	ev.Details = append(ev.Details, "content not read (encrypted stolen data)")
	c.emit(out, sweep.Finding{Severity: sev(s.Severity), Category: CatStaging,
		Title:    fmt.Sprintf("exfiltration staging file %s in a temporary directory", f.Name),
		Location: f.Location(), Evidence: ev, Indicator: ind(s.ID, "staging", s.Provenance)}, f.Path, ff)
}

// enablement reports a unit enablement symlink by its link text.
func (c *Collector) enablement(f *sweep.File, pi *iocs.PathIOC, out sweep.Sink) {
	ff := factsOf(f)
	ev := ff.evidence(c.o.Homes)
	ev.Size = 0
	title := fmt.Sprintf("%s enabled (%s)", f.Name, path.Base(path.Dir(f.Path)))
	if f.IsSymlink() {
		t, err := fs.ReadLink(f.FS, sweep.Rel(f.Path))
		if err != nil {
			c.errorAt(out, f.Location(), sweep.ErrKindError, "read link: "+sweep.TrimPathErr(err))
		} else {
			ev.Text = "-> " + t
			// A pack entry with markers: the link enables the campaign's
			// unit only when the unit it names carries them. The unit is
			// read inside the root; one that cannot be read keeps the
			// finding.
			owner := pi
			if len(owner.Markers) == 0 {
				owner = c.units[f.Name]
			}
			if owner != nil && len(owner.Markers) > 0 {
				target := t
				if !path.IsAbs(target) {
					target = path.Join(path.Dir(f.Path), target)
				}
				if b, err := f.ReadPath(path.Clean(target), maxUnit); err == nil {
					if !c.unitRunsCampaign(b, owner) {
						return // enables a unit of the same name that is not the campaign's
					}
					ev.Details = append(ev.Details, "the unit it enables carries the campaign's content")
				} else {
					ev.Details = append(ev.Details, "the unit it enables could not be read: "+sweep.TrimPathErr(err))
				}
			}
		}
	} else {
		ev.Details = append(ev.Details, "a regular file, not a symlink")
	}
	c.emit(out, sweep.Finding{Severity: sev(pi.Severity), Category: CatPersistence, Title: title,
		Location: f.Location(), Evidence: ev, Indicator: ind(pi.ID, "persistence", pi.Provenance)}, f.Path, ff)
}

// content reads a persistence path or a script named like the pack's,
// and reports what matches. An entry with markers is the campaign's only
// when the file carries one (or its hash or a strong string matches).
func (c *Collector) content(f *sweep.File, pi *iocs.PathIOC, out sweep.Sink) {
	ff := factsOf(f)
	script := c.scripts[f.Name]
	ev := ff.evidence(c.o.Homes)
	var why []string
	var hashHit *iocs.FileIOC
	var hits []*iocs.StringIOC
	marker := ""
	b, ok := c.read(f, ff, c.o.MaxHashSize, &ev, out)
	if ok {
		sum := sha256.Sum256(b)
		ev.SHA256 = hex.EncodeToString(sum[:])
		if fi, ok := c.m.File(ev.SHA256); ok {
			hashHit = fi
			why = append(why, "SHA-256 matches "+fi.ID)
		}
		for _, s := range c.m.Strings(b) {
			hits = append(hits, s)
			why = append(why, "contains "+s.ID)
		}
		if marker = markersIn(pi, string(b)); marker != "" {
			why = append(why, "carries "+marker+" ("+pi.ID+")")
		}
		if len(hits) > 0 && !bytes.ContainsRune(b[:min(len(b), 4096)], 0) {
			ev.Text = lineWith(b, hits[0].Value)
		}
	}
	strong := false
	for _, s := range hits {
		strong = strong || !s.Weak
	}
	if pi != nil && len(pi.Markers) > 0 && marker == "" && hashHit == nil && !strong {
		pi = nil // a file of the same name whose content is not the campaign's
	}
	ev.Details = append(ev.Details, why...)
	if pi != nil && ev.SHA256 != "" && !f.IsSymlink() && (pi.Kind == "script" || pi.Kind == "binary" || pi.Kind == "dropper") {
		// A file at a persistence path is the campaign's by where it is:
		// its hash finds renamed copies anywhere in the sweep.
		kind := "persistence-script"
		if pi.Kind == "binary" {
			kind = "binary"
		}
		l := sweep.Learned{SHA256: ev.SHA256, Size: ff.size, Name: f.Name, Kind: kind, Location: f.Location(),
			Reason: fmt.Sprintf("at persistence path %s (indicator %s)", pi.Path, pi.ID)}
		if hashHit != nil {
			l.PackIndicator = hashHit.ID
		}
		sweep.LearnFrom(out, l)
	}
	switch {
	case pi != nil:
		c.emit(out, sweep.Finding{Severity: sev(pi.Severity), Category: CatPersistence,
			Title:    fmt.Sprintf("persistence artefact %s present (%s)", f.Name, pi.Kind),
			Location: f.Location(), Evidence: ev, Indicator: ind(pi.ID, "persistence", pi.Provenance)}, f.Path, ff)
	case hashHit != nil:
		c.emit(out, sweep.Finding{Severity: sev(hashHit.Severity), Category: CatPersistence,
			Title:    fmt.Sprintf("persistence script %s (known malicious hash)", f.Name),
			Location: f.Location(), Evidence: ev, Indicator: ind(hashHit.ID, "file", hashHit.Provenance)}, f.Path, ff)
	case script != nil && strong:
		c.emit(out, sweep.Finding{Severity: sweep.Critical, Category: CatPersistence,
			Title:    fmt.Sprintf("persistence script %s carries the campaign's strings", f.Name),
			Location: f.Location(), Evidence: ev, Indicator: ind(hits[0].ID, "string", hits[0].Provenance)}, f.Path, ff)
	}
}

// read reads a file for content checks up to limit bytes, recording why
// it could not (a symlink is described, never followed).
func (c *Collector) read(f *sweep.File, ff facts, limit int64, ev *sweep.Evidence, out sweep.Sink) ([]byte, bool) {
	if f.IsSymlink() {
		if t, err := fs.ReadLink(f.FS, sweep.Rel(f.Path)); err == nil {
			ev.Details = append(ev.Details, "symlink to "+t+" (not followed)")
		}
		return nil, false
	}
	if ff.size > limit {
		c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", limit))
		return nil, false
	}
	r, err := f.Open()
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "open: "+sweep.TrimPathErr(err))
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	r.Close()
	switch {
	case err != nil:
		c.errorAt(out, f.Location(), sweep.ErrKindError, "read: "+sweep.TrimPathErr(err))
		return nil, false
	case int64(len(b)) > limit:
		c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", limit))
		return nil, false
	}
	return b, true
}

// unit reads a systemd unit, drop-in or timer. It is the campaign's when
// it is at a pack path (with the entry's markers when it has any); when
// it has a pack unit's name elsewhere and carries the campaign's content;
// or, whatever its name, when an Exec*= runs the campaign (runs) or it
// carries a strong pack string. A timer is reported after the walk when
// the unit it triggers was.
func (c *Collector) unit(f *sweep.File, pi *iocs.PathIOC, fm format, out sweep.Sink) {
	ff := factsOf(f)
	ev := ff.evidence(c.o.Homes)
	limit := int64(maxUnit)
	if pi != nil {
		limit = c.o.MaxHashSize
	}
	b, ok := c.read(f, ff, limit, &ev, out)
	name := f.Name
	if fm == fUnit && strings.HasSuffix(f.Name, ".conf") {
		name = strings.TrimSuffix(path.Base(path.Dir(f.Path)), ".d") // foo.service.d/x.conf -> foo.service
	}
	byName := c.units[name]
	if !ok {
		if pi != nil {
			c.emit(out, sweep.Finding{Severity: sev(pi.Severity), Category: CatPersistence,
				Title:    fmt.Sprintf("persistence artefact %s present (%s)", f.Name, pi.Kind),
				Location: f.Location(), Evidence: ev, Indicator: ind(pi.ID, "persistence", pi.Provenance)}, f.Path, ff)
		}
		return
	}
	sum := sha256.Sum256(b)
	ev.SHA256 = hex.EncodeToString(sum[:])
	ex, target, sched := unitFile(b)
	var ms []match
	text := ""
	for _, e := range ex {
		m := c.runs(e.cmd, nil)
		if len(m) > 0 && text == "" {
			text = e.where + entryEvidence(e, m, "")
		}
		ms = append(ms, m...)
	}
	var strong []*iocs.StringIOC
	for _, s := range c.m.Strings(b) {
		if !s.Weak {
			strong = append(strong, s)
			ev.Details = append(ev.Details, "contains "+s.ID)
		}
	}
	owner := pi
	if owner == nil {
		owner = byName
	}
	marker := markersIn(owner, string(b))
	if marker != "" {
		ev.Details = append(ev.Details, "carries "+marker+" ("+owner.ID+")")
	}
	ev.Details = append(ev.Details, whys(ms)...)
	if text == "" && len(strong) > 0 {
		text = keyLine(b, strong[0].Value)
	}
	ev.Text = text
	content := marker != "" || len(ms) > 0 || len(strong) > 0
	var in *sweep.Indicator
	severity := sweep.Critical
	switch {
	case pi != nil && (len(pi.Markers) == 0 || content):
		in, severity = ind(pi.ID, "persistence", pi.Provenance), sev(pi.Severity)
	case byName != nil && content:
		in, severity = ind(byName.ID, "persistence", byName.Provenance), sev(byName.Severity)
	case len(ms) > 0:
		w := worst(ms)
		in, severity = w.ind, w.sev
	case len(strong) > 0:
		in = ind(strong[0].ID, "string", strong[0].Provenance)
	}
	if fm == fTimer {
		if target == "" {
			target = strings.TrimSuffix(f.Name, ".timer") + ".service"
		}
		c.mu.Lock()
		c.timers = append(c.timers, timer{f: f.Location(), name: f.Name, target: target, sched: sched, ff: ff, path: f.Path})
		c.mu.Unlock()
	}
	if in == nil {
		return
	}
	c.mu.Lock()
	if c.flagged[name] == nil {
		c.flagged[name] = in
	}
	c.mu.Unlock()
	what := "systemd unit"
	if fm == fTimer {
		what = "systemd timer"
	} else if name != f.Name {
		what = "systemd drop-in for " + name
	}
	title := fmt.Sprintf("%s %s runs the campaign's persistence", what, f.Name)
	if owner != nil && in.ID == owner.ID {
		title = fmt.Sprintf("persistence artefact %s present (%s)", f.Name, owner.Kind)
	}
	c.emit(out, sweep.Finding{Severity: severity, Category: CatPersistence,
		Title:    title,
		Location: f.Location(), Evidence: ev, Indicator: in}, f.Path, ff)
}

// unitRunsCampaign reports whether a unit's text carries owner's markers,
// runs the campaign (runs) or carries a strong pack string.
func (c *Collector) unitRunsCampaign(b []byte, owner *iocs.PathIOC) bool {
	if markersIn(owner, string(b)) != "" {
		return true
	}
	ex, _, _ := unitFile(b)
	for _, e := range ex {
		if len(c.runs(e.cmd, nil)) > 0 {
			return true
		}
	}
	for _, s := range c.m.Strings(b) {
		if !s.Weak {
			return true
		}
	}
	return false
}

// Finish implements sweep.Finisher: a timer whose unit was reported is
// reported too (it starts the unit again on its schedule).
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		in := c.flagged[t.target]
		if in == nil || c.flagged[t.name] != nil {
			continue
		}
		ev := t.ff.evidence(c.o.Homes)
		ev.Details = append(ev.Details, "triggers "+t.target+", reported as the campaign's ("+in.ID+")")
		if len(t.sched) > 0 {
			ev.Text = strings.Join(t.sched, " ")
		}
		c.emit(out, sweep.Finding{Severity: sweep.Critical, Category: CatPersistence,
			Title:    fmt.Sprintf("systemd timer %s starts a unit of the campaign", t.name),
			Location: t.f, Evidence: ev, Indicator: in}, t.path, t.ff)
	}
	c.timers = nil
}

// keyLine shows the unit line holding a pack string as KEY=…value…, with
// only the pack's text kept.
func keyLine(b []byte, needle string) string {
	l := lineWith(b, needle)
	k, v, ok := strings.Cut(l, "=")
	if !ok || !keyRe.MatchString(k) {
		return sweep.KeptPart(l, []string{needle})
	}
	return k + "=" + sweep.KeptPart(v, []string{needle})
}

var keyRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,40}$`)

func lineWith(b []byte, needle string) string {
	s := string(b)
	i := strings.Index(s, needle)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		end = len(s) - i
	}
	return truncate(strings.TrimSpace(s[start:i+end]), 240)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

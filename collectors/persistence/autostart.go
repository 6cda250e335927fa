package persistence

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// maxScheduled caps the bytes of one scheduler, start-up or hook file read.
const maxScheduled = 8 << 20

// format is how a file that makes things run by themselves is read.
type format int

const (
	fNone        format = iota
	fCrontab            // /etc/crontab, /etc/cron.d/*: a user field after the schedule
	fSpool              // a user's crontab in a cron spool
	fAnacron            // /etc/anacrontab
	fAtJob              // a queued at(1) job
	fShell              // a shell start-up file
	fDesktop            // an XDG autostart .desktop file
	fUnit               // a systemd unit or drop-in with Exec*= settings
	fTimer              // a systemd timer
	fLaunchd            // a launchd job plist
	fTask               // a Windows Task Scheduler task file
	fClaude             // a Claude Code settings.json (pack hook format)
	fVSCodeTasks        // a VS Code tasks.json (pack hook format)
)

// shared reports whether a file of this format holds entries of others
// (a crontab, a start-up file, an editor's settings): a match is the
// entry's, and the file is edited, not moved aside.
func (f format) shared() bool {
	switch f {
	case fCrontab, fSpool, fAnacron, fShell, fClaude, fVSCodeTasks:
		return true
	}
	return false
}

// Start-up files of a shell in a home, and system-wide ones.
var (
	homeRC = map[string]bool{".bashrc": true, ".bash_profile": true, ".bash_login": true, ".profile": true,
		".zshrc": true, ".zprofile": true, ".zshenv": true, ".zlogin": true, ".kshrc": true, ".mkshrc": true}
	systemRC = map[string]bool{"/etc/profile": true, "/etc/bash.bashrc": true, "/etc/bashrc": true, "/etc/zshrc": true,
		"/etc/zprofile": true, "/etc/zshenv": true, "/etc/zlogin": true, "/etc/zsh/zshrc": true, "/etc/zsh/zprofile": true,
		"/etc/zsh/zshenv": true, "/etc/zsh/zlogin": true, "/etc/fish/config.fish": true, "/etc/environment": false}
	cronSpools   = map[string]bool{"/var/spool/cron/crontabs": true, "/var/spool/cron/tabs": true, "/var/cron/tabs": true, "/var/at/tabs": true, "/usr/lib/cron/tabs": true}
	atSpools     = map[string]bool{"/var/spool/cron/atjobs": true, "/var/spool/at": true, "/var/at/jobs": true, "/usr/lib/cron/jobs": true}
	launchdDirs  = map[string]bool{"/Library/LaunchAgents": true, "/Library/LaunchDaemons": true, "/System/Library/LaunchAgents": true, "/System/Library/LaunchDaemons": true}
	notCronSpool = map[string]bool{"atjobs": true, "atspool": true, "crontabs": true, "tabs": true, "lastrun": true, "deny": true, "allow": true}
)

// formatOf is the format of the file at p, by path alone.
func (c *Collector) formatOf(p, name string) format {
	dir := path.Dir(p)
	switch {
	case p == "/etc/crontab" || dir == "/etc/cron.d":
		return fCrontab
	case cronSpools[dir] || (dir == "/var/spool/cron" && !notCronSpool[name]):
		return fSpool
	case p == "/etc/anacrontab":
		return fAnacron
	case atSpools[dir] && !strings.HasPrefix(name, "."):
		return fAtJob
	case homeRC[name] && c.homes[dir], systemRC[p], dir == "/etc/profile.d" && strings.HasSuffix(name, ".sh"):
		return fShell
	case strings.HasSuffix(name, ".fish") && (strings.HasSuffix(dir, "/.config/fish") || strings.HasSuffix(dir, "/.config/fish/conf.d") || dir == "/etc/fish/conf.d"):
		return fShell
	case strings.HasSuffix(name, ".desktop") && (dir == "/etc/xdg/autostart" || (strings.HasSuffix(dir, "/.config/autostart") && c.homes[strings.TrimSuffix(dir, "/.config/autostart")])):
		return fDesktop
	case strings.HasSuffix(name, ".plist") && (launchdDirs[dir] || (strings.HasSuffix(dir, "/Library/LaunchAgents") && c.homes[strings.TrimSuffix(dir, "/Library/LaunchAgents")])):
		return fLaunchd
	case taskDir(p):
		return fTask
	}
	switch {
	case strings.HasSuffix(name, ".service") && c.inUnitDir(p):
		return fUnit
	case strings.HasSuffix(name, ".timer") && c.inUnitDir(p):
		return fTimer
	case strings.HasSuffix(name, ".conf") && strings.HasSuffix(dir, ".service.d") && c.inUnitDir(p):
		return fUnit // a drop-in (foo.service.d/override.conf) can replace ExecStart
	}
	return fNone
}

// taskDir reports whether p is a task file of a mounted Windows disk's
// Task Scheduler store (Windows/System32/Tasks, any depth, any case).
func taskDir(p string) bool {
	const tasks = "/windows/system32/tasks/"
	return len(p) > len(tasks) && strings.EqualFold(p[:len(tasks)], tasks)
}

// match is one reason an entry is the campaign's: a pack persistence path
// it runs, a pack string or process indicator its command carries, an
// install of a bad release, or a marker of the file's own pack entry.
type match struct {
	ind  *sweep.Indicator
	sev  sweep.Severity
	why  string
	keep string // the pack's text, shown in evidence
}

var wordTrim = "\"'`;&|()<>{}"

// words splits a command into words for matching and evidence (quotes
// dropped; a word's text is only ever shown through CommandEvidence).
func words(cmd string) []string {
	f := strings.Fields(cmd)
	out := f[:0]
	for _, w := range f {
		if w = strings.Trim(w, wordTrim); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// runs is the one rule for a command a scheduler, a service manager, a
// shell or a hook runs: it names a persistence path of the pack (a "~/"
// path under any home, an absolute path exactly, a relative path as
// trailing components, a globbed drop), or a persistence script of the
// pack by name; it carries a strong pack string (a domain only inside a
// URL); it is a pack process indicator's command line; or it installs a
// bad release (installcmd, the one install-command parser).
func (c *Collector) runs(cmd string, argv []string) []match {
	var out []match
	seen := map[string]bool{}
	add := func(m match) {
		if !seen[m.ind.ID] {
			seen[m.ind.ID] = true
			out = append(out, m)
		}
	}
	ws := words(cmd)
	for _, w := range append(ws, argv...) {
		w = strings.Trim(w, wordTrim)
		if pi, shown := c.pathIn(w); pi != nil {
			add(match{ind(pi.ID, "persistence", pi.Provenance), sev(pi.Severity), "runs " + pi.Path + " (" + pi.ID + ")", shown})
		}
		if fi, ok := c.scripts[path.Base(w)]; ok {
			// a name alone is shared with legitimate scripts: AT-RISK
			// unless something else of the entry is the campaign's
			add(match{ind(fi.ID, "file", fi.Provenance), sweep.Medium, "runs a script named " + fi.Name + " (" + fi.ID + ")", fi.Name})
		}
	}
	all := cmd + " " + strings.Join(argv, " ")
	for _, s := range c.m.Strings([]byte(all)) {
		if s.Weak || (s.Kind == "domain" && !inURL(all, s.Value)) {
			continue
		}
		add(match{ind(s.ID, "string", s.Provenance), sweep.Critical, "carries " + s.ID, s.Value})
	}
	for _, simple := range simpleCommands(all) {
		for _, p := range c.m.Processes("", simple) {
			add(match{ind(p.ID, "process", p.Provenance), sev(p.Severity), "is the command line of " + p.ID, strings.Join(p.All, " ")})
		}
	}
	for _, in := range c.judge.Installs(all, installcmd.POSIX) {
		if len(in.Admits) == 0 {
			continue
		}
		m := match{ind(in.Package.ID, "package", in.Package.Provenance), sweep.High, in.Tool + " of a bad " + in.Package.Name + " release", in.Package.Name}
		if in.Exact == "" {
			m.sev, m.why = sweep.Medium, in.Tool+" of a "+in.Package.Name+" range that admits a bad release"
		}
		add(m)
	}
	return out
}

// inURL reports whether v occurs inside a word that is a URL.
func inURL(s, v string) bool {
	for _, w := range strings.Fields(s) {
		if strings.Contains(w, v) && strings.Contains(w, "://") {
			return true
		}
	}
	return false
}

// wrapperWords run the command after them.
var wrapperWords = map[string]bool{"sudo": true, "doas": true, "env": true, "nohup": true, "exec": true, "nice": true,
	"setsid": true, "timeout": true, "command": true, "builtin": true, "time": true}

// simpleCommands splits a command into simple commands' argv with the
// shell's own word rules (installcmd.Parse; its lenient split when the
// text does not parse), dropping leading assignments and wrappers, for the
// process indicators' rule.
func simpleCommands(s string) [][]string {
	cmds, err := installcmd.Parse(s, installcmd.POSIX)
	if err != nil {
		cmds = installcmd.Lenient(s)
	}
	var out [][]string
	for _, c := range cmds {
		var w []string
		for _, x := range c.Words {
			w = append(w, x.Lit)
		}
		for len(w) > 0 && (envLine.MatchString(w[0]) || wrapperWords[path.Base(w[0])]) {
			w = w[1:]
			for len(w) > 0 && strings.HasPrefix(w[0], "-") {
				w = w[1:]
			}
		}
		if len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}

// pathIn returns the pack persistence entry a word names as a path, and
// the pack's path as evidence shows it.
func (c *Collector) pathIn(w string) (*iocs.PathIOC, string) {
	win := strings.Contains(w, `\`)
	if win {
		// a Windows path (a scheduled task's Command): slashes, the
		// profile's variables, and no case
		w = strings.ToLower(winVars.Replace(strings.ReplaceAll(w, `\`, "/")))
	}
	if w == "" || !strings.Contains(w, "/") {
		return nil, ""
	}
	for _, t := range c.homeTails {
		if strings.HasSuffix(w, t.tail) || (win && strings.HasSuffix(w, strings.ToLower(t.tail))) {
			return t.pi, t.tail
		}
	}
	if pi, ok := c.absRun[path.Clean(w)]; ok {
		return pi, pi.Path
	}
	for _, r := range c.rels {
		if r.pi.Kind != "hook" && (w == r.rel || strings.HasSuffix(w, "/"+r.rel)) {
			return r.pi, r.rel
		}
	}
	for _, g := range c.globs {
		if g.pi.Kind == "hook" {
			continue
		}
		dir, base := path.Split(path.Clean(w))
		if (g.dir == "" || strings.TrimSuffix(dir, "/") == g.dir || (g.home && strings.HasSuffix(strings.TrimSuffix(dir, "/"), g.dir))) && matchBase(g.base, base) {
			return g.pi, g.pi.Path
		}
	}
	return nil, ""
}

// winVars are the profile variables a Windows command names a home's
// folders with.
var winVars = strings.NewReplacer("%APPDATA%", "/AppData/Roaming", "%appdata%", "/AppData/Roaming",
	"%LOCALAPPDATA%", "/AppData/Local", "%localappdata%", "/AppData/Local", "%USERPROFILE%", "", "%userprofile%", "")

func matchBase(pattern, base string) bool {
	ok, _ := path.Match(pattern, base)
	return ok
}

// markersIn returns the first of the entry's markers s carries ("" when
// none).
func markersIn(pi *iocs.PathIOC, s string) string {
	if pi == nil {
		return ""
	}
	for _, m := range pi.Markers {
		if strings.Contains(s, m) {
			return m
		}
	}
	return ""
}

// outermost drops the strings another of keep contains (a script's name
// inside its path), so evidence shows each piece of the pack's text once.
func outermost(keep []string) []string {
	var out []string
	for i, k := range keep {
		inner := false
		for j, o := range keep {
			if i != j && k != o && strings.Contains(o, k) {
				inner = true
			}
		}
		if !inner && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

var schedRe = regexp.MustCompile(`^[0-9A-Za-z@*/,= \-]{1,80}$`)

// entryEvidence is an entry's text as evidence shows it: its schedule when
// it has a schedule's shape, then its command from allow-listed parts
// (sweep.CommandEvidence) keeping the pack's text that matched.
func entryEvidence(e entry, ms []match, marker string) string {
	argv := e.argv
	if len(argv) == 0 {
		argv = words(e.cmd)
	}
	var keep []string
	for _, m := range ms {
		keep = append(keep, m.keep)
	}
	if marker != "" {
		keep = append(keep, marker)
	}
	s := sweep.CommandEvidence(argv, outermost(keep))
	if e.when != "" && schedRe.MatchString(e.when) {
		s = e.when + " " + s
	}
	return truncate(s, 400)
}

// scheduled reads a file of a scheduler, a service manager, a shell or an
// editor and reports every entry that runs the campaign. pi is the pack
// entry the file's path matched (nil when none).
func (c *Collector) scheduled(f *sweep.File, fm format, pi *iocs.PathIOC, out sweep.Sink) {
	ff := factsOf(f)
	if f.IsSymlink() {
		return // the link's target is swept where it lies
	}
	// A start-up file or crontab padded past the limit is not checked:
	// an error (INCOMPLETE), never a quiet skip.
	limit := min(c.o.MaxHashSize, maxScheduled)
	if ff.size > limit {
		c.errorAt(out, f.Location(), sweep.ErrKindError, fmt.Sprintf("not read: larger than %d bytes", limit))
		return
	}
	b, err := f.ReadAll(limit)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "read: "+sweep.TrimPathErr(err))
		return
	}
	var es []entry
	text := string(b)
	label := ""
	switch fm {
	case fCrontab:
		es = crontab(b, true)
	case fSpool:
		es = crontab(b, false)
	case fAnacron:
		es = anacrontab(b)
	case fAtJob:
		es = atJob(b)
	case fShell:
		es = shellLines(b)
	case fDesktop:
		es = desktopEntry(b)
	case fLaunchd:
		j, err := launchd(b)
		if err != nil {
			// launchd refuses a plist it cannot parse: it runs nothing.
			// Its bytes are still the pack's when they carry a marker.
			if m := markersIn(pi, text); m != "" {
				c.fileFinding(f, ff, pi, fm, nil, m, "a property list launchd cannot load", out)
			}
			return
		}
		text = strings.Join(j.strs, "\n")
		label = j.label
		if argv := j.argv(); len(argv) > 0 {
			es = append(es, entry{where: "launchd job", cmd: strings.Join(argv, " "), argv: argv})
		}
		if pi == nil {
			pi = c.labels[j.label]
		}
	case fTask:
		var err error
		es, text, err = scheduledTask(b)
		if err != nil {
			return // the Task Scheduler would not load it either
		}
		label = strings.TrimPrefix(f.Path[len("/windows/system32/tasks/")-1:], "/")
		if pi == nil {
			pi = c.labels[label]
		}
	case fClaude, fVSCodeTasks:
		var ok bool
		if fm == fClaude {
			es, ok = claudeHooks(b)
		} else {
			es, ok = vscodeTasks(b)
		}
		if !ok {
			if m := markersIn(pi, text); m != "" {
				c.fileFinding(f, ff, pi, fm, nil, m, "does not parse, so the editor does not run it", out)
			}
			return
		}
	}
	// A file that is itself the campaign's (by path or label; by name with
	// its markers) is reported once as the artefact, with what it runs.
	var all []match
	for _, e := range es {
		all = append(all, c.runs(e.cmd, e.argv)...)
	}
	if pi != nil && !fm.shared() {
		m := markersIn(pi, text)
		if len(pi.Markers) == 0 || m != "" || len(all) > 0 {
			c.fileFinding(f, ff, pi, fm, all, m, "", out)
			return
		}
	}
	for _, e := range es {
		ms := c.runs(e.cmd, e.argv)
		marker := ""
		if pi != nil && fm.shared() {
			marker = markersIn(pi, e.cmd+" "+strings.Join(e.argv, " "))
		}
		if len(ms) == 0 && marker == "" {
			continue
		}
		c.entryFinding(f, ff, fm, e, ms, pi, marker, label, out)
	}
}

// worst returns the match with the highest severity.
func worst(ms []match) match {
	w := ms[0]
	for _, m := range ms[1:] {
		if m.sev.Rank() > w.sev.Rank() {
			w = m
		}
	}
	return w
}

func whys(ms []match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.why)
	}
	return out
}

var kindNames = map[format]string{fCrontab: "crontab", fSpool: "user crontab", fAnacron: "anacrontab", fAtJob: "at job",
	fShell: "shell start-up file", fDesktop: "XDG autostart entry", fUnit: "systemd unit", fTimer: "systemd timer",
	fLaunchd: "launchd job", fTask: "scheduled task", fClaude: "Claude Code settings", fVSCodeTasks: "VS Code tasks"}

// entryFinding reports one entry of a file that runs the campaign.
func (c *Collector) entryFinding(f *sweep.File, ff facts, fm format, e entry, ms []match, pi *iocs.PathIOC, marker, label string, out sweep.Sink) {
	ev := ff.evidence(c.o.Homes)
	ev.Text = entryEvidence(e, ms, marker)
	ev.Details = append(ev.Details, whys(ms)...)
	var in *sweep.Indicator
	severity := sweep.Info
	if marker != "" {
		in, severity = ind(pi.ID, "persistence", pi.Provenance), sev(pi.Severity)
		ev.Details = append(ev.Details, "carries "+marker+" ("+pi.ID+")")
	}
	if len(ms) > 0 {
		w := worst(ms)
		if w.sev.Rank() > severity.Rank() {
			in, severity = w.ind, w.sev
		}
	}
	if e.off != "" {
		ev.Details = append(ev.Details, "present but disabled ("+e.off+"): it does not run")
		if severity.Rank() > sweep.Medium.Rank() {
			severity = sweep.Medium
		}
	}
	if label != "" && c.labels[label] != nil {
		ev.Details = append(ev.Details, "label "+label)
	}
	cat := CatPersistence
	if fm.shared() {
		cat = CatEntry
	}
	loc := f.Location()
	loc.Line = e.line
	c.emit(out, sweep.Finding{Severity: severity, Category: cat,
		Title:    fmt.Sprintf("%s: %s runs the campaign's code", kindNames[fm], e.where),
		Location: loc, Evidence: ev, Indicator: in}, f.Path, ff)
}

// fileFinding reports a file that is itself a pack artefact (a unit, a
// timer, a launchd job, a task, a hook file) with what it runs.
func (c *Collector) fileFinding(f *sweep.File, ff facts, pi *iocs.PathIOC, fm format, ms []match, marker, note string, out sweep.Sink) {
	ev := ff.evidence(c.o.Homes)
	ev.Details = append(ev.Details, whys(ms)...)
	if marker != "" {
		ev.Details = append(ev.Details, "carries "+marker+" ("+pi.ID+")")
	}
	if note != "" {
		ev.Details = append(ev.Details, note)
	}
	if len(ms) > 0 {
		keep := []string{}
		for _, m := range ms {
			keep = append(keep, m.keep)
		}
		ev.Text = truncate(strings.Join(slices.Compact(keep), " "), 400)
	}
	what := pi.Kind
	if n, ok := kindNames[fm]; ok {
		what = n
	}
	c.emit(out, sweep.Finding{Severity: sev(pi.Severity), Category: CatPersistence,
		Title:    fmt.Sprintf("%s %s of the campaign present (%s)", what, f.Name, pi.ID),
		Location: f.Location(), Evidence: ev, Indicator: ind(pi.ID, "persistence", pi.Provenance)}, f.Path, ff)
}

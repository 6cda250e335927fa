// Package persistence finds the campaign's persistence and staging
// artefacts in a swept tree, per user and system-wide, without running or
// following anything:
//
//   - the pack's persistence paths ("~/" expanded for every home resolved
//     from the tree, root's included; absolute ones inside the root), such
//     as ~/.config/sysmon/sysmon.py, ~/.config/systemd/user/sysmon.service,
//     its default.target.wants / multi-user.target.wants enablement
//     symlinks (link text read with fs.ReadLink, never followed), the
//     Kubernetes-node units and scripts, /tmp/pglog and /tmp/.pg_state;
//   - files named like a persistence script of the pack (sysmon.py)
//     anywhere, by SHA-256 and by the pack's strings;
//   - systemd unit files in /etc/systemd and users' ~/.config/systemd by
//     content: Description "System Telemetry Service" or any string of the
//     pack, or an ExecStart= naming a persistence script of the pack;
//   - enablement symlinks (*.wants/<unit>) of the pack's unit names;
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
	"strings"
	"time"

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
	o        Options
	m        *iocs.Matcher
	exact    map[string]*iocs.PathIOC // absolute tree path -> indicator
	scripts  map[string]*iocs.FileIOC // base names of persistence scripts
	units    map[string]*iocs.PathIOC // unit base names (sysmon.service) -> indicator
	tails    []string                 // script paths as ExecStart would name them
	temps    []string                 // temp roots (iocs.TempDirs)
	unitDirs []string                 // systemd dirs whose units are read
}

// New returns a collector.
func New(o Options) *Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 64 << 20
	}
	c := &Collector{o: o, m: o.Matcher, exact: map[string]*iocs.PathIOC{}, scripts: map[string]*iocs.FileIOC{}, units: map[string]*iocs.PathIOC{}}
	homes := map[string]bool{"/root": true}
	for _, h := range o.Homes {
		homes[h.Dir] = true
	}
	p := o.Matcher.Pack()
	for i := range p.Persistence {
		pi := &p.Persistence[i]
		if rest, ok := strings.CutPrefix(pi.Path, "~/"); ok {
			for h := range homes {
				c.exact[path.Join(h, rest)] = pi
			}
			if pi.Kind == "script" {
				c.tails = append(c.tails, "/"+rest)
			}
		} else {
			c.exact[path.Clean("/"+pi.Path)] = pi
			if pi.Kind == "script" || pi.Kind == "binary" {
				c.tails = append(c.tails, path.Clean("/"+pi.Path))
			}
		}
		if pi.Kind == "unit" {
			c.units[path.Base(pi.Path)] = pi
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
	c.unitDirs = []string{"/etc/systemd", "/usr/local/lib/systemd"}
	for h := range homes {
		c.unitDirs = append(c.unitDirs, h+"/.config/systemd")
	}
	return c
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
	if _, ok := c.exact[e.Path]; ok {
		return true
	}
	if _, ok := c.scripts[e.Name]; ok {
		return true
	}
	if _, ok := c.m.StagingAt(e.Path, c.temps); ok {
		return true
	}
	if strings.HasSuffix(e.Name, ".service") && c.inUnitDir(e.Path) {
		return true
	}
	return false
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	if s, ok := c.m.StagingAt(f.Path, c.temps); ok {
		c.staging(f, s, out)
		return
	}
	pi := c.exact[f.Path]
	if pi == nil && strings.HasSuffix(f.Name, ".service") && strings.HasSuffix(path.Dir(f.Path), ".wants") {
		// an enablement link of a pack unit in any systemd directory
		if u, ok := c.units[f.Name]; ok && f.IsSymlink() {
			c.enablement(f, u, out)
			return
		}
	}
	if pi != nil && (pi.Kind == "unit-link" || f.IsSymlink()) {
		c.enablement(f, pi, out)
		return
	}
	c.content(f, pi, out)
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
		if u := userOf(ff.uid, homes); u != "" {
			ev.Owner = fmt.Sprintf("%s (uid %d)", u, ff.uid)
		} else {
			ev.Owner = fmt.Sprintf("uid %d", ff.uid)
		}
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
		}
	} else {
		ev.Details = append(ev.Details, "a regular file, not a symlink")
	}
	c.emit(out, sweep.Finding{Severity: sev(pi.Severity), Category: CatPersistence, Title: title,
		Location: f.Location(), Evidence: ev, Indicator: ind(pi.ID, "persistence", pi.Provenance)}, f.Path, ff)
}

// content reads a persistence path, a script named like the pack's, or a
// unit file, and reports what matches.
func (c *Collector) content(f *sweep.File, pi *iocs.PathIOC, out sweep.Sink) {
	ff := factsOf(f)
	script := c.scripts[f.Name]
	isUnit := strings.HasSuffix(f.Name, ".service")
	ev := ff.evidence(c.o.Homes)
	var why []string
	var hashHit *iocs.FileIOC
	var hits []*iocs.StringIOC
	var execLine string

	limit := c.o.MaxHashSize
	if isUnit && pi == nil {
		limit = min(limit, maxUnit)
	}
	if f.IsSymlink() {
		if t, err := fs.ReadLink(f.FS, sweep.Rel(f.Path)); err == nil {
			ev.Details = append(ev.Details, "symlink to "+t+" (not followed)")
		}
	} else if ff.size > limit {
		c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", limit))
	} else if r, err := f.Open(); err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "open: "+sweep.TrimPathErr(err))
	} else {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		r.Close()
		switch {
		case err != nil:
			c.errorAt(out, f.Location(), sweep.ErrKindError, "read: "+sweep.TrimPathErr(err))
		case int64(len(b)) > limit:
			c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", limit))
		default:
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
			if isUnit {
				execLine = c.execStart(b)
				if execLine != "" {
					why = append(why, "ExecStart runs a persistence script of the pack")
				}
			}
			if ev.Text == "" {
				switch {
				case execLine != "":
					ev.Text = execLine
				case len(hits) > 0 && !bytes.ContainsRune(b[:min(len(b), 4096)], 0):
					ev.Text = lineWith(b, hits[0].Value)
				}
			}
		}
	}
	strong := false
	for _, s := range hits {
		strong = strong || !s.Weak
	}
	ev.Details = append(ev.Details, why...)
	if pi != nil && ev.SHA256 != "" && !f.IsSymlink() && (pi.Kind == "script" || pi.Kind == "binary") {
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
	case isUnit && (execLine != "" || strong):
		var in *sweep.Indicator
		if strong {
			in = ind(hits[0].ID, "string", hits[0].Provenance)
		} else if u, ok := c.units["sysmon.service"]; ok {
			in = ind(u.ID, "persistence", u.Provenance)
		}
		c.emit(out, sweep.Finding{Severity: sweep.Critical, Category: CatPersistence,
			Title:    fmt.Sprintf("systemd unit %s runs the campaign's persistence", f.Name),
			Location: f.Location(), Evidence: ev, Indicator: in}, f.Path, ff)
	case script != nil && strong:
		c.emit(out, sweep.Finding{Severity: sweep.Critical, Category: CatPersistence,
			Title:    fmt.Sprintf("persistence script %s carries the campaign's strings", f.Name),
			Location: f.Location(), Evidence: ev, Indicator: ind(hits[0].ID, "string", hits[0].Provenance)}, f.Path, ff)
	}
}

// execStart returns the first ExecStart= line naming a persistence script
// of the pack ("" when none).
func (c *Collector) execStart(b []byte) string {
	for _, l := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(l)
		k, v, ok := strings.Cut(t, "=")
		if !ok || !strings.HasPrefix(strings.TrimSpace(k), "ExecStart") {
			continue
		}
		for _, tail := range c.tails {
			if strings.Contains(v, tail) {
				return truncate(t, 240)
			}
		}
		for name := range c.scripts {
			for _, w := range strings.Fields(v) {
				if path.Base(w) == name {
					return truncate(t, 240)
				}
			}
		}
	}
	return ""
}

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

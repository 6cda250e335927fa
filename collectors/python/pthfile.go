package python

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// pthHit is a .pth/.start file kept for Finish, when every distribution's
// RECORD has been read and orphans can be told.
type pthHit struct {
	path, site string
	facts      fileFacts
	sha        string
	byName     []*iocs.FileIOC
	byHash     *iocs.FileIOC
	strong     []*iocs.StringIOC // non-weak string hits
	weak       []*iocs.StringIOC
	suspicious []string // "line N: <reasons>: <text>"
	unknown    []string // executed lines not recognised, not suspicious
	firstText  string   // the shape of the first line that matched
	firstLine  int      // its line number
	whyLine    int      // the first executed line with a reason to worry
	notes      []string
	// lines classified but not kept as evidence
	moreSuspicious, moreUnknown int
	hidden                      bool
	start                       bool
	// executed counts the lines some model of site.py executes (recognised
	// ones too); strongExec: one of them carries a campaign string.
	executed   int
	strongExec bool
	imports    []pthImport // modules the executed lines import, in order
	hops       []pthHop    // imported sibling modules that carry a payload
}

// pthImport is a top-level module an executed line imports.
type pthImport struct {
	name string
	line int
}

// pthHop is an imported module of the .pth's site directory that carries
// the pack's strings or decodes and executes code: the .pth's finding.
type pthHop struct {
	line   int
	module string // tree path
	strong []*iocs.StringIOC
	why    []string // suspicion reasons when no pack string matched (kept as the .pth's suspicious line)
	sha    string
	byHash *iocs.FileIOC
}

// collectPth analyses a .pth or .start file at a site directory's root.
func (c *Collector) collectPth(f *sweep.File, out sweep.Sink) {
	h := &pthHit{path: f.Path, site: f.Dir(), hidden: strings.HasPrefix(f.Name, "."), start: strings.HasSuffix(f.Name, ".start")}
	h.byName = c.m.FilesNamed(f.Name)
	info, _ := f.Info()
	h.facts = factsOf(info, c.o.Homes)
	if f.IsSymlink() {
		t, err := fs.ReadLink(f.FS, sweep.Rel(f.Path))
		if err == nil {
			h.facts.symlink = t
		}
	}
	r, err := f.Open()
	if err != nil {
		kind, msg := sweep.ErrKindError, errMsg("open", err)
		if f.IsSymlink() {
			kind, msg = sweep.ErrKindUnverified, fmt.Sprintf("symlink to %q leads out of the scanned root or nowhere: target not read", h.facts.symlink)
		}
		c.errorAt(out, f.Location(), kind, msg)
		c.keepPth(h)
		return
	}
	r.Close()
	if fi, err := fs.Stat(f.FS, sweep.Rel(f.Path)); err == nil {
		if f.IsSymlink() {
			h.facts.size = fi.Size()
		}
		if !fi.Mode().IsRegular() {
			c.errorAt(out, f.Location(), sweep.ErrKindSkipped, "not a regular file: not read")
			c.keepPth(h)
			return
		}
	}
	size := h.facts.size
	if c.m.HashWorthy(size) {
		if size > c.o.MaxHashSize {
			c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", c.o.MaxHashSize))
		} else if r, err := f.Open(); err == nil {
			_, sum, _, err := hashReader(r, "sha256", c.o.MaxHashSize)
			r.Close()
			if err != nil {
				c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("hash", err))
			} else {
				h.sha = sum
				if fi, ok := c.m.File(sum); ok {
					h.byHash = fi
				}
			}
		}
	}
	r, err = f.Open()
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("open", err))
		c.keepPth(h)
		return
	}
	defer r.Close()
	// Read to the end: site.py runs an import line wherever it is.
	sm := &stringScan{m: c.m, seen: map[*iocs.StringIOC]bool{}}
	nLines := 0
	head := &headBuffer{max: maxFormSmall} // the path entries are read from the same stream
	stats, err := ScanPth(io.TeeReader(r, io.MultiWriter(sm, head)), maxPthScan, h.start, func(l PthLine) {
		nLines++
		c.classifyPthLine(h, f.Name, l, sm.found)
	})
	sm.flush()
	for _, s := range sm.found {
		if s.Weak {
			h.weak = append(h.weak, s)
		} else {
			h.strong = append(h.strong, s)
		}
	}
	switch {
	case errors.Is(err, ErrPthTooLarge):
		c.errorAt(out, f.Location(), sweep.ErrKindUnverified, fmt.Sprintf("larger than %d bytes: only the first %d bytes were checked for lines site.py executes", maxPthScan, stats.Bytes))
	case err != nil:
		c.errorAt(out, f.Location(), sweep.ErrKindError, fmt.Sprintf("read stopped after %d bytes: %s", stats.Bytes, sweep.TrimPathErr(err)))
	}
	if stats.NUL && nLines > 0 {
		h.notes = append(h.notes, "binary content (NUL bytes): site.py still executes its import lines")
	}
	c.hopImports(f, h, out)
	if !h.start && !head.over {
		c.pthPathEntries(f, out, h.site, head.b)
	}
	c.keepPth(h)
}

const (
	maxPthImports = 16       // imported modules followed per .pth
	maxHopModule  = 16 << 20 // bytes of an imported module read
)

// hopImports follows each module an executed line imports, one hop, to the
// same site directory (NAME.py or NAME/__init__.py, as the path finder
// looks there first for a .pth at the site root): a module carrying the
// pack's strings, a payload hash, or code that decodes and executes code
// makes the .pth's finding. The module is read, never imported.
func (c *Collector) hopImports(f *sweep.File, h *pthHit, out sweep.Sink) {
	for _, im := range h.imports {
		for _, rel := range []string{im.name + ".py", im.name + "/__init__.py"} {
			p := path.Join(h.site, rel)
			b, truncated, err := readLimited(f, p, maxHopModule)
			if isNotExist(err) {
				continue
			}
			if err != nil {
				c.errorAt(out, c.loc(p), sweep.ErrKindError, errMsg(fmt.Sprintf("imported by %s line %d: open", path.Base(h.path), im.line), err))
				break
			}
			if truncated {
				c.errorAt(out, c.loc(p), sweep.ErrKindUnverified, fmt.Sprintf("imported by %s line %d: larger than %d bytes, only the first %d were checked", path.Base(h.path), im.line, maxHopModule, maxHopModule))
			}
			hop := pthHop{line: im.line, module: p}
			for _, s := range c.m.Strings(b) {
				if !s.Weak {
					hop.strong = append(hop.strong, s)
				}
			}
			if !truncated && c.m.HashWorthy(int64(len(b))) {
				sum := sha256.Sum256(b)
				hop.sha = hex.EncodeToString(sum[:])
				hop.byHash, _ = c.m.File(hop.sha)
			}
			if len(hop.strong) == 0 && hop.byHash == nil {
				for _, l := range splitLines(string(b)) {
					if execRe.MatchString(l) && decodeRe.MatchString(l) {
						hop.why = append(hop.why, "decodes and executes code")
						break
					}
				}
			}
			switch {
			case len(hop.strong) > 0 || hop.byHash != nil:
				h.hops = append(h.hops, hop)
			case len(hop.why) > 0:
				h.suspicious = append(h.suspicious, fmt.Sprintf("line %d: imports %s, which %s", im.line, p, strings.Join(hop.why, ", ")))
				if h.whyLine == 0 {
					h.whyLine = im.line
				}
			}
			break
		}
	}
}

// importedModules returns the top-level modules a line's import statements
// name ("import a.b, c as d; from e import f" -> a, c, e).
func importedModules(line string) []string {
	var out []string
	for _, st := range strings.Split(line, ";") {
		st = strings.TrimSpace(st)
		var names []string
		switch {
		case strings.HasPrefix(st, "import ") || strings.HasPrefix(st, "import\t"):
			for _, it := range strings.Split(st[len("import "):], ",") {
				f := strings.Fields(it)
				if len(f) > 0 {
					names = append(names, f[0])
				}
			}
		case strings.HasPrefix(st, "from "):
			if f := strings.Fields(st); len(f) >= 2 {
				names = append(names, f[1])
			}
		}
		for _, n := range names {
			top, _, _ := strings.Cut(n, ".")
			if isIdent(top) && !slices.Contains(out, top) {
				out = append(out, top)
			}
		}
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

func (c *Collector) keepPth(h *pthHit) {
	if len(h.byName) == 0 && h.byHash == nil && len(h.strong) == 0 && len(h.suspicious) == 0 && len(h.unknown) == 0 && len(h.hops) == 0 {
		return
	}
	c.mu.Lock()
	c.pths = append(c.pths, h)
	c.mu.Unlock()
}

// finishPth reports a kept .pth, now that claims by RECORD are known.
func (c *Collector) finishPth(h *pthHit, out sweep.Sink) {
	c.mu.Lock()
	e := c.siteEnvLocked(h.site)
	c.mu.Unlock()
	base := path.Base(h.path)
	kind := ".pth start-up hook"
	if h.start {
		kind = ".start entry point file"
	}
	ev := sweep.Evidence{SHA256: h.sha, Text: h.firstText}
	h.facts.apply(&ev)
	var ind *sweep.Indicator
	var sev sweep.Severity
	var why []string
	// A name or string match is critical only when site.py runs something
	// of the file: a .pth none of whose lines execute (an indented import is
	// a path entry) is the campaign's file left inert, high.
	inert := ""
	var hopHit *pthHop
	for i := range h.hops {
		if len(h.hops[i].strong) > 0 || h.hops[i].byHash != nil {
			hopHit = &h.hops[i]
			break
		}
	}
	switch {
	case h.byHash != nil:
		ind = indicatorOf(h.byHash.ID, "file", h.byHash.Provenance)
		sev = severityOf(h.byHash.Severity, sweep.Critical)
		why = append(why, "SHA-256 matches "+h.byHash.ID)
	case len(h.byName) > 0 && h.executed > 0:
		fi := h.byName[0]
		ind = indicatorOf(fi.ID, "file-name", fi.Provenance)
		sev = severityOf(fi.Severity, sweep.Critical)
	case len(h.strong) > 0 && h.strongExec:
		ind = indicatorOf(h.strong[0].ID, "string", h.strong[0].Provenance)
		sev = sweep.Critical
	case hopHit != nil:
		if hopHit.byHash != nil {
			ind = indicatorOf(hopHit.byHash.ID, "file", hopHit.byHash.Provenance)
			sev = severityOf(hopHit.byHash.Severity, sweep.Critical)
		} else {
			ind = indicatorOf(hopHit.strong[0].ID, "string", hopHit.strong[0].Provenance)
			sev = sweep.Critical
		}
	case len(h.suspicious) > 0:
		sev = sweep.High
	case len(h.byName) > 0:
		fi := h.byName[0]
		ind = indicatorOf(fi.ID, "file-name", fi.Provenance)
		sev, inert = sweep.High, "site.py executes none of its lines"
	case len(h.strong) > 0:
		ind = indicatorOf(h.strong[0].ID, "string", h.strong[0].Provenance)
		sev, inert = sweep.High, "the campaign's strings are only in lines site.py does not execute"
	default:
		sev = sweep.Low
	}
	for _, hp := range h.hops {
		d := fmt.Sprintf("line %d imports %s, which", hp.line, hp.module)
		switch {
		case hp.byHash != nil:
			d += " has the SHA-256 of " + hp.byHash.ID
		default:
			var ids []string
			for _, s := range hp.strong {
				ids = append(ids, s.ID)
			}
			d += " contains " + strings.Join(ids, ", ")
		}
		why = append(why, d)
	}
	if len(h.byName) > 0 {
		why = append(why, "name matches "+h.byName[0].ID)
	}
	for _, s := range h.strong {
		why = append(why, "contains "+s.ID)
	}
	if len(h.strong) > 0 || len(h.byName) > 0 || h.byHash != nil {
		for _, s := range h.weak {
			why = append(why, "contains "+s.ID)
		}
	}
	ev.Details = append(ev.Details, why...)
	ev.Details = append(ev.Details, h.suspicious...)
	if h.moreSuspicious > 0 {
		ev.Details = append(ev.Details, fmt.Sprintf("and %d more suspicious executed lines", h.moreSuspicious))
	}
	if len(h.unknown) > 0 {
		d := listDetail("unrecognised executed lines", h.unknown)
		if h.moreUnknown > 0 {
			d += fmt.Sprintf(" and %d more", h.moreUnknown)
		}
		ev.Details = append(ev.Details, d)
	}
	ev.Details = append(ev.Details, h.notes...)
	if h.hidden {
		ev.Details = append(ev.Details, "dot-named: skipped by interpreters patched for gh-113659 (3.13+ and backports), still run by older ones")
	}
	var title string
	switch {
	case sev == sweep.Critical:
		title = fmt.Sprintf("malicious %s %s", kind, base)
		// Who installed it? A tracked distribution's RECORD claims it, or
		// nothing does: an orphan that still runs at every start.
		if d := c.claimant(h.site, h.path); d != nil {
			title += fmt.Sprintf(" (installed by %s %s)", d.meta.Name, d.meta.Version)
			ev.Package, ev.Version = d.meta.Name, d.meta.Version
		} else {
			title = fmt.Sprintf("orphan malicious %s %s: no installed distribution claims it, and it still runs at every Python start", kind, base)
			var now []string
			for _, d := range c.siteDists(h.site) {
				now = append(now, d.meta.Name+" "+d.meta.Version)
			}
			if len(now) > 0 {
				ev.Details = append(ev.Details, "left behind: installed now "+strings.Join(now, ", "))
			} else if len(h.byName) > 0 && h.byName[0].Package != "" {
				if pk := pkgByID(c.m, h.byName[0].Package); pk != nil {
					ev.Details = append(ev.Details, "left behind: "+pk.Name+" is not installed here any more")
				}
			}
		}
	case inert != "":
		title = fmt.Sprintf("%s %s of the campaign, inert: %s", kind, base, inert)
	case sev == sweep.High:
		title = fmt.Sprintf("suspicious %s %s: executed line %s", kind, base, strings.SplitN(h.suspicious[0], ": ", 2)[1])
	default:
		title = fmt.Sprintf("unrecognised executed line in %s %s", kind, base)
	}
	// The finding points at the executed line that decided it (the first
	// suspicious one, else the first executed one), for SARIF's region.
	loc := c.loc(h.path)
	loc.Line = h.firstLine
	if h.whyLine > 0 {
		loc.Line = h.whyLine
	}
	c.emit(out, sweep.Finding{Severity: sev, Category: CatStartup, Title: title, Location: loc,
		Evidence: ev, Indicator: ind}, e)
}

func (c *Collector) loc(p string) sweep.Location {
	c.mu.Lock()
	l := c.base
	c.mu.Unlock()
	l.Path = p
	return l
}

// classifyPthLine judges one executed line; only shapes and line numbers
// are kept.
// found holds the pack strings seen so far: the stream reaches the string
// scanner before the line scanner, so every string inside l is in it.
func (c *Collector) classifyPthLine(h *pthHit, base string, l PthLine, found []*iocs.StringIOC) {
	h.executed++
	if !h.start && !l.Truncated {
		for _, n := range importedModules(l.Text) {
			if len(h.imports) < maxPthImports && !slices.ContainsFunc(h.imports, func(i pthImport) bool { return i.name == n }) {
				h.imports = append(h.imports, pthImport{name: n, line: l.N})
			}
		}
	}
	if !h.start && !l.Truncated && Allowed(base, l.Text) != "" {
		return
	}
	txt := textLine(l.Text)
	var why []string
	for _, s := range found {
		if !s.Weak && strings.Contains(l.Text, s.Value) {
			why = append(why, "carries campaign strings")
			h.strongExec = true
			break
		}
	}
	why = append(why, Suspicion(l.Text)...)
	if l.Truncated {
		why = append(why, fmt.Sprintf("executed line of %d bytes", l.Len))
	}
	if h.firstText == "" {
		h.firstText = txt
		h.firstLine = l.N
	}
	if len(why) > 0 && h.whyLine == 0 {
		h.whyLine = l.N
	}
	// Evidence is capped, inspection is not: every line is classified.
	if len(why) > 0 {
		if len(h.suspicious) < maxListed {
			h.suspicious = append(h.suspicious, fmt.Sprintf("line %d: %s", l.N, strings.Join(why, ", ")))
		} else {
			h.moreSuspicious++
		}
		return
	}
	if len(h.unknown) < maxListed {
		h.unknown = append(h.unknown, fmt.Sprintf("line %d: %s", l.N, txt))
	} else {
		h.moreUnknown++
	}
}

// headBuffer keeps the first max bytes of a stream (over: there were more).
type headBuffer struct {
	b    []byte
	max  int
	over bool
}

func (h *headBuffer) Write(p []byte) (int, error) {
	keep := p
	if room := h.max - len(h.b); len(p) > room {
		h.over = true
		keep = p[:max(room, 0)]
	}
	h.b = append(h.b, keep...)
	return len(p), nil
}

// stringScan matches the pack's strings over a stream, keeping an overlap
// of the longest needle between chunks.
type stringScan struct {
	m     *iocs.Matcher
	tail  []byte
	seen  map[*iocs.StringIOC]bool
	found []*iocs.StringIOC
}

func (s *stringScan) Write(p []byte) (int, error) {
	buf := append(s.tail, p...)
	s.match(buf)
	keep := s.m.MaxNeedle() - 1
	if keep < 0 {
		keep = 0
	}
	if len(buf) > keep {
		buf = buf[len(buf)-keep:]
	}
	s.tail = append(s.tail[:0:0], buf...)
	return len(p), nil
}

func (s *stringScan) match(b []byte) {
	for _, x := range s.m.Strings(b) {
		if !s.seen[x] {
			s.seen[x] = true
			s.found = append(s.found, x)
		}
	}
}

func (s *stringScan) flush() { s.match(s.tail) }

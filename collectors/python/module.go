package python

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// modHit is a tampered module found by hash or campaign strings.
type modHit struct {
	path string
	size int64
	ioc  *iocs.FileIOC
	// finding is emitted in Finish, when every distribution's RECORD has
	// been read, so the owning package does not depend on walk order.
	finding sweep.Finding
	env     *env
}

// pycHit is bytecode of a module an indicator names, kept for Finish.
type pycHit struct {
	path, src, site string
	facts           fileFacts
	header          []byte
}

// collectModule hashes a file at an indicator's path suffix (e.g.
// litellm/proxy/proxy_server.py) and scans it for the pack's strings.
func (c *Collector) collectModule(f *sweep.File, out sweep.Sink) {
	var cands []*iocs.FileIOC
	for i := range c.m.Pack().Files {
		fi := &c.m.Pack().Files[i]
		if fi.PathSuffix != "" && strings.HasSuffix(f.Path, "/"+strings.Trim(fi.PathSuffix, "/")) {
			cands = append(cands, fi)
		}
	}
	if len(cands) == 0 {
		return
	}
	info, _ := f.Info()
	facts := factsOf(info, c.o.Homes)
	if facts.size > c.o.MaxHashSize {
		c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", c.o.MaxHashSize))
		return
	}
	b, err := f.ReadAll(c.o.MaxHashSize)
	if err != nil {
		kind, msg := sweep.ErrKindError, errMsg("read", err)
		switch {
		case errors.Is(err, sweep.ErrTooLarge):
			kind, msg = sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", c.o.MaxHashSize)
		case f.IsSymlink():
			kind = sweep.ErrKindUnverified
		}
		c.errorAt(out, f.Location(), kind, msg)
		return
	}
	sum := sha256Hex(b)
	if !f.IsSymlink() {
		c.mu.Lock()
		c.seen[f.Path] = seenMod{path: f.Path, sha: sum, size: int64(len(b)), ioc: cands[0]}
		c.mu.Unlock()
	}
	var ind *sweep.Indicator
	var sev sweep.Severity
	var why []string
	var hit *iocs.FileIOC
	if fi, ok := c.m.File(sum); ok {
		for _, cand := range cands {
			if cand == fi {
				hit = fi
			}
		}
		if hit == nil {
			hit = fi
		}
		ind = indicatorOf(hit.ID, "file", hit.Provenance)
		sev = severityOf(hit.Severity, sweep.Critical)
		why = append(why, "SHA-256 matches "+hit.ID)
	}
	var strong []*iocs.StringIOC
	for _, s := range c.m.Strings(b) {
		if !s.Weak || hit != nil {
			strong = append(strong, s)
			why = append(why, "contains "+s.ID)
		}
	}
	if hit == nil {
		nonWeak := false
		for _, s := range strong {
			nonWeak = nonWeak || !s.Weak
		}
		if !nonWeak {
			return
		}
		hit = cands[0]
		ind = indicatorOf(strong[0].ID, "string", strong[0].Provenance)
		sev = sweep.Critical
	}
	ev := sweep.Evidence{SHA256: sum}
	facts.size = int64(len(b))
	facts.apply(&ev)
	if len(strong) > 0 {
		ev.Text = textLine(matchingLine(b, strong[0].Value))
	}
	ev.Details = append(ev.Details, why...)
	e := c.envOfPath(f.Path)
	rel := hit.PathSuffix
	if hit.PathSuffix == "" {
		rel = hit.Name
	}
	c.mu.Lock()
	c.mods[f.Path] = &modHit{path: f.Path, size: int64(len(b)), ioc: hit, env: e,
		finding: sweep.Finding{Severity: sev, Category: CatTampered, Title: "tampered " + rel + " (known malicious content)",
			Location: f.Location(), Evidence: ev, Indicator: ind}}
	c.mu.Unlock()
}

// finishMod emits a tampered-module finding with its owning distribution.
func (c *Collector) finishMod(h *modHit, out sweep.Sink) {
	f := h.finding
	if d := c.claimant(siteOf(h.path), h.path); d != nil {
		f.Evidence.Package, f.Evidence.Version = d.meta.Name, d.meta.Version
	}
	c.emit(out, f, h.env)
}

func matchingLine(b []byte, needle string) string {
	s := string(b)
	i := strings.Index(s, needle)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexAny(s[:i], "\r\n") + 1
	end := strings.IndexAny(s[i:], "\r\n")
	if end < 0 {
		end = len(s) - i
	}
	return s[start : i+end]
}

// collectPyc records the bytecode of an indicator-named module.
func (c *Collector) collectPyc(f *sweep.File, out sweep.Sink) {
	info, _ := f.Info()
	h := &pycHit{path: f.Path, site: siteOf(f.Path), facts: factsOf(info, c.o.Homes)}
	stem, _, _ := strings.Cut(f.Name, ".")
	h.src = path.Join(path.Dir(f.Dir()), stem+".py")
	if !f.IsSymlink() {
		if b, _, err := readLimited(f, f.Path, 16); err == nil {
			h.header = b
		}
	}
	c.mu.Lock()
	c.pycs = append(c.pycs, h)
	c.mu.Unlock()
}

// finishPyc reports bytecode of a tampered module that the installer did
// not write: an interpreter imported the module.
func (c *Collector) finishPyc(h *pycHit, out sweep.Sink) {
	c.mu.Lock()
	mod := c.mods[h.src]
	c.mu.Unlock()
	owner := c.claimant(h.site, h.src)
	if mod == nil && (owner == nil || !owner.bad) {
		return // bytecode of a module that is not known bad
	}
	if c.claimant(h.site, h.path) != nil {
		return // compiled by the installer and listed in RECORD: not evidence of import
	}
	rel := strings.TrimPrefix(h.src, h.site+"/")
	ev := sweep.Evidence{}
	h.facts.apply(&ev)
	if ev.ModTime != nil {
		t := *ev.ModTime
		ev.Time = &t
	}
	if len(h.header) == 16 && binary.LittleEndian.Uint32(h.header[4:8]) == 0 {
		srcM := time.Unix(int64(binary.LittleEndian.Uint32(h.header[8:12])), 0).UTC()
		srcN := int64(binary.LittleEndian.Uint32(h.header[12:16]))
		ev.Details = append(ev.Details, fmt.Sprintf("bytecode header: source mtime %s, source size %d", fmtTime(srcM), srcN))
		if mod != nil {
			if srcN == mod.size&0xffffffff {
				ev.Details = append(ev.Details, "compiled from a source of the tampered file's size")
			} else {
				ev.Details = append(ev.Details, fmt.Sprintf("compiled from a different source (tampered file is %d bytes)", mod.size))
			}
		}
	}
	if owner != nil {
		ev.Package, ev.Version = owner.meta.Name, owner.meta.Version
		ev.Details = append(ev.Details, "not listed in "+path.Base(owner.dir)+"/RECORD: written by an interpreter importing the module, not by the installer")
	} else {
		ev.Details = append(ev.Details, "no installed distribution lists it: written by an interpreter importing the module")
	}
	var ind *sweep.Indicator
	if mod != nil {
		ind = indicatorOf(mod.ioc.ID, "file", mod.ioc.Provenance)
	} else if owner != nil {
		ind = indicatorOf(owner.pkg.ID, "package", owner.pkg.Provenance)
	}
	when := ""
	if ev.ModTime != nil {
		when = " (bytecode written " + fmtTime(*ev.ModTime) + ")"
	}
	var e *env
	if h.site != "" {
		c.mu.Lock()
		e = c.siteEnvLocked(h.site)
		e.executed = append(e.executed, rel+" was imported"+when)
		c.mu.Unlock()
	}
	c.emit(out, sweep.Finding{Severity: sweep.High, Category: CatExecution,
		Title:    rel + " was imported: bytecode written by an interpreter, not by the installer",
		Location: c.loc(h.path), Evidence: ev, Indicator: ind}, e)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

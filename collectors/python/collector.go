// Package python finds every Python environment in a swept tree and the
// litellm/TeamPCP artefacts in them, without importing or running anything.
//
// Environments are registered from the one walk: every directory named
// site-packages or dist-packages (and PEP 582 __pypackages__/X.Y/lib) is a
// site directory; its environment root, kind and Python version come from
// the path (SiteLayout), refined by pyvenv.cfg (venv; interpreter from its
// executable/home keys) and conda-meta/history (conda). Environments are
// recorded through sweep.EnvSink when the walk finishes.
//
// What is read, and only that:
//   - METADATA / PKG-INFO of .dist-info/.egg-info directories whose name
//     is a tracked distribution (decided from the directory name), plus
//     their INSTALLER and RECORD; RECORD rows are verified (missing files,
//     size and hash mismatches) up to MaxHashSize a file.
//   - every .pth and .start file at a site directory's root: matched by IOC
//     name, by SHA-256 (when its size equals an indicator's), and by
//     content, streamed to its end (maxPthScan; a larger file is
//     unverified): the lines site.py would exec() under any CPython 3.6+
//     and locale (ScanPth: binary junk, NULs, a BOM or megabytes of
//     comments change nothing) that are not a recognised legitimate shape
//     (Allowed) and that decode and exec code, spawn a process or reach the
//     network, and the pack's strings. Evidence is the line's code shape
//     (CodeShape), never its literals. One hop: each top-level module an
//     executed line imports (recognised lines too) is read, not imported,
//     from the same site directory (NAME.py, NAME/__init__.py); the pack's
//     strings or a payload hash there make the .pth critical, code there
//     that decodes and executes code makes it high.
//   - files at an indicator's path suffix (litellm/proxy/proxy_server.py,
//     telnyx/_client.py), hashed, and their __pycache__ bytecode.
//   - the other install forms (forms.go): eggs, .egg-link, .pth path
//     entries and PEP 660 finders followed to a source tree's metadata,
//     zipapps read as archives, conda-meta/*.json. A site directory inside
//     a conda package cache (pkgs/NAME-VER-BUILD/) is not an environment:
//     its files are the cache collector's (a download, high).
//
// Severity: an affected release installed, a known-bad .pth or tampered
// module present: critical (an orphan .pth that no installed litellm claims
// is still critical: site.py runs it at every start; its title says
// "orphan"). The pack's name or strings in a .pth of which site.py executes
// nothing (an indented import is a path entry), or strings only in lines it
// does not execute: high, "inert". A .pth with a suspicious executed line
// not matching the pack: high. Bytecode of a tampered module that the installer did not write:
// high ("imported"). A tracked distribution whose files differ from RECORD:
// high (hash/size) or low (missing only). An unrecognised but harmless-
// looking executed .pth line: low. A clean release of a tracked package:
// info.
//
// Execution evidence rule (for the per-environment verdict): the
// environment's Reason is set to "executed: ..." when a __pycache__/*.pyc
// of a tampered module exists and is not listed in the installed
// distribution's RECORD: pip lists the bytecode it compiles at install in
// RECORD, so an unlisted .pyc was written by an interpreter importing the
// module. Bytecode listed in RECORD is not evidence of import. A bad .pth
// is evidence the code runs at every start of that interpreter, not that
// it ran; it is reported, not put in Reason.
package python

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Name is the collector's registry name.
const Name = "python/environments"

const (
	maxMetadata  = 8 << 20
	maxRecord    = 32 << 20
	maxPthScan   = 256 << 20
	maxSmallFile = 64 << 10
	maxListed    = 12 // files listed per finding detail
)

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// MaxHashSize caps bytes hashed per file (default 64 MiB).
	MaxHashSize int64
}

// Collector is the Python environments collector.
type Collector struct {
	o        Options
	m        *iocs.Matcher
	suffixes []suffixIOC

	mu    sync.Mutex
	fsys  fs.FS
	base  sweep.Location
	envs  map[string]*env    // root -> env
	sites map[string]*env    // site dir -> env
	dists map[string][]*dist // site dir -> tracked dists
	pths  []*pthHit
	pycs  []*pycHit
	mods  map[string]*modHit  // tampered module path -> hit
	seen  map[string]seenMod  // every file at an indicator's path suffix
	forms map[string]*formHit // installed releases found through other install forms (forms.go)
}

type suffixIOC struct {
	suffix string // litellm/proxy/proxy_server.py
	dir    string // litellm/proxy
	stem   string // proxy_server
	// precomputed for FileRequired, which runs on every file of the walk
	slashSuffix, slashDir string
}

type env struct {
	root, kind, interp, version string
	marker                      string // "venv", "conda", ""
	sites                       []string
	findings                    []string
	executed                    []string
}

type dist struct {
	site, dir string
	meta      Meta
	pkg       *iocs.PackageIOC
	bad       bool
	installer string
	record    map[string]RecordRow // absolute tree path -> row
	findingID string
}

// New returns a collector.
func New(o Options) *Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 64 << 20
	}
	c := &Collector{o: o, m: o.Matcher, envs: map[string]*env{}, sites: map[string]*env{},
		dists: map[string][]*dist{}, mods: map[string]*modHit{}, seen: map[string]seenMod{}}
	seen := map[string]bool{}
	for _, f := range o.Matcher.Pack().Files {
		if f.PathSuffix == "" || seen[f.PathSuffix] {
			continue
		}
		seen[f.PathSuffix] = true
		s := strings.Trim(f.PathSuffix, "/")
		c.suffixes = append(c.suffixes, suffixIOC{suffix: s, slashSuffix: "/" + s, slashDir: "/" + path.Dir(s),
			dir: path.Dir(s), stem: strings.TrimSuffix(path.Base(s), ".py")})
	}
	return c
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return Name }

// ObserveDir registers site directories (cheap: a name test per directory).
func (c *Collector) ObserveDir(e *sweep.Entry) {
	switch e.Name {
	case "site-packages", "dist-packages", "lib":
		if IsSiteDir(e.Path) && !cacheSite(e.Path) {
			c.mu.Lock()
			c.siteEnvLocked(e.Path)
			c.mu.Unlock()
		}
	}
}

// siteEnvLocked returns (registering) the environment of a site directory.
func (c *Collector) siteEnvLocked(site string) *env {
	if e, ok := c.sites[site]; ok {
		return e
	}
	l := SiteLayout(site)
	e := c.envLocked(l.Root)
	if e.kind == "" || e.kind == "site" {
		e.kind = l.Kind
	}
	if e.version == "" {
		e.version = l.Version
	}
	e.sites = append(e.sites, site)
	c.sites[site] = e
	return e
}

func (c *Collector) envLocked(root string) *env {
	e, ok := c.envs[root]
	if !ok {
		e = &env{root: root}
		c.envs[root] = e
	}
	return e
}

// siteOf returns the site directory a path is directly in or below ("" when none).
func siteOf(p string) string {
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		if IsSiteDir(d) {
			return d
		}
	}
	return ""
}

func (c *Collector) tracked(dirName string) bool {
	for _, n := range DistName(dirName) {
		if _, ok := c.m.Tracked(n); ok {
			return true
		}
	}
	return false
}

// cacheSite: a site directory inside a conda package cache entry (its
// files are the cache collector's: a download, not an installed release
// nor a running start-up hook).
func cacheSite(site string) bool { return SiteLayout(site).Kind == CondaPackageCache }

// FileRequired implements sweep.Collector: path tests only.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	dir := e.Dir()
	dbase := path.Base(dir)
	switch {
	case strings.HasSuffix(e.Name, ".pth") || strings.HasSuffix(e.Name, ".start"):
		return IsSiteDir(dir) && !cacheSite(dir)
	case e.Name == "METADATA":
		return strings.HasSuffix(dbase, ".dist-info") && IsSiteDir(path.Dir(dir)) && c.tracked(dbase) && !cacheSite(path.Dir(dir))
	case e.Name == "PKG-INFO" && dbase != "EGG-INFO":
		return strings.HasSuffix(dbase, ".egg-info") && IsSiteDir(path.Dir(dir)) && c.tracked(dbase) && !cacheSite(path.Dir(dir))
	case strings.HasSuffix(e.Name, ".egg-info"):
		return !e.IsSymlink() && IsSiteDir(dir) && c.tracked(e.Name) && !cacheSite(dir)
	case e.Name == "pyvenv.cfg":
		return true
	case e.Name == "history" && dbase == "conda-meta":
		return true
	case c.formsRequired(e, dir, dbase):
		return true
	case dbase == "__pycache__" && strings.HasSuffix(e.Name, ".pyc"):
		for _, s := range c.suffixes {
			if len(e.Name) > len(s.stem) && e.Name[len(s.stem)] == '.' && strings.HasPrefix(e.Name, s.stem) &&
				strings.HasSuffix(path.Dir(dir), s.slashDir) {
				return true
			}
		}
	}
	for _, s := range c.suffixes {
		if strings.HasSuffix(e.Path, s.slashSuffix) {
			site := siteOf(e.Path)
			return site == "" || !cacheSite(site)
		}
	}
	return false
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	c.mu.Lock()
	if c.fsys == nil {
		c.fsys, c.base = f.FS, f.Base
	}
	c.mu.Unlock()
	dbase := path.Base(f.Dir())
	switch {
	case strings.HasSuffix(f.Name, ".pth") || strings.HasSuffix(f.Name, ".start"):
		c.collectPth(f, out)
	case c.collectForm(f, out):
	case f.Name == "METADATA", f.Name == "PKG-INFO":
		c.collectDist(ctx, f, f.Dir(), out)
	case strings.HasSuffix(f.Name, ".egg-info"):
		c.collectDist(ctx, f, f.Path, out)
	case f.Name == "pyvenv.cfg":
		c.collectPyvenv(f, out)
	case f.Name == "history" && dbase == "conda-meta":
		c.mu.Lock()
		e := c.envLocked(path.Dir(f.Dir()))
		e.marker = "conda"
		c.mu.Unlock()
	case dbase == "__pycache__" && strings.HasSuffix(f.Name, ".pyc"):
		c.collectPyc(f, out)
	default:
		c.collectModule(f, out)
	}
}

func (c *Collector) errorAt(out sweep.Sink, loc sweep.Location, kind sweep.ErrorKind, msg string) {
	out.Error(sweep.Error{Location: loc, Collector: Name, Message: msg, Kind: kind})
}

func errMsg(what string, err error) string {
	m := sweep.TrimPathErr(err)
	if strings.HasPrefix(m, what+": ") { // the error already says "open: ..."
		return m
	}
	return what + ": " + m
}

// collectPyvenv reads pyvenv.cfg for the interpreter and version.
func (c *Collector) collectPyvenv(f *sweep.File, out sweep.Sink) {
	b, err := f.ReadAll(maxSmallFile)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("read pyvenv.cfg", err))
		return
	}
	kv := map[string]string{}
	for _, l := range splitLines(string(b)) {
		k, v, ok := strings.Cut(l, "=")
		if ok {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	interp := kv["executable"]
	if interp == "" && kv["home"] != "" {
		interp = strings.TrimRight(kv["home"], `/\`) + "/python3"
	}
	ver := kv["version_info"]
	if ver == "" {
		ver = kv["version"]
	}
	if p := strings.Split(ver, "."); len(p) >= 2 {
		ver = p[0] + "." + p[1]
	}
	c.mu.Lock()
	e := c.envLocked(f.Dir())
	e.marker = "venv"
	switch {
	case kv["uv"] != "":
		e.marker = "uv-venv"
	case kv["virtualenv"] != "":
		e.marker = "virtualenv"
	}
	if interp != "" {
		e.interp = interp
	}
	if ver != "" {
		e.version = ver
	}
	c.mu.Unlock()
}

// emit assigns the finding's id, links it to its environment and sends it.
func (c *Collector) emit(out sweep.Sink, f sweep.Finding, e *env) string {
	f.Collector = Name
	if e != nil {
		f.Environment = e.root
		f.User = sweep.UserOf(c.o.Homes, e.root)
	} else if f.User == "" {
		f.User = sweep.UserOf(c.o.Homes, f.Location.Path)
	}
	f.SetID()
	if e != nil {
		c.mu.Lock()
		e.findings = append(e.findings, f.ID)
		c.mu.Unlock()
	}
	out.Finding(f)
	return f.ID
}

func (c *Collector) envOfPath(p string) *env {
	site := siteOf(p)
	if site == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.siteEnvLocked(site)
}

// lstat stats a tree path without following a final symlink.
func (c *Collector) lstat(fsys fs.FS, p string) (fs.FileInfo, error) {
	return fs.Lstat(fsys, sweep.Rel(p))
}

// Finish reports .pth files (orphan or claimed), bytecode evidence, and
// records every environment.
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	c.mu.Lock()
	pths, pycs := c.pths, c.pycs
	mods := make([]*modHit, 0, len(c.mods))
	for _, h := range c.mods {
		mods = append(mods, h)
	}
	c.mu.Unlock()
	sort.Slice(mods, func(i, j int) bool { return mods[i].path < mods[j].path })
	for _, h := range mods {
		c.finishMod(h, out)
	}
	c.finishForms(out)
	for _, h := range pths {
		if h.sha == "" && h.facts.symlink == "" && h.facts.mode.IsRegular() && h.facts.size <= c.o.MaxHashSize {
			// Every reported hook carries its hash, so a payload learned
			// on another system finds it in merge.
			h.sha, _, _ = c.hashTreeFile(h.path)
		}
		c.finishPth(h, out)
	}
	for _, h := range pycs {
		c.finishPyc(h, out)
	}
	c.learn(out)
	es, _ := out.(sweep.EnvSink)
	c.mu.Lock()
	roots := make([]string, 0, len(c.envs))
	for r := range c.envs {
		roots = append(roots, r)
	}
	sort.Strings(roots)
	var envs []sweep.Environment
	for _, r := range roots {
		e := c.envs[r]
		if len(e.sites) == 0 && e.marker == "" {
			continue
		}
		kind := e.kind
		if e.marker != "" && (kind == "" || kind == "site" || kind == "system" || kind == "venv") {
			kind = e.marker
		}
		if kind == "" {
			kind = "site"
		}
		interp := e.interp
		if interp == "" && c.fsys != nil {
			interp = c.interpreterOf(e.root)
		}
		env := sweep.Environment{Path: e.root, Kind: kind, SiteDirs: append([]string(nil), e.sites...),
			Interpreter: interp, PythonVersion: e.version, User: sweep.UserOf(c.o.Homes, e.root),
			Findings: append([]string(nil), e.findings...)}
		sort.Strings(env.SiteDirs)
		if len(e.executed) > 0 {
			env.Reason = "executed: " + strings.Join(e.executed, "; ")
		}
		envs = append(envs, env)
	}
	c.mu.Unlock()
	if es != nil {
		for _, e := range envs {
			es.Environment(e)
		}
	}
}

// interpreterOf finds an environment's interpreter without running it:
// bin/python3 or bin/python (a symlink's text, resolved against bin/), or
// python.exe at a Windows prefix.
func (c *Collector) interpreterOf(root string) string {
	for _, rel := range []string{"bin/python3", "bin/python", "python.exe", "Scripts/python.exe"} {
		p := path.Join(root, rel)
		fi, err := c.lstat(c.fsys, p)
		if err != nil {
			continue
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			t, err := fs.ReadLink(c.fsys, sweep.Rel(p))
			if err != nil {
				return p
			}
			if !path.IsAbs(t) {
				t = path.Join(path.Dir(p), t)
			}
			return path.Clean(t)
		}
		return p
	}
	return ""
}

// readLimited reads a tree file through f, at most limit bytes, returning
// whether it was truncated.
func readLimited(f *sweep.File, p string, limit int64) ([]byte, bool, error) {
	r, err := f.OpenPath(p)
	if err != nil {
		return nil, false, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > limit {
		return b[:limit], true, nil
	}
	return b, false, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func listDetail(prefix string, items []string) string {
	if len(items) > maxListed {
		return fmt.Sprintf("%s: %s and %d more", prefix, strings.Join(items[:maxListed], ", "), len(items)-maxListed)
	}
	return prefix + ": " + strings.Join(items, ", ")
}

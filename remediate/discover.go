package remediate

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
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
	KindStaging     = "staging"
)

var kindOrder = []string{KindUnitLink, KindUnit, KindScript, KindBinary, KindState, KindPth, KindModule, KindPackageFile, KindStaging}

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
}

// Reinstall is the clean reinstall advice for one environment.
type Reinstall struct {
	Env     string `json:"env"`
	Package string `json:"package"`
	Version string `json:"version"` // bad version found
	Command string `json:"command"`
}

// Discovery is what remediation found to act on.
type Discovery struct {
	Targets   []Target    `json:"targets"`
	Reinstall []Reinstall `json:"reinstall,omitempty"`
	Errors    []string    `json:"errors,omitempty"`
}

// DiscoverOptions configure Discover.
type DiscoverOptions struct {
	Root    string // host directory that is the tree's "/"
	Matcher *iocs.Matcher
	// Skip lists absolute tree paths not to walk (the evidence directory).
	Skip []string
	// Mounts says which filesystems below the root are searched (default: every local one).
	Mounts sweep.MountPolicy
}

// Discover finds the pack's persistence files under every home, installed
// bad distributions (every file their RECORD lists, including the .pth),
// orphan start-up hooks, tampered modules and staging files, in one walk.
func Discover(ctx context.Context, o DiscoverOptions) (*Discovery, error) {
	rootFS, err := sweep.OpenTree(o.Root) // never blocks on a FIFO etc/passwd
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", o.Root, err)
	}
	defer rootFS.Close()
	homes := sweep.Homes(rootFS)
	d := &Discovery{}
	found := map[string]Target{}
	add := func(t Target) {
		if old, ok := found[t.Path]; ok && rankKind(old.Kind) <= rankKind(t.Kind) {
			return
		}
		found[t.Path] = t
	}
	p := o.Matcher.Pack()
	// Persistence at known paths: checked directly, the walk may skip them.
	for _, pi := range p.Persistence {
		for _, tp := range expand(pi.Path, homes) {
			fi, err := rootFS.Lstat(sweep.Rel(tp))
			if err != nil {
				continue
			}
			if fi.IsDir() {
				continue
			}
			kind := pi.Kind
			if !slices.Contains(kindOrder, kind) {
				kind = KindScript
			}
			t := Target{Path: tp, Kind: kind, Indicator: pi.ID, Reason: pi.Description, User: sweep.UserOf(homes, tp)}
			if kind == KindUnit || kind == KindUnitLink {
				t.Unit = path.Base(tp)
				t.System = !strings.HasPrefix(pi.Path, "~/")
			}
			add(t)
			if kind == KindUnit {
				// Enablement links in any *.wants / *.requires directory next to the unit.
				dir := path.Dir(tp)
				ents, _ := fs.ReadDir(rootFS, sweep.Rel(dir))
				for _, e := range ents {
					if e.IsDir() && (strings.HasSuffix(e.Name(), ".wants") || strings.HasSuffix(e.Name(), ".requires")) {
						lp := path.Join(dir, e.Name(), t.Unit)
						if li, err := rootFS.Lstat(sweep.Rel(lp)); err == nil && !li.IsDir() {
							add(Target{Path: lp, Kind: KindUnitLink, Indicator: pi.ID, Unit: t.Unit, System: t.System,
								Reason: "enablement link of " + t.Unit, User: t.User})
						}
					}
				}
			}
		}
	}
	skips := map[string]string{}
	for k, v := range sweep.DefaultSkips {
		skips[k] = v
	}
	for _, s := range o.Skip {
		skips[s] = "evidence directory"
	}
	c := &discoverer{m: o.Matcher, homes: homes, found: map[string]Target{}, reinstall: map[string]Reinstall{}}
	sink := sweep.NewCollection(nil)
	w := &sweep.Walker{Root: o.Root, Skips: skips, Mounts: o.Mounts, Collectors: []sweep.Collector{c}, Sink: sink}
	if err := w.Walk(ctx); err != nil {
		return nil, err
	}
	for _, t := range c.found {
		add(t)
	}
	_, errs := sink.Drain()
	for _, e := range errs {
		if e.Kind == sweep.ErrKindError {
			d.Errors = append(d.Errors, e.Location.String()+": "+e.Message)
		}
	}
	d.Errors = append(d.Errors, c.errs...)
	for _, t := range found {
		d.Targets = append(d.Targets, t)
	}
	SortTargets(d.Targets)
	for _, r := range c.reinstall {
		d.Reinstall = append(d.Reinstall, r)
	}
	sort.Slice(d.Reinstall, func(i, j int) bool { return d.Reinstall[i].Env < d.Reinstall[j].Env })
	return d, nil
}

// SortTargets orders targets the way remediation acts: links, units,
// scripts, then hooks and package files, staging last. A distribution's
// METADATA and RECORD move after its other files, RECORD last: a run cut
// short (a full disk, a crash, Ctrl-C) leaves what identifies the
// distribution in place, so the next run, into any evidence directory,
// finds and finishes the rest.
func SortTargets(ts []Target) {
	sort.SliceStable(ts, func(i, j int) bool {
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
	case "METADATA":
		return 1
	case "RECORD":
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

func expand(p string, homes []sweep.Home) []string {
	if strings.HasPrefix(p, "~/") {
		var out []string
		for _, h := range homes {
			out = append(out, path.Join(h.Dir, p[2:]))
		}
		return out
	}
	return []string{path.Clean(p)}
}

// discoverer is the walk collector behind Discover.
type discoverer struct {
	m         *iocs.Matcher
	homes     []sweep.Home
	mu        sync.Mutex
	found     map[string]Target
	reinstall map[string]Reinstall
	errs      []string
}

func (c *discoverer) Name() string { return "remediate/discover" }

var tempRoots = []string{"/tmp/", "/var/tmp/", "/dev/shm/"}

func inSiteDir(p string) bool {
	d := path.Base(path.Dir(p))
	return d == "site-packages" || d == "dist-packages"
}

func (c *discoverer) FileRequired(e *sweep.Entry) bool {
	if (e.Name == "METADATA" || e.Name == "RECORD") && strings.HasSuffix(path.Base(e.Dir()), ".dist-info") {
		return true
	}
	for _, f := range c.m.FilesNamed(e.Name) {
		switch f.Kind {
		case "pth":
			if inSiteDir(e.Path) {
				return true
			}
		case "tampered-module", "persistence-script":
			return true
		}
	}
	if _, ok := c.m.Staging(e.Name); ok {
		for _, t := range tempRoots {
			if strings.HasPrefix(e.Path, t) {
				return true
			}
		}
	}
	return false
}

func (c *discoverer) put(t Target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.found[t.Path]; ok && rankKind(old.Kind) <= rankKind(t.Kind) {
		return
	}
	c.found[t.Path] = t
}

func (c *discoverer) errorf(format string, a ...any) {
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf(format, a...))
	c.mu.Unlock()
}

func (c *discoverer) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	user := sweep.UserOf(c.homes, f.Path)
	switch f.Name {
	case "METADATA":
		c.distInfo(f, user)
		return
	case "RECORD":
		c.orphanRecord(f, user)
		return
	}
	for _, fi := range c.m.FilesNamed(f.Name) {
		switch fi.Kind {
		case "pth":
			if inSiteDir(f.Path) {
				c.put(Target{Path: f.Path, Kind: KindPth, Indicator: fi.ID, Reason: fi.Description, User: user, Env: envPrefix(path.Dir(f.Path))})
				return
			}
		case "tampered-module", "persistence-script":
			if fi.PathSuffix != "" && !strings.HasSuffix(f.Path, "/"+fi.PathSuffix) {
				continue
			}
			if f.IsSymlink() {
				continue
			}
			sum, err := hashTreeFile(f)
			if err != nil {
				continue
			}
			if hit, ok := c.m.File(sum); ok {
				kind := KindModule
				if hit.Kind == "persistence-script" {
					kind = KindScript
				}
				c.put(Target{Path: f.Path, Kind: kind, Indicator: hit.ID, Reason: hit.Description, User: user})
				return
			}
		}
	}
	if s, ok := c.m.Staging(f.Name); ok {
		c.put(Target{Path: f.Path, Kind: KindStaging, Indicator: s.ID, Reason: s.Description, User: user})
	}
}

// distInfo reads a METADATA's Name and Version; for a bad release it adds
// every file the distribution's RECORD lists.
func (c *discoverer) distInfo(f *sweep.File, user string) {
	b, err := f.ReadAll(1 << 20)
	if err != nil {
		c.errorf("%s: %s: the distribution is judged by its directory name", f.Path, sweep.TrimPathErr(err))
		name, version := distDirNameVersion(f.Dir())
		c.badDist(f, user, name, version, false)
		return
	}
	name, version := metadataNameVersion(b)
	c.badDist(f, user, name, version, true)
}

// orphanRecord handles a RECORD whose METADATA is gone (moved by an
// earlier, interrupted run into another evidence directory, or deleted):
// the directory name says which distribution it is.
func (c *discoverer) orphanRecord(f *sweep.File, user string) {
	if _, err := fs.Lstat(f.FS, sweep.Rel(f.Dir()+"/METADATA")); err == nil {
		return // judged by its METADATA
	}
	name, version := distDirNameVersion(f.Dir())
	c.badDist(f, user, name, version, false)
}

// distDirNameVersion splits "name-version.dist-info".
func distDirNameVersion(dir string) (name, version string) {
	base := strings.TrimSuffix(path.Base(dir), ".dist-info")
	name, version, _ = strings.Cut(base, "-")
	return name, version
}

// badDist adds the files of an installed bad release: its METADATA (when
// present) and every file its RECORD lists.
func (c *discoverer) badDist(f *sweep.File, user, name, version string, hasMetadata bool) {
	pk, bad := c.m.Package(name, version)
	if !bad {
		return
	}
	distDir := f.Dir()
	site := path.Dir(distDir)
	env := envPrefix(site)
	reason := fmt.Sprintf("file of %s %s (%s)", pk.Name, version, pk.Description)
	if hasMetadata {
		c.put(Target{Path: distDir + "/METADATA", Kind: KindPackageFile, Indicator: pk.ID, Reason: reason, User: user, Env: env})
	}
	rec, err := f.ReadPath(distDir+"/RECORD", 64<<20)
	if err != nil {
		c.errorf("%s/RECORD: %s: only the files found by name are moved", distDir, sweep.TrimPathErr(err))
	}
	sc := bufio.NewScanner(bytes.NewReader(rec))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rel := line
		if strings.HasPrefix(rel, `"`) {
			// A quoted CSV field: the path contains a comma.
			if end := strings.Index(rel[1:], `"`); end >= 0 {
				rel = rel[1 : end+1]
			}
		} else if i := strings.Index(rel, ","); i >= 0 {
			rel = rel[:i]
		}
		if rel == "" {
			continue
		}
		tp := path.Clean(path.Join(site, rel))
		if !strings.HasPrefix(tp, "/") || strings.HasPrefix(rel, "/") {
			continue
		}
		// RECORD paths may climb to bin/ of the environment, never above it.
		if env != "" && !hasPrefixPath(tp, env) && !hasPrefixPath(tp, site) {
			c.errorf("%s/RECORD lists %q outside its environment: not moved", distDir, rel)
			continue
		}
		fi, err := fs.Stat(f.FS, sweep.Rel(tp))
		if err != nil || fi.IsDir() {
			continue
		}
		kind := KindPackageFile
		ind := pk.ID
		why := reason
		for _, x := range c.m.FilesNamed(path.Base(tp)) {
			if x.Kind == "pth" && inSiteDir(tp) {
				kind, ind, why = KindPth, x.ID, x.Description
			}
		}
		c.put(Target{Path: tp, Kind: kind, Indicator: ind, Reason: why, User: user, Env: env})
	}
	clean := pk.LastClean
	if clean == "" {
		clean = pk.FirstClean
	}
	if clean != "" {
		c.mu.Lock()
		c.reinstall[env+"\x00"+pk.Name] = Reinstall{Env: env, Package: pk.Name, Version: version, Command: reinstallCommand(site, env, pk.Name, clean, pk.FirstClean)}
		c.mu.Unlock()
	}
}

func metadataNameVersion(b []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		if l == "" {
			break // end of headers
		}
		if v, ok := strings.CutPrefix(l, "Name:"); ok && name == "" {
			name = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "Version:"); ok && version == "" {
			version = strings.TrimSpace(v)
		}
	}
	return
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

var errSymlink = errors.New("is a symbolic link")

// hashTreeFile hashes a regular file of the walked tree.
func hashTreeFile(f *sweep.File) (string, error) {
	r, err := f.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	return hashReader(r)
}

package python

// The install forms besides a .dist-info/.egg-info directory at a site
// directory's root, each read (never imported or run) to the metadata that
// says which release it is, and graded as an installed release (critical
// for a bad one, info for a clean one), as collectDist grades:
//
//   - eggs on sys.path: a zipped NAME-VER-pyX.Y.egg file (its
//     EGG-INFO/PKG-INFO) or an unzipped NAME-VER-pyX.Y.egg/ directory in a
//     site directory (setuptools' easy_install lists them in
//     easy-install.pth);
//   - development installs: NAME.egg-link (setup.py develop), the paths
//     that .pth files add (easy-install.pth, __editable__.*.pth) when they
//     lead out of the site directory, and the source directories a PEP 660
//     __editable___*_finder.py maps, followed inside the swept root to the
//     source tree's *.egg-info / *.dist-info;
//   - zipapps (.pyz, .pyzw, .pex; python -m zipapp, shiv, pex), read as zip
//     archives (central directory, members bounded) for vendored
//     distributions' metadata and the pack's files;
//   - conda-meta/NAME-VER-BUILD.json, conda's record of an installed
//     package (a conda pkgs/ entry is the cache collector's, a download).

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/collectors/cache"
	"github.com/litesweep/litesweep/sweep"
)

const (
	maxZipMembers   = 200_000
	maxFormSmall    = 64 << 10 // an .egg-link, a finder module, a .pth read for path entries
	maxCondaMeta    = 64 << 20 // conda-meta/*.json lists every file of the package
	maxPathEntries  = 64       // path entries of one .pth followed
	maxSourceListed = 20_000   // entries of a followed source directory listed
)

// zipappExt: file name endings of Python zip applications.
var zipappExt = []string{".pyz", ".pyzw", ".pex"}

func isZipapp(name string) bool {
	for _, x := range zipappExt {
		if strings.HasSuffix(name, x) {
			return true
		}
	}
	return false
}

// eggRe: NAME-VERSION[-pyX.Y[-PLATFORM]].egg (setuptools' egg file name;
// "-" in NAME and VERSION is escaped to "_").
var eggRe = regexp.MustCompile(`^([^-]+)-([^-]+)(?:-py\d+(?:\.\d+)?(?:-.+)?)?\.egg$`)

// formsRequired is FileRequired for the forms (dir is e's directory).
func (c *Collector) formsRequired(e *sweep.Entry, dir, dbase string) bool {
	switch {
	case strings.HasSuffix(e.Name, ".egg"):
		m := eggRe.FindStringSubmatch(e.Name)
		return m != nil && IsSiteDir(dir) && !cacheSite(dir) && c.trackedName(m[1])
	case e.Name == "PKG-INFO" && dbase == "EGG-INFO":
		egg := path.Dir(dir)
		m := eggRe.FindStringSubmatch(path.Base(egg))
		return m != nil && IsSiteDir(path.Dir(egg)) && !cacheSite(path.Dir(egg)) && c.trackedName(m[1])
	case strings.HasSuffix(e.Name, ".egg-link"):
		return IsSiteDir(dir) && !cacheSite(dir) && c.trackedName(strings.TrimSuffix(e.Name, ".egg-link"))
	case strings.HasPrefix(e.Name, "__editable___") && strings.HasSuffix(e.Name, "_finder.py"):
		return IsSiteDir(dir) && !cacheSite(dir)
	case isZipapp(e.Name):
		return !e.IsSymlink()
	case dbase == "conda-meta" && strings.HasSuffix(e.Name, ".json"):
		n, _, ok := condaMetaName(e.Name)
		return ok && c.trackedName(n)
	}
	return false
}

// collectForm is Collect for the forms; it reports whether f was one.
func (c *Collector) collectForm(f *sweep.File, out sweep.Sink) bool {
	dbase := path.Base(f.Dir())
	switch {
	case strings.HasSuffix(f.Name, ".egg"):
		c.collectZipped(f, out, "zipped egg on sys.path "+f.Name, c.envOfPath(f.Path))
	case f.Name == "PKG-INFO" && dbase == "EGG-INFO":
		c.collectMetaFile(f, out, f.Path, "unzipped egg on sys.path "+path.Base(path.Dir(f.Dir())), c.envOfPath(f.Path))
	case strings.HasSuffix(f.Name, ".egg-link"):
		c.collectEggLink(f, out)
	case strings.HasPrefix(f.Name, "__editable___") && strings.HasSuffix(f.Name, "_finder.py"):
		c.collectFinder(f, out)
	case isZipapp(f.Name):
		c.collectZipped(f, out, "vendored in the zipapp "+f.Name, c.envOfPath(f.Path))
	case dbase == "conda-meta" && strings.HasSuffix(f.Name, ".json"):
		c.collectCondaMeta(f, out)
	default:
		return false
	}
	return true
}

// trackedName: a distribution name (or its egg-escaped form) the pack tracks.
func (c *Collector) trackedName(n string) bool {
	if _, ok := c.m.Tracked(n); ok {
		return true
	}
	_, ok := c.m.Tracked(strings.ReplaceAll(n, "_", "-"))
	return ok
}

// formHit is an installed release found through other forms, reported in
// Finish: the same metadata reached several ways (an .egg-link and the
// easy-install.pth line naming the same source tree) is one finding whose
// title names the first way in sorted order, whatever the walk's order.
type formHit struct {
	loc   sweep.Location
	e     *env
	meta  Meta
	forms []string
	det   []string
}

// reportForm records an installed release found in another form.
func (c *Collector) reportForm(loc sweep.Location, e *env, meta Meta, form string, details []string) {
	if _, ok := c.m.Tracked(meta.Name); !ok {
		return
	}
	key := loc.Path + "\x00" + meta.Name + "\x00" + meta.Version
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forms == nil {
		c.forms = map[string]*formHit{}
	}
	h := c.forms[key]
	if h == nil {
		h = &formHit{loc: loc, e: e, meta: meta}
		c.forms[key] = h
	}
	if h.e == nil {
		h.e = e
	}
	if !slices.Contains(h.forms, form) {
		h.forms = append(h.forms, form)
	}
	for _, d := range details {
		if !slices.Contains(h.det, d) {
			h.det = append(h.det, d)
		}
	}
}

// finishForms emits the recorded forms, in path order.
func (c *Collector) finishForms(out sweep.Sink) {
	c.mu.Lock()
	keys := make([]string, 0, len(c.forms))
	for k := range c.forms {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		h := c.forms[k]
		pkg, _ := c.m.Tracked(h.meta.Name)
		_, bad := c.m.Package(h.meta.Name, h.meta.Version)
		sev, title := installedGrade(pkg.Severity, h.meta, bad)
		sort.Strings(h.forms)
		sort.Strings(h.det)
		title += ": " + h.forms[0]
		det := append([]string(nil), h.det...)
		if len(h.forms) > 1 {
			det = append(det, listDetail("also", h.forms[1:]))
		}
		c.emit(out, sweep.Finding{Severity: sev, Category: CatPackage, Title: title, Location: h.loc,
			Evidence:  sweep.Evidence{Package: h.meta.Name, Version: h.meta.Version, Details: det},
			Indicator: indicatorOf(pkg.ID, "package", pkg.Provenance)}, h.e)
	}
}

// collectMetaFile reports the PKG-INFO/METADATA at p (or a single-file
// .egg-info).
func (c *Collector) collectMetaFile(f *sweep.File, out sweep.Sink, p, form string, e *env, details ...string) {
	b, err := f.ReadPath(p, maxMetadata)
	if err != nil {
		c.errorAt(out, f.LocationOf(p), sweep.ErrKindError, errMsg("read "+path.Base(p), err))
		return
	}
	meta, err := ParseMetadata(b)
	if err != nil {
		c.errorAt(out, f.LocationOf(p), sweep.ErrKindError, "malformed "+path.Base(p)+": "+err.Error())
		return
	}
	loc := f.LocationOf(p)
	loc.Line = meta.VersionLine
	c.reportForm(loc, e, meta, form, details)
}

// collectZipped reads a zip (an egg or a zipapp, which may start with a
// #! line) for distributions' metadata and the pack's files.
func (c *Collector) collectZipped(f *sweep.File, out sweep.Sink, form string, e *env) {
	r, err := sweep.OpenRegular(f.FS, sweep.Rel(f.Path))
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("open", err))
		return
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("stat", err))
		return
	}
	ra, ok := r.(io.ReaderAt)
	if !ok {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "no random access: the archive was not read")
		return
	}
	zr, err := zip.NewReader(ra, fi.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if strings.HasSuffix(f.Name, ".egg") {
			c.errorAt(out, f.Location(), sweep.ErrKindError, "not a readable zip: "+err.Error())
		}
		return // a .pyz/.pex that is not a zip is not a zipapp
	}
	if len(zr.File) > maxZipMembers {
		c.errorAt(out, f.Location(), sweep.ErrKindUnverified, fmt.Sprintf("%d members (more than %d): not read", len(zr.File), maxZipMembers))
		return
	}
	for _, m := range zr.File {
		dir, base := path.Split(m.Name)
		dir = strings.TrimSuffix(dir, "/")
		dbase := path.Base(dir)
		var tracked bool
		switch {
		case base == "PKG-INFO" && dbase == "EGG-INFO":
			tracked = true // an egg's own metadata: the name is inside
		case base == "METADATA" && strings.HasSuffix(dbase, ".dist-info"), base == "PKG-INFO" && strings.HasSuffix(dbase, ".egg-info"):
			tracked = c.tracked(dbase)
		}
		if tracked {
			b, err := cache.ReadZipMember(m, maxMetadata)
			if err != nil {
				c.errorAt(out, f.Location(), sweep.ErrKindError, err.Error())
				continue
			}
			meta, err := ParseMetadata(b)
			if err != nil {
				c.errorAt(out, f.Location(), sweep.ErrKindError, fmt.Sprintf("member %s: malformed: %v", printableName(m.Name), err))
				continue
			}
			loc := f.Location()
			c.reportForm(loc, e, meta, form, []string{"metadata in member " + printableName(m.Name)})
			continue
		}
		c.zipPackFile(f, out, m, form, e)
	}
}

// zipPackFile hashes a member named like one of the pack's files (by name
// or path suffix) and reports a match as the tampered file it is.
func (c *Collector) zipPackFile(f *sweep.File, out sweep.Sink, m *zip.File, form string, e *env) {
	want := len(c.m.FilesNamed(path.Base(m.Name))) > 0
	for _, s := range c.suffixes {
		want = want || strings.HasSuffix("/"+m.Name, s.slashSuffix)
	}
	if !want || m.FileInfo().IsDir() {
		return
	}
	if int64(m.UncompressedSize64) > c.o.MaxHashSize {
		c.errorAt(out, f.Location(), sweep.ErrKindSkipped, fmt.Sprintf("member %s not hashed: larger than %d bytes", printableName(m.Name), c.o.MaxHashSize))
		return
	}
	b, err := cache.ReadZipMember(m, c.o.MaxHashSize)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, err.Error())
		return
	}
	sum := sha256.Sum256(b)
	hx := hex.EncodeToString(sum[:])
	fi, ok := c.m.File(hx)
	if !ok {
		return
	}
	c.emit(out, sweep.Finding{Severity: severityOf(fi.Severity, sweep.Critical), Category: CatTampered,
		Title:    fmt.Sprintf("%s (known malicious content), %s", printableName(m.Name), form),
		Location: f.Location(), Evidence: sweep.Evidence{SHA256: hx, Details: []string{"member " + printableName(m.Name)}},
		Indicator: indicatorOf(fi.ID, "file", fi.Provenance)}, e)
}

func printableName(s string) string { return strings.ToValidUTF8(truncate(s, 300), "?") }

// collectEggLink follows NAME.egg-link (its first line: the directory
// holding the project's egg-info) to the source tree.
func (c *Collector) collectEggLink(f *sweep.File, out sweep.Sink) {
	b, err := f.ReadAll(maxFormSmall)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("read", err))
		return
	}
	lines := splitLines(string(b))
	if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "empty .egg-link: the development install's source is not named")
		return
	}
	dir := strings.TrimRight(lines[0], " \t")
	if !path.IsAbs(dir) {
		dir = path.Join(f.Dir(), dir)
	}
	name := strings.TrimSuffix(f.Name, ".egg-link")
	if !c.followSource(f, out, dir, "development install (setup.py develop: "+f.Name+" -> "+dir+")", c.envOfPath(f.Path), name) {
		c.errorAt(out, f.Location(), sweep.ErrKindUnverified, fmt.Sprintf("development install of %s: its source %s is not in the swept root or holds no %s metadata, so the installed version is not known", name, printableName(dir), name))
	}
}

var finderMapRe = regexp.MustCompile(`['"]([A-Za-z_][A-Za-z0-9_.]*)['"]\s*:\s*['"]([^'"\n]+)['"]`)

// collectFinder follows the package directories a PEP 660 editable finder
// maps (MAPPING = {'pkg': '/src/pkg'}) to their source trees.
func (c *Collector) collectFinder(f *sweep.File, out sweep.Sink) {
	b, err := f.ReadAll(maxFormSmall)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("read", err))
		return
	}
	for _, m := range finderMapRe.FindAllStringSubmatch(string(b), 32) {
		if !path.IsAbs(m[2]) {
			continue
		}
		c.followSource(f, out, path.Dir(m[2]), "editable install (PEP 660 finder "+f.Name+" -> "+m[2]+")", c.envOfPath(f.Path), "")
	}
}

// pthPathEntries follows the directories a .pth adds to sys.path when they
// lead out of its site directory (a development or editable install's
// source tree); b is the whole .pth (at most maxFormSmall bytes: a larger
// one is not a development install's). Lines are read as site.py reads them: not a comment, not an
// executed import line, rstripped, relative to the site directory.
func (c *Collector) pthPathEntries(f *sweep.File, out sweep.Sink, site string, b []byte) {
	n := 0
	for _, l := range splitLines(string(b)) {
		if l == "" || l[0] == '#' || strings.HasPrefix(l, "import ") || strings.HasPrefix(l, "import\t") {
			continue
		}
		l = strings.TrimRight(l, " \t\r\n\v\f")
		if l == "" || strings.ContainsRune(l, 0) {
			continue
		}
		dir := l
		if !path.IsAbs(dir) {
			dir = path.Join(site, dir)
		}
		dir = path.Clean(dir)
		if dir == site || strings.HasPrefix(dir, site+"/") || IsSiteDir(dir) {
			continue // inside the site directory (eggs) or another site directory: swept as such
		}
		if n++; n > maxPathEntries {
			break
		}
		c.followSource(f, out, dir, "on sys.path through "+f.Name+" ("+dir+")", c.envOfPath(f.Path), "")
	}
}

// followSource looks in dir (inside the swept root) for tracked
// *.egg-info / *.dist-info metadata and reports each as installed through
// via; want, when set, is the distribution expected there. It reports
// whether dir held the wanted metadata (any tracked one when want is "").
func (c *Collector) followSource(f *sweep.File, out sweep.Sink, dir, via string, e *env, want string) bool {
	ents, err := fs.ReadDir(f.FS, sweep.Rel(dir))
	if err != nil {
		return false
	}
	if len(ents) > maxSourceListed {
		ents = ents[:maxSourceListed]
	}
	found := false
	for _, de := range ents {
		n := de.Name()
		var meta string
		switch {
		case strings.HasSuffix(n, ".egg-info") && de.IsDir():
			meta = path.Join(dir, n, "PKG-INFO")
		case strings.HasSuffix(n, ".egg-info") && de.Type().IsRegular():
			meta = path.Join(dir, n)
		case strings.HasSuffix(n, ".dist-info") && de.IsDir():
			meta = path.Join(dir, n, "METADATA")
		default:
			continue
		}
		if !c.tracked(n) {
			continue
		}
		if want != "" && !c.sameDist(n, want) {
			continue
		}
		found = true
		c.collectMetaFile(f, out, meta, via, e)
	}
	return found
}

// sameDist: metadata directory name n is of distribution want.
func (c *Collector) sameDist(n, want string) bool {
	for _, d := range DistName(n) {
		if normName(d) == normName(want) {
			return true
		}
	}
	return false
}

func normName(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(s))
}

// condaMetaName splits conda-meta/NAME-VERSION-BUILD.json.
func condaMetaName(file string) (name, version string, ok bool) {
	s := strings.TrimSuffix(file, ".json")
	i := strings.LastIndex(s, "-")
	if i <= 0 {
		return "", "", false
	}
	j := strings.LastIndex(s[:i], "-")
	if j <= 0 {
		return "", "", false
	}
	return s[:j], s[j+1 : i], true
}

// collectCondaMeta reports conda's installed-package record.
func (c *Collector) collectCondaMeta(f *sweep.File, out sweep.Sink) {
	b, err := f.ReadAll(maxCondaMeta)
	if err != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("read", err))
		return
	}
	var rec struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Build   string `json:"build"`
		Channel string `json:"channel"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&rec); err != nil || rec.Name == "" || rec.Version == "" {
		msg := "no name and version"
		if err != nil {
			msg = err.Error()
		}
		c.errorAt(out, f.Location(), sweep.ErrKindError, "malformed conda-meta record: "+msg)
		return
	}
	root := path.Dir(f.Dir())
	c.mu.Lock()
	e := c.envLocked(root)
	e.marker = "conda"
	c.mu.Unlock()
	det := []string{"conda build " + printableName(rec.Build)}
	if rec.Channel != "" {
		det = append(det, "channel "+printableName(rec.Channel))
	}
	c.reportForm(f.Location(), e, Meta{Name: rec.Name, Version: rec.Version}, "conda package (conda-meta record)", det)
}

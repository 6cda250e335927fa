package python

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// installedGrade is the one grade of an installed tracked release: a bad
// one at the pack's severity (default critical), a clean one info.
func installedGrade(pkgSeverity string, meta Meta, bad bool) (sweep.Severity, string) {
	title := fmt.Sprintf("%s %s installed", meta.Name, meta.Version)
	if bad {
		return severityOf(pkgSeverity, sweep.Critical), title + " (affected release)"
	}
	return sweep.Info, title + " (not an affected release)"
}

// collectDist handles a tracked distribution's METADATA / PKG-INFO (or a
// single-file .egg-info); distDir is the .dist-info/.egg-info path.
func (c *Collector) collectDist(ctx context.Context, f *sweep.File, distDir string, out sweep.Sink) {
	site := path.Dir(distDir)
	e := c.envOfPath(distDir + "/x")
	loc := f.LocationOf(distDir)
	b, err := f.ReadAll(maxMetadata)
	var details []string
	meta, perr := Meta{}, error(nil)
	if err != nil {
		perr = err
		c.errorAt(out, f.Location(), sweep.ErrKindError, errMsg("read "+f.Name, err))
	} else if meta, perr = ParseMetadata(b); perr != nil {
		c.errorAt(out, f.Location(), sweep.ErrKindError, "malformed "+path.Base(f.Path)+": "+perr.Error())
	}
	if perr != nil {
		// Fall back on the directory name, which pip and uv write from
		// the same metadata.
		m, ok := nameFromDir(path.Base(distDir))
		if !ok {
			return
		}
		meta = m
		details = append(details, "identity from the directory name: the metadata could not be read")
	}
	if perr == nil {
		// The installed-package finding points at the file and line that
		// declare the version (METADATA's Version: header), so SARIF and
		// code scanning show the evidence itself, not a directory.
		loc = f.Location()
		loc.Line = meta.VersionLine
	}
	pkg, ok := c.m.Tracked(meta.Name)
	if !ok {
		return
	}
	_, bad := c.m.Package(meta.Name, meta.Version)
	d := &dist{site: site, dir: distDir, meta: meta, pkg: pkg, bad: bad, record: map[string]RecordRow{}}

	ev := sweep.Evidence{Package: meta.Name, Version: meta.Version}
	if inst, err := f.ReadPath(distDir+"/INSTALLER", 256); err == nil {
		ev.Installer = strings.TrimSpace(string(inst))
		d.installer = ev.Installer
	}
	// Install time: the files the installer writes last.
	var installed time.Time
	for _, n := range []string{"INSTALLER", "RECORD", path.Base(f.Path)} {
		p := distDir + "/" + n
		if !strings.HasSuffix(distDir, ".egg-info") || n == path.Base(f.Path) {
			if fi, err := c.lstat(f.FS, p); err == nil {
				installed = fi.ModTime().UTC()
				ff := factsOf(fi, c.o.Homes)
				ev.Owner = ff.owner
				if !ff.ctime.IsZero() {
					details = append(details, fmt.Sprintf("%s ctime %s", n, fmtTime(ff.ctime)))
				}
				details = append(details, fmt.Sprintf("install time from %s mtime", n))
				break
			}
		}
	}
	if !installed.IsZero() {
		ev.Time = &installed
		t := installed
		ev.ModTime = &t
	}

	var missing, iocRows []string
	var modified []mismatch
	if strings.HasSuffix(distDir, ".dist-info") {
		missing, modified, iocRows = c.verifyRecord(ctx, f, d, out)
		if len(d.record) > 0 {
			details = append(details, fmt.Sprintf("RECORD: %d files, %d missing, %d differ", len(d.record), len(missing), len(modified)))
		}
	} else {
		details = append(details, "egg-info: no RECORD to verify")
	}
	details = append(details, iocRows...)

	sev, title := installedGrade(pkg.Severity, meta, bad)
	ev.Details = details
	d.findingID = c.emit(out, sweep.Finding{Severity: sev, Category: CatPackage, Title: title, Location: loc,
		Evidence: ev, Indicator: indicatorOf(pkg.ID, "package", pkg.Provenance)}, e)

	relocated, tampered := c.judgeMismatches(f, d, modified)
	if len(tampered) > 0 || len(missing) > 0 {
		sev, what := sweep.Low, fmt.Sprintf("%d installed files are missing", len(missing))
		var det []string
		if len(tampered) > 0 {
			// Importable code (or a script that is not a relocated
			// launcher) differs: tampering after install.
			sev, what = sweep.High, fmt.Sprintf("%d installed files differ from RECORD", len(tampered))
			if bad {
				sev = severityOf(pkg.Severity, sweep.Critical)
			}
			det = append(det, listDetail("differ", tampered))
		}
		if len(missing) > 0 {
			det = append(det, listDetail("missing", missing))
		}
		if len(relocated) > 0 {
			det = append(det, fmt.Sprintf("also %d relocated entry points (interpreter line only)", len(relocated)))
		}
		c.emit(out, sweep.Finding{Severity: sev, Category: CatIntegrity,
			Title:    fmt.Sprintf("%s %s: %s", meta.Name, meta.Version, what),
			Location: f.LocationOf(distDir + "/RECORD"), Evidence: sweep.Evidence{Package: meta.Name, Version: meta.Version, Details: det},
			Indicator: indicatorOf(pkg.ID, "package", pkg.Provenance)}, e)
	}
	if len(relocated) > 0 {
		det := append([]string{"entry-point scripts rewritten after install (relocated venv, Docker multi-stage copy, conda prefix replacement): not tampering"}, relocated...)
		if len(det) > maxListed+1 {
			det = append(det[:maxListed+1], fmt.Sprintf("and %d more", len(det)-maxListed-1))
		}
		c.emit(out, sweep.Finding{Severity: sweep.Info, Category: CatIntegrity,
			Title:    fmt.Sprintf("%s %s: %d relocated entry points", meta.Name, meta.Version, len(relocated)),
			Location: f.LocationOf(distDir + "/RECORD"), Evidence: sweep.Evidence{Package: meta.Name, Version: meta.Version, Details: det},
			Indicator: indicatorOf(pkg.ID, "package", pkg.Provenance)}, e)
	}
	c.mu.Lock()
	c.dists[site] = append(c.dists[site], d)
	c.mu.Unlock()
}

// mismatch is an installed file that differs from its RECORD row.
type mismatch struct {
	row     RecordRow
	path    string // absolute tree path
	regular bool
	desc    string
}

// maxScript caps the bytes read of a mismatching entry-point script.
const maxScript = 1 << 20

// judgeMismatches splits mismatching files into relocated entry points
// (only the interpreter line differs; see entrypoints.go), described, and
// the rest, which is tampering.
func (c *Collector) judgeMismatches(f *sweep.File, d *dist, ms []mismatch) (relocated, tampered []string) {
	var eps map[string]entryPoint
	for _, m := range ms {
		if m.regular && isScriptPath(d.site, m.path) {
			if eps == nil {
				eps = map[string]entryPoint{}
				if b, err := f.ReadPath(d.dir+"/entry_points.txt", maxSmallFile); err == nil {
					eps = parseEntryPoints(b)
				}
			}
			if b, err := f.ReadPath(m.path, maxScript); err == nil {
				if how, ok := relocatedScript(m.row.Path, b, m.row.Size, eps); ok {
					relocated = append(relocated, how)
					continue
				}
			}
		}
		tampered = append(tampered, m.desc)
	}
	return relocated, tampered
}

// verifyRecord parses RECORD and checks every row with a hash or size.
func (c *Collector) verifyRecord(ctx context.Context, f *sweep.File, d *dist, out sweep.Sink) (missing []string, modified []mismatch, iocRows []string) {
	recPath := d.dir + "/RECORD"
	b, err := f.ReadPath(recPath, maxRecord)
	if err != nil {
		if isNotExist(err) {
			if path.Base(d.site) == "dist-packages" && (d.installer == "" || d.installer == "debian") {
				// Debian's dh_python removes RECORD: dpkg tracks the
				// files (dpkg --verify checks them). Not a gap of this
				// sweep, and not tampering.
				iocRows = append(iocRows, "no RECORD: a Debian package (dh_python removes RECORD; dpkg tracks its files, check with dpkg --verify)")
				return
			}
			c.errorAt(out, f.LocationOf(recPath), sweep.ErrKindUnverified, "no RECORD: installed files not verified")
		} else {
			c.errorAt(out, f.LocationOf(recPath), sweep.ErrKindError, errMsg("read RECORD", err))
		}
		return
	}
	rows, errs := ParseRecord(b)
	for i, err := range errs {
		if i == 5 {
			c.errorAt(out, f.LocationOf(recPath), sweep.ErrKindError, fmt.Sprintf("%d more malformed RECORD rows", len(errs)-5))
			break
		}
		c.errorAt(out, f.LocationOf(recPath), sweep.ErrKindError, "malformed RECORD: "+err.Error())
	}
	for _, row := range rows {
		p := row.Path
		if !path.IsAbs(p) {
			p = path.Join(d.site, p)
		}
		p = path.Clean(p)
		d.record[p] = row
		if row.Hash != "" {
			if fi, ok := c.m.RecordHash(row.Hash); ok {
				iocRows = append(iocRows, fmt.Sprintf("RECORD lists %s with the hash of indicator %s", row.Path, fi.ID))
			}
		}
	}
	for _, row := range rows {
		if ctx.Err() != nil {
			c.errorAt(out, f.LocationOf(recPath), sweep.ErrKindError, "RECORD verification interrupted")
			return
		}
		if row.Hash == "" && row.Size < 0 {
			continue
		}
		p := row.Path
		if !path.IsAbs(p) {
			p = path.Join(d.site, p)
		}
		p = path.Clean(p)
		fi, err := c.lstat(f.FS, p)
		if err != nil {
			if isNotExist(err) {
				missing = append(missing, row.Path)
			} else {
				c.errorAt(out, f.LocationOf(p), sweep.ErrKindError, errMsg("stat RECORD file", err))
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			modified = append(modified, mismatch{row: row, path: p, desc: row.Path + " (not a regular file)"})
			continue
		}
		if row.Size >= 0 && fi.Size() != row.Size {
			modified = append(modified, mismatch{row: row, path: p, regular: true, desc: fmt.Sprintf("%s (size %d, RECORD %d)", row.Path, fi.Size(), row.Size)})
			continue
		}
		if row.Hash == "" {
			continue
		}
		if fi.Size() > c.o.MaxHashSize {
			c.errorAt(out, f.LocationOf(p), sweep.ErrKindSkipped, fmt.Sprintf("not hashed: larger than %d bytes", c.o.MaxHashSize))
			continue
		}
		algo, _, _ := strings.Cut(row.Hash, "=")
		r, err := f.OpenPath(p)
		if err != nil {
			c.errorAt(out, f.LocationOf(p), sweep.ErrKindError, errMsg("open RECORD file", err))
			continue
		}
		rec, _, _, err := hashReader(r, algo, c.o.MaxHashSize)
		r.Close()
		if err != nil {
			c.errorAt(out, f.LocationOf(p), sweep.ErrKindError, errMsg("hash RECORD file", err))
			continue
		}
		if strings.TrimRight(rec, "=") != strings.TrimRight(row.Hash, "=") {
			modified = append(modified, mismatch{row: row, path: p, regular: true, desc: row.Path})
		}
	}
	return
}

// claimant returns the tracked distribution in site whose RECORD lists p.
func (c *Collector) claimant(site, p string) *dist {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.dists[site] {
		if _, ok := d.record[p]; ok {
			return d
		}
	}
	return nil
}

// siteDists returns the tracked distributions seen in site.
func (c *Collector) siteDists(site string) []*dist {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*dist(nil), c.dists[site]...)
}

func pkgByID(m *iocs.Matcher, id string) *iocs.PackageIOC {
	for i := range m.Pack().Packages {
		if m.Pack().Packages[i].ID == id {
			return &m.Pack().Packages[i]
		}
	}
	return nil
}

// nameFromDir reads name and version from a .dist-info directory name
// (NAME-VER.dist-info) or an .egg-info name (NAME-VER[-pyX.Y].egg-info).
func nameFromDir(base string) (Meta, bool) {
	if stem, ok := strings.CutSuffix(base, ".dist-info"); ok {
		i := strings.LastIndex(stem, "-")
		if i <= 0 || i == len(stem)-1 {
			return Meta{}, false
		}
		return Meta{Name: stem[:i], Version: stem[i+1:]}, true
	}
	if stem, ok := strings.CutSuffix(base, ".egg-info"); ok {
		p := strings.Split(stem, "-")
		if len(p) < 2 || p[0] == "" || p[1] == "" {
			return Meta{}, false
		}
		return Meta{Name: p[0], Version: p[1]}, true
	}
	return Meta{}, false
}

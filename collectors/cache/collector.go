// Package cache finds bad releases in package caches, where they remain as
// evidence of a download after the package was uninstalled: pip's HTTP
// cache (http-v2/ with the body in "<entry>.body", legacy http/ with the
// body inline; the same CacheControl format in poetry's _http/ and
// pipenv's cache), pip's wheels/ cache, uv's wheels-v*/ pointers and
// unzipped archive-v*/ wheels, poetry's artifacts/, conda's pkgs/, and any
// loose wheel or sdist file named like a bad release.
//
// Caches are recognised by their own layout (five single-hex directories
// under http/, http-v2/ or _http/; wheels-v*/<kind>/<name>/<version>-<tags>.http;
// archive-v*/<id>/<dist>.dist-info/), so default locations (~/.cache/pip,
// ~/Library/Caches/pip, AppData/Local/pip/Cache, /root/.cache/...) and
// overridden ones (PIP_CACHE_DIR, UV_CACHE_DIR, --cache-dir) anywhere under
// the root are found by the one walk. Cached wheels are identified by the
// x-pypi-file-project/-version headers, by the .dist-info inside the zip
// (read from the central directory; METADATA and RECORD only for tracked
// names, each bounded) and by SHA-256 against the pack's artefacts.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// MaxHashSize caps the bytes hashed of one cached file.
	MaxHashSize int64
}

// Collector is the package-cache collector.
type Collector struct {
	o      Options
	tracks []string // normalised tracked names, for cheap path prefilters
}

// New returns the collector.
func New(o Options) *Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 64 << 20
	}
	return &Collector{o: o, tracks: o.Matcher.TrackedNames()}
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return "cache/packages" }

type kind int

const (
	kNone kind = iota
	kHTTP
	kHTTPBody
	kUVPointer
	kUVArchive
	kDistFile
	kCondaIndex
	kSymlink
)

var (
	hex56     = regexp.MustCompile(`^[0-9a-f]{56}$`)
	uvBucket  = regexp.MustCompile(`^wheels-v\d+$`)
	uvArchive = regexp.MustCompile(`^archive-v\d+$`)
)

// cacheDirSuffixes are cache directories that, when a symlink, leave a cache
// unchecked if the link leads out of the scanned tree.
var cacheDirSuffixes = []string{
	"/.cache/pip", "/.cache/uv", "/.cache/pypoetry", "/.cache/pipenv", "/.cache/pipx", "/.cache",
	"/Library/Caches/pip", "/Library/Caches/pypoetry", "/Library/Caches/pipenv", "/Library/Caches/pipx",
	"/AppData/Local/pip/Cache", "/AppData/Local/pip", "/AppData/Local/uv/cache", "/AppData/Local/uv",
	"/AppData/Local/pypoetry/Cache", "/AppData/Local/pypoetry",
	"/pip/http-v2", "/pip/http", "/pip/wheels", "/.conda/pkgs",
}

// classify is the pure path test shared by FileRequired and Collect.
func (c *Collector) classify(e *sweep.Entry) kind {
	name := e.Name
	if e.IsSymlink() {
		for _, s := range cacheDirSuffixes {
			if strings.HasSuffix(e.Path, s) {
				return kSymlink
			}
		}
		return kNone
	}
	if len(name) >= 56 && (name[0] >= '0' && name[0] <= '9' || name[0] >= 'a' && name[0] <= 'f') {
		h := strings.TrimSuffix(name, ".body")
		if hex56.MatchString(h) && isHTTPCachePath(e.Path, h) {
			if len(h) == len(name) {
				return kHTTP
			}
			return kHTTPBody
		}
	}
	if strings.HasSuffix(name, ".http") {
		if n, v, ok := uvPointerDist(e.Path); ok && c.bad(n, v) {
			return kUVPointer
		}
		return kNone
	}
	if name == "METADATA" {
		if n, v, ok := uvArchiveDist(e.Path); ok && c.bad(n, v) {
			return kUVArchive
		}
		return kNone
	}
	if name == "index.json" && path.Base(path.Dir(e.Path)) == "info" {
		pk := path.Dir(path.Dir(e.Path))
		if path.Base(path.Dir(pk)) == "pkgs" {
			if n, v, ok := condaDist(path.Base(pk)); ok && c.bad(n, v) {
				return kCondaIndex
			}
		}
		return kNone
	}
	if !c.prefixTracked(name) {
		return kNone
	}
	if n, v, ok := distFromAnyFilename(name); ok && c.bad(n, v) {
		return kDistFile
	}
	return kNone
}

// prefixTracked is a cheap test that a file name could start with a tracked
// distribution name (in any of its -_. spellings).
func (c *Collector) prefixTracked(name string) bool {
	for _, n := range c.tracks {
		// The first byte of a normalised name is the name's own first letter
		// (lower-cased): reject most file names before the regexp-based
		// normalisation, without allocating.
		if len(name) > len(n) && name[0]|0x20 == n[0] && strings.HasPrefix(iocs.NormalizeName(name[:len(n)]), n) {
			return true
		}
	}
	return false
}

func (c *Collector) bad(name, version string) bool {
	_, ok := c.o.Matcher.Package(name, version)
	return ok
}

// isHTTPCachePath checks the CacheControl FileCache layout:
// <dir>/{http,http-v2,_http}/h0/h1/h2/h3/h4/<h>.
func isHTTPCachePath(p, h string) bool {
	segs := strings.Split(p, "/")
	n := len(segs)
	if n < 8 {
		return false
	}
	for i := 0; i < 5; i++ {
		if segs[n-6+i] != h[i:i+1] {
			return false
		}
	}
	switch segs[n-7] {
	case "http", "http-v2", "_http":
		return true
	}
	return false
}

// uvPointerDist reads name and version from .../wheels-vN/<kind>[/<digest>]/<name>/<version>-<tags>.http.
func uvPointerDist(p string) (string, string, bool) {
	segs := strings.Split(p, "/")
	n := len(segs)
	if n < 4 {
		return "", "", false
	}
	found := false
	for i := n - 5; i < n-2; i++ {
		if i >= 0 && uvBucket.MatchString(segs[i]) {
			found = true
		}
	}
	if !found {
		return "", "", false
	}
	ver, _, _ := strings.Cut(strings.TrimSuffix(segs[n-1], ".http"), "-")
	return segs[n-2], ver, ver != ""
}

// uvArchiveDist reads name and version from .../archive-vN/<id>/<name>-<ver>.dist-info/METADATA.
func uvArchiveDist(p string) (string, string, bool) {
	segs := strings.Split(p, "/")
	n := len(segs)
	if n < 5 || !uvArchive.MatchString(segs[n-4]) {
		return "", "", false
	}
	mm := distInfoRe.FindStringSubmatch(segs[n-2] + "/")
	if mm == nil {
		return "", "", false
	}
	return mm[1], mm[2], true
}

// condaDist splits a conda package file or directory name <name>-<version>-<build>.
func condaDist(s string) (string, string, bool) {
	for _, ext := range []string{".conda", ".tar.bz2"} {
		s = strings.TrimSuffix(s, ext)
	}
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

func distFromAnyFilename(name string) (string, string, bool) {
	if strings.HasSuffix(name, ".conda") || (strings.HasSuffix(name, ".tar.bz2") && strings.Count(name, "-") >= 2) {
		if n, v, ok := condaDist(name); ok {
			if _, err := iocs.ParseVersion(v); err == nil {
				return n, v, true
			}
		}
	}
	return lockfile.DistFromFilename(name)
}

// FileRequired implements sweep.Collector.
func (c *Collector) FileRequired(e *sweep.Entry) bool { return c.classify(e) != kNone }

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	switch c.classify(f.Entry) {
	case kHTTP:
		c.collectHTTP(f, out, f.Path+".body")
	case kHTTPBody:
		meta := strings.TrimSuffix(f.Path, ".body")
		if _, err := fs.Stat(f.FS, sweep.Rel(meta)); err == nil {
			return // read with its metadata file
		}
		c.collectOrphanBody(f, out)
	case kUVPointer:
		c.collectUVPointer(f, out)
	case kUVArchive:
		c.collectUVArchive(f, out)
	case kDistFile:
		c.collectDistFile(f, out)
	case kCondaIndex:
		c.collectCondaIndex(f, out)
	case kSymlink:
		c.collectSymlink(f, out)
	}
}

// hit is one cached copy of a bad release.
type hit struct {
	cache   string // human name of the cache
	name    string
	version string
	pk      *iocs.PackageIOC
	art     *iocs.Artifact
	size    int64
	sha     string
	when    time.Time
	mtime   time.Time
	how     []string // how it was identified
	details []string
	file    string // the distribution file name when known
}

func (c *Collector) emit(f *sweep.File, out sweep.Sink, h hit) {
	loc := f.Location()
	what := h.file
	if what == "" {
		what = h.pk.Name + " " + h.version
	}
	title := fmt.Sprintf("%s holds %s", h.cache, what)
	details := append([]string{"cache: " + h.cache + ", " + layoutOf(f.Path)}, h.how...)
	details = append(details, h.details...)
	ev := sweep.Evidence{Package: h.pk.Name, Version: h.version, Size: h.size, SHA256: h.sha, Details: details}
	if !h.mtime.IsZero() {
		t := h.mtime.UTC()
		ev.ModTime = &t
	}
	if !h.when.IsZero() {
		t := h.when.UTC()
		ev.Time = &t
	} else if ev.ModTime != nil {
		t := *ev.ModTime
		ev.Time = &t
	}
	ind := &sweep.Indicator{ID: h.pk.ID, Kind: "package", Confidence: string(h.pk.Provenance.Confidence), Sources: h.pk.Provenance.Sources}
	if h.art != nil {
		ind = &sweep.Indicator{ID: h.pk.ID + ":" + h.art.Filename, Kind: "artifact", Confidence: string(h.art.Provenance.Confidence), Sources: h.art.Provenance.Sources}
	}
	out.Finding(sweep.Finding{
		Severity: sweep.High, Category: CatCache, Title: title, Location: loc, Evidence: ev, Indicator: ind,
		User: sweep.UserOf(c.o.Homes, f.Path), Collector: c.Name(),
	})
}

func (c *Collector) errorAt(f *sweep.File, out sweep.Sink, p string, err error) {
	out.Error(sweep.ErrorAt(f.LocationOf(p), c.Name(), err))
}

// layoutOf names the platform layout a cache path follows.
func layoutOf(p string) string {
	switch {
	case strings.Contains(p, "/Library/Caches/"):
		return "macOS layout (~/Library/Caches)"
	case strings.Contains(p, "/AppData/Local/"):
		return "Windows layout (%LOCALAPPDATA%)"
	case strings.Contains(p, "/.cache/"):
		return "XDG layout (~/.cache)"
	}
	return "custom location (--cache-dir / *_CACHE_DIR)"
}

// httpCacheName names the tool owning a CacheControl cache.
func httpCacheName(p string) string {
	switch {
	case strings.Contains(p, "/_http/") || strings.Contains(strings.ToLower(p), "pypoetry"):
		return "poetry HTTP cache"
	case strings.Contains(strings.ToLower(p), "pipenv"):
		return "pipenv HTTP cache"
	case strings.Contains(p, "/http-v2/"):
		return "pip HTTP cache (http-v2)"
	}
	return "pip HTTP cache (legacy http/)"
}

// trimErr drops the host path of a *fs.PathError, keeping what it wraps.
func trimErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// openAt opens a tree file for random access.
func openAt(f *sweep.File, p string) (io.ReaderAt, int64, time.Time, func(), error) {
	fh, err := f.FS.Open(sweep.Rel(p))
	if err != nil {
		return nil, 0, time.Time{}, nil, trimErr(err)
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, time.Time{}, nil, trimErr(err)
	}
	if !fi.Mode().IsRegular() {
		fh.Close()
		return nil, 0, time.Time{}, nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	ra, ok := fh.(io.ReaderAt)
	if !ok {
		fh.Close()
		return nil, 0, time.Time{}, nil, errors.New("file does not support random access")
	}
	return ra, fi.Size(), fi.ModTime(), func() { fh.Close() }, nil
}

func (c *Collector) collectHTTP(f *sweep.File, out sweep.Sink, bodyPath string) {
	ra, size, mtime, closeFn, err := openAt(f, f.Path)
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("cache entry: %w", err))
		return
	}
	defer closeFn()
	e, err := ParseHTTPEntry(ra, size)
	if err != nil {
		if errors.Is(err, ErrUnsupportedSerde) {
			out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped, Message: err.Error()})
			return
		}
		c.errorAt(f, out, f.Path, fmt.Errorf("%s entry: %w", httpCacheName(f.Path), err))
		return
	}
	if e.Status != 200 && e.Status != 203 {
		return
	}
	h := hit{cache: httpCacheName(f.Path), when: e.Date(), mtime: mtime}
	proj, ver := e.Headers["x-pypi-file-project"], e.Headers["x-pypi-file-version"]
	if proj != "" && ver != "" {
		pk, bad := c.o.Matcher.Package(proj, ver)
		if !bad {
			return // PyPI says which file this is, and it is not a bad one
		}
		h.pk, h.name, h.version = pk, proj, ver
		h.how = append(h.how, fmt.Sprintf("identified by the x-pypi-file-project/-version headers: %s %s (%s)", proj, ver, e.Headers["x-pypi-file-package-type"]))
	} else if e.IsPage() {
		return
	}
	if !h.when.IsZero() {
		h.details = append(h.details, "cached at (Date header): "+h.when.Format(time.RFC3339))
	}
	// The body: inline (legacy) or in "<entry>.body" (http-v2).
	var body io.ReaderAt
	var bodySize int64
	bodyLoc := f.Path
	if e.BodyLen > 0 {
		body, bodySize = e.Body(ra), e.BodyLen
	} else if bra, bsize, _, bclose, err := openAt(f, bodyPath); err == nil {
		defer bclose()
		body, bodySize, bodyLoc = bra, bsize, bodyPath
		h.details = append(h.details, "body: "+bodyPath)
	} else if !errors.Is(err, fs.ErrNotExist) {
		c.errorAt(f, out, bodyPath, fmt.Errorf("cache body: %w", err))
	}
	if body == nil {
		if h.pk != nil {
			h.details = append(h.details, "the body is gone (entry without .body): only the headers remain")
			c.emit(f, out, h)
		}
		return
	}
	c.inspectBody(f, out, h, body, bodySize, bodyLoc, e.ClaimsFile())
}

// collectOrphanBody reads a "<entry>.body" whose metadata file is missing.
func (c *Collector) collectOrphanBody(f *sweep.File, out sweep.Sink) {
	ra, size, mtime, closeFn, err := openAt(f, f.Path)
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("cache body: %w", err))
		return
	}
	defer closeFn()
	h := hit{cache: httpCacheName(f.Path), mtime: mtime, details: []string{"orphan body: its metadata file is missing"}}
	c.inspectBody(f, out, h, ra, size, f.Path, false)
}

// inspectBody identifies a cached body (zip wheel, gzip sdist, or bytes
// hashed against the pack's artefacts) and reports it when it is bad.
func (c *Collector) inspectBody(f *sweep.File, out sweep.Sink, h hit, body io.ReaderAt, size int64, loc string, claimsFile bool) {
	h.size = size
	var head [4]byte
	n, _ := body.ReadAt(head[:], 0)
	identified := h.pk != nil
	switch Sniff(head[:n]) {
	case "zip":
		a, err := InspectZip(body, size, c.o.Matcher, c.o.MaxHashSize)
		if err != nil {
			// Report what matters: a broken zip the headers call a file, a
			// hostile member path, or any problem with a tracked package. A
			// valid zip that is simply not a wheel (an old .zip sdist) is not
			// an error.
			_, tracked := c.o.Matcher.Tracked(a.nameOrEmpty())
			if identified || tracked || (a == nil && claimsFile) || (a != nil && len(a.Hostile) > 0) {
				c.errorAt(f, out, loc, fmt.Errorf("cached wheel: %w", err))
			}
		}
		if a != nil && a.Name != "" {
			if pk, bad := c.o.Matcher.Package(a.Name, a.Version); bad {
				if !identified {
					h.pk, h.name, h.version = pk, a.Name, a.Version
				}
				identified = true
				h.how = append(h.how, fmt.Sprintf("identified by the wheel's %s", a.DistInfo))
			} else if !identified {
				return // another distribution
			}
			h.details = append(h.details, a.Details...)
		}
	case "gzip":
		a, err := InspectSdist(io.NewSectionReader(body, 0, size))
		if err == nil || (a != nil && a.Name != "") {
			if pk, bad := c.o.Matcher.Package(a.Name, a.Version); bad {
				if !identified {
					h.pk, h.name, h.version = pk, a.Name, a.Version
				}
				identified = true
				h.how = append(h.how, fmt.Sprintf("identified by the sdist's top directory %s-%s/", a.Name, a.Version))
			} else if !identified {
				return
			}
		}
		if err != nil && (identified || claimsFile) {
			c.errorAt(f, out, loc, fmt.Errorf("cached sdist: %w", err))
		}
	default:
		if identified || claimsFile {
			c.errorAt(f, out, loc, fmt.Errorf("cached body claimed to be a distribution file is %w", ErrNotArchive))
		}
		if !identified && !claimsFile {
			return
		}
	}
	// Hash the bytes: always for an identified entry, else only a body
	// that could not be named (so ordinary wheels are never read in full).
	if size <= c.o.MaxHashSize {
		sum, err := hashReaderAt(body, size)
		if err != nil {
			c.errorAt(f, out, loc, fmt.Errorf("hash cached body: %w", err))
		} else {
			h.sha = sum
			if a, ok := c.o.Matcher.Artifact(sum); ok {
				h.art = a.Artifact
				h.file = a.Artifact.Filename
				if !identified {
					h.pk, h.version = a.Package, versionOf(a.Artifact.Filename)
				}
				identified = true
				h.how = append(h.how, "body SHA-256 equals the pack's artefact "+a.Artifact.Filename)
			} else if identified {
				h.details = append(h.details, "body SHA-256 is not one of the pack's published artefact hashes (a rebuilt or mirrored file, or the pack lacks it)")
			}
		}
	} else if identified {
		out.Error(sweep.Error{Location: f.LocationOf(loc), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
			Message: fmt.Sprintf("cached body of %d bytes not hashed (larger than --max-hash-size %d)", size, c.o.MaxHashSize)})
	}
	if identified && h.pk != nil {
		c.emit(f, out, h)
	}
}

func versionOf(fn string) string {
	_, v, _ := distFromAnyFilename(fn)
	return v
}

func hashReaderAt(r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// collectDistFile reads a wheel/sdist/conda file named like a bad release
// (pip wheels/ cache, poetry artifacts/, conda pkgs/, a download).
func (c *Collector) collectDistFile(f *sweep.File, out sweep.Sink) {
	name, ver, _ := distFromAnyFilename(f.Name)
	pk, _ := c.o.Matcher.Package(name, ver)
	ra, size, mtime, closeFn, err := openAt(f, f.Path)
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("distribution file: %w", err))
		return
	}
	defer closeFn()
	h := hit{cache: distFileCache(f.Path), pk: pk, name: name, version: ver, mtime: mtime, size: size, file: f.Name,
		how: []string{"named " + f.Name}}
	if strings.HasSuffix(f.Name, ".whl") {
		a, err := InspectZip(ra, size, c.o.Matcher, c.o.MaxHashSize)
		if err != nil {
			c.errorAt(f, out, f.Path, fmt.Errorf("wheel: %w", err))
		}
		if a != nil && a.Name != "" {
			if _, bad := c.o.Matcher.Package(a.Name, a.Version); bad {
				h.how = append(h.how, "confirmed by the wheel's "+a.DistInfo)
			} else {
				h.details = append(h.details, fmt.Sprintf("but its %s names %s %s", a.DistInfo, a.Name, a.Version))
			}
			h.details = append(h.details, a.Details...)
		}
	}
	if size <= c.o.MaxHashSize {
		if sum, err := hashReaderAt(ra, size); err != nil {
			c.errorAt(f, out, f.Path, fmt.Errorf("hash: %w", err))
		} else {
			h.sha = sum
			if a, ok := c.o.Matcher.Artifact(sum); ok {
				h.art = a.Artifact
				h.how = append(h.how, "SHA-256 equals the pack's artefact "+a.Artifact.Filename)
			}
		}
	} else {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
			Message: fmt.Sprintf("%d bytes not hashed (larger than --max-hash-size %d)", size, c.o.MaxHashSize)})
	}
	c.emit(f, out, h)
}

func distFileCache(p string) string {
	lp := strings.ToLower(p)
	switch {
	case strings.Contains(lp, "pypoetry") && strings.Contains(p, "/artifacts/"):
		return "poetry artifact cache"
	case strings.Contains(p, "/artifacts/"):
		return "poetry artifact cache"
	case strings.Contains(lp, "pipenv"):
		return "pipenv cache"
	case strings.Contains(p, "/pip/wheels/") || strings.Contains(p, "/pip/Cache/wheels/") || strings.Contains(p, "/wheels/") && strings.Contains(lp, "pip"):
		return "pip wheel cache"
	case strings.Contains(p, "/pkgs/"):
		return "conda package cache"
	}
	return "downloaded distribution file"
}

// collectUVPointer reads a uv .http pointer to an unzipped wheel.
func (c *Collector) collectUVPointer(f *sweep.File, out sweep.Sink) {
	name, ver, _ := uvPointerDist(f.Path)
	pk, _ := c.o.Matcher.Package(name, ver)
	info, _ := f.Info()
	h := hit{cache: "uv cache", pk: pk, name: name, version: ver, how: []string{"named by the uv cache path " + path.Base(path.Dir(f.Path)) + "/" + f.Name}}
	if info != nil {
		h.mtime = info.ModTime()
	}
	b, err := f.ReadAll(1 << 20)
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("uv pointer: %s", sweep.TrimPathErr(err)))
		c.emit(f, out, h)
		return
	}
	p, err := ParseUVPointer(b)
	if err != nil {
		c.errorAt(f, out, f.Path, err)
	}
	if p != nil && p.Filename != "" {
		h.file = p.Filename
	}
	if p != nil && p.ArchiveID != "" && err == nil {
		h.details = append(h.details, "archive id: "+p.ArchiveID)
		root := uvRoot(f.Path)
		ents, _ := fs.ReadDir(f.FS, sweep.Rel(root))
		found := false
		for _, de := range ents {
			if !uvArchive.MatchString(de.Name()) {
				continue
			}
			dir := path.Join(root, de.Name(), p.ArchiveID)
			if _, err := fs.Stat(f.FS, sweep.Rel(dir)); err == nil {
				found = true
				h.details = append(h.details, "unzipped wheel present: "+dir)
				for _, fi := range c.o.Matcher.Pack().Files {
					if fi.Package == pk.ID && fi.PathSuffix == "" {
						if _, err := fs.Stat(f.FS, sweep.Rel(path.Join(dir, fi.Name))); err == nil {
							h.details = append(h.details, fmt.Sprintf("%s present in the unzipped wheel", fi.Name))
						}
					}
				}
			} else if lt, err := fs.Lstat(f.FS, sweep.Rel(dir)); err == nil && lt.Mode()&fs.ModeSymlink != 0 {
				found = true
				h.details = append(h.details, "archive link present (not followed): "+dir)
			}
		}
		if !found {
			h.details = append(h.details, "the unzipped archive is gone (pruned), the pointer remains")
		}
	}
	c.emit(f, out, h)
}

// uvRoot is the cache root above a wheels-vN bucket.
func uvRoot(p string) string {
	segs := strings.Split(p, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if uvBucket.MatchString(segs[i]) {
			return strings.Join(segs[:i], "/")
		}
	}
	return path.Dir(p)
}

// collectUVArchive reports an unzipped wheel in uv's archive bucket.
func (c *Collector) collectUVArchive(f *sweep.File, out sweep.Sink) {
	name, ver, _ := uvArchiveDist(f.Path)
	pk, _ := c.o.Matcher.Package(name, ver)
	h := hit{cache: "uv cache (unzipped wheel)", pk: pk, name: name, version: ver,
		how: []string{"dist-info directory " + path.Base(path.Dir(f.Path))}}
	if info, err := f.Info(); err == nil {
		h.mtime = info.ModTime()
	}
	if b, err := f.ReadAll(maxMetadata); err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("METADATA: %s", sweep.TrimPathErr(err)))
	} else if n, v := metadataNameVersion(b); n != "" {
		h.how = append(h.how, fmt.Sprintf("METADATA: Name: %s, Version: %s", n, v))
	}
	archive := path.Dir(path.Dir(f.Path))
	h.details = append(h.details, "archive: "+archive)
	for _, fi := range c.o.Matcher.Pack().Files {
		if fi.Package == pk.ID && fi.PathSuffix == "" {
			if _, err := fs.Lstat(f.FS, sweep.Rel(path.Join(archive, fi.Name))); err == nil {
				h.details = append(h.details, fmt.Sprintf("%s present in the unzipped wheel", fi.Name))
			}
		}
	}
	c.emit(f, out, h)
}

// collectCondaIndex reports an extracted conda package of a bad release.
func (c *Collector) collectCondaIndex(f *sweep.File, out sweep.Sink) {
	dir := path.Dir(path.Dir(f.Path))
	name, ver, _ := condaDist(path.Base(dir))
	b, err := f.ReadAll(maxMetadata)
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("conda index.json: %s", sweep.TrimPathErr(err)))
		return
	}
	var idx struct{ Name, Version, Build string }
	if err := json.Unmarshal(b, &idx); err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("conda index.json: %w", err))
		return
	}
	pk, bad := c.o.Matcher.Package(idx.Name, idx.Version)
	if !bad {
		return // the directory name lied; index.json is authoritative
	}
	h := hit{cache: "conda package cache", pk: pk, name: name, version: ver,
		how: []string{fmt.Sprintf("info/index.json: %s %s (build %s)", idx.Name, idx.Version, idx.Build)}}
	if info, err := f.Info(); err == nil {
		h.mtime = info.ModTime()
	}
	c.emit(f, out, h)
}

// collectSymlink records a cache directory that is a symlink leading out of
// the scanned tree (its contents are not checked).
func (c *Collector) collectSymlink(f *sweep.File, out sweep.Sink) {
	target, err := fs.ReadLink(f.FS, sweep.Rel(f.Path))
	if err != nil {
		c.errorAt(f, out, f.Path, fmt.Errorf("cache directory symlink: %s", sweep.TrimPathErr(err)))
		return
	}
	resolved := target
	if !path.IsAbs(target) {
		joined := path.Join(path.Dir(f.Path), target)
		// path.Join cleans "..": count whether the link climbs above "/".
		if sweep.LinkEscapes(path.Dir(f.Path), target) {
			c.errorAt(f, out, f.Path, fmt.Errorf("cache directory is a symlink to %q, outside the scanned root: not checked", target))
			return
		}
		resolved = joined
	}
	if fi, err := fs.Stat(f.FS, sweep.Rel(resolved)); err == nil && fi.IsDir() {
		return // inside the tree: the walk reads it at its own path
	}
	c.errorAt(f, out, f.Path, fmt.Errorf("cache directory is a symlink to %q, which is not in the scanned tree: not checked", target))
}

package npm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// MaxIndexSize caps the bytes read from one _cacache index bucket.
const MaxIndexSize = 16 << 20

// Cache reads npm's _cacache index (every tarball npm downloaded, keyed
// by its URL), pnpm's store index (named after the package) and yarn
// berry's cache archives (named after the locator).
// Package copies in bun's and yarn classic's caches are package.json
// files, which Installed reads.
type Cache struct{ o Options }

// Name implements sweep.Collector.
func (c *Cache) Name() string { return "npm/cache" }

// FileRequired wants _cacache index buckets and yarn berry cache archives.
func (c *Cache) FileRequired(e *sweep.Entry) bool {
	if e.IsSymlink() {
		return false
	}
	if strings.Contains(e.Path, "/_cacache/index-v5/") || pnpmIndex(e.Path) {
		return true
	}
	return strings.HasSuffix(e.Name, ".zip") && berryCacheDir(path.Dir(e.Path))
}

// berryCacheDir: a project's .yarn/cache or the global ~/.yarn/berry/cache
// (Yarn/Berry/cache on macOS and Windows).
func berryCacheDir(dir string) bool {
	return strings.HasSuffix(dir, "/.yarn/cache") || strings.HasSuffix(dir, "/.yarn/berry/cache") || strings.HasSuffix(dir, "/Yarn/Berry/cache")
}

// pnpmIndex: a pnpm content-addressable store's package index,
// <store>/v10/index/<xx>/<hash>-<name>@<version>.json (a scope's "/" as "+").
func pnpmIndex(p string) bool {
	i := strings.Index(p, "/store/v")
	return i >= 0 && strings.HasSuffix(p, ".json") && strings.Contains(p[i:], "/index/") && strings.Contains(path.Base(p), "@")
}

// Collect reads one file.
func (c *Cache) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	if pnpmIndex(f.Path) {
		c.pnpm(f, out)
		return
	}
	if strings.HasSuffix(f.Path, ".zip") && !strings.Contains(f.Path, "/_cacache/") {
		c.berry(f, out)
		return
	}
	c.cacache(ctx, f, out)
}

// berry matches a cache archive's name, "<slug>-npm-<version>-<hashes>.zip"
// where the slug is the name with "/" as "-" (@scope-name): for each
// tracked name whose slug prefixes it, the rest without its trailing hashes
// is asked as a version.
func (c *Cache) berry(f *sweep.File, out sweep.Sink) {
	base := strings.TrimSuffix(path.Base(f.Path), ".zip")
	for _, n := range c.o.Matcher.NamesIn(iocs.NPM) {
		prefix := strings.ReplaceAll(n, "/", "-") + "-npm-"
		if !strings.HasPrefix(base, prefix) {
			continue
		}
		// The version is followed by one or two hashes (the locator's and
		// the archive's checksum).
		parts := strings.Split(base[len(prefix):], "-")
		for k := len(parts) - 1; k >= 1 && k >= len(parts)-2; k-- {
			if !hexWord(parts[k]) {
				break
			}
			ver := strings.Join(parts[:k], "-")
			pk, bad := c.o.Matcher.Release(iocs.NPM, n, ver)
			if !bad {
				continue
			}
			canon, _ := iocs.NPM.CanonicalVersion(ver)
			ev := sweep.Evidence{Package: pk.Name, Version: canon, Details: []string{"yarn berry cache archive named after the locator " + pk.Name + "@npm:" + canon}}
			if fi, err := f.Info(); err == nil {
				t := fi.ModTime().UTC()
				ev.ModTime, ev.Time = &t, &t
				ev.Size = fi.Size()
			}
			out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.High, Category: CatCache, Collector: c.Name(), Location: f.Location(),
				Title: fmt.Sprintf("%s %s in the yarn cache (affected release)", pk.Name, canon), Evidence: ev, Indicator: indicatorOf(pk)}))
			return
		}
	}
}

func hexWord(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

// pnpm matches a store index file's name: the store holds the files of
// name@version (pnpm 9 and later name the index after the package; older
// stores' index files, named by content hash only, are not matched).
func (c *Cache) pnpm(f *sweep.File, out sweep.Sink) {
	base := strings.TrimSuffix(path.Base(f.Path), ".json")
	_, spec, ok := strings.Cut(base, "-")
	if !ok {
		return
	}
	if strings.HasPrefix(spec, "@") {
		spec = strings.Replace(spec, "+", "/", 1)
	}
	name, ver, ok := iocs.SplitNPMName(spec)
	if !ok {
		return
	}
	pk, bad := c.o.Matcher.Release(iocs.NPM, name, ver)
	if !bad {
		return
	}
	canon, _ := iocs.NPM.CanonicalVersion(ver)
	ev := sweep.Evidence{Package: pk.Name, Version: canon, Details: []string{"pnpm's content-addressable store indexes the files of this release"}}
	if fi, err := f.Info(); err == nil {
		t := fi.ModTime().UTC()
		ev.ModTime, ev.Time = &t, &t
	}
	out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.High, Category: CatCache, Collector: c.Name(), Location: f.Location(),
		Title: fmt.Sprintf("%s %s in the pnpm store (affected release)", pk.Name, canon), Evidence: ev, Indicator: indicatorOf(pk)}))
}

// cacacheEntry is one line of an index bucket: "<sha1 of json>\t<json>".
type cacacheEntry struct {
	Key       string  `json:"key"`
	Integrity *string `json:"integrity"`
	Time      int64   `json:"time"`
	Size      int64   `json:"size"`
}

const fetchKeyPrefix = "make-fetch-happen:request-cache:"

func (c *Cache) cacache(ctx context.Context, f *sweep.File, out sweep.Sink) {
	data, err := f.ReadAll(MaxIndexSize)
	if err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: "npm cache index bucket not read: " + sweep.TrimPathErr(err)})
		return
	}
	if !mentions(c.o.Matcher, data) && !bytes.Contains(data, []byte("%2f")) && !bytes.Contains(data, []byte("%2F")) {
		return
	}
	// A later line for the same key supersedes an earlier one; a line whose
	// integrity is null deletes the entry (cacache's rm). npm skips a line
	// whose hash does not match its JSON (a torn write); so do we.
	latest := map[string]cacacheEntry{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), MaxIndexSize)
	line := 0
	for sc.Scan() {
		line++
		sum, js, ok := strings.Cut(sc.Text(), "\t")
		if !ok || js == "" {
			continue
		}
		h := sha1.Sum([]byte(js))
		if hex.EncodeToString(h[:]) != sum {
			continue
		}
		var e cacacheEntry
		if err := json.Unmarshal([]byte(js), &e); err != nil {
			loc := f.Location()
			loc.Line = line
			out.Error(sweep.Error{Location: loc, Collector: c.Name(), Kind: sweep.ErrKindError,
				Message: "npm cache index line with a valid hash does not parse: " + sweep.JSONErr(err)})
			continue
		}
		if _, seen := latest[e.Key]; !seen {
			order = append(order, e.Key)
		}
		latest[e.Key] = e
	}
	if err := sc.Err(); err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: "npm cache index bucket not fully read: " + err.Error()})
	}
	for _, k := range order {
		e := latest[k]
		if e.Integrity == nil {
			continue
		}
		name, ver, ok := TarballURL(strings.TrimPrefix(e.Key, fetchKeyPrefix))
		if !ok || !strings.HasPrefix(e.Key, fetchKeyPrefix) {
			continue
		}
		pk, bad := c.o.Matcher.Release(iocs.NPM, name, ver)
		if !bad {
			continue
		}
		canon, _ := iocs.NPM.CanonicalVersion(ver)
		ev := sweep.Evidence{Package: pk.Name, Version: canon, Size: e.Size,
			Details: []string{"npm's cache index holds the tarball of this release (its key is the tarball's URL)"}}
		if e.Time > 0 {
			t := time.UnixMilli(e.Time).UTC()
			ev.Time = &t
			ev.Details = append(ev.Details, "download time from the index entry")
		}
		out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.High, Category: CatCache, Collector: c.Name(), Location: f.Location(),
			Title: fmt.Sprintf("%s %s in the npm cache (affected release)", pk.Name, canon), Evidence: ev, Indicator: indicatorOf(pk)}))
	}
}

// TarballURL reads the package name and version from a registry tarball
// URL, ".../<name>/-/<base>-<version>.tgz" with name "@scope/name" or
// "@scope%2fname" (any registry path before it).
func TarballURL(raw string) (name, version string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", false
	}
	p := u.EscapedPath()
	before, file, found := strings.Cut(p, "/-/")
	if !found || !strings.HasSuffix(file, ".tgz") || strings.Contains(file, "/") {
		return "", "", false
	}
	segs := strings.Split(strings.Trim(before, "/"), "/")
	last, err := url.PathUnescape(segs[len(segs)-1])
	if err != nil || last == "" {
		return "", "", false
	}
	name = last
	if !strings.HasPrefix(last, "@") && len(segs) >= 2 && strings.HasPrefix(segs[len(segs)-2], "@") {
		name = segs[len(segs)-2] + "/" + last
	}
	if strings.HasPrefix(name, "@") && !strings.Contains(name, "/") {
		return "", "", false
	}
	stem := path.Base(name) + "-"
	file, err = url.PathUnescape(strings.TrimSuffix(file, ".tgz"))
	if err != nil || !strings.HasPrefix(file, stem) {
		return "", "", false
	}
	return name, file[len(stem):], true
}

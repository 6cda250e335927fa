package npm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Installed reads the package.json of every package directory below a
// node_modules (project trees, global prefixes, nvm/fnm/volta/asdf Node
// versions, ~/.bun/install/global, pnpm's .pnpm store, npx's _npx), and
// of the package copies bun and yarn classic keep in their caches.
type Installed struct{ o Options }

// Name implements sweep.Collector.
func (c *Installed) Name() string { return "npm/installed" }

// FileRequired wants a package directory's package.json.
func (c *Installed) FileRequired(e *sweep.Entry) bool {
	if e.Name != "package.json" || e.IsSymlink() {
		return false
	}
	dir := path.Dir(e.Path)
	return pkgDirName(dir) != "" || bunCacheDir(dir)
}

// bunCacheDir: ~/.bun/install/cache/<name>@<version>@@@1 (scoped:
// cache/@scope/<name>@<version>@@@1).
func bunCacheDir(dir string) bool {
	p := path.Dir(dir)
	if strings.HasPrefix(path.Base(p), "@") {
		p = path.Dir(p)
	}
	return strings.HasSuffix(p, "/.bun/install/cache") && strings.Contains(path.Base(dir), "@")
}

// yarnClassicCache: ~/.cache/yarn/v6/npm-<name>-<version>-<hash>-integrity/node_modules/<name>
// (and the macOS and Windows Yarn/Cache/v6 equivalents).
func yarnClassicCache(p string) bool {
	for _, d := range []string{"/yarn/v", "/Yarn/Cache/v"} {
		if i := strings.Index(p, d); i >= 0 && strings.Contains(p[i:], "/npm-") {
			return true
		}
	}
	return false
}

// Collect reads the package.json and reports a tracked package.
func (c *Installed) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	dir := path.Dir(f.Path)
	dirName := pkgDirName(dir)
	_, dirTracked := c.o.Matcher.TrackedIn(iocs.NPM, dirName)
	data, err := f.ReadAll(MaxManifestSize)
	if err != nil {
		msg := fmt.Sprintf("package.json not read: %s", sweep.TrimPathErr(err))
		if errors.Is(err, sweep.ErrTooLarge) {
			msg = fmt.Sprintf("package.json larger than %d bytes: not read, so the package it describes is not known", MaxManifestSize)
		}
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError, Message: msg})
		return
	}
	// An aliased install (npm i x@npm:bad@1) keeps the real name in
	// package.json: the directory's name alone does not decide.
	if !dirTracked && !mentions(c.o.Matcher, data) {
		return
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("package.json of a directory that may hold a tracked package does not parse (%v): npm would not load it, but what it installed is not known", sweep.JSONErr(err))})
		return
	}
	name := m.Name
	if name == "" {
		name = dirName
	}
	pk, tracked := c.o.Matcher.TrackedIn(iocs.NPM, name)
	if !tracked {
		return
	}
	cache := bunCacheDir(dir) || yarnClassicCache(f.Path)
	canon, verr := iocs.NPM.CanonicalVersion(m.Version)
	if verr != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("%s is installed here but its package.json version is not a semver version: it cannot be told clean", pk.Name)})
		return
	}
	// Several entries may name one package: the one naming this version
	// is the evidence.
	if hit, bad := c.o.Matcher.Release(iocs.NPM, name, m.Version); bad {
		pk = hit
	}
	_, bad := c.o.Matcher.Release(iocs.NPM, name, m.Version)
	ev := sweep.Evidence{Package: pk.Name, Version: canon}
	if fi, err := f.Info(); err == nil {
		t := fi.ModTime().UTC()
		ev.ModTime = &t
		ev.Time = &t
		ev.Details = append(ev.Details, "install time from package.json mtime")
	}
	if dirName != "" && dirName != name {
		ev.Details = append(ev.Details, "installed under another name (an npm alias): the directory name differs from the package's")
	}
	fd := sweep.Finding{Category: CatPackage, Collector: c.Name(), Location: f.Location(), Evidence: ev, Indicator: indicatorOf(pk)}
	if cache {
		fd.Category = CatCache
		fd.Title = fmt.Sprintf("%s %s in a package cache", pk.Name, canon)
	} else {
		fd.Title = fmt.Sprintf("%s %s installed (npm)", pk.Name, canon)
	}
	if bad {
		fd.Severity = severityOf(pk, sweep.Critical)
		if cache {
			fd.Severity = sweep.High
		}
		fd.Title += " (affected release)"
		fd.Evidence.Details = append(fd.Evidence.Details, "clean releases: "+cleanAdvice(pk))
	} else {
		if cache {
			return
		}
		fd.Severity = sweep.Info
		fd.Title += " (not an affected release)"
	}
	out.Finding(c.o.withUser(fd))
}

package mirror

// A Verdaccio storage directory on disk (the `storage:` of its config;
// @verdaccio/local-storage): one folder per package, <storage>/<name>/ or
// <storage>/@scope/<name>/, holding package.json (the packument Verdaccio
// serves, versions and dist-tags included) and the tarballs it has cached
// or was published, named as in their dist.tarball URL (name-1.2.3.tgz,
// without the scope). Packages a `storage:` of the config's packages moves
// live one folder down (<storage>/<folder>/<name>/). Verdaccio writes its
// database (.verdaccio-db.json) at the storage root when it starts.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CollectorStorage is the collector name on Verdaccio storage findings.
const CollectorStorage = "mirror/verdaccio-storage"

// storageMarkers are the databases Verdaccio (and sinopia, its ancestor)
// keeps at the storage root.
var storageMarkers = []string{".verdaccio-db.json", ".sinopia-db.json"}

type storage struct {
	dir   string
	root  *os.Root
	o     Options
	stats *Stats
	out   sweep.Sink
}

// SweepStorage checks one Verdaccio storage directory for every npm
// package the packs track and returns the directory (the report target).
func SweepStorage(ctx context.Context, dir string, o Options, stats *Stats, out sweep.Sink) string {
	o = o.withDefaults()
	st := &storage{dir: dir, o: o, stats: stats, out: out}
	root, err := os.OpenRoot(dir)
	if err != nil {
		st.fail("", fmt.Errorf("Verdaccio storage directory not readable: %v", unwrapPath(err)))
		return dir
	}
	defer root.Close()
	st.root = root
	marked := false
	for _, m := range storageMarkers {
		if fi, err := root.Lstat(m); err == nil && fi.Mode().IsRegular() {
			marked = true
		}
	}
	if !marked {
		st.fail("", errors.New("not a Verdaccio storage directory: it has no .verdaccio-db.json, which Verdaccio writes at the storage root when it starts (pass its config's storage: directory)"))
		return dir
	}
	folders, err := st.folders()
	if err != nil {
		st.fail("", fmt.Errorf("listing the storage: %v", unwrapPath(err)))
		return dir
	}
	names := o.Matcher.NamesIn(iocs.NPM)
	sort.Strings(names)
	for _, name := range names {
		if ctx.Err() != nil {
			st.fail("", fmt.Errorf("package %s not checked: interrupted", name))
			continue
		}
		for _, f := range folders {
			st.pkg(name, path.Join(f, name))
		}
	}
	return dir
}

// folders are the storage root and the folders a package's `storage:`
// config names: first-level folders that are neither a scope nor a
// package (no package.json).
func (st *storage) folders() ([]string, error) {
	ents, err := fs.ReadDir(st.root.FS(), ".")
	if err != nil {
		return nil, err
	}
	out := []string{"."}
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || strings.HasPrefix(n, "@") || strings.HasPrefix(n, ".") {
			continue
		}
		if _, err := st.root.Lstat(n + "/package.json"); errors.Is(err, fs.ErrNotExist) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (st *storage) fail(rel string, err error) {
	p := st.dir
	if rel != "" {
		p = filepath.Join(st.dir, filepath.FromSlash(rel))
	}
	st.out.Error(sweep.Error{Location: sweep.Location{Path: p}, Collector: CollectorStorage, Message: err.Error()})
}

// absent is a path that is not there (or whose parent is not a folder).
func absent(err error) bool { return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) }

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// pkg reads one package folder: the versions its package.json lists and
// the tarballs it holds.
func (st *storage) pkg(name, rel string) {
	pj := rel + "/package.json"
	f, err := sweep.OpenRegularIn(st.root, pj)
	if absent(err) {
		st.tarballsOnly(name, rel, nil)
		return
	}
	if err != nil {
		st.fail(pj, unwrapPath(err))
		return
	}
	doc, err := DecodePackument(&capReader{r: f, left: st.o.MaxPageBytes, max: st.o.MaxPageBytes, what: "package.json"}, name)
	f.Close()
	if err != nil {
		st.fail(pj, err)
		return
	}
	st.stats.Pages.Add(1)
	if doc.Versions != nil {
		st.stats.Files.Add(int64(len(*doc.Versions)))
	}
	listed := map[string]bool{}
	for _, bad := range JudgePackument(st.o.Matcher, name, doc) {
		listed[bad.Version] = true
		file := npmTarballFile(name, bad.Version, bad.Tarball)
		trel := rel + "/" + file
		loc := sweep.Location{Path: filepath.Join(st.dir, filepath.FromSlash(trel)), Member: file}
		fd := bad.finding(loc, "the Verdaccio storage", "its package.json "+filepath.Join(st.dir, filepath.FromSlash(pj)))
		fd.Collector = CollectorStorage
		s, n, err := st.hash(trel)
		switch {
		case absent(err):
			if fd.Severity != sweep.High {
				fd.Severity = sweep.Low
			}
			fd.Location.Path = filepath.Join(st.dir, filepath.FromSlash(pj))
			fd.Evidence.Details = append(fd.Evidence.Details, "its tarball "+file+" is not in the storage: Verdaccio fetches it from its uplink on request (the public registry removed it; another uplink may not have)")
		case err != nil:
			st.fail(trel, err)
		default:
			fd.Evidence.Details = append(fd.Evidence.Details, "its tarball is in the storage: Verdaccio serves it as is")
			noteSums(st.o.Matcher, &fd, s, n, bad.Integrity, "hashed")
		}
		fd.Evidence.Details = append(fd.Evidence.Details, npmPurge(name, bad)...)
		st.out.Finding(fd)
	}
	st.tarballsOnly(name, rel, listed)
}

// tarballsOnly reports bad tarballs in a package folder that its
// package.json does not list (or that has none): Verdaccio still serves a
// stored tarball to whoever asks for its URL, as a lockfile's resolved
// field does.
func (st *storage) tarballsOnly(name, rel string, listed map[string]bool) {
	ents, err := fs.ReadDir(st.root.FS(), rel)
	if absent(err) {
		return
	}
	if err != nil {
		st.fail(rel, unwrapPath(err))
		return
	}
	prefix := path.Base(name) + "-"
	for _, e := range ents {
		v, ok := strings.CutSuffix(e.Name(), ".tgz")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		v, ok = strings.CutPrefix(v, prefix)
		if !ok {
			continue
		}
		pk, bad := st.o.Matcher.Release(iocs.NPM, name, v)
		if !bad {
			continue
		}
		c, err := iocs.NPM.CanonicalVersion(v)
		if err != nil || listed[c] {
			continue
		}
		trel := rel + "/" + e.Name()
		fd := sweep.Finding{Severity: sweep.Medium, Category: CatFile, Collector: CollectorStorage,
			Title:    fmt.Sprintf("the Verdaccio storage holds %s (%s@%s, a compromised release) that its package.json does not list", e.Name(), name, c),
			Location: sweep.Location{Path: filepath.Join(st.dir, filepath.FromSlash(trel)), Member: e.Name()},
			Evidence: sweep.Evidence{Package: name, Version: c, Details: []string{
				"Verdaccio serves a stored tarball to a request for its URL: npm ci from a lockfile whose resolved field names it still gets it"}},
			Indicator: indicator(pk, nil)}
		s, n, err := st.hash(trel)
		if err != nil {
			st.fail(trel, err)
		} else {
			noteSums(st.o.Matcher, &fd, s, n, "", "hashed")
		}
		fd.Evidence.Details = append(fd.Evidence.Details, npmPurge(name, BadVersion{Name: name, Version: c})...)
		st.out.Finding(fd)
	}
}

// hash reads a stored tarball through its digests (bounded).
func (st *storage) hash(rel string) (sums, int64, error) {
	f, err := sweep.OpenRegularIn(st.root, rel)
	if err != nil {
		if absent(err) {
			return sums{}, 0, err
		}
		return sums{}, 0, unwrapPath(err)
	}
	defer f.Close()
	s, n, err := hashSums(f, st.o.MaxFileBytes)
	st.stats.Downloaded.Add(n)
	return s, n, err
}

// npmTarballFile is the file name a version's tarball is stored under:
// the last segment of its dist.tarball URL, else npm's name-version.tgz.
func npmTarballFile(name, version, tarball string) string {
	if u, err := url.Parse(tarball); err == nil {
		if b := path.Base(u.Path); strings.HasSuffix(b, ".tgz") {
			return b
		}
	}
	return path.Base(name) + "-" + version + ".tgz"
}

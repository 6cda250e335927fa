package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Entry is what a collector's FileRequired predicate sees: a path inside the
// scanned tree, its base name, its type bits, and a lazy Lstat.
type Entry struct {
	// Path is the absolute slash path inside the scanned tree, e.g.
	// "/home/alice/.venv/lib/python3.11/site-packages/litellm_init.pth".
	Path string
	// Name is the base name.
	Name string
	// Type holds the type bits (fs.ModeDir, fs.ModeSymlink, 0 for regular).
	Type fs.FileMode

	once   sync.Once
	stat   func() (fs.FileInfo, error)
	lstatr lstater // the walk's directory handle, instead of a closure per file
	info   fs.FileInfo
	err    error
}

// lstater stats a name in an open directory without following symlinks.
type lstater interface {
	lstat(name string) (fs.FileInfo, error)
}

// NewEntry builds an entry whose Info is computed by stat on first use.
func NewEntry(p string, typ fs.FileMode, stat func() (fs.FileInfo, error)) *Entry {
	return &Entry{Path: p, Name: path.Base(p), Type: typ, stat: stat}
}

// Info returns the entry's Lstat, computed once.
func (e *Entry) Info() (fs.FileInfo, error) {
	e.once.Do(func() {
		switch {
		case e.lstatr != nil:
			e.info, e.err = e.lstatr.lstat(e.Name)
		case e.stat != nil:
			e.info, e.err = e.stat()
		default:
			e.err = errors.New("no stat available")
		}
	})
	return e.info, e.err
}

// Dir is the parent directory's path. Entry paths are clean and absolute,
// so this is a slice of Path, not a new string.
func (e *Entry) Dir() string {
	i := strings.LastIndexByte(e.Path, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	}
	return e.Path[:i]
}

// IsSymlink reports whether the entry is a symbolic link (never followed).
func (e *Entry) IsSymlink() bool { return e.Type&fs.ModeSymlink != 0 }

// File is a wanted file handed to a collector. FS is the whole scanned tree,
// confined to its root (symlinks never lead out of it), so a collector can
// read a sibling it needs (a RECORD's files, a __pycache__) without walking.
type File struct {
	*Entry
	// FS opens paths relative to the tree root (use Rel).
	FS fs.FS
	// Base is copied into every finding's location (image, layer, ...).
	Base Location
	// counters shared with the sweep's Stats.
	stats *Counters
	// noBytes leaves BytesRead to the caller (see Dispatch.NoBytes).
	noBytes bool
	// refused, set by the walk, records an open the shared helper refused
	// (a FIFO, socket or device, a link out of the root or nowhere) or that
	// failed other than for absence, so that no collector drops it silently.
	refused func(p string, err error)
}

// NewFile wraps an entry for a collector.
func NewFile(e *Entry, fsys fs.FS, base Location, c *Counters) *File {
	return &File{Entry: e, FS: fsys, Base: base, stats: c}
}

// Rel turns an absolute tree path into an io/fs path.
func Rel(p string) string {
	p = strings.TrimLeft(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// Location returns the base location with Path set to this file.
func (f *File) Location() Location {
	l := f.Base
	l.Path = f.Path
	return l
}

// LocationOf returns the base location for another path in the same tree.
func (f *File) LocationOf(p string) Location {
	l := f.Base
	l.Path = p
	return l
}

// Open opens the file itself for reading; bytes read are counted.
func (f *File) Open() (io.ReadCloser, error) { return f.OpenPath(f.Path) }

// OpenPath opens another file of the tree; bytes read are counted. Only a
// regular file is opened (OpenRegular): a FIFO, socket or device node, or a
// symlink to one, is an error wrapping ErrSpecialFile, never a blocked read.
func (f *File) OpenPath(p string) (io.ReadCloser, error) {
	r, err := OpenRegular(f.FS, Rel(p))
	if err != nil {
		if f.refused != nil {
			f.refused(p, err)
		}
		return nil, err
	}
	if f.stats != nil {
		f.stats.FilesRead.Add(1)
	}
	cr := &countingReader{r: r}
	if !f.noBytes {
		cr.n = f.stats
	}
	return cr, nil
}

// ReadAll reads the file, refusing files larger than limit bytes.
func (f *File) ReadAll(limit int64) ([]byte, error) { return f.ReadPath(f.Path, limit) }

// ReadPath reads another file of the tree, refusing more than limit bytes.
func (f *File) ReadPath(p string, limit int64) ([]byte, error) {
	r, err := f.OpenPath(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// ErrTooLarge marks a file not read because it exceeds a cap.
var ErrTooLarge = errors.New("file too large")

type countingReader struct {
	r io.ReadCloser
	n *Counters
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n != nil {
		c.n.BytesRead.Add(int64(n))
	}
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// Sink receives findings and errors from collectors. Implementations are
// safe for concurrent use.
type Sink interface {
	Finding(Finding)
	Error(Error)
}

// Collector interprets one family of files. It never walks: the sweep asks
// FileRequired for every file and calls Collect for the wanted ones.
type Collector interface {
	// Name is unique and stable, e.g. "python/site-packages".
	Name() string
	// FileRequired is a cheap, pure test on the entry (path first; Info only
	// when needed). It is called concurrently.
	FileRequired(e *Entry) bool
	// Collect reads the file and reports to out. It is called concurrently.
	Collect(ctx context.Context, f *File, out Sink)
}

// Streamer is implemented by collectors that read a wanted file once,
// start to end, and nothing else of the tree (a hash and a marker search).
// An image layer hands such a file to CollectStream as its tar member
// streams, whatever its size, instead of buffering it within the per-file
// cap; the host walk calls Collect as for any collector. loc is where the
// file lies; e.Info is the member's header.
type Streamer interface {
	CollectStream(ctx context.Context, e *Entry, loc Location, r io.Reader, out Sink)
}

// DirObserver is implemented by collectors that want to see directories
// (e.g. to register every site-packages as an environment).
type DirObserver interface {
	ObserveDir(e *Entry)
}

// Finisher is implemented by collectors that report after the walk, when
// every file has been seen (e.g. orphan .pth checks, per-environment verdicts).
type Finisher interface {
	Finish(ctx context.Context, out Sink)
}

// Counters are the live counters of a sweep.
type Counters struct {
	DirsRead, FilesSeen, FilesRead, BytesRead, Skipped, Errors atomic.Int64
}

// Snapshot copies the counters into Stats.
func (c *Counters) Snapshot() Stats {
	return Stats{DirsRead: c.DirsRead.Load(), FilesSeen: c.FilesSeen.Load(), FilesRead: c.FilesRead.Load(),
		BytesRead: c.BytesRead.Load(), Skipped: c.Skipped.Load(), Errors: c.Errors.Load()}
}

// EnvSink is implemented by sinks that also record environments (Python
// environments, users) for per-environment verdicts. Collectors type-assert.
type EnvSink interface {
	Environment(Environment)
}

// Collection is a concurrency-safe Sink (and EnvSink) that accumulates into a Report.
type Collection struct {
	mu       sync.Mutex
	findings []Finding
	errors   []Error
	envs     map[string]Environment
	learned  map[string]Learned
	// learnedAt holds every path a learned indicator came from.
	learnedAt map[string]bool
	counters  *Counters
}

// Environment implements EnvSink; a later record for the same path merges
// into the earlier one (non-empty fields win).
func (c *Collection) Environment(e Environment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.envs == nil {
		c.envs = map[string]Environment{}
	}
	old, ok := c.envs[e.Path]
	if ok {
		if e.Kind == "" {
			e.Kind = old.Kind
		}
		if e.Interpreter == "" {
			e.Interpreter = old.Interpreter
		}
		if e.PythonVersion == "" {
			e.PythonVersion = old.PythonVersion
		}
		if e.User == "" {
			e.User = old.User
		}
		if e.Verdict == "" {
			e.Verdict = old.Verdict
		}
		if e.Reason == "" {
			e.Reason = old.Reason
		}
		e.SiteDirs = appendUnique(old.SiteDirs, e.SiteDirs...)
		e.Findings = appendUnique(old.Findings, e.Findings...)
	}
	c.envs[e.Path] = e
}

// Environments returns the recorded environments sorted by path.
func (c *Collection) Environments() []Environment {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Environment, 0, len(c.envs))
	for _, e := range c.envs {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func appendUnique(a []string, b ...string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// NewCollection returns an empty sink; counters may be nil.
func NewCollection(c *Counters) *Collection { return &Collection{counters: c} }

// Finding implements Sink.
func (c *Collection) Finding(f Finding) {
	c.mu.Lock()
	c.findings = append(c.findings, f)
	c.mu.Unlock()
}

// Error implements Sink.
func (c *Collection) Error(e Error) {
	if e.Kind == "" {
		e.Kind = ErrKindError
	}
	if c.counters != nil {
		if e.Kind == ErrKindSkipped {
			c.counters.Skipped.Add(1)
		} else {
			c.counters.Errors.Add(1)
		}
	}
	c.mu.Lock()
	c.errors = append(c.errors, e)
	c.mu.Unlock()
}

// Drain returns what was collected so far.
func (c *Collection) Drain() ([]Finding, []Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Finding(nil), c.findings...), append([]Error(nil), c.errors...)
}

// ErrorAt is a helper building an Error for a location.
func ErrorAt(loc Location, collector string, err error) Error {
	return Error{Location: loc, Collector: collector, Message: err.Error(), Kind: ErrKindError}
}

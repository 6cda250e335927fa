package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultSkips are the pseudo filesystems and engine stores not walked by
// default, relative to the tree root. Container stores are covered by
// `litesweep images`; walking them as host paths would misattribute layers.
var DefaultSkips = map[string]string{
	"/proc":               "pseudo filesystem",
	"/sys":                "pseudo filesystem",
	"/dev":                "device filesystem",
	"/run":                "runtime state (use --pseudo to include)",
	"/var/lib/docker":     "container engine store: use `litesweep images` or `host --images`",
	"/var/lib/containerd": "container engine store: use `litesweep images`",
	"/var/lib/containers": "container engine store: use `litesweep images`",
}

// DefaultItemTimeout bounds the time one file or directory may hold a
// worker; past it the item is recorded as not checked and the walk goes on.
const DefaultItemTimeout = 2 * time.Minute

// DefaultStopGrace is how long Walk waits for workers after its context is
// done before it returns with what it has, naming what was in flight.
const DefaultStopGrace = 500 * time.Millisecond

// Walker walks one tree once, in parallel, and hands every file that some
// collector requires to that collector.
type Walker struct {
	// Root is the host directory that is the tree's "/".
	Root string
	// Workers bounds the goroutines reading directories (default 4×CPU).
	Workers int
	// Skips maps absolute tree paths not to descend into to the reason.
	Skips map[string]string
	// Mounts says which filesystems mounted below the root are walked
	// (default MountsLocal: every local one).
	Mounts MountPolicy
	// Pseudo also walks pseudo filesystems mounted below the root.
	Pseudo bool
	// ItemTimeout bounds one file or directory (default DefaultItemTimeout).
	ItemTimeout time.Duration
	// StopGrace bounds the wait for workers once ctx is done (default DefaultStopGrace).
	StopGrace  time.Duration
	Collectors []Collector
	Sink       Sink
	Counters   *Counters
	// Progress, when set, is called about once a second.
	Progress func(Stats)
	// WrapFS, when set, wraps the tree collectors read siblings through
	// (tests use it to count directory reads done outside the walk).
	WrapFS func(fs.FS) fs.FS

	// heldDirs, when not 0, overrides how many parent directories the
	// walk keeps open for their subdirectories (< 0: none; tests).
	heldDirs int

	mounts map[string]Mount
	tree   *TreeFS
	disp   *Dispatch // offers files to the collectors (shared with image layers)
}

type dirJob struct {
	path  string // absolute tree path
	base  string // tree path of the walked mount it lies in
	enter bool   // path is a mount point to enter
	// parent, when set, is the open parent directory: the job opens its
	// last path element relative to it instead of resolving the whole path
	// again. The job releases it once opened (or dropped).
	parent parentRef
}

// release gives up the job's hold on its parent directory.
func (j *dirJob) release() {
	if j.parent != nil {
		j.parent.release()
		j.parent = nil
	}
}

// slot is one worker's current item, for the item timeout and for naming
// what was in flight when the walk was interrupted.
type slot struct {
	busy      bool // under the walk's mutex
	abandoned atomic.Bool
	item      atomic.Pointer[inflight]
}

type inflight struct {
	path      string
	collector string
	dir       string // the directory job the item belongs to
	since     time.Time
}

func (s *slot) set(path, collector, dir string) {
	s.item.Store(&inflight{path: path, collector: collector, dir: dir, since: time.Now()})
}

// Walk runs the sweep of the tree. It returns ctx.Err() when interrupted;
// everything found until then has been delivered to the sink, and every
// item in flight is recorded as not checked. Walk returns within
// StopGrace of ctx being done, even when a worker is stuck in a system call.
func (w *Walker) Walk(ctx context.Context) error {
	if w.Counters == nil {
		w.Counters = &Counters{}
	}
	tree, err := OpenTree(w.Root)
	if err != nil {
		return fmt.Errorf("open scan root %q: %w", w.Root, err)
	}
	w.tree = tree
	w.disp = &Dispatch{Collectors: w.Collectors, Sink: w.Sink, Counters: w.Counters}
	op, err := newOpener(w.Root, tree.Root())
	if err != nil {
		tree.Close()
		return fmt.Errorf("open scan root %q: %w", w.Root, err)
	}
	if w.heldDirs != 0 {
		limitHeldDirs(op, w.heldDirs)
	}
	if mt, err := readMountTable(w.Root); err == nil {
		w.mounts = mt
	}
	var fsys fs.FS = tree
	if w.WrapFS != nil {
		fsys = w.WrapFS(fsys)
	}
	timeout := w.ItemTimeout
	if timeout <= 0 {
		timeout = DefaultItemTimeout
	}
	grace := w.StopGrace
	if grace <= 0 {
		grace = DefaultStopGrace
	}

	workers := w.Workers
	if workers <= 0 {
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	var observers []DirObserver
	for _, c := range w.Collectors {
		if o, ok := c.(DirObserver); ok {
			observers = append(observers, o)
		}
	}

	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		stack   = []dirJob{{path: "/", base: "/"}}
		pending = 1
		stopped bool
		slots   []*slot
		live    int // workers not given up; done closes when it reaches 0
		done    = make(chan struct{})
	)
	// leave is called under mu when a worker ends or is given up.
	leave := func() {
		live--
		if live == 0 {
			close(done)
		}
	}
	stopCh := make(chan struct{})
	if w.Progress != nil {
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					w.Progress(w.Counters.Snapshot())
				case <-stopCh:
					return
				}
			}
		}()
	}

	var worker func(s *slot)
	// A worker leaves the live count itself, unless the monitor gave it up
	// (and left for it) while it was stuck.
	worker = func(s *slot) {
		for {
			mu.Lock()
			for len(stack) == 0 && pending > 0 && !stopped {
				cond.Wait()
			}
			if s.abandoned.Load() {
				mu.Unlock()
				return
			}
			if stopped || pending == 0 {
				leave()
				mu.Unlock()
				return
			}
			job := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s.busy = true
			s.set(job.path, "", job.path)
			mu.Unlock()

			subdirs := w.readDir(ctx, op, fsys, job, observers, s)

			mu.Lock()
			if s.abandoned.Load() {
				// The monitor gave this job up and started a replacement.
				mu.Unlock()
				for i := range subdirs {
					subdirs[i].release()
				}
				return
			}
			s.busy = false
			s.item.Store(nil)
			stack = append(stack, subdirs...)
			pending += len(subdirs) - 1
			if pending == 0 || len(subdirs) > 0 {
				cond.Broadcast()
			}
			mu.Unlock()
		}
	}
	spawn := func() { // under mu
		s := &slot{}
		slots = append(slots, s)
		live++
		go worker(s)
	}
	mu.Lock()
	for i := 0; i < workers; i++ {
		spawn()
	}
	mu.Unlock()

	// The monitor gives up an item that holds its worker past the timeout:
	// the item is recorded as not checked, a new worker takes the place.
	go func() {
		tick := min(time.Second, max(timeout/4, 10*time.Millisecond))
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stopCh:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			for _, s := range slots {
				it := s.item.Load()
				if !s.busy || s.abandoned.Load() || it == nil || time.Since(it.since) < timeout {
					continue
				}
				s.abandoned.Store(true)
				w.Sink.Error(w.stuckError(it, fmt.Sprintf("gave up after %s", timeout)))
				pending--
				if !stopped && pending > 0 {
					spawn()
				}
				leave()
				cond.Broadcast()
			}
			mu.Unlock()
		}
	}()

	select {
	case <-done:
	case <-ctx.Done():
		mu.Lock()
		stopped = true
		queued := len(stack)
		var busy []*inflight
		for _, s := range slots {
			if it := s.item.Load(); s.busy && !s.abandoned.Load() && it != nil {
				busy = append(busy, it)
			}
		}
		cond.Broadcast()
		mu.Unlock()
		for _, it := range busy {
			w.Sink.Error(w.stuckError(it, "interrupted"))
		}
		if queued > 0 {
			w.Sink.Error(Error{Location: Location{Path: "/"}, Kind: ErrKindError,
				Message: fmt.Sprintf("interrupted: %d directories queued were not walked", queued)})
		}
		select {
		case <-done:
		case <-time.After(grace):
		}
	}
	close(stopCh)
	// Finishers run after the walk, even when interrupted, so that what was
	// seen is still reported; when interrupted they get the grace period.
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		w.disp.Finish(ctx)
	}()
	if ctx.Err() == nil {
		<-fin
	} else {
		select {
		case <-fin:
		case <-time.After(grace):
			w.Sink.Error(Error{Location: Location{Path: "/"}, Kind: ErrKindError,
				Message: "interrupted: per-environment checks after the walk did not finish"})
		}
	}
	// Directories queued but never walked (interrupted) let go of their
	// parents' descriptors.
	mu.Lock()
	for i := range stack {
		stack[i].release()
	}
	stack = nil
	mu.Unlock()
	// Descriptors are closed only once no worker can still use them; a
	// worker stuck in a system call keeps them until the process exits.
	select {
	case <-done:
		op.Close()
		tree.Close()
	default:
	}
	return ctx.Err()
}

// stuckError records an item that was not finished.
func (w *Walker) stuckError(it *inflight, why string) Error {
	msg := why + " while reading this directory: the rest of it was not walked"
	if it.path != it.dir {
		msg = fmt.Sprintf("%s while %s read this file: not checked; the rest of %s was not walked", why, it.collector, it.dir)
	}
	return Error{Location: Location{Path: it.path}, Collector: it.collector, Kind: ErrKindError, Message: msg}
}

// readDir reads one directory, dispatches its files and returns its subdirectories.
func (w *Walker) readDir(ctx context.Context, op opener, fsys fs.FS, job dirJob, observers []DirObserver, s *slot) []dirJob {
	if ctx.Err() != nil {
		job.release()
		return nil
	}
	dir := job.path
	d, ok := w.openDir(op, &job)
	job.release()
	if !ok {
		return nil
	}
	defer d.Close()
	w.Counters.DirsRead.Add(1)
	var subdirs []dirJob
	for {
		ents, err := d.readEntries()
		for _, de := range ents {
			if s.abandoned.Load() || ctx.Err() != nil {
				return nil
			}
			name, p, typ := de.name, de.path, de.typ
			switch {
			case typ.IsDir():
				sub, ok := w.subdir(p, job.base)
				if !ok {
					continue
				}
				if len(observers) > 0 {
					e := NewEntry(p, fs.ModeDir, d.statFunc(name))
					for _, o := range observers {
						o.ObserveDir(e)
					}
				}
				subdirs = append(subdirs, sub)
			case typ&fs.ModeSymlink != 0:
				w.dispatchLink(ctx, fsys, &Entry{Path: p, Name: name, Type: typ.Type(), lstatr: d}, dir, s)
			default: // regular files; FIFOs, sockets and devices are offered by name
				w.dispatch(ctx, fsys, &Entry{Path: p, Name: name, Type: typ.Type(), lstatr: d}, dir, s)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				w.dirError(dir, err)
			}
			break
		}
		if ctx.Err() != nil {
			break
		}
	}
	// Depth-first order keeps the stack small; sort so the walk is repeatable.
	sort.Slice(subdirs, func(i, j int) bool { return subdirs[i].path > subdirs[j].path })
	// The subdirectories open relative to this directory when it can stay
	// open until they are (it is closed when the last one has opened).
	if len(subdirs) > 0 {
		if ref := d.share(len(subdirs)); ref != nil {
			for i := range subdirs {
				subdirs[i].parent = ref
			}
		}
	}
	return subdirs
}

// subdir decides whether directory p (in the walked mount base) is walked.
func (w *Walker) subdir(p, base string) (dirJob, bool) {
	if reason, ok := w.Skips[p]; ok {
		w.Sink.Error(Error{Location: Location{Path: p}, Message: "not walked: " + reason, Kind: ErrKindSkipped})
		return dirJob{}, false
	}
	m, ok := w.mounts[p]
	if !ok {
		return dirJob{path: p, base: base}, true
	}
	if b := bindOf(m, w.mounts); b != "" && w.Mounts != MountsNone {
		w.Sink.Error(Error{Location: Location{Path: p}, Kind: ErrKindSkipped,
			Message: fmt.Sprintf("not walked: bind mount of a directory walked at %s (%s)", b, m.FSType)})
		return dirJob{}, false
	}
	dec := w.Mounts.decide(Classify(m.FSType, p), m.FSType, w.Pseudo)
	if !dec.walk {
		w.Sink.Error(Error{Location: Location{Path: p}, Message: "not walked: " + dec.reason, Kind: dec.kind})
		return dirJob{}, false
	}
	return dirJob{path: p, base: base, enter: true}, true
}

// openDir opens the job's directory, entering a mount point when the job
// says so or when the opener finds one the mount table did not list.
func (w *Walker) openDir(op opener, job *dirJob) (dirHandle, bool) {
	if job.enter {
		d, _, err := op.EnterMount(*job)
		if err != nil {
			w.dirError(job.path, err)
			return nil, false
		}
		job.base = job.path
		return d, true
	}
	d, err := op.OpenDir(*job)
	if err == nil {
		return d, true
	}
	if !errors.Is(err, syscall.EXDEV) {
		w.dirError(job.path, err)
		return nil, false
	}
	// A mount point the mount table did not list: name it by statfs.
	d, fstype, err := op.EnterMount(*job)
	if err != nil {
		w.dirError(job.path, err)
		return nil, false
	}
	dec := w.Mounts.decide(Classify(fstype, job.path), fstype, w.Pseudo)
	if !dec.walk {
		d.Close()
		w.Sink.Error(Error{Location: Location{Path: job.path}, Message: "not walked: " + dec.reason, Kind: dec.kind})
		return nil, false
	}
	job.base = job.path
	return d, true
}

// dispatch hands a regular file, or a FIFO, socket or device node, to
// every collector that wants it (Dispatch: the same for image layers).
func (w *Walker) dispatch(ctx context.Context, fsys fs.FS, e *Entry, dir string, s *slot) {
	if cs := w.disp.Want(e); len(cs) > 0 {
		w.disp.Offer(ctx, e, cs, fsys, func(c Collector) { s.set(e.Path, c.Name(), dir) })
	}
}

// dispatchLink hands a symlink to the collectors that want symlinks; for
// the others it is followed inside the root and, when it names a regular
// file, handed over as that file. A link wanted as a file that cannot be
// followed is an unverified entry, never dropped.
func (w *Walker) dispatchLink(ctx context.Context, fsys fs.FS, e *Entry, dir string, s *slot) {
	d := w.disp
	d.counters().FilesSeen.Add(1)
	var declined []Collector
	for _, c := range d.Collectors {
		if ok, panicked := d.wants(c, e); ok {
			s.set(e.Path, c.Name(), dir)
			d.Collect(ctx, c, d.File(e, fsys))
		} else if !panicked {
			declined = append(declined, c)
		}
	}
	if len(declined) == 0 {
		return
	}
	rel := Rel(e.Path)
	fe := &Entry{Path: e.Path, Name: e.Name, stat: func() (fs.FileInfo, error) { return w.tree.StatFollow(rel) }}
	var want []Collector
	for _, c := range declined {
		if ok, _ := d.wants(c, fe); ok {
			want = append(want, c)
		}
	}
	if len(want) == 0 {
		return
	}
	target, _ := w.tree.ReadLink(rel)
	fi, err := fe.Info()
	who := names(want)
	switch {
	case target == "/dev/null" || err == nil && isDevNull(fi):
		w.Sink.Error(Error{Location: Location{Path: e.Path}, Collector: who, Kind: ErrKindSkipped,
			Message: fmt.Sprintf("symlink to %q, the null device: nothing is kept there", target)})
	case err != nil:
		d.ReportOnce(Error{Location: Location{Path: e.Path}, Collector: who, Kind: ErrKindUnverified,
			Message: fmt.Sprintf("symlink to %q not followed: %s", target, TrimPathErr(err))})
	case fi.Mode().IsRegular():
		d.Offer(ctx, fe, want, fsys, func(c Collector) { s.set(e.Path, c.Name(), dir) })
	case fi.IsDir():
		w.Sink.Error(Error{Location: Location{Path: e.Path}, Collector: who, Kind: ErrKindSkipped,
			Message: fmt.Sprintf("symlink to the directory %q where a file is expected: not walked", target)})
	default:
		d.ReportOnce(Error{Location: Location{Path: e.Path}, Collector: who, Kind: ErrKindUnverified,
			Message: fmt.Sprintf("symlink to %q, a %s, where a file is expected: not read", target, SpecialKind(fi.Mode()))})
	}
}

func (w *Walker) dirError(dir string, err error) {
	switch {
	case errors.Is(err, syscall.EXDEV):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "not walked: another filesystem is mounted here", Kind: ErrKindUnverified})
	case errors.Is(err, fs.ErrNotExist):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "vanished during the walk", Kind: ErrKindSkipped})
	case errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "not walked: replaced by a symlink or file during the walk", Kind: ErrKindSkipped})
	default:
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "cannot read directory: " + trimPathErr(err)})
	}
}

// trimPathErr drops the host path from *fs.PathError so reports stay
// relative to the scanned root.
func trimPathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// TrimPathErr is trimPathErr for collectors.
func TrimPathErr(err error) string { return trimPathErr(err) }

// dirent is one directory entry: its tree path, its name (the tail of
// path) and its type bits.
type dirent struct {
	path, name string
	typ        fs.FileMode
}

// dirHandle is an open directory.
type dirHandle interface {
	// readEntries returns the next batch of entries ("." and ".." left
	// out), valid until the next call or Close; io.EOF ends the directory.
	readEntries() ([]dirent, error)
	statFunc(name string) func() (fs.FileInfo, error)
	lstat(name string) (fs.FileInfo, error)
	// share lets n subdirectory jobs open relative to this directory: its
	// descriptor then stays open past Close until all n have released it.
	// It returns nil when the directory cannot be shared.
	share(n int) parentRef
	Close() error
}

// parentRef is an open directory shared with its subdirectory jobs.
type parentRef interface{ release() }

// opener opens directories of the tree without following symlinks and
// without leaving the root: relative to the job's open parent directory
// when it has one, else by path from the walked mount the directory lies
// in (job.base). An opener that can tell returns EXDEV at a mount point
// below it, which the walk then decides on and enters.
type opener interface {
	OpenDir(job dirJob) (dirHandle, error)
	// EnterMount opens mount point job.path across the boundary and names
	// its filesystem type ("" when unknown); directories below use it as base.
	EnterMount(job dirJob) (dirHandle, string, error)
	Close() error
}

// rootOpener is the portable opener over os.Root (it cannot see mounts;
// the mount table still can).
type rootOpener struct{ root *os.Root }

type rootDir struct {
	*os.File
	root *os.Root
	dir  string
	ents []dirent
}

func (o rootOpener) OpenDir(job dirJob) (dirHandle, error) {
	f, err := o.root.Open(Rel(job.path))
	if err != nil {
		return nil, err
	}
	return &rootDir{File: f, root: o.root, dir: job.path}, nil
}

func (o rootOpener) EnterMount(job dirJob) (dirHandle, string, error) {
	d, err := o.OpenDir(job)
	if err != nil {
		return nil, "", err
	}
	return d, fsTypeOf(int(d.(*rootDir).Fd())), nil
}

func (o rootOpener) Close() error { return nil }

func (d *rootDir) readEntries() ([]dirent, error) {
	ents, err := d.ReadDir(512)
	d.ents = d.ents[:0]
	for _, de := range ents {
		d.ents = append(d.ents, dirent{path: joinTree(d.dir, de.Name()), name: de.Name(), typ: de.Type()})
	}
	if err == nil && len(ents) == 0 {
		err = io.EOF
	}
	return d.ents, err
}

func (d *rootDir) share(int) parentRef { return nil }

func (d *rootDir) statFunc(name string) func() (fs.FileInfo, error) {
	return func() (fs.FileInfo, error) { return d.lstat(name) }
}

func (d *rootDir) lstat(name string) (fs.FileInfo, error) {
	return d.root.Lstat(Rel(path.Join(d.dir, name)))
}

// joinTree joins a tree directory path and a name.
func joinTree(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// hasPrefixPath reports whether p is base or below it.
func hasPrefixPath(p, base string) bool {
	return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}

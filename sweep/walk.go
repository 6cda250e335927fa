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

// Walker walks one tree once, in parallel, and hands every file that some
// collector requires to that collector.
type Walker struct {
	// Root is the host directory that is the tree's "/".
	Root string
	// Workers bounds the goroutines reading directories (default 4×CPU).
	Workers int
	// Skips maps absolute tree paths not to descend into to the reason.
	Skips map[string]string
	// CrossMounts allows descending into other filesystems.
	CrossMounts bool
	Collectors  []Collector
	Sink        Sink
	Counters    *Counters
	// Progress, when set, is called about once a second.
	Progress func(Stats)
	// WrapFS, when set, wraps the tree collectors read siblings through
	// (tests use it to count directory reads done outside the walk).
	WrapFS func(fs.FS) fs.FS
}

// Tree opens the walker's root as a confined fs.FS for collectors.
func (w *Walker) tree() (*os.Root, error) { return os.OpenRoot(w.Root) }

type dirJob struct {
	path string // absolute tree path
}

// Walk runs the sweep of the tree. It returns ctx.Err() when interrupted;
// everything found until then has been delivered to the sink.
func (w *Walker) Walk(ctx context.Context) error {
	if w.Counters == nil {
		w.Counters = &Counters{}
	}
	root, err := w.tree()
	if err != nil {
		return fmt.Errorf("open scan root %q: %w", w.Root, err)
	}
	defer root.Close()
	op, err := newOpener(w.Root, root)
	if err != nil {
		return fmt.Errorf("open scan root %q: %w", w.Root, err)
	}
	defer op.Close()
	if x, ok := op.(interface{ setNoXDev(bool) }); ok {
		x.setNoXDev(!w.CrossMounts)
	}
	fsys := root.FS()
	if w.WrapFS != nil {
		fsys = w.WrapFS(fsys)
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
		stack   = []string{"/"}
		pending = 1
		stopped bool
	)
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
	go func() {
		select {
		case <-ctx.Done():
			mu.Lock()
			stopped = true
			cond.Broadcast()
			mu.Unlock()
		case <-stopCh:
		}
	}()

	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(stack) == 0 && pending > 0 && !stopped {
					cond.Wait()
				}
				if stopped || pending == 0 {
					mu.Unlock()
					return
				}
				dir := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				mu.Unlock()

				subdirs := w.readDir(ctx, op, fsys, dir, observers)

				mu.Lock()
				stack = append(stack, subdirs...)
				pending += len(subdirs) - 1
				if pending == 0 || len(subdirs) > 0 {
					cond.Broadcast()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stopCh)
	// Finishers run after the walk, even when interrupted, so that what was
	// seen is still reported.
	for _, c := range w.Collectors {
		if f, ok := c.(Finisher); ok {
			f.Finish(context.WithoutCancel(ctx), w.Sink)
		}
	}
	return ctx.Err()
}

// readDir reads one directory, dispatches its files and returns its subdirectories.
func (w *Walker) readDir(ctx context.Context, op opener, fsys fs.FS, dir string, observers []DirObserver) []string {
	if ctx.Err() != nil {
		return nil
	}
	d, err := op.OpenDir(dir)
	if err != nil {
		w.dirError(dir, err)
		return nil
	}
	defer d.Close()
	w.Counters.DirsRead.Add(1)
	var subdirs []string
	for {
		ents, err := d.ReadDir(512)
		for _, de := range ents {
			name := de.Name()
			p := dir + "/" + name
			if dir == "/" {
				p = "/" + name
			}
			typ := de.Type()
			switch {
			case typ.IsDir():
				if reason, ok := w.Skips[p]; ok {
					w.Sink.Error(Error{Location: Location{Path: p}, Message: "not walked: " + reason, Kind: "skipped"})
					continue
				}
				if len(observers) > 0 {
					e := NewEntry(p, fs.ModeDir, d.statFunc(name))
					for _, o := range observers {
						o.ObserveDir(e)
					}
				}
				subdirs = append(subdirs, p)
			case typ.IsRegular() || typ&fs.ModeSymlink != 0:
				w.Counters.FilesSeen.Add(1)
				var e *Entry
				for _, c := range w.Collectors {
					if e == nil {
						e = &Entry{Path: p, Name: name, Type: typ.Type(), lstatr: d}
					}
					if !c.FileRequired(e) {
						continue
					}
					w.collect(ctx, c, NewFile(e, fsys, Location{}, w.Counters))
				}
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
	sort.Sort(sort.Reverse(sort.StringSlice(subdirs)))
	return subdirs
}

// collect runs one collector on one file, turning a panic into a recorded error.
func (w *Walker) collect(ctx context.Context, c Collector, f *File) {
	defer func() {
		if r := recover(); r != nil {
			w.Sink.Error(Error{Location: f.Location(), Collector: c.Name(), Message: fmt.Sprintf("collector panic: %v", r)})
		}
	}()
	c.Collect(ctx, f, w.Sink)
}

func (w *Walker) dirError(dir string, err error) {
	switch {
	case errors.Is(err, syscall.EXDEV):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "not walked: another filesystem is mounted here (use --cross-mounts)", Kind: "skipped"})
	case errors.Is(err, fs.ErrNotExist):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "vanished during the walk", Kind: "skipped"})
	case errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR):
		w.Sink.Error(Error{Location: Location{Path: dir}, Message: "not walked: replaced by a symlink or file during the walk", Kind: "skipped"})
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

// dirHandle is an open directory.
type dirHandle interface {
	ReadDir(n int) ([]fs.DirEntry, error)
	statFunc(name string) func() (fs.FileInfo, error)
	lstat(name string) (fs.FileInfo, error)
	Close() error
}

// opener opens directories of the tree without following symlinks and
// without leaving the root.
type opener interface {
	OpenDir(p string) (dirHandle, error)
	Close() error
}

// rootOpener is the portable opener over os.Root.
type rootOpener struct{ root *os.Root }

type rootDir struct {
	*os.File
	root *os.Root
	dir  string
}

func (o rootOpener) OpenDir(p string) (dirHandle, error) {
	f, err := o.root.Open(Rel(p))
	if err != nil {
		return nil, err
	}
	return &rootDir{File: f, root: o.root, dir: p}, nil
}

func (o rootOpener) Close() error { return nil }

func (d *rootDir) statFunc(name string) func() (fs.FileInfo, error) {
	return func() (fs.FileInfo, error) { return d.lstat(name) }
}

func (d *rootDir) lstat(name string) (fs.FileInfo, error) {
	return d.root.Lstat(Rel(path.Join(d.dir, name)))
}

// hasPrefixPath reports whether p is base or below it.
func hasPrefixPath(p, base string) bool {
	return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}

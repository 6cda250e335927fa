package collectors_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestRegistryNames(t *testing.T) {
	cs := collectors.Host(collectors.Options{Matcher: sweeptest.Matcher(t)})
	if len(cs) < 6 {
		t.Fatalf("only %d host collectors registered", len(cs))
	}
	if err := collectors.Validate(cs); err != nil {
		t.Fatal(err)
	}
}

// countingFS counts the directory reads collectors make outside the walk.
type countingFS struct {
	fs.FS
	dirReads atomic.Int64
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.dirReads.Add(1)
	return fs.ReadDir(c.FS, name)
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if fi, serr := f.Stat(); serr == nil && fi.IsDir() {
			c.dirReads.Add(1)
		}
	}
	return f, err
}

func (c *countingFS) ReadLink(name string) (string, error)   { return fs.ReadLink(c.FS, name) }
func (c *countingFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(c.FS, name) }
func (c *countingFS) Stat(name string) (fs.FileInfo, error)  { return fs.Stat(c.FS, name) }

// TestOneWalk sweeps the fixture root with every host collector and proves
// the tree is walked once: the walk reads each directory exactly once and
// no collector lists a directory of its own.
func TestOneWalk(t *testing.T) {
	root := sweeptest.Unpack(t, "../testdata/hostroot.txtar")
	dirs := 0
	if err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs++
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m := sweeptest.Matcher(t)
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	homes := sweep.Homes(r.FS())
	r.Close()
	var cfs *countingFS
	w := &sweep.Walker{Root: root, Collectors: collectors.Host(collectors.Options{Matcher: m, Homes: homes}),
		Skips: sweep.DefaultSkips, WrapFS: func(f fs.FS) fs.FS { cfs = &countingFS{FS: f}; return cfs }}
	sink := sweeptest.Walk(t, w)
	if got := w.Counters.DirsRead.Load(); got != int64(dirs) {
		t.Errorf("walk read %d directories, the tree has %d: each must be read exactly once", got, dirs)
	}
	if n := cfs.dirReads.Load(); n != 0 {
		t.Errorf("collectors listed %d directories themselves: the walk is the only traversal", n)
	}
	findings, _ := sink.Drain()
	if len(findings) < 8 {
		t.Errorf("only %d findings from the fixture root; the collectors did not run", len(findings))
	}
}

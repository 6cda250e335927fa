package sweep

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// allFiles records every non-directory entry the walk offers.
type allFiles struct {
	nameCollector
}

func (c *allFiles) FileRequired(e *Entry) bool {
	c.mu.Lock()
	c.paths = append(c.paths, e.Path)
	c.mu.Unlock()
	return false
}

// wideDeepTree makes a tree three directories wide and six deep with files
// at every level, a symlink to a directory (never followed) and a FIFO.
func wideDeepTree(t *testing.T) (root string, want []string) {
	t.Helper()
	root = t.TempDir()
	var mk func(dir string, depth int)
	mk = func(dir string, depth int) {
		for i := 0; i < 2; i++ {
			name := fmt.Sprintf("f%d-%d.txt", depth, i)
			must(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
		}
		if depth == 6 {
			return
		}
		for i := 0; i < 3; i++ {
			sub := filepath.Join(dir, fmt.Sprintf("d%d", i))
			must(t, os.Mkdir(sub, 0o755))
			mk(sub, depth+1)
		}
	}
	mk(root, 0)
	must(t, os.Symlink("d0", filepath.Join(root, "d1/link-to-dir")))
	must(t, os.Symlink("/", filepath.Join(root, "d2/d0/link-to-root")))
	must(t, syscall.Mkfifo(filepath.Join(root, "d2/fifo"), 0o644))
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		must(t, err)
		if !d.IsDir() {
			want = append(want, "/"+filepath.ToSlash(strings.TrimPrefix(p, root+"/")))
		}
		return nil
	}))
	sort.Strings(want)
	return root, want
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// The walk opens a directory relative to its parent's descriptor while it
// may keep that open, and by path from the root past that bound: both
// ways, and mixed, see exactly the entries WalkDir does, follow no
// symlink, and leave no descriptor open.
func TestWalkParentDescriptors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/fd")
	}
	root, want := wideDeepTree(t)
	for _, held := range []int{0, -1, 1, 3} {
		t.Run(fmt.Sprintf("held=%d", held), func(t *testing.T) {
			before := openFDs(t)
			c := &allFiles{}
			sink := NewCollection(nil)
			w := &Walker{Root: root, Collectors: []Collector{c}, Sink: sink, Workers: 3, heldDirs: held}
			must(t, w.Walk(context.Background()))
			// Links and special files are offered twice (as themselves and followed).
			sort.Strings(c.paths)
			got := slices.Compact(c.paths)
			if !slices.Equal(got, want) {
				t.Errorf("walk saw %d entries, WalkDir %d; first difference: %s", len(got), len(want), firstDiff(got, want))
			}
			if _, errs := sink.Drain(); len(errs) != 0 {
				t.Errorf("errors: %s", errorsText(errs))
			}
			if got := w.Counters.DirsRead.Load(); got != 1+3+9+27+81+243+729 {
				t.Errorf("dirs read %d", got)
			}
			if after := openFDs(t); after != before {
				t.Errorf("%d descriptors open before the walk, %d after", before, after)
			}
		})
	}
}

// An interrupted walk lets go of the parents its queued directories held.
func TestWalkInterruptedClosesParents(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/fd")
	}
	root, _ := wideDeepTree(t)
	before := openFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	c := &cancelAfter{n: &n, at: 200, cancel: cancel}
	w := &Walker{Root: root, Collectors: []Collector{c}, Sink: NewCollection(nil), Workers: 2}
	if err := w.Walk(ctx); err != context.Canceled {
		t.Fatalf("Walk returned %v", err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open before the walk, %d after", before, after)
	}
}

type cancelAfter struct {
	nameCollector
	n      *int
	at     int
	cancel func()
}

func (c *cancelAfter) FileRequired(e *Entry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.n++
	if *c.n == c.at {
		c.cancel()
	}
	return false
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%q vs %q", a[i], b[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(a), len(b))
}

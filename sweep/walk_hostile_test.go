package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stuckCollector blocks in Collect on one name, ignoring its context, as a
// read on a hung filesystem would.
type stuckCollector struct {
	name    string
	release chan struct{}
}

func (c *stuckCollector) Name() string               { return "test/stuck" }
func (c *stuckCollector) FileRequired(e *Entry) bool { return e.Name == c.name }
func (c *stuckCollector) Collect(ctx context.Context, f *File, out Sink) {
	<-c.release
}

func errorsText(es []Error) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(string(e.Kind) + " " + e.Location.Path + ": " + e.Message + "\n")
	}
	return b.String()
}

func TestWalkGivesUpAStuckItem(t *testing.T) {
	root := mkTree(t, map[string]string{"a/hang.txt": "", "b/c/one.pth": "1", "d/two.pth": "2"})
	stuck := &stuckCollector{name: "hang.txt", release: make(chan struct{})}
	defer close(stuck.release)
	names := &nameCollector{want: ".pth"}
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{stuck, names}, Sink: sink, Workers: 1, ItemTimeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- w.Walk(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("one stuck item stalled the walk")
	}
	if len(names.paths) != 2 {
		t.Errorf("the walk did not go on past the stuck item: read %v", names.paths)
	}
	_, errs := sink.Drain()
	txt := errorsText(errs)
	if !strings.Contains(txt, "error /a/hang.txt: gave up after 200ms while test/stuck read this file") {
		t.Errorf("stuck item not recorded:\n%s", txt)
	}
}

func TestWalkReturnsWithinGraceWhenInterrupted(t *testing.T) {
	root := mkTree(t, map[string]string{"a/hang.txt": ""})
	stuck := &stuckCollector{name: "hang.txt", release: make(chan struct{})}
	defer close(stuck.release)
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{stuck}, Sink: sink, StopGrace: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Walk(ctx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Walk returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a worker stuck in a collector kept Walk from returning")
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Walk returned %v after the interrupt", took)
	}
	_, errs := sink.Drain()
	if txt := errorsText(errs); !strings.Contains(txt, "error /a/hang.txt: interrupted while test/stuck read this file") {
		t.Errorf("what was in flight is not named:\n%s", txt)
	}
}

func TestWalkSpecialFilesAndLinks(t *testing.T) {
	root := mkTree(t, map[string]string{
		"home/a/.hist/real": "x",
		"home/a/dir/x":      "",
	})
	must(t, syscall.Mkfifo(filepath.Join(root, "home/a/pipe.want"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(root, "home/a/.hist/fifo"), 0o644))
	for link, target := range map[string]string{
		"home/a/real.want":    ".hist/real",          // read as the file
		"home/a/abs.want":     "/home/a/.hist/real",  // absolute: inside the root
		"home/a/tofifo.want":  ".hist/fifo",          // a FIFO: refused
		"home/a/out.want":     "../../../../../../x", // climbs out
		"home/a/nowhere.want": "/nonexistent",
		"home/a/null.want":    "/dev/null",
		"home/a/dir.want":     "dir",
	} {
		must(t, os.Symlink(target, filepath.Join(root, link)))
	}
	// A collector that wants regular files only (as history does).
	c := &regularOnly{nameCollector{want: ".want"}}
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{c}, Sink: sink}
	done := make(chan error, 1)
	go func() { done <- w.Walk(context.Background()) }()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("walk blocked")
	}
	got := strings.Join(c.paths, ",")
	if !strings.Contains(got, "/home/a/real.want") || !strings.Contains(got, "/home/a/abs.want") || len(c.paths) != 2 {
		t.Errorf("links inside the root read as their files: got %s", got)
	}
	_, errs := sink.Drain()
	txt := errorsText(errs)
	for _, want := range []string{
		"/home/a/pipe.want: open home/a/pipe.want: not a regular file: named pipe (FIFO)",
		"unverified /home/a/tofifo.want: symlink to \".hist/fifo\", a named pipe (FIFO)",
		"unverified /home/a/out.want: symlink to \"../../../../../../x\" not followed: stat: symlink leads out of the scanned root",
		"unverified /home/a/nowhere.want: symlink to \"/nonexistent\" not followed",
		"skipped /home/a/null.want: symlink to \"/dev/null\", the null device",
		"skipped /home/a/dir.want: symlink to the directory",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("missing %q in:\n%s", want, txt)
		}
	}
}

// regularOnly declines symlinks and special files, as most collectors do.
type regularOnly struct{ nameCollector }

func (c *regularOnly) FileRequired(e *Entry) bool {
	return e.Type.IsRegular() && c.nameCollector.FileRequired(e)
}

// silentCollector opens a sibling and drops the error, as a collector
// probing an optional file does.
type silentCollector struct{}

func (silentCollector) Name() string               { return "test/silent" }
func (silentCollector) FileRequired(e *Entry) bool { return e.Name == "METADATA" }
func (silentCollector) Collect(ctx context.Context, f *File, out Sink) {
	f.ReadPath(f.Dir()+"/INSTALLER", 64)
	f.ReadPath(f.Dir()+"/ABSENT", 64)
}

func TestRefusedOpenIsNeverSilent(t *testing.T) {
	root := mkTree(t, map[string]string{"site/x-1.dist-info/METADATA": "Name: x\n"})
	must(t, syscall.Mkfifo(filepath.Join(root, "site/x-1.dist-info/INSTALLER"), 0o644))
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{silentCollector{}}, Sink: sink}
	must(t, w.Walk(context.Background()))
	_, errs := sink.Drain()
	if len(errs) != 1 || errs[0].Kind != ErrKindUnverified || errs[0].Location.Path != "/site/x-1.dist-info/INSTALLER" {
		t.Errorf("want one unverified entry for the FIFO INSTALLER (and none for the absent file):\n%s", errorsText(errs))
	}
}

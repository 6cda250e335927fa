package sweep

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// nameCollector wants files by base name and records what it read.
type nameCollector struct {
	want  string
	mu    sync.Mutex
	paths []string
	panic bool
}

func (c *nameCollector) Name() string { return "test/" + c.want }
func (c *nameCollector) FileRequired(e *Entry) bool {
	return e.Name == c.want || strings.HasSuffix(e.Name, c.want)
}
func (c *nameCollector) Collect(ctx context.Context, f *File, out Sink) {
	if c.panic {
		panic("boom")
	}
	r, err := f.Open()
	if err != nil {
		out.Error(ErrorAt(f.Location(), c.Name(), err))
		return
	}
	defer r.Close()
	io.Copy(io.Discard, r)
	c.mu.Lock()
	c.paths = append(c.paths, f.Path)
	c.mu.Unlock()
}

func mkTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestWalkSymlinksNeverFollowed(t *testing.T) {
	outside := mkTree(t, map[string]string{"secret/x.pth": "outside"})
	root := mkTree(t, map[string]string{
		"a/b/one.pth":                      "1",
		"a/c/two.pth":                      "2",
		"proc/no.pth":                      "skipped",
		"deep/1/2/3/4/5/6/7/8/9/three.pth": "3",
	})
	// a loop, an escape through a directory link, and a file link out of the root
	must(t, os.Symlink("..", filepath.Join(root, "a/b/loop")))
	must(t, os.Symlink(outside, filepath.Join(root, "a/escape")))
	must(t, os.Symlink(filepath.Join(outside, "secret/x.pth"), filepath.Join(root, "a/link.pth")))

	c := &nameCollector{want: ".pth"}
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{c}, Sink: sink, Skips: DefaultSkips, Workers: 3}
	if err := w.Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	sort.Strings(c.paths)
	got := strings.Join(c.paths, ",")
	want := "/a/b/one.pth,/a/c/two.pth,/deep/1/2/3/4/5/6/7/8/9/three.pth"
	if got != want {
		t.Errorf("collected %s, want %s", got, want)
	}
	_, errs := sink.Drain()
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Location.Path+": "+e.Message)
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "/a/link.pth") {
		t.Errorf("symlink out of the root was not reported as unreadable:\n%s", joined)
	}
	if !strings.Contains(joined, "/proc: not walked") {
		t.Errorf("skipped /proc not reported:\n%s", joined)
	}
	if w.Counters.DirsRead.Load() != 14 {
		t.Errorf("dirs read = %d, want 14 (each directory once)", w.Counters.DirsRead.Load())
	}
}

func TestWalkRecoversPanicsAndCancels(t *testing.T) {
	root := mkTree(t, map[string]string{"x/a.pth": "1"})
	sink := NewCollection(nil)
	w := &Walker{Root: root, Collectors: []Collector{&nameCollector{want: ".pth", panic: true}}, Sink: sink}
	if err := w.Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, errs := sink.Drain()
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "panic") || errs[0].Location.Path != "/x/a.pth" {
		t.Fatalf("panic not recorded at its file: %+v", errs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w = &Walker{Root: root, Collectors: []Collector{&nameCollector{want: ".pth"}}, Sink: NewCollection(nil)}
	if err := w.Walk(ctx); err != context.Canceled {
		t.Fatalf("cancelled walk returned %v", err)
	}
}

func TestHomes(t *testing.T) {
	root := mkTree(t, map[string]string{
		"etc/passwd":         "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:998:998::/srv/svc:/bin/sh\n",
		"root/.bashrc":       "",
		"home/alice/.bashrc": "",
		"home/bob/.bashrc":   "",
		"srv/svc/x":          "",
	})
	r, err := os.OpenRoot(root)
	must(t, err)
	defer r.Close()
	hs := Homes(r.FS())
	var got []string
	for _, h := range hs {
		got = append(got, h.User+"="+h.Dir)
	}
	if strings.Join(got, ",") != "alice=/home/alice,bob=/home/bob,root=/root" {
		t.Errorf("homes = %v", got)
	}
	if u := UserOf(hs, "/home/alice/.venv/x"); u != "alice" {
		t.Errorf("UserOf = %q", u)
	}
}

func TestWriteFileAtomicMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.json")
	must(t, WriteFileAtomic(p, []byte("{}")))
	fi, err := os.Stat(p)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

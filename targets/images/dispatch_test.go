package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// faulty is a collector that misbehaves on purpose, by file name: it
// panics in FileRequired on pred.pth, in Collect on boom.pth and in
// Finish; it reports an error for bad.pth; it reads every other .pth and
// drops a failed read in silence (a FIFO's refused open must still show).
type faulty struct{ name string }

func (c *faulty) Name() string { return c.name }

func (c *faulty) FileRequired(e *sweep.Entry) bool {
	if e.Name == "pred.pth" && c.name == "test/faulty-b" {
		panic("predicate boom")
	}
	return strings.HasSuffix(e.Name, ".pth")
}

func (c *faulty) Collect(_ context.Context, f *sweep.File, out sweep.Sink) {
	switch f.Name {
	case "boom.pth":
		if c.name == "test/faulty-a" {
			panic("collect boom")
		}
	case "bad.pth":
		out.Error(sweep.ErrorAt(f.Location(), c.name, errors.New("cannot parse this file")))
		return
	}
	b, err := f.ReadAll(1 << 20)
	if err != nil {
		return // silence: the dispatch must record the refused open
	}
	out.Finding(sweep.Finding{Severity: sweep.Low, Category: "test", Collector: c.name,
		Title: fmt.Sprintf("read %d bytes", len(b)), Location: f.Location()})
}

func (c *faulty) Finish(context.Context, sweep.Sink) {
	if c.name == "test/faulty-a" {
		panic("finish boom")
	}
}

// outcome is what a sweep reported, reduced to what must be the same on a
// host tree and in an image layer (paths, collectors, kinds, messages) and
// the counters.
type outcome struct {
	findings, errors []string
	seen, read, errs int64
}

func reduce(fs []sweep.Finding, es []sweep.Error, c *sweep.Counters) outcome {
	var o outcome
	for _, f := range fs {
		o.findings = append(o.findings, f.Location.Path+" "+f.Collector+" "+f.Title)
	}
	for _, e := range es {
		o.errors = append(o.errors, e.Location.Path+" "+e.Collector+" "+string(e.Kind)+": "+e.Message)
	}
	slices.Sort(o.findings)
	slices.Sort(o.errors)
	o.seen, o.read, o.errs = c.FilesSeen.Load(), c.FilesRead.Load(), c.Errors.Load()
	return o
}

// TestOneDispatch: the host walk and the image layer scanner offer files
// to collectors through the same sweep.Dispatch, so a collector that
// panics (predicate, Collect, Finish), one that reports an error, and one
// that drops a refused open in silence give the same located errors, the
// same findings and the same counts on a host tree and in an image layer
// made of that tree by the real tar.
func TestOneDispatch(t *testing.T) {
	tarBin := testenv.LookPath(t, "tar", "packs the host tree into a real layer")
	root := sweeptest.MkTree(t, map[string]string{
		"/app/ok.pth":   "import os\n",
		"/app/boom.pth": "x\n",
		"/app/bad.pth":  "y\n",
		"/app/pred.pth": "z\n",
		"/app/README":   "not wanted\n",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "app", "fifo.pth"), 0o644); err != nil {
		t.Fatal(err)
	}
	newCollectors := func(collectors.Options) []sweep.Collector {
		return []sweep.Collector{&faulty{name: "test/faulty-a"}, &faulty{name: "test/faulty-b"}}
	}

	// Host.
	hc := &sweep.Counters{}
	hs := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: newCollectors(collectors.Options{}), Counters: hc})
	hf, he := hs.Drain()
	host := reduce(hf, he, hc)

	// Image: one layer, packed from the same tree by tar.
	layer := filepath.Join(t.TempDir(), "layer.tar")
	if out, err := exec.Command(tarBin, "-C", root, "-cf", layer, "app").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	blob, err := os.ReadFile(layer)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(blob)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	ic := &sweep.Counters{}
	is := sweep.NewCollection(ic)
	s := &Scanner{Options: collectors.Options{Matcher: sweeptest.Matcher(t)}, Sink: is, Counters: ic, NewCollectors: newCollectors}
	s.ScanImage(context.Background(), &Image{Name: "app:1", ID: "sha256:" + strings.Repeat("0", 64), Source: "test",
		Layers: []Layer{{Key: digest, Digest: digest, DiffID: digest,
			Open: func(context.Context) (io.ReadCloser, error) { return os.Open(layer) }}}})
	imf, ime := is.Drain()
	for _, e := range ime {
		if e.Location.Image != "app:1" || e.Location.Layer == nil {
			t.Errorf("image error not located at its image and layer: %+v", e)
		}
	}
	img := reduce(imf, ime, ic)

	// What both must say.
	for _, want := range []string{
		"/app/boom.pth test/faulty-a error: collector panic: collect boom",
		"/app/bad.pth test/faulty-a error: cannot parse this file",
		"/app/bad.pth test/faulty-b error: cannot parse this file",
		"/app/pred.pth test/faulty-b error: collector panic in FileRequired: predicate boom: this file was not checked by it",
		"/ test/faulty-a error: collector panic in Finish: finish boom",
	} {
		if !slices.Contains(host.errors, want) {
			t.Errorf("host: no error %q in\n%s", want, strings.Join(host.errors, "\n"))
		}
	}
	if !slices.ContainsFunc(host.errors, func(e string) bool {
		return strings.HasPrefix(e, "/app/fifo.pth test/faulty-a unverified: ")
	}) {
		t.Errorf("host: the FIFO's refused open is not recorded:\n%s", strings.Join(host.errors, "\n"))
	}
	if len(host.findings) != 4 { // ok.pth and pred.pth by a, boom.pth by b, ok.pth by b
		t.Errorf("host findings:\n%s", strings.Join(host.findings, "\n"))
	}
	if host.seen != 6 || host.errs != int64(len(host.errors)) {
		t.Errorf("host counters: seen %d (want 6), errors %d (want %d)", host.seen, host.errs, len(host.errors))
	}

	if !slices.Equal(host.errors, img.errors) {
		t.Errorf("errors differ\nhost:\n%s\nimage:\n%s", strings.Join(host.errors, "\n"), strings.Join(img.errors, "\n"))
	}
	if !slices.Equal(host.findings, img.findings) {
		t.Errorf("findings differ\nhost:\n%s\nimage:\n%s", strings.Join(host.findings, "\n"), strings.Join(img.findings, "\n"))
	}
	if host.seen != img.seen || host.read != img.read || host.errs != img.errs {
		t.Errorf("counters differ: host seen/read/errors %d/%d/%d, image %d/%d/%d",
			host.seen, host.read, host.errs, img.seen, img.read, img.errs)
	}
}

// TestImageHomes: an image's homes are sweep.PasswdHomes of its etc/passwd
// (the parser the host uses), plus /root, which every image has.
func TestImageHomes(t *testing.T) {
	tests := []struct {
		name, passwd string
		want         []sweep.Home
	}{
		{"no passwd", "", []sweep.Home{{User: "root", UID: 0, Dir: "/root"}}},
		{"root and a user", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
			[]sweep.Home{{User: "app", UID: 1000, Dir: "/home/app"}, {User: "root", UID: 0, Dir: "/root"}}},
		{"no root line", "svc:x:1001:1001::/srv/svc:/bin/sh\n",
			[]sweep.Home{{User: "root", UID: 0, Dir: "/root"}, {User: "svc", UID: 1001, Dir: "/srv/svc"}}},
		{"system account at /root", "operator:x:11:0:operator:/root:/sbin/nologin\n",
			[]sweep.Home{{User: "root", UID: 0, Dir: "/root"}}},
	}
	for _, tc := range tests {
		if got := homesFromPasswd([]byte(tc.passwd)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

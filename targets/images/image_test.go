package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

const pthPath = "/" + site + "litellm_init.pth"
const distPath = "/" + site + "litellm-1.82.8.dist-info"

func TestWhiteoutsAndHistory(t *testing.T) {
	type want struct {
		layer   int
		visible bool
		sev     sweep.Severity
		step    string
	}
	tests := []struct {
		name  string
		steps func(t *testing.T) []step
		pth   []want // findings at litellm_init.pth
		dist  []want // findings at the dist-info directory
	}{
		{
			name: "installed and kept",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"ENV PIP_NO_CACHE_DIR=1", nil},
					{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")}, {`CMD ["python"]`, nil}}
			},
			pth:  []want{{1, true, sweep.Critical, "RUN pip install litellm==1.82.8"}},
			dist: []want{{1, true, sweep.Critical, "RUN pip install litellm==1.82.8"}},
		},
		{
			name: "deleted by whiteouts in a later layer",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"ENV A=1", nil},
					{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
					{"LABEL x=y", nil},
					{"RUN pip uninstall -y litellm", layerOf(t, member{name: site + ".wh.litellm_init.pth"},
						member{name: site + ".wh.litellm-1.82.8.dist-info"}, member{name: site + ".wh.litellm"})}}
			},
			pth:  []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
			dist: []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
		},
		{
			name: "hidden by an opaque directory",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
					{"RUN rm -rf site-packages && mkdir site-packages", layerOf(t, member{name: site, typ: tar.TypeDir},
						member{name: site + ".wh..wh..opq"}, member{name: site + "other.py", body: "x"})}}
			},
			pth:  []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
			dist: []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
		},
		{
			name: "parent directory deleted",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
					{"RUN rm -rf /usr/local/lib/python3.11", layerOf(t, member{name: "usr/local/lib/.wh.python3.11"})}}
			},
			pth:  []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
			dist: []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"}},
		},
		{
			name: "replaced by a later copy",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
					{"COPY litellm_init.pth /usr/local/lib/python3.11/site-packages/", layerOf(t,
						member{name: site + "litellm_init.pth", body: "import sys\n"})}}
			},
			pth: []want{{1, false, sweep.High, "RUN pip install litellm==1.82.8"},
				{2, true, sweep.Critical, "COPY …"}},
			dist: []want{{1, true, sweep.Critical, "RUN pip install litellm==1.82.8"}},
		},
		{
			name: "whiteout in the same layer does not hide it",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", layerOf(t, member{name: site + ".wh.litellm_init.pth"},
					member{name: site + "litellm_init.pth", body: "import sys\n"})}}
			},
			pth: []want{{0, true, sweep.Critical, "ADD …"}},
		},
		{
			name: "clean release",
			steps: func(t *testing.T) []step {
				return []step{{"ADD rootfs.tar /", baseLayer(t)}, {"RUN pip install litellm==1.82.6", litellmLayer(t, "1.82.6")}}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sink := newTestScanner(t)
			img := buildImage(t, tc.steps(t)...)
			scanV1(t, s, "app:1", img)
			fs, es := sink.Drain()
			for _, e := range es {
				t.Errorf("unexpected error: %+v", e)
			}
			check := func(p string, wants []want) {
				got := findingsAt(fs, "app:1", p)
				if len(got) != len(wants) {
					t.Fatalf("%s: %d findings, want %d: %+v", p, len(got), len(wants), got)
				}
				for i, w := range wants {
					g := got[i]
					if *g.Location.Layer != w.layer || g.Location.Visible == nil || *g.Location.Visible != w.visible ||
						g.Severity != w.sev || g.Location.CreatedBy != w.step {
						t.Errorf("%s #%d: layer %d visible %v severity %s step %q; want %+v", p, i, *g.Location.Layer,
							*g.Location.Visible, g.Severity, g.Location.CreatedBy, w)
					}
					if g.Location.ImageID == "" || !strings.HasPrefix(g.Location.LayerDigest, "sha256:") {
						t.Errorf("%s: missing image id or layer digest: %+v", p, g.Location)
					}
				}
			}
			check(pthPath, tc.pth)
			check(distPath, tc.dist)
		})
	}
}

func TestVisibleAfter(t *testing.T) {
	mk := func(entries map[string]uint8) pathIndex {
		x := pathIndex{}
		for p, k := range entries {
			x.add(p, k)
		}
		return x
	}
	lower := mk(map[string]uint8{"/a": kindDir, "/a/b": kindDir, "/a/b/f": kindFile})
	tests := []struct {
		name  string
		upper pathIndex
		p     string
		want  bool
	}{
		{"untouched", mk(map[string]uint8{"/c": kindFile}), "/a/b/f", true},
		{"whiteout of file", mk(map[string]uint8{"/a/b/f": kindWhiteout}), "/a/b/f", false},
		{"whiteout of parent", mk(map[string]uint8{"/a": kindWhiteout}), "/a/b/f", false},
		{"opaque parent", mk(map[string]uint8{"/a/b": kindOpaque | kindDir}), "/a/b/f", false},
		{"opaque on the dir itself hides its content", mk(map[string]uint8{"/a/b": kindOpaque}), "/a/b", false},
		{"parent replaced by a file", mk(map[string]uint8{"/a/b": kindFile}), "/a/b/f", false},
		{"file replaced by a dir", mk(map[string]uint8{"/a/b/f": kindDir}), "/a/b/f", false},
		{"dir re-declared stays", mk(map[string]uint8{"/a/b": kindDir}), "/a/b", true},
		{"sibling whiteout", mk(map[string]uint8{"/a/b/g": kindWhiteout}), "/a/b/f", true},
		{"prefix is not a parent", mk(map[string]uint8{"/a/b/f2": kindWhiteout, "/a/bb": kindWhiteout}), "/a/b/f", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := visibleAfter([]pathIndex{lower, tc.upper}, 0, tc.p); got != tc.want {
				t.Fatalf("visibleAfter(%s) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestHistoryMapping(t *testing.T) {
	cfg := &v1.ConfigFile{History: []v1.History{
		{CreatedBy: "ADD file:abc in /"}, {CreatedBy: "ENV X=1", EmptyLayer: true}, {CreatedBy: "RUN a"},
		{CreatedBy: "LABEL l=1", EmptyLayer: true}, {CreatedBy: "RUN b"}, {CreatedBy: `CMD ["sh"]`, EmptyLayer: true},
	}}
	got := history(cfg, 3)
	want := []string{"ADD file:abc in /", "RUN a", "RUN b"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("layer %d: %q, want %q", i, got[i], want[i])
		}
	}
	// Fewer history entries than layers: the rest stay empty, nothing panics.
	if got := history(&v1.ConfigFile{History: cfg.History[:1]}, 3); got[0] != "ADD file:abc in /" || got[2] != "" {
		t.Errorf("short history: %q", got)
	}
}

func TestHistoryInstallLine(t *testing.T) {
	s, sink := newTestScanner(t)
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)},
		step{"/bin/sh -c pip install --no-cache-dir litellm==1.82.8 && pip uninstall -y litellm", layerOf(t, member{name: "tmp/x", body: "x"})})
	scanV1(t, s, "hist:1", img)
	fs, _ := sink.Drain()
	var n int
	for _, f := range fs {
		if f.Category == "image/build-step" {
			n++
			if f.Location.Layer == nil || *f.Location.Layer != 1 || f.Evidence.Version != "1.82.8" || f.Severity != sweep.High {
				t.Errorf("build-step finding: %+v", f)
			}
		}
	}
	if n != 1 {
		t.Fatalf("want 1 build-step finding, got %d: %+v", n, fs)
	}
}

func TestHostileLayer(t *testing.T) {
	s, sink := newTestScanner(t)
	hostile := layerOf(t,
		member{name: "../../etc/" + "litellm_init.pth", body: "import os\n"},
		member{name: "/abs/litellm_init.pth", body: "import os\n"},
		member{name: "usr/escape", typ: tar.TypeSymlink, linkname: "../../../../etc/shadow"},
		member{name: "loop/a", typ: tar.TypeSymlink, linkname: "b"},
		member{name: "loop/b", typ: tar.TypeSymlink, linkname: "a"},
		// A dist-info whose RECORD is reached through the symlink loop.
		member{name: "loop/x.dist-info/METADATA", body: metadata("litellm", "1.82.8")},
		member{name: "loop/x.dist-info/RECORD", typ: tar.TypeSymlink, linkname: "../a"},
	)
	img := buildImage(t, step{"ADD evil.tar /", hostile})
	done := make(chan struct{})
	go func() { scanV1(t, s, "evil:1", img); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("scan hangs on a symlink loop")
	}
	fs, es := sink.Drain()
	if len(findingsAt(fs, "evil:1", "/etc/litellm_init.pth")) != 1 || len(findingsAt(fs, "evil:1", "/abs/litellm_init.pth")) != 1 {
		t.Errorf("hostile members must still be scanned at their confined path: %+v", fs)
	}
	if len(findingsAt(fs, "evil:1", "/loop/x.dist-info")) != 1 {
		t.Errorf("dist-info behind a symlink loop not reported: %+v", fs)
	}
	for _, want := range []string{"parent-directory component", "absolute path", "points outside the layer root"} {
		m := errorsMatching(es, want)
		if len(m) != 1 {
			t.Errorf("want one error %q, got %+v", want, es)
			continue
		}
		if m[0].Location.Image != "evil:1" || m[0].Location.Layer == nil || *m[0].Location.Layer != 0 {
			t.Errorf("error %q not located at the image layer: %+v", want, m[0].Location)
		}
	}
}

func TestLayerFSResolve(t *testing.T) {
	l := &layerFS{m: newMemFS()}
	add := func(p, target string) { l.m.put(p, symlinkFile(target)) }
	l.m.put("usr/lib/f", regularFile("data"))
	add("lib", "usr/lib")
	add("abs", "/usr/lib")
	add("up", "../../../usr/lib")
	add("self", "self")
	for _, p := range []string{"lib/f", "abs/f", "up/f"} {
		b, err := readAll(l, p)
		if err != nil || string(b) != "data" {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
	if _, err := readAll(l, "self/f"); err == nil || !strings.Contains(err.Error(), "too many levels") {
		t.Errorf("self loop: %v", err)
	}
	if got, err := l.ReadLink("lib"); err != nil || got != "usr/lib" {
		t.Errorf("ReadLink: %q %v", got, err)
	}
	if _, err := l.ReadLink("usr/lib/f"); err == nil {
		t.Errorf("ReadLink of a regular file must fail")
	}
}

// TestMemFS checks the layer's in-memory tree against the io/fs contract
// (testing/fstest.TestFS: open, stat, read, ReadDir of synthesised parents)
// and that a layer's entries come back as the layer gave them.
func TestMemFS(t *testing.T) {
	m := newMemFS()
	mtime := time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC)
	m.put("usr", &memFile{mode: fs.ModeDir | 0o755, modTime: mtime})
	m.put("usr/lib/python3.11/site-packages/litellm_init.pth", &memFile{data: []byte("import os\n"), mode: 0o644, modTime: mtime})
	m.put("usr/lib/python3.11/site-packages/x.dist-info/RECORD", regularFile("x.py,,\n"))
	m.put("etc/passwd", regularFile("root:x:0:0:root:/root:/bin/sh\n"))
	l := &layerFS{m: m, big: map[string]int64{}}
	if err := fstest.TestFS(l, "usr/lib/python3.11/site-packages/litellm_init.pth",
		"usr/lib/python3.11/site-packages/x.dist-info/RECORD", "etc/passwd"); err != nil {
		t.Fatal(err)
	}
	fi, err := l.Stat("usr")
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 || !fi.ModTime().Equal(mtime) {
		t.Errorf("an explicit directory keeps its mode and time: %v %v", fi, err)
	}
	if fi, err := l.Stat("usr/lib"); err != nil || !fi.IsDir() {
		t.Errorf("a missing parent is synthesised as a directory: %v %v", fi, err)
	}
	ents, err := fs.ReadDir(l, "usr/lib/python3.11/site-packages")
	if err != nil || len(ents) != 2 || ents[0].Name() != "litellm_init.pth" || ents[1].Name() != "x.dist-info" || !ents[1].IsDir() {
		t.Errorf("ReadDir: %v %v", ents, err)
	}
	f, err := l.Open("usr/lib/python3.11/site-packages/litellm_init.pth")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(io.ReaderAt); !ok {
		t.Errorf("an open file must be an io.ReaderAt (wheels are read as zips)")
	}
	if _, err := l.Open("usr/nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
}

func TestCapsAndCorruption(t *testing.T) {
	big := strings.Repeat("A", 4096)
	tests := []struct {
		name   string
		limits Limits
		blob   func(t *testing.T) []byte
		want   string
	}{
		{"gzip bomb over the layer cap", Limits{MaxLayerBytes: 1 << 20}, func(t *testing.T) []byte {
			return gz(t, tarBytes(t, member{name: "zeros", body: strings.Repeat("\x00", 4<<20)}))
		}, "exceeds the decompressed size cap"},
		{"zstd bomb over the layer cap", Limits{MaxLayerBytes: 1 << 20}, func(t *testing.T) []byte {
			return zst(t, tarBytes(t, member{name: "zeros", body: strings.Repeat("\x00", 4<<20)}))
		}, "exceeds the decompressed size cap"},
		{"gzip bomb over the ratio cap", Limits{RatioFloor: 1 << 20, MaxRatio: 50}, func(t *testing.T) []byte {
			return gz(t, tarBytes(t, member{name: "zeros", body: strings.Repeat("\x00", 8<<20)}))
		}, "decompression bomb"},
		{"wanted file over the file cap", Limits{MaxFileBytes: 1024}, func(t *testing.T) []byte {
			return gz(t, tarBytes(t, member{name: site + "litellm_init.pth", body: big}))
		}, "larger than the 1024-byte cap"},
		{"buffer cap", Limits{MaxBufferedBytes: 5000}, func(t *testing.T) []byte {
			return gz(t, tarBytes(t, member{name: "a/litellm_init.pth", body: big}, member{name: "b/litellm_init.pth", body: big}))
		}, "buffer cap"},
		{"truncated gzip", Limits{}, func(t *testing.T) []byte {
			b := gz(t, tarBytes(t, member{name: site + "litellm_init.pth", body: big}, member{name: "z", body: big}))
			return b[:len(b)/2]
		}, "truncated layer"},
		{"truncated tar", Limits{}, func(t *testing.T) []byte {
			b := tarBytes(t, member{name: site + "litellm_init.pth", body: big}, member{name: "z", body: big})
			return b[:5000]
		}, "truncated layer"},
		{"truncated tar in a skipped member", Limits{}, func(t *testing.T) []byte {
			b := tarBytes(t, member{name: "z", body: big + big}, member{name: site + "litellm_init.pth", body: big})
			return b[:len(big)]
		}, "truncated layer"},
		{"uncompressed over the layer cap in a skipped member", Limits{MaxLayerBytes: 1 << 20}, func(t *testing.T) []byte {
			return tarBytes(t, member{name: "zeros", body: strings.Repeat("\x00", 4<<20)})
		}, "exceeds the decompressed size cap"},
		{"not a layer", Limits{}, func(t *testing.T) []byte { return []byte("PK\x03\x04 this is a zip") }, "not a tar, gzip or zstd layer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sink := newTestScanner(t)
			s.Limits = tc.limits
			blob := tc.blob(t)
			img := &Image{Name: "caps:1", ID: "sha256:00", Source: "test", Config: &v1.ConfigFile{},
				Layers: []Layer{{Key: tc.name, Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }}}}
			s.ScanImage(context.Background(), img)
			_, es := sink.Drain()
			if len(errorsMatching(es, tc.want)) == 0 {
				t.Fatalf("want an error containing %q, got %+v", tc.want, es)
			}
		})
	}
}

func TestZstdLayer(t *testing.T) {
	s, sink := newTestScanner(t)
	blob := zst(t, tarBytes(t, member{name: site + "litellm_init.pth", body: "import sys\n"}))
	img := &Image{Name: "z:1", ID: "sha256:01", Source: "test", Config: &v1.ConfigFile{},
		Layers: []Layer{{Key: "z", Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }}}}
	s.ScanImage(context.Background(), img)
	fs, es := sink.Drain()
	if len(findingsAt(fs, "z:1", pthPath)) != 1 || len(es) != 0 {
		t.Fatalf("zstd layer: findings %+v errors %+v", fs, es)
	}
}

// writeLayout writes images to an OCI layout with annotations naming them.
func writeLayout(t *testing.T, dir string, imgs map[string]v1.Image) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for ref, img := range imgs {
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"io.containerd.image.name": ref})); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLayoutDigestMismatchAndMissingBlob(t *testing.T) {
	dir := t.TempDir()
	good := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	tampered := buildImage(t, step{"ADD other.tar /", layerOf(t, member{name: "opt/a", body: "original"})})
	missing := buildImage(t, step{"ADD third.tar /", layerOf(t, member{name: "opt/b", body: "gone"})})
	writeLayout(t, dir, map[string]v1.Image{"good:1": good, "tampered:1": tampered, "missing:1": missing})

	// Tamper with one blob in place and delete another.
	tl, _ := tampered.Layers()
	td, _ := tl[0].Digest()
	tp := filepath.Join(dir, "blobs", "sha256", td.Hex)
	replaceBlob(t, tp, gz(t, tarBytes(t, member{name: "opt/a", body: "modified"})))
	ml, _ := missing.Layers()
	md, _ := ml[0].Digest()
	if err := os.Remove(filepath.Join(dir, "blobs", "sha256", md.Hex)); err != nil {
		t.Fatal(err)
	}

	s, sink := newTestScanner(t)
	imgs := s.ScanLayout(context.Background(), dir)
	if len(imgs) != 3 {
		t.Fatalf("want 3 images, got %d", len(imgs))
	}
	fs, es := sink.Drain()
	if len(findingsAt(fs, "good:1", pthPath)) != 1 {
		t.Errorf("good image not scanned: %+v", fs)
	}
	if m := errorsMatching(es, "digest mismatch"); len(m) != 1 || m[0].Location.Image != "tampered:1" {
		t.Errorf("digest mismatch: %+v", es)
	}
	if m := errorsMatching(es, "is missing from"); len(m) != 1 || m[0].Location.Image != "missing:1" {
		t.Errorf("missing blob: %+v", es)
	}
	if s.images != 3 {
		t.Errorf("images scanned %d", s.images)
	}
}

func TestArchiveStreamLegacyAndShared(t *testing.T) {
	base := baseLayer(t)
	bad := buildImage(t, step{"ADD rootfs.tar /", base}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
		step{"RUN pip uninstall -y litellm", layerOf(t, member{name: site + ".wh.litellm_init.pth"})})
	clean := buildImage(t, step{"ADD rootfs.tar /", base}, step{"RUN pip install litellm==1.82.6", litellmLayer(t, "1.82.6")})
	var buf bytes.Buffer
	refs := map[name.Reference]v1.Image{}
	for ref, img := range map[string]v1.Image{"bad:1": bad, "clean:1": clean} {
		tag, err := name.NewTag(ref)
		if err != nil {
			t.Fatal(err)
		}
		refs[tag] = img
	}
	if err := tarball.MultiRefWrite(refs, &buf); err != nil {
		t.Fatal(err)
	}
	s, sink := newTestScanner(t)
	imgs, err := s.ReadArchive(context.Background(), &buf, "archive test", "test!")
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Fatalf("want 2 images, got %d", len(imgs))
	}
	for _, img := range imgs {
		s.ScanImage(context.Background(), img)
	}
	fs, es := sink.Drain()
	if len(es) != 0 {
		t.Errorf("errors: %+v", es)
	}
	got := findingsAt(fs, "bad:1", pthPath)
	if len(got) != 1 || *got[0].Location.Visible || got[0].Severity != sweep.High {
		t.Fatalf("bad image: %+v (all %+v)", got, fs)
	}
	if n := len(findingsAt(fs, "clean:1", distPath)); n != 0 {
		t.Errorf("clean image has findings")
	}
	// The base layer is shared: five layer blobs, read once each (base once).
	if s.layers != 4 {
		t.Errorf("distinct layers read %d, want 4", s.layers)
	}
}

func TestArchiveMissingBlob(t *testing.T) {
	// A docker-save style archive whose manifest names a layer that is not in it.
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)})
	cfg, _ := img.RawConfigFile()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(n string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	put("cfg.json", cfg)
	put("manifest.json", []byte(`[{"Config":"cfg.json","RepoTags":["lost:1"],"Layers":["nothere/layer.tar"]}]`))
	tw.Close()
	s, sink := newTestScanner(t)
	imgs, err := s.ReadArchive(context.Background(), &buf, "archive x", "x!")
	if err != nil || len(imgs) != 1 {
		t.Fatal(err, len(imgs))
	}
	s.ScanImage(context.Background(), imgs[0])
	_, es := sink.Drain()
	if m := errorsMatching(es, "missing from archive x"); len(m) != 1 || m[0].Location.Image != "lost:1" {
		t.Fatalf("%+v", es)
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func replaceBlob(t *testing.T, p string, b []byte) {
	t.Helper()
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var _ = mutate.Extract

// TestArchiveOCIFlavour reads the Docker >= 25 docker save format (an OCI
// layout plus manifest.json in one tar, blobs first in lexical order) and a
// plain tarred OCI layout (index.json only), as streams.
func TestArchiveOCIFlavour(t *testing.T) {
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	for _, withManifest := range []bool{true, false} {
		dir := t.TempDir()
		writeLayout(t, dir, map[string]v1.Image{"docker.io/team/app:2": img})
		if withManifest {
			cfg, _ := img.ConfigName()
			m, _ := img.Manifest()
			sm := saveManifest{Config: "blobs/sha256/" + cfg.Hex, RepoTags: []string{"team/app:2"}}
			for _, l := range m.Layers {
				sm.Layers = append(sm.Layers, "blobs/sha256/"+l.Digest.Hex)
			}
			b, _ := json.Marshal([]saveManifest{sm})
			os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
		}
		buf := tarDir(t, dir)
		s, sink := newTestScanner(t)
		imgs, err := s.ReadArchive(context.Background(), buf, "archive oci", "oci!")
		if err != nil || len(imgs) != 1 {
			t.Fatalf("manifest.json %v: %v, %d images", withManifest, err, len(imgs))
		}
		want := "docker.io/team/app:2"
		if withManifest {
			want = "team/app:2"
		}
		if imgs[0].Name != want {
			t.Errorf("name %q, want %q", imgs[0].Name, want)
		}
		s.ScanImage(context.Background(), imgs[0])
		fs, es := sink.Drain()
		if got := findingsAt(fs, want, pthPath); len(got) != 1 || !*got[0].Location.Visible || len(es) != 0 {
			t.Errorf("manifest.json %v: findings %+v errors %+v", withManifest, got, es)
		}
	}
}

// tarDir archives a directory (an OCI layout) as docker save's OCI flavour does.
func tarDir(t testing.TB, dir string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel != "." {
				tw.WriteHeader(&tar.Header{Name: rel + "/", Typeflag: tar.TypeDir, Mode: 0o755})
			}
			return nil
		}
		b, _ := os.ReadFile(p)
		tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))})
		tw.Write(b)
		return nil
	})
	tw.Close()
	return &buf
}

// TestHooksPerLayer: DirObserver sees every directory (parents missing from
// the tar are synthesised), Finish runs once per distinct layer, and a
// Finisher's environments are attributed to the image and layer.
func TestHooksPerLayer(t *testing.T) {
	var dirs []string
	finished := 0
	m := sweeptest.Matcher(t)
	sink := sweep.NewCollection(nil)
	s := &Scanner{Sink: sink, Options: collectorsOptions(m),
		NewCollectors: func(o collectorsOptionsT) []sweep.Collector {
			return []sweep.Collector{&probe{m: m, dirs: &dirs, finished: &finished}}
		}}
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
		step{"RUN true", layerOf(t, member{name: "opt/x/y/z", body: "z"})})
	scanV1(t, s, "hooks:1", img)
	scanV1(t, s, "hooks:2", img) // same layers: read once
	if finished != 3 {
		t.Errorf("Finish ran %d times, want 3 (once per distinct layer)", finished)
	}
	for _, want := range []string{"/opt", "/opt/x", "/opt/x/y", "/usr/local/lib/python3.11/site-packages"} {
		if !slices.Contains(dirs, want) {
			t.Errorf("directory %s not observed: %v", want, dirs)
		}
	}
	envs := sink.Environments()
	var got []string
	for _, e := range envs {
		got = append(got, e.Path)
	}
	want := "hooks:2 /usr/local/lib/python3.11/site-packages"
	if !slices.Contains(got, want) {
		t.Errorf("environments %v lack %q", got, want)
	}
}

// TestArchiveTruncated: a docker save stream cut before its manifest still
// reports what the layers read so far hold, and says the archive is broken.
func TestArchiveTruncated(t *testing.T) {
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
		step{"RUN big", layerOf(t, member{name: "opt/big", body: noise(1 << 20)})})
	tag, _ := name.NewTag("cut:1")
	var buf bytes.Buffer
	if err := tarball.Write(tag, img, &buf); err != nil {
		t.Fatal(err)
	}
	cut := buf.Bytes()[:buf.Len()/2] // inside the large last layer, before manifest.json
	s, sink := newTestScanner(t)
	imgs, err := s.ReadArchive(context.Background(), bytes.NewReader(cut), "archive cut", "cut!")
	if err == nil {
		t.Fatal("no error for a truncated archive")
	}
	s.sourceError(sweep.Location{Path: "cut.tar"}, err)
	for _, i := range imgs {
		s.ScanImage(context.Background(), i)
	}
	fs, es := sink.Drain()
	var hit bool
	for _, f := range fs {
		if f.Location.Path == pthPath && strings.HasPrefix(f.Location.Image, "unattributed layer ") {
			hit = true
		}
	}
	if !hit {
		t.Errorf("finding of a layer read before the cut is lost: %v", titles(fs))
	}
	if len(errorsMatching(es, "neither manifest.json nor index.json")) != 1 || len(errorsMatching(es, "truncated layer")) != 1 {
		t.Errorf("errors: %+v", es)
	}
}

// noise is incompressible, deterministic filler.
func noise(n int) string {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return string(b)
}

func TestScopeKeepsImagesApart(t *testing.T) {
	sc := scope{img: &Image{Name: "app:1"}, homes: homesFromPasswd([]byte("root:x:0:0::/root:/bin/sh\nsvc:x:1001:1001::/srv/svc:/bin/sh\n"))}
	tests := []struct {
		path, env, user   string
		wantEnv, wantUser string
	}{
		{"/root/.cache/pip/http/x", "", "", "app:1 /", "root@app:1"},
		{"/srv/svc/.bash_history", "", "", "app:1 /", "svc@app:1"},
		{"/home/bob/.cache/pip/x", "", "", "app:1 /", "bob@app:1"},
		{"/usr/lib/python3/site-packages/litellm_init.pth", "/usr", "", "app:1 /usr", ""},
		{"/opt/x", "", "alice", "app:1 /", "alice@app:1"},
	}
	for _, tc := range tests {
		f := sweep.Finding{Location: sweep.Location{Path: tc.path}, Environment: tc.env, User: tc.user}
		sc.finding(&f)
		if f.Environment != tc.wantEnv || f.User != tc.wantUser {
			t.Errorf("%s: env %q user %q, want %q %q", tc.path, f.Environment, f.User, tc.wantEnv, tc.wantUser)
		}
	}
	e := sc.environment(sweep.Environment{Path: "/usr", SiteDirs: []string{"/usr/lib/python3/site-packages"}, Findings: []string{"LS-1"}})
	if e.Path != "app:1 /usr" || e.SiteDirs[0] != "app:1 /usr/lib/python3/site-packages" || e.Findings != nil {
		t.Errorf("environment %+v", e)
	}
}

// TestArchiveLegacySymlinkedLayer: older docker save writes a repeated
// layer once and links the other <id>/layer.tar to it.
func TestArchiveLegacySymlinkedLayer(t *testing.T) {
	layer := tarBytes(t, member{name: site + "litellm_init.pth", body: "import sys\n"})
	d := sha256.Sum256(layer)
	diff := "sha256:" + hex.EncodeToString(d[:])
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{diff, diff}},
		"history": []map[string]any{{"created_by": "COPY a /"}, {"created_by": "ADD a / # again"}}})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(n string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	put("aaaa/layer.tar", layer)
	tw.WriteHeader(&tar.Header{Name: "bbbb/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../aaaa/layer.tar"})
	put("cfg.json", cfg)
	put("manifest.json", []byte(`[{"Config":"cfg.json","RepoTags":["twice:1"],"Layers":["aaaa/layer.tar","bbbb/layer.tar"]}]`))
	tw.Close()
	s, sink := newTestScanner(t)
	imgs, err := s.ReadArchive(context.Background(), &buf, "archive twice", "twice!")
	if err != nil || len(imgs) != 1 {
		t.Fatal(err, len(imgs))
	}
	s.ScanImage(context.Background(), imgs[0])
	fs, es := sink.Drain()
	got := findingsAt(fs, "twice:1", pthPath)
	if len(got) != 2 || *got[0].Location.Visible || !*got[1].Location.Visible || got[1].Location.CreatedBy != "ADD …" || len(es) != 0 {
		t.Fatalf("findings %+v errors %+v", got, es)
	}
}

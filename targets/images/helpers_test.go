package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// probe is a small collector used to test the image machinery on its own:
// it flags litellm_init.pth, dist-info METADATA of bad releases (at the
// dist-info directory, to exercise directory visibility), and pip cache
// files naming a bad wheel. It also records which hooks ran, and reads a
// sibling through the layer FS (RECORD), as the real collectors do.
type probe struct {
	m *iocs.Matcher
	// cacheOnly limits the probe to pip cache files (next to the real collectors).
	cacheOnly bool
	mu        sync.Mutex
	// dirs and finished count the DirObserver and Finisher calls.
	dirs     *[]string
	finished *int
	sites    map[string]bool
}

func (p *probe) Name() string { return "test/probe" }

func (p *probe) FileRequired(e *sweep.Entry) bool {
	if p.cacheOnly {
		return strings.Contains(e.Path, "/.cache/pip/")
	}
	switch {
	case e.Name == "litellm_init.pth":
		return true
	case (e.Name == "METADATA" || e.Name == "RECORD") && strings.HasSuffix(e.Dir(), ".dist-info"):
		return true
	case strings.Contains(e.Path, "/.cache/pip/"):
		return true
	}
	return false
}

func (p *probe) ObserveDir(e *sweep.Entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dirs != nil {
		*p.dirs = append(*p.dirs, e.Path)
	}
	if e.Name == "site-packages" {
		if p.sites == nil {
			p.sites = map[string]bool{}
		}
		p.sites[e.Path] = true
	}
}

func (p *probe) Finish(ctx context.Context, out sweep.Sink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished != nil {
		*p.finished++
	}
	if es, ok := out.(sweep.EnvSink); ok {
		for s := range p.sites {
			es.Environment(sweep.Environment{Path: s, Kind: "test", Verdict: "seen"})
		}
	}
}

func (p *probe) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	switch {
	case f.Name == "litellm_init.pth":
		b, err := f.ReadAll(1 << 20)
		if err != nil {
			out.Error(sweep.ErrorAt(f.Location(), p.Name(), err))
			return
		}
		out.Finding(sweep.Finding{Severity: sweep.Critical, Category: "test/pth", Title: "litellm_init.pth present",
			Location: f.Location(), Evidence: sweep.Evidence{Size: int64(len(b))}, Collector: p.Name()})
	case f.Name == "METADATA":
		b, err := f.ReadAll(1 << 20)
		if err != nil {
			out.Error(sweep.ErrorAt(f.Location(), p.Name(), err))
			return
		}
		var name, version string
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Name: "); ok {
				name = v
			}
			if v, ok := strings.CutPrefix(sc.Text(), "Version: "); ok {
				version = v
			}
		}
		if _, bad := p.m.Package(name, version); !bad {
			return
		}
		// Read the sibling RECORD through the layer FS, as a real collector would.
		rec, _ := f.ReadPath(path.Join(f.Dir(), "RECORD"), 1<<20)
		out.Finding(sweep.Finding{Severity: sweep.Critical, Category: "test/package", Title: "bad release " + name + " " + version,
			Location: f.LocationOf(f.Dir()), Evidence: sweep.Evidence{Package: name, Version: version, Size: int64(len(rec))},
			Environment: path.Dir(f.Dir()), Collector: p.Name()})
	default:
		b, err := f.ReadAll(1 << 20)
		if err != nil {
			return
		}
		if bytes.Contains(b, []byte("litellm-1.82.8")) {
			out.Finding(sweep.Finding{Severity: sweep.High, Category: "test/cache", Title: "pip cache names litellm 1.82.8",
				Location: f.Location(), Collector: p.Name()})
		}
	}
}

// newTestScanner returns a scanner running only the probe, and its sink.
func newTestScanner(t testing.TB) (*Scanner, *sweep.Collection) {
	t.Helper()
	m := sweeptest.Matcher(t)
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	s := &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink, Counters: counters,
		NewCollectors: func(o collectors.Options) []sweep.Collector { return []sweep.Collector{&probe{m: o.Matcher}} }}
	return s, sink
}

// member is one tar entry of a test layer.
type member struct {
	name     string
	body     string
	typ      byte // tar.TypeReg when 0
	linkname string
}

func tarBytes(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: m.typ, Linkname: m.linkname,
			ModTime: time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC)}
		switch m.typ {
		case 0:
			h.Typeflag = tar.TypeReg
		case tar.TypeDir:
			h.Mode, h.Size = 0o755, 0
		case tar.TypeSymlink, tar.TypeLink:
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := io.WriteString(tw, m.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerOf(t testing.TB, ms ...member) v1.Layer {
	t.Helper()
	b := tarBytes(t, ms...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// step is one Dockerfile step: a layer, or an empty_layer history entry when layer is nil.
type step struct {
	createdBy string
	layer     v1.Layer
}

func buildImage(t testing.TB, steps ...step) v1.Image {
	t.Helper()
	img := empty.Image
	var hist []v1.History
	var err error
	for i, s := range steps {
		h := v1.History{CreatedBy: s.createdBy, Created: v1.Time{Time: time.Date(2026, 3, 24, 12, i, 0, 0, time.UTC)}}
		if s.layer == nil {
			h.EmptyLayer = true
		} else if img, err = mutate.AppendLayers(img, s.layer); err != nil {
			t.Fatal(err)
		}
		hist = append(hist, h)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.History = hist
	cf.Architecture, cf.OS = "amd64", "linux"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

const site = "usr/local/lib/python3.11/site-packages/"

func metadata(name, version string) string {
	return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: fixture\n"
}

// litellmLayer adds the benign 1.82.8 fixture to site-packages.
func litellmLayer(t testing.TB, version string) v1.Layer {
	t.Helper()
	di := site + "litellm-" + version + ".dist-info/"
	ms := []member{
		{name: di + "METADATA", body: metadata("litellm", version)},
		{name: di + "RECORD", body: "litellm/__init__.py,,\n"},
		{name: site + "litellm/__init__.py", body: "\n"},
	}
	if version == "1.82.8" {
		ms = append(ms, member{name: site + "litellm_init.pth", body: "import base64; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n"})
	}
	return layerOf(t, ms...)
}

func baseLayer(t testing.TB) v1.Layer {
	return layerOf(t,
		member{name: "etc/", typ: tar.TypeDir},
		member{name: "etc/passwd", body: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"},
		member{name: "bin/", typ: tar.TypeDir},
		member{name: "bin/sh", body: "#!busybox\n"},
		member{name: site, typ: tar.TypeDir},
	)
}

// scanV1 runs the scanner on an in-process image through its compressed layers.
func scanV1(t testing.TB, s *Scanner, name string, img v1.Image) {
	t.Helper()
	s.ScanImage(context.Background(), fromV1(t, name, img))
}

func fromV1(t testing.TB, name string, img v1.Image) *Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := &Image{Name: name, Names: []string{name}, ID: id.String(), Source: "test", Config: cf}
	for i, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		l := l
		out.Layers = append(out.Layers, Layer{Key: d.String(), Digest: d.String(), DiffID: cf.RootFS.DiffIDs[i].String(),
			Open: func(context.Context) (io.ReadCloser, error) { return l.Compressed() }})
	}
	return out
}

// byPath indexes findings by image and path for assertions.
func findingsAt(fs []sweep.Finding, image, p string) []sweep.Finding {
	var out []sweep.Finding
	for _, f := range fs {
		if f.Location.Image == image && f.Location.Path == p {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Location.Layer < *out[j].Location.Layer })
	return out
}

func errorsMatching(es []sweep.Error, substr string) []sweep.Error {
	var out []sweep.Error
	for _, e := range es {
		if strings.Contains(e.Message, substr) {
			out = append(out, e)
		}
	}
	return out
}

var _ fs.FS = (*layerFS)(nil)

func symlinkFile(target string) *memFile {
	return &memFile{data: []byte(target), mode: fs.ModeSymlink | 0o777}
}

func regularFile(s string) *memFile { return &memFile{data: []byte(s), mode: 0o644} }

func readAll(fsys fs.FS, p string) ([]byte, error) { return fs.ReadFile(fsys, p) }

type collectorsOptionsT = collectors.Options

func collectorsOptions(m *iocs.Matcher) collectors.Options { return collectors.Options{Matcher: m} }

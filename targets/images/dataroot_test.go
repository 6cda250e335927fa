package images

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/litesweep/litesweep/sweep"
)

// countingReader tracks the offset of a tar stream.
type offsetReader struct {
	r io.Reader
	n int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.n += int64(n)
	return n, err
}

// splitLayer writes a layer tar the way Docker's layerdb and
// containers/storage keep it: the files unpacked under dir and the exact
// tar framing in a tar-split.json.gz (type 2 segments of raw header and
// padding bytes, type 1 file entries whose content comes from dir).
func splitLayer(t *testing.T, layer []byte, dir, splitFile string) {
	t.Helper()
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	or := &offsetReader{r: bytes.NewReader(layer)}
	tr := tar.NewReader(or)
	var last int64
	seg := func(end int64) {
		if end > last {
			enc.Encode(map[string]any{"type": 2, "payload": layer[last:end]})
			last = end
		}
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seg(or.n)
		p := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(h.Name, "/")))
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			b, _ := io.ReadAll(tr)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			last = or.n
		}
		enc.Encode(map[string]any{"type": 1, "name": h.Name, "size": h.Size})
	}
	seg(int64(len(layer)))
	var gzb bytes.Buffer
	zw := gzip.NewWriter(&gzb)
	zw.Write(js.Bytes())
	zw.Close()
	if err := os.WriteFile(splitFile, gzb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func uncompressedLayers(t *testing.T, img v1.Image) [][]byte {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, l := range ls {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, b)
	}
	return out
}

func fixtureImage(t *testing.T) v1.Image {
	return buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"ENV X=1", nil},
		step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
		step{"RUN pip uninstall -y litellm", layerOf(t, member{name: site + ".wh.litellm_init.pth"}, member{name: site + ".wh.litellm-1.82.8.dist-info"})})
}

// checkDeleted asserts the fixture's history-only findings.
func checkDeleted(t *testing.T, fs []sweep.Finding, es []sweep.Error, image string) {
	t.Helper()
	for _, e := range es {
		t.Errorf("unexpected error: %s: %s", e.Location, e.Message)
	}
	for _, p := range []string{pthPath, distPath} {
		got := findingsAt(fs, image, p)
		if len(got) != 1 || *got[0].Location.Visible || got[0].Severity != sweep.High || *got[0].Location.Layer != 1 ||
			got[0].Location.CreatedBy != "RUN pip install litellm==1.82.8" {
			t.Errorf("%s in %s: %+v (all: %v)", p, image, got, titles(fs))
		}
	}
}

func TestContainersStorage(t *testing.T) {
	root := t.TempDir()
	img := fixtureImage(t)
	cfgName, _ := img.ConfigName()
	cfg, _ := img.RawConfigFile()
	cf, _ := img.ConfigFile()
	layers := uncompressedLayers(t, img)
	for _, d := range []string{"vfs-images/" + cfgName.Hex, "vfs-layers", "vfs/dir"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	var lj []map[string]any
	parent := ""
	for i, b := range layers {
		id := strings.Repeat(string(rune('a'+i)), 64)
		dir := filepath.Join(root, "vfs", "dir", id)
		os.MkdirAll(dir, 0o755)
		splitLayer(t, b, dir, filepath.Join(root, "vfs-layers", id+".tar-split.gz"))
		e := map[string]any{"id": id, "diff-digest": cf.RootFS.DiffIDs[i].String()}
		if parent != "" {
			e["parent"] = parent
		}
		lj = append(lj, e)
		parent = id
	}
	writeJSON(t, filepath.Join(root, "vfs-layers", "layers.json"), lj)
	writeJSON(t, filepath.Join(root, "vfs-images", "images.json"), []map[string]any{{
		"id": cfgName.Hex, "names": []string{"localhost/app:1"}, "layer": parent,
		"big-data-names": []string{"manifest", cfgName.String()}}})
	key := "=" + base64.StdEncoding.EncodeToString([]byte(cfgName.String()))
	if err := os.WriteFile(filepath.Join(root, "vfs-images", cfgName.Hex, key), cfg, 0o644); err != nil {
		t.Fatal(err)
	}

	s, sink := newTestScanner(t)
	targets := s.ScanDataRoot(context.Background(), root, nil)
	if len(targets) != 1 || targets[0] != "localhost/app:1" {
		t.Fatalf("targets %v", targets)
	}
	fs, es := sink.Drain()
	checkDeleted(t, fs, es, "localhost/app:1")

	// A layer file changed on disk after the fact: the rebuilt tar no longer
	// hashes to the diff_id, and that is said at the layer.
	tp := filepath.Join(root, "vfs", "dir", strings.Repeat("b", 64), filepath.FromSlash(site), "litellm_init.pth")
	b, err := os.ReadFile(tp)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1 // same size, different bytes
	os.WriteFile(tp, b, 0o644)
	s2, sink2 := newTestScanner(t)
	s2.ScanDataRoot(context.Background(), root, nil)
	_, es2 := sink2.Drain()
	if m := errorsMatching(es2, "digest mismatch"); len(m) != 1 || *m[0].Location.Layer != 1 {
		t.Errorf("tampered layer file: %+v", es2)
	}
}

func TestContainerdContentStore(t *testing.T) {
	root := t.TempDir()
	content := filepath.Join(root, "io.containerd.content.v1.content")
	p, err := layout.Write(content, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(fixtureImage(t)); err != nil {
		t.Fatal(err)
	}
	// Another platform's manifest whose config was never fetched is not an image here.
	s, sink := newTestScanner(t)
	targets := s.ScanDataRoot(context.Background(), root, nil)
	if len(targets) != 1 || !strings.HasPrefix(targets[0], "sha256:") {
		t.Fatalf("targets %v", targets)
	}
	fs, es := sink.Drain()
	checkDeleted(t, fs, es, targets[0])
}

func TestDataRootNothing(t *testing.T) {
	s, sink := newTestScanner(t)
	s.ScanDataRoot(context.Background(), t.TempDir(), nil)
	_, es := sink.Drain()
	if len(errorsMatching(es, "no Docker, containerd or containers/storage image store")) != 1 {
		t.Fatalf("%+v", es)
	}
}

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDockerOverlay2Store: the classic store of a dead host with the
// overlay2 driver (the usual production layout): imagedb, layerdb chain
// IDs, tar-split and overlay2/<cache-id>/diff, tags from repositories.json,
// and a stopped container from containers/<id>/config.v2.json.
func TestDockerOverlay2Store(t *testing.T) {
	root := t.TempDir()
	img := fixtureImage(t)
	cfgName, _ := img.ConfigName()
	cfg, _ := img.RawConfigFile()
	cf, _ := img.ConfigFile()
	ib := filepath.Join(root, "image", "overlay2")
	os.MkdirAll(filepath.Join(ib, "imagedb", "content", "sha256"), 0o755)
	os.WriteFile(filepath.Join(ib, "imagedb", "content", "sha256", cfgName.Hex), cfg, 0o644)
	writeJSON(t, filepath.Join(ib, "repositories.json"), map[string]any{"Repositories": map[string]any{
		"team/app": map[string]string{"team/app:3": cfgName.String()}}})
	chain := ""
	for i, b := range uncompressedLayers(t, img) {
		diff := cf.RootFS.DiffIDs[i].String()
		if chain == "" {
			chain = diff
		} else {
			sum := sha256.Sum256([]byte(chain + " " + diff))
			chain = "sha256:" + hex.EncodeToString(sum[:])
		}
		ld := filepath.Join(ib, "layerdb", "sha256", strings.TrimPrefix(chain, "sha256:"))
		os.MkdirAll(ld, 0o755)
		cacheID := fmt.Sprintf("cache%02d", i)
		os.WriteFile(filepath.Join(ld, "cache-id"), []byte(cacheID), 0o644)
		os.WriteFile(filepath.Join(ld, "diff"), []byte(diff), 0o644)
		dir := filepath.Join(root, "overlay2", cacheID, "diff")
		os.MkdirAll(dir, 0o755)
		splitLayer(t, b, dir, filepath.Join(ld, "tar-split.json.gz"))
	}
	os.MkdirAll(filepath.Join(root, "containers", "c1"), 0o755)
	writeJSON(t, filepath.Join(root, "containers", "c1", "config.v2.json"), map[string]any{
		"ID": "c1c1c1c1c1c1c1c1", "Name": "/worker", "Image": cfgName.String(), "State": map[string]any{"Running": false}})

	s, sink := newTestScanner(t)
	targets := s.ScanDataRoot(context.Background(), root, nil)
	if len(targets) != 1 || targets[0] != "team/app:3" {
		t.Fatalf("targets %v", targets)
	}
	fs, es := sink.Drain()
	var onlyFiles []sweep.Finding
	var container bool
	for _, f := range fs {
		if f.Category == "image/container" {
			container = strings.Contains(f.Title, "worker (exited)") && f.Severity == sweep.Info
			continue
		}
		onlyFiles = append(onlyFiles, f)
	}
	checkDeleted(t, onlyFiles, es, "team/app:3")
	if !container {
		t.Errorf("stopped container of the image not listed (as info: its findings are history-only): %v", titles(fs))
	}
}

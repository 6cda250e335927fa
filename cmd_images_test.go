package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
)

const testSite = "usr/local/lib/python3.11/site-packages/"

// tarLayer makes an uncompressed layer from name → content ("" with a
// trailing slash is a directory).
func tarLayer(t *testing.T, files [][2]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg, ModTime: time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC)}
		if strings.HasSuffix(f[0], "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		tw.WriteHeader(h)
		io.WriteString(tw, f[1])
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// installedLayer lays out litellm 1.82.8 as pip installs it (package,
// dist-info with METADATA, INSTALLER and a RECORD of sha256 hashes, and the
// benign fixture litellm_init.pth whose exec'd payload is "import sys").
func installedLayer(t *testing.T) v1.Layer {
	t.Helper()
	di := "litellm-1.82.8.dist-info/"
	files := [][2]string{
		{"litellm/__init__.py", "__version__ = \"fixture\"\n"},
		{"litellm_init.pth", "import base64; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n"},
		{di + "METADATA", "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n"},
		{di + "INSTALLER", "pip\n"},
	}
	var rec strings.Builder
	for _, f := range files {
		sum := sha256.Sum256([]byte(f[1]))
		fmt.Fprintf(&rec, "%s,sha256=%s,%d\n", f[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(f[1]))
	}
	rec.WriteString(di + "RECORD,,\n")
	files = append(files, [2]string{di + "RECORD", rec.String()})
	for i := range files {
		files[i][0] = testSite + files[i][0]
	}
	return tarLayer(t, files)
}

// deletedImage: litellm 1.82.8 installed in layer 1, removed in layer 2.
func deletedImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: tarLayer(t, [][2]string{{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"}, {testSite, ""}}),
			History: v1.History{CreatedBy: "ADD rootfs.tar /"}},
		mutate.Addendum{Layer: installedLayer(t), History: v1.History{CreatedBy: "RUN pip install litellm"}},
		mutate.Addendum{Layer: tarLayer(t, [][2]string{{testSite + ".wh.litellm_init.pth", ""}, {testSite + ".wh.litellm-1.82.8.dist-info", ""}, {testSite + ".wh.litellm", ""}}),
			History: v1.History{CreatedBy: "RUN pip uninstall -y litellm"}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func decodeReport(t *testing.T, out string) sweep.Report {
	t.Helper()
	var r sweep.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	return r
}

func TestImagesCommandSources(t *testing.T) {
	img := deletedImage(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "saved.tar")
	tag, _ := name.NewTag("team/app:1.0")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	lay := filepath.Join(dir, "layout")
	p, err := layout.Write(lay, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"io.containerd.image.name": "team/app:1.0"})); err != nil {
		t.Fatal(err)
	}
	id, _ := img.ConfigName()
	for _, args := range [][]string{{"--archive", archive}, {"--oci-layout", lay}} {
		t.Run(args[0], func(t *testing.T) {
			code, out, errs := runArgs(context.Background(), append([]string{"images", "-f", "json"}, args...)...)
			r := decodeReport(t, out)
			// History only: high, so EXPOSED and exit 1 at the default --fail-on medium.
			if code != 1 || r.Verdict != sweep.Exposed {
				t.Fatalf("exit %d verdict %s, want 1 EXPOSED\n%s\n%s", code, r.Verdict, out, errs)
			}
			if r.Scan.Kind != "images" || len(r.Scan.Targets) != 1 || r.Stats.Images != 1 || r.Stats.Layers != 3 {
				t.Errorf("scan %+v stats %+v", r.Scan, r.Stats)
			}
			for _, e := range r.Errors {
				if e.Kind != "skipped" {
					t.Errorf("unexpected error: %s: %s", e.Location, e.Message)
				}
			}
			pth := "/" + testSite + "litellm_init.pth"
			found := false
			for _, f := range r.Findings {
				if f.Location.Path != pth {
					continue
				}
				found = true
				l := f.Location
				if l.Image == "" || l.ImageID != id.String() || l.Layer == nil || *l.Layer != 1 || l.CreatedBy != "RUN pip install litellm" ||
					l.Visible == nil || *l.Visible || f.Severity != sweep.High || !strings.HasPrefix(l.LayerDigest, "sha256:") {
					t.Errorf("finding %s at %+v severity %s", f.Title, l, f.Severity)
				}
			}
			if !found {
				t.Errorf("no finding at %s: %s", pth, out)
			}
		})
	}
}

func TestImagesCommandUnreachableEngine(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "no-docker.sock")
	code, out, _ := runArgs(context.Background(), "images", "-f", "json", "--docker-host", sock)
	r := decodeReport(t, out)
	if code != 3 || r.Verdict != sweep.Incomplete || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "cannot reach the Docker engine") {
		t.Fatalf("exit %d verdict %s errors %+v", code, r.Verdict, r.Errors)
	}
	// host --images folds the same source into a host sweep.
	code, out, _ = runArgs(context.Background(), "host", "--root", t.TempDir(), "--images", "--docker-host", sock, "-f", "json")
	r = decodeReport(t, out)
	if code != 3 || r.Verdict != sweep.Incomplete || len(errorsWith(r.Errors, "cannot reach the Docker engine")) != 1 {
		t.Fatalf("host --images: exit %d verdict %s errors %+v", code, r.Verdict, r.Errors)
	}
}

func errorsWith(es []sweep.Error, s string) []sweep.Error {
	var out []sweep.Error
	for _, e := range es {
		if strings.Contains(e.Message, s) {
			out = append(out, e)
		}
	}
	return out
}

// TestHostImagesRealEngine: `host --images` folds the engine's images into
// a host sweep. Needs the private dockerd of .ci/test (LITESWEEP_DOCKER_HOST).
func TestHostImagesRealEngine(t *testing.T) {
	host := os.Getenv("LITESWEEP_DOCKER_HOST")
	if host == "" {
		testenv.SkipOrFail(t, "LITESWEEP_DOCKER_HOST not set (run .ci/test as root to start a private dockerd)")
	}
	u, err := url.Parse(host)
	if err != nil || u.Scheme != "unix" {
		t.Fatalf("LITESWEEP_DOCKER_HOST %q: want unix://", host)
	}
	rc, err := installedLayer(t).Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	rootfs, _ := io.ReadAll(rc)
	rc.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", u.Path)
	}}}
	resp, err := client.Post("http://docker/v1.41/images/create?fromSrc=-&repo=litesweep-test/host-images&tag=1", "application/x-tar", bytes.NewReader(rootfs))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"error"`)) {
		t.Fatalf("import: %s %s", resp.Status, body)
	}
	code, out, errs := runArgs(context.Background(), "host", "--root", t.TempDir(), "--images", "--docker-host", host, "-f", "json")
	r := decodeReport(t, out)
	if code != 1 || r.Verdict != sweep.Compromised || r.Stats.Images < 1 {
		t.Fatalf("exit %d verdict %s stats %+v\n%s", code, r.Verdict, r.Stats, errs)
	}
	var hit bool
	for _, f := range r.Findings {
		l := f.Location
		if l.Image == "litesweep-test/host-images:1" && l.Path == "/"+testSite+"litellm_init.pth" && l.Visible != nil && *l.Visible &&
			f.Severity == sweep.Critical && l.Layer != nil && *l.Layer == 0 && strings.HasPrefix(f.Environment, "litesweep-test/host-images:1 ") {
			hit = true
		}
	}
	if !hit {
		t.Errorf("imported image's .pth not reported as a visible critical finding of that image: %s", out)
	}
	if !slices.Contains(r.Scan.Targets, "litesweep-test/host-images:1") {
		t.Errorf("targets %v", r.Scan.Targets)
	}
}

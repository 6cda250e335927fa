package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestBadBinariesHostAndImage: litesweep host --root and litesweep images
// find a trivy (a real Go ELF, built here) that carries the typosquat
// domain (high) with the built-in packs alone, and a trivy whose hash an
// --iocs pack publishes (critical: here the hash of a harmless fixture, so
// the repository never holds a file that looks infected). The image's
// binaries are larger than --max-hash-size: they are read from the layer
// stream, never buffered. A clean trivy and the marked bytes as trivy.txt
// are nothing.
func TestBadBinariesHostAndImage(t *testing.T) {
	marked := sweeptest.GoBinary(t, "https://scan."+"aquasec"+"urtiy.org/")
	clean := sweeptest.GoBinary(t, "https://mirror.gcr.io/aquasec/trivy-db")
	payload := append(append([]byte(nil), clean...), "litesweep-test-payload"...)
	dir := t.TempDir()
	pack := filepath.Join(dir, "binaries.yaml")
	writeTestFile(t, pack, []byte(fmt.Sprintf(`schema_version: 1
id: test-bad-binaries
version: "1"
title: "a bad binary (test)"
files:
  - {id: test-payload-trivy, kind: binary, name: trivy, sha256: %x, severity: critical, description: "test payload", provenance: {confidence: derived, sources: [test]}}
`, sha256.Sum256(payload))))

	root := t.TempDir()
	writeTree(t, filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	writeTree(t, filepath.Join(root, "usr/local/bin/trivy"), marked)
	writeTree(t, filepath.Join(root, "home/alice/bin/trivy"), payload)
	writeTree(t, filepath.Join(root, "opt/trivy/trivy"), clean)
	writeTree(t, filepath.Join(root, "home/alice/trivy.txt"), marked)

	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: tarLayer(t, [][2]string{
		{"usr/local/bin/trivy", string(marked)},
		{"opt/ci/trivy", string(payload)},
		{"opt/clean/trivy", string(clean)},
		{"opt/notes/trivy.txt", string(marked)},
	}), History: v1.History{CreatedBy: "COPY trivy /usr/local/bin/"}})
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "img.tar")
	tag, _ := name.NewTag("team/scanner:1.0")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}

	binaries := func(r sweep.Report) []string {
		var out []string
		for _, f := range r.Findings {
			if f.Category == "bad-binary" {
				out = append(out, string(f.Severity)+"|"+f.Location.Path+"|"+f.Indicator.ID)
			}
		}
		sort.Strings(out)
		return out
	}
	for _, tc := range []struct {
		name        string
		args        []string
		marked, bad string
	}{
		{"host", []string{"host", "--root", root, "--no-live"}, "/usr/local/bin/trivy", "/home/alice/bin/trivy"},
		{"image", []string{"images", "--archive", archive, "--max-hash-size", "64K"}, "/usr/local/bin/trivy", "/opt/ci/trivy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, errs := runArgs(context.Background(), append(tc.args, "-f", "json")...)
			r := decodeReport(t, out)
			want := []string{"high|" + tc.marked + "|trivy-0694-typosquat-marker"}
			if got := binaries(r); !slices.Equal(got, want) {
				t.Fatalf("built-in packs: %q, want %q\n%s", got, want, errs)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Location.Path, "trivy") {
					t.Errorf("error at a trivy: %+v", e)
				}
			}
			_, out, errs = runArgs(context.Background(), append(tc.args, "-f", "json", "--iocs", pack)...)
			r = decodeReport(t, out)
			want = append([]string{"critical|" + tc.bad + "|test-payload-trivy"}, want...)
			if got := binaries(r); !slices.Equal(got, want) {
				t.Fatalf("with the --iocs pack: %q, want %q\n%s", got, want, errs)
			}
			if r.Verdict != sweep.Compromised {
				t.Errorf("verdict %s", r.Verdict)
			}
		})
	}
}

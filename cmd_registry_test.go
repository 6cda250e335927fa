package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// images --registry end to end with the real host collectors: every tag of
// a registry (go-containerregistry's in-memory registry here; the real
// docker-registry runs in targets/images), findings located by image
// reference and manifest digest, and the JSON report feeding merge and
// rotate.
func TestImagesCommandRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img := deletedImage(t)
	for _, ref := range []string{"team/app:1.0", "team/app:1.1", "other/svc:latest"} {
		r, _ := name.ParseReference(host+"/"+ref, name.Insecure)
		if err := remote.Write(r, img); err != nil {
			t.Fatal(err)
		}
	}
	dig, _ := img.Digest()
	rep := filepath.Join(t.TempDir(), "registry.json")
	code, _, errs := runArgs(context.Background(), "images", "--registry", host, "--insecure-registry", "-f", "json", "-o", rep)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decodeReport(t, readFile(t, rep))
	if r.Stats.Images != 3 || r.Stats.Layers != 3 || len(r.Scan.Targets) != 1 || r.Scan.Targets[0] != "registry "+host {
		t.Errorf("stats %+v targets %v", r.Stats, r.Scan.Targets)
	}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if strings.HasSuffix(f.Location.Path, "litellm_init.pth") {
			seen[f.Location.Image] = true
		}
	}
	for _, ref := range []string{"team/app:1.0", "team/app:1.1", "other/svc:latest"} {
		if !seen[host+"/"+ref+"@"+dig.String()] {
			t.Errorf("no finding at %s@%s: %v", ref, dig, seen)
		}
	}
	if code, out, _ := runArgs(context.Background(), "rotate", "--report", rep); code != 1 || !strings.Contains(out, "image "+host+"/team/app:1.0@") {
		t.Errorf("rotate: exit %d\n%s", code, out)
	}
	if code, out, _ := runArgs(context.Background(), "merge", rep); code != 1 || !strings.Contains(out, "registry "+host) {
		t.Errorf("merge: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--registry", "acme/app"}, {"--registry", host, "--platform", "amd64"}, {"--registry", host, "--since", "yesterday"}, {"--registry", host, "--jobs", "0"}} {
		if code, _, _ := runArgs(context.Background(), append([]string{"images"}, bad...)...); code != 2 {
			t.Errorf("images %v: exit %d, want 2", bad, code)
		}
	}
}

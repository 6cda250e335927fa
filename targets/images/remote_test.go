package images

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/litesweep/litesweep/sweep"
)

// TestRemoteRegistry pushes fixture images to go-containerregistry's
// in-memory registry (the registry protocol over httptest) and pulls them
// back through --remote's code path.
func TestRemoteRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")},
		step{"RUN pip uninstall -y litellm", layerOf(t, member{name: site + ".wh.litellm_init.pth"})})
	ref, err := name.ParseReference(host+"/team/app:bad", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	s, sink := newTestScanner(t)
	targets := s.ScanRemote(context.Background(), host+"/team/app:bad", RemoteOptions{Insecure: true})
	s.ScanRemote(context.Background(), host+"/team/app:missing", RemoteOptions{Insecure: true})
	fs, es := sink.Drain()
	if len(targets) != 1 {
		t.Fatalf("targets %v", targets)
	}
	got := findingsAt(fs, targets[0], pthPath)
	if len(got) != 1 || *got[0].Location.Visible || got[0].Severity != sweep.High || *got[0].Location.Layer != 1 {
		t.Fatalf("remote image: %+v", got)
	}
	if d, _ := img.ConfigName(); got[0].Location.ImageID != d.String() {
		t.Errorf("image id %s, want %s", got[0].Location.ImageID, d)
	}
	if m := errorsMatching(es, "pull:"); len(m) != 1 || !strings.Contains(m[0].Location.Image, "app:missing") {
		t.Errorf("missing tag: %+v", es)
	}
}

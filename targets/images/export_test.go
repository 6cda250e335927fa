package images

import (
	"net"
	"net/http"
	"path/filepath"
	"testing"
)

// ServeAffectedEngine serves the fake Engine API (Docker's JSON shapes)
// with one image, team/bad:1, a real docker save tarball whose build step
// "RUN pip install litellm==1.82.8" added litellm 1.82.8 and its
// litellm_init.pth, and one running container of it. It returns the
// engine's host ("unix://..."). It is exported to the external tests
// (package images_test), which import package catalog and so cannot be in
// package images.
func ServeAffectedEngine(t *testing.T) string {
	t.Helper()
	bad := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	badID, err := bad.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEngine{version: "1.52", images: map[string][]byte{badID.String(): saveBytes(t, "team/bad:1", bad)},
		list: []EngineImage{{ID: badID.String(), RepoTags: []string{"team/bad:1"}}}}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

package images

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// fakeEngine serves the Engine API calls litesweep makes on a unix socket,
// with Docker's JSON shapes; exports are docker save tarballs written by
// go-containerregistry. It records the paths requested.
type fakeEngine struct {
	mu      sync.Mutex
	paths   []string
	version string
	images  map[string][]byte // id → export bytes
	list    []EngineImage
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	if r.URL.Path == "/_ping" {
		w.Header().Set("Api-Version", f.version)
		w.Write([]byte("OK"))
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/v") {
		http.Error(w, `{"message":"unversioned"}`, http.StatusBadRequest)
		return
	}
	p = p[strings.Index(p[1:], "/")+1:]
	switch {
	case p == "/images/json":
		json.NewEncoder(w).Encode(f.list)
	case p == "/containers/json":
		json.NewEncoder(w).Encode([]map[string]any{{"Id": "c0ffee000000aaaa", "Names": []string{"/web"}, "Image": "team/bad:1",
			"ImageID": f.list[0].ID, "State": "running"}})
	case strings.HasPrefix(p, "/images/") && strings.HasSuffix(p, "/get"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/get")
		b, ok := f.images[id]
		if !ok {
			http.Error(w, `{"message":"No such image: `+id+`"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		w.Write(b)
	default:
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
	}
}

func saveBytes(t *testing.T, ref string, img v1.Image) []byte {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(tag, img, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEngineFake(t *testing.T) {
	bad := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	clean := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.6", litellmLayer(t, "1.82.6")})
	badID, _ := bad.ConfigName()
	cleanID, _ := clean.ConfigName()
	broken := saveBytes(t, "team/broken:1", clean)
	f := &fakeEngine{version: "1.52", images: map[string][]byte{
		badID.String():      saveBytes(t, "team/bad:1", bad),
		cleanID.String():    saveBytes(t, "team/clean:1", clean),
		"sha256:c8d0000000": saveBytes(t, "team/c8d:1", bad), // containerd store: the ID is not the config digest
		"sha256:b0000000":   broken[:len(broken)*2/3],        // export cut before its manifest
	}, list: []EngineImage{
		{ID: badID.String(), RepoTags: []string{"team/bad:1"}},
		{ID: cleanID.String(), RepoTags: []string{"team/clean:1"}},
		{ID: "sha256:c8d0000000", RepoTags: []string{"team/c8d:1"}},
		{ID: "sha256:b0000000", RepoTags: []string{"team/broken:1"}},
		{ID: "sha256:dead000000", RepoTags: []string{"<none>:<none>"}}, // listed but not exportable
	}}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	defer srv.Close()

	s, sink := newTestScanner(t)
	targets, err := s.ScanEngine(context.Background(), "unix://"+sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs, es := sink.Drain()
	// The API version is pinned: min(the daemon's, ours).
	for _, p := range f.paths {
		if p != "/_ping" && !strings.HasPrefix(p, "/v"+maxAPIVersion+"/") {
			t.Errorf("unpinned call %s", p)
		}
	}
	if len(findingsAt(fs, "team/bad:1", pthPath)) != 1 || len(findingsAt(fs, "team/c8d:1", pthPath)) != 1 {
		t.Errorf("findings: %v", titles(fs))
	}
	var container bool
	for _, x := range fs {
		if x.Category == "image/container" && strings.Contains(x.Title, "web") && x.Location.Image == "team/bad:1" {
			container = true
		}
	}
	if !container {
		t.Errorf("running container of the affected image not listed: %v", titles(fs))
	}
	if m := errorsMatching(es, "No such image"); len(m) != 1 || m[0].Location.ImageID != "sha256:dead000000" {
		t.Errorf("unexportable image: %+v", es)
	}
	if m := errorsMatching(es, "export stream"); len(m) != 1 || m[0].Location.Image != "team/broken:1" {
		t.Errorf("broken export: %+v", es)
	}
	if len(targets) < 5 {
		t.Errorf("targets %v", targets)
	}
	// A daemon older than the oldest version litesweep speaks is refused.
	f.version = "1.12"
	s2, sink2 := newTestScanner(t)
	if _, err := s2.ScanEngine(context.Background(), "unix://"+sock, nil); err == nil {
		t.Error("API 1.12 accepted")
	}
	if _, es := sink2.Drain(); len(errorsMatching(es, "older than")) != 1 {
		t.Errorf("old API: %+v", es)
	}
}

package images

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/litesweep/litesweep/sweep"
)

// realRegistry is Debian's docker-registry (the CNCF distribution
// registry) on a private loopback port and data directory, behind a
// counting proxy that also injects faults.
type realRegistry struct {
	host  string // the registry itself (fill it here)
	proxy string // the proxy host (sweep through it)
	log   *syncBuffer

	mu      sync.Mutex
	blobs   map[string]int  // "GET <digest>" -> count, layer and config blobs
	faults  map[string]int  // path -> status
	corrupt map[string]bool // blob digests served with altered bytes
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// requireTool finds a program or skips; under CI=true it fails instead.
func requireTool(t testing.TB, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (apt-get install docker-registry): %v", prog, err)
		}
		t.Skipf("%s not installed: %v", prog, err)
	}
	return p
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var blobGet = regexp.MustCompile(`^/v2/.+/blobs/(sha256:[0-9a-f]{64})$`)

func startRegistry(t testing.TB) *realRegistry {
	t.Helper()
	bin := requireTool(t, "docker-registry")
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: 127.0.0.1:%d
`, filepath.Join(dir, "data"), port)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfgPath)
	rr := &realRegistry{host: fmt.Sprintf("127.0.0.1:%d", port), log: &syncBuffer{}, blobs: map[string]int{}, faults: map[string]int{}, corrupt: map[string]bool{}}
	cmd.Stdout, cmd.Stderr = rr.log, rr.log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + rr.host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not start: %v\n%s", err, rr.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	target, _ := url.Parse("http://" + rr.host)
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr.mu.Lock()
		code := rr.faults[r.URL.Path]
		bad := false
		if m := blobGet.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
			rr.blobs[m[1]]++
			bad = rr.corrupt[m[1]]
		}
		rr.mu.Unlock()
		if code != 0 {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"injected"}]}`, code)
			return
		}
		if bad {
			// The registry's bytes with the last one flipped: same length,
			// wrong digest.
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if len(body) > 0 {
				body[len(body)-1] ^= 0xff
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rr.proxy = strings.TrimPrefix(srv.URL, "http://")
	return rr
}

func (rr *realRegistry) fault(path string, code int) {
	rr.mu.Lock()
	rr.faults[path] = code
	rr.mu.Unlock()
}

func (rr *realRegistry) blobCounts() map[string]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	out := map[string]int{}
	for k, v := range rr.blobs {
		out[k] = v
	}
	return out
}

func (rr *realRegistry) push(t testing.TB, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(rr.host+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func (rr *realRegistry) pushIndex(t testing.TB, ref string, idx v1.ImageIndex) {
	t.Helper()
	r, err := name.ParseReference(rr.host+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func layerDigests(t testing.TB, imgs ...v1.Image) map[string]bool {
	out := map[string]bool{}
	for _, img := range imgs {
		ls, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			d, _ := l.Digest()
			out[d.String()] = true
		}
	}
	return out
}

func pythonLayer(t testing.TB) v1.Layer {
	return layerOf(t, member{name: "usr/local/bin/python3.11", body: "#!python\n"}, member{name: site + "pip/__init__.py", body: "\n"})
}

func withCreated(t testing.TB, img v1.Image, when time.Time) v1.Image {
	img, err := mutate.CreatedAt(img, v1.Time{Time: when})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestRegistrySweepRealRegistry(t *testing.T) {
	rr := startRegistry(t)
	base := []step{{"ADD rootfs.tar /", baseLayer(t)}, {"RUN apt-get install python3", pythonLayer(t)}}
	clean := buildImage(t, append(base, step{"RUN pip install litellm==1.82.6", litellmLayer(t, "1.82.6")})...)
	bad := buildImage(t, append(base, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})...)
	worker := buildImage(t, append(base, step{"COPY worker.py /", layerOf(t, member{name: "worker.py", body: "print(1)\n"})})...)
	arm := buildImage(t, append(base, step{"RUN pip install litellm==1.82.6", litellmLayer(t, "1.82.6")})...)
	armCfg, _ := arm.ConfigFile()
	armCfg = armCfg.DeepCopy()
	armCfg.Architecture = "arm64"
	arm, _ = mutate.ConfigFile(arm, armCfg)
	attest, attestDesc := buildkitAttestation(t, bad)
	multi := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: bad, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: attest, Descriptor: attestDesc},
	)
	badDigest, _ := bad.Digest()
	rr.push(t, "team/app:clean", clean)
	rr.push(t, "team/app:bad", bad)
	rr.push(t, "team/app:gone", clean)
	rr.push(t, "team/worker:1.0", worker)
	rr.push(t, "team/worker:old", withCreated(t, worker, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	rr.pushIndex(t, "tools/multi:latest", multi)
	// cosign's signature of the bad image, under its tag convention.
	rr.push(t, "team/app:sha256-"+badDigest.Hex+".sig", cosignSignature(t, bad))
	rr.push(t, "team/locked:x", clean)
	rr.fault("/v2/team/locked/tags/list", http.StatusForbidden)
	rr.fault("/v2/team/app/manifests/gone", http.StatusNotFound)
	rr.push(t, "team/busy:x", clean)
	rr.fault("/v2/team/busy/tags/list", http.StatusTooManyRequests)
	// The worker's own layer fails its digest in transit.
	wls, _ := worker.Layers()
	wd, _ := wls[len(wls)-1].Digest()
	rr.corrupt[wd.String()] = true

	s, sink := newTestScanner(t)
	backoff := remote.Backoff{Duration: 10 * time.Millisecond, Factor: 1, Steps: 1}
	target, err := ParseRegistryTarget(rr.proxy, true)
	if err != nil {
		t.Fatal(err)
	}
	names := s.ScanRegistry(context.Background(), target, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true},
		PageSize: 2, Jobs: 3, Backoff: &backoff})
	fs, es := sink.Drain()

	// Every tag swept (the multi-platform index as each platform), by its
	// reference and manifest digest.
	var short []string
	for _, n := range names {
		ref, _, _ := strings.Cut(strings.TrimPrefix(n, rr.proxy+"/"), "@")
		short = append(short, ref)
	}
	sort.Strings(short)
	want := []string{"team/app:bad", "team/app:clean", "team/worker:1.0", "team/worker:old", "tools/multi:latest", "tools/multi:latest"}
	if !slices.Equal(short, want) {
		t.Fatalf("swept %v, want %v\nerrors %+v", short, want, es)
	}
	// Each distinct layer blob fetched once, however many images share it.
	counts := rr.blobCounts()
	t.Logf("swept %d images; blob GETs %v", len(names), counts)
	for d := range layerDigests(t, clean, bad, worker, arm) {
		if counts[d] != 1 {
			t.Errorf("layer %s fetched %d times, want 1", d, counts[d])
		}
	}
	if got := strings.Count(rr.log.String(), "/blobs/"); got == 0 {
		t.Errorf("the registry's log shows no blob request:\n%s", rr.log.String())
	}
	// The payload found in the bad tag and in the amd64 image of the index,
	// located by reference and manifest digest.
	var hits []string
	for _, f := range fs {
		if f.Location.Path == pthPath {
			hits = append(hits, f.Location.Image)
		}
	}
	sort.Strings(hits)
	wantHits := []string{rr.proxy + "/team/app:bad@" + badDigest.String(), rr.proxy + "/tools/multi:latest@" + badDigest.String()}
	if !slices.Equal(hits, wantHits) {
		t.Errorf("payload found in %v, want %v", hits, wantHits)
	}
	// What could not be read is named.
	for _, w := range []struct{ where, msg, kind string }{
		{rr.proxy + "/team/locked", "tags not listed", "error"},
		{rr.proxy + "/team/busy", "tags not listed", "error"},
		{rr.proxy + "/team/worker:1.0@", "layer unreadable", "error"},
		{rr.proxy + "/team/app:gone", "not resolved", "error"},
		{"/tools/multi:latest@", "not a platform image (BuildKit attestation manifest for " + badDigest.String(), "skipped"},
		{"/team/app:sha256-" + badDigest.Hex + ".sig@", "not a platform image (artefact manifest: cosign signature)", "skipped"},
	} {
		if !slices.ContainsFunc(es, func(e sweep.Error) bool {
			return strings.Contains(e.Location.Image, w.where) && strings.Contains(e.Message, w.msg) && string(e.Kind) == w.kind
		}) {
			t.Errorf("no %s error at %s mentioning %q: %+v", w.kind, w.where, w.msg, es)
		}
	}

	// --since: the old worker image is skipped after its config alone.
	s2, sink2 := newTestScanner(t)
	before := rr.blobCounts()
	oldWorker, _ := withCreated(t, worker, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)).ConfigName()
	repo, _ := ParseRegistryTarget(rr.proxy+"/team/worker", true)
	names = s2.ScanRegistry(context.Background(), repo, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true},
		Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Backoff: &backoff})
	_, es2 := sink2.Drain()
	if len(names) != 1 || !strings.Contains(names[0], "team/worker:1.0@") {
		t.Errorf("--since swept %v", names)
	}
	if !slices.ContainsFunc(es2, func(e sweep.Error) bool { return e.Kind == "skipped" && strings.Contains(e.Message, "before --since") }) {
		t.Errorf("--since: %+v", es2)
	}
	after := rr.blobCounts()
	if after[oldWorker.String()] != before[oldWorker.String()]+1 {
		t.Errorf("--since: the old image's config was fetched %d times", after[oldWorker.String()]-before[oldWorker.String()])
	}

	// --platform picks one image of the index.
	s3, sink3 := newTestScanner(t)
	p, _ := v1.ParsePlatform("linux/arm64")
	repo, _ = ParseRegistryTarget(rr.proxy+"/tools/multi", true)
	names = s3.ScanRegistry(context.Background(), repo, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true, Platform: p}, Backoff: &backoff})
	fs3, _ := sink3.Drain()
	armDigest, _ := arm.Digest()
	if len(names) != 1 || !strings.HasSuffix(names[0], armDigest.String()) || len(fs3) != 0 {
		t.Errorf("--platform linux/arm64: %v, %d findings", names, len(fs3))
	}
}

func TestRegistryUnreachableAndNoCatalog(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, `{"errors":[{"code":"UNSUPPORTED"}]}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	s, sink := newTestScanner(t)
	backoff := remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1}
	tg, _ := ParseRegistryTarget(strings.TrimPrefix(srv.URL, "http://"), true)
	s.ScanRegistry(context.Background(), tg, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true}, Backoff: &backoff})
	_, es := sink.Drain()
	if len(es) != 1 || !strings.Contains(es[0].Message, "catalog (/v2/_catalog) not listed") || !strings.Contains(es[0].Message, "HOST/NAMESPACE/REPO") {
		t.Errorf("errors %+v", es)
	}
}

func TestParseRegistryTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		repo     bool
		err      bool
	}{
		{"registry.example.com", "registry.example.com", false, false},
		{"127.0.0.1:5000", "127.0.0.1:5000", false, false},
		{"ghcr.io/acme/app", "ghcr.io/acme/app", true, false},
		{"https://registry.example.com/", "registry.example.com", false, false},
		{"localhost:5000/team/app", "localhost:5000/team/app", true, false},
		{"ghcr.io/acme/app:1.0", "", false, true},
		{"ghcr.io/acme/app@sha256:abc", "", false, true},
		{"acme/app", "", false, true},
	} {
		got, err := ParseRegistryTarget(tc.in, false)
		if (err != nil) != tc.err || (err == nil && (got.String() != tc.want || (got.Repo != nil) != tc.repo)) {
			t.Errorf("ParseRegistryTarget(%q) = %v, %v", tc.in, got, err)
		}
	}
}

package images

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// The published digests of aquasec/trivy 0.69.4 (index, linux/amd64) in
// the built-in pack; the tests put the digests of images they build in
// their place, so the real pack entry (repositories, tags, windows) is
// what matches.
const (
	trivy0694Index = "27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"
	trivy0694Amd64 = "12c702212dee1cbec9471e9261501a3335963321fe76e60e5a715b5acd3c40a2"
)

// fakeTrivy0694 builds a two-platform index standing in for the bad
// release, and a matcher whose trivy 0.69.4 digests are this index's and
// its amd64 image's.
func fakeTrivy0694(t *testing.T) (v1.ImageIndex, *iocs.Matcher, v1.Hash, v1.Hash, v1.Hash) {
	t.Helper()
	amd := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"COPY trivy /usr/local/bin/trivy", layerOf(t, member{name: "usr/local/bin/trivy", body: "not the real binary\n"})})
	arm := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"COPY trivy /usr/local/bin/trivy", layerOf(t, member{name: "usr/local/bin/trivy", body: "not the real arm binary\n"})})
	cfg, _ := arm.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.Architecture = "arm64"
	arm, _ = mutate.ConfigFile(arm, cfg)
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	id, _ := idx.Digest()
	ad, _ := amd.Digest()
	rd, _ := arm.Digest()
	m := sweeptest.MatcherWith(t, trivy0694Index, id.Hex, trivy0694Amd64, ad.Hex)
	return idx, m, id, ad, rd
}

func scannerWith(m *iocs.Matcher) (*Scanner, *sweep.Collection) {
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	return &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink, Counters: counters,
		NewCollectors: func(o collectors.Options) []sweep.Collector { return []sweep.Collector{&probe{m: o.Matcher}} }}, sink
}

// badImages lists "image|severity|indicator" for the bad-image findings.
func badImages(fs []sweep.Finding, trim string) []string {
	var out []string
	for _, f := range fs {
		if f.Category != CatBadImage {
			continue
		}
		out = append(out, strings.TrimPrefix(f.Location.Image, trim)+"|"+string(f.Severity)+"|"+f.Indicator.ID)
	}
	sort.Strings(out)
	return out
}

// TestBadImageRegistry sweeps the real docker-registry: a published digest
// is critical in any repository (the index the platform images were
// reached through); a tag that only named the bad release at another
// digest is medium; decoys (0.69.3, latest at a clean digest, other
// repositories named trivy) are silent.
func TestBadImageRegistry(t *testing.T) {
	rr := startRegistry(t)
	idx, m, _, ad, rd := fakeTrivy0694(t)
	clean := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"COPY trivy /usr/local/bin/trivy", layerOf(t, member{name: "usr/local/bin/trivy", body: "0.69.3\n"})})
	cd, _ := clean.Digest()
	rr.pushIndex(t, "aquasec/trivy:0.69.4", idx)
	rr.pushIndex(t, "tools/copied:1", idx)
	rr.push(t, "aquasec/trivy:0.69.3", clean)
	rr.push(t, "aquasec/trivy:latest", clean)
	rr.push(t, "aquasec/trivy:0.69.5", clean)
	rr.push(t, "someone/trivy:0.69.4", clean)
	rr.push(t, "trivy:0.69.4", clean)
	s, sink := scannerWith(m)
	target, err := ParseRegistryTarget(rr.proxy, true)
	if err != nil {
		t.Fatal(err)
	}
	s.ScanRegistry(context.Background(), target, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true}})
	fs, es := sink.Drain()
	got := badImages(fs, rr.proxy+"/")
	want := []string{
		"aquasec/trivy:0.69.4@" + ad.String() + "|critical|image-trivy-0694",
		"aquasec/trivy:0.69.4@" + rd.String() + "|critical|image-trivy-0694",
		"aquasec/trivy:0.69.5@" + cd.String() + "|medium|image-trivy-0695",
		"tools/copied:1@" + ad.String() + "|critical|image-trivy-0694",
		"tools/copied:1@" + rd.String() + "|critical|image-trivy-0694",
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("bad images\n got %q\nwant %q\nerrors %+v", got, want, es)
	}
	// --since skips old images' layers, never their names and digests.
	old := withCreated(t, clean, time.Date(2026, 3, 22, 16, 0, 0, 0, time.UTC))
	od, _ := old.Digest()
	rr.push(t, "mirror/aquasec/trivy:0.69.6", old)
	s2, sink2 := scannerWith(m)
	arch, err := ParseRegistryTarget(rr.proxy+"/mirror/aquasec/trivy", true)
	if err != nil {
		t.Fatal(err)
	}
	s2.ScanRegistry(context.Background(), arch, RegistryOptions{RemoteOptions: RemoteOptions{Insecure: true}, Since: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	fs2, es2 := sink2.Drain()
	if got := badImages(fs2, rr.proxy+"/"); !slices.Equal(got, []string{"mirror/aquasec/trivy:0.69.6@" + od.String() + "|medium|image-trivy-0695"}) ||
		len(errorsMatching(es2, "before --since")) != 1 {
		t.Errorf("--since: %q, errors %+v", got, es2)
	}
	for _, f := range fs {
		if f.Category == CatBadImage && strings.HasPrefix(f.Location.Image, rr.proxy+"/aquasec/trivy:0.69.5") &&
			!slices.ContainsFunc(f.Evidence.Details, func(d string) bool { return strings.Contains(d, "mirror") }) {
			t.Errorf("a repository under another registry is not called a mirror: %+v", f.Evidence.Details)
		}
	}
}

// TestBadImageLayoutAndArchive reads an OCI layout (the index's digest is
// known through the layout's nested index) and docker save archives
// (names only, no distribution digest): a tag that only named the bad
// release is high there, latest is judged by when the image was built.
func TestBadImageLayoutAndArchive(t *testing.T) {
	idx, m, _, _, _ := fakeTrivy0694(t)
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"io.containerd.image.name": "docker.io/aquasec/trivy:0.69.4"})); err != nil {
		t.Fatal(err)
	}
	s, sink := scannerWith(m)
	s.ScanLayout(context.Background(), dir)
	fs, es := sink.Drain()
	if got := badImages(fs, ""); len(got) != 2 || !strings.HasSuffix(got[0], "|critical|image-trivy-0694") || !strings.HasSuffix(got[1], "|critical|image-trivy-0694") {
		t.Errorf("layout: %q (errors %+v)", got, es)
	}
	for _, f := range fs {
		if f.Category == CatBadImage && !strings.Contains(f.Title, "digest") {
			t.Errorf("layout finding not by digest: %s", f.Title)
		}
	}

	inWindow := time.Date(2026, 3, 19, 18, 30, 0, 0, time.UTC)
	long := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	base := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)})
	refs := map[name.Reference]v1.Image{}
	for ref, img := range map[string]v1.Image{
		"aquasec/trivy:0.69.4":              withCreated(t, base, long),
		"ghcr.io/aquasecurity/trivy:latest": withCreated(t, buildImage(t, step{"ADD a /", layerOf(t, member{name: "a", body: "1"})}), inWindow),
		"aquasec/trivy:latest":              withCreated(t, buildImage(t, step{"ADD b /", layerOf(t, member{name: "b", body: "2"})}), long),
		"aquasec/trivy:0.69.3":              withCreated(t, buildImage(t, step{"ADD c /", layerOf(t, member{name: "c", body: "3"})}), inWindow),
	} {
		tag, err := name.NewTag(ref)
		if err != nil {
			t.Fatal(err)
		}
		refs[tag] = img
	}
	var buf bytes.Buffer
	if err := tarball.MultiRefWrite(refs, &buf); err != nil {
		t.Fatal(err)
	}
	s, sink = scannerWith(m)
	imgs, err := s.ReadArchive(context.Background(), &buf, "archive test", "test!")
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		s.ScanImage(context.Background(), img)
	}
	fs, _ = sink.Drain()
	got := badImages(fs, "")
	want := []string{
		"ghcr.io/aquasecurity/trivy:latest|high|image-trivy-0694",
		"aquasec/trivy:0.69.4|high|image-trivy-0694",
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("archive\n got %q\nwant %q", got, want)
	}
}

// TestBadImageEngine: the engine's RepoDigests carry the digest the image
// was pulled by (Docker's JSON shapes, served on a unix socket): the bad
// index digest is critical and so is the container running it; latest
// pulled at a clean digest is not a finding.
func TestBadImageEngine(t *testing.T) {
	idx, m, id, ad, _ := fakeTrivy0694(t)
	amd, err := idx.Image(ad)
	if err != nil {
		t.Fatal(err)
	}
	amdID, _ := amd.ConfigName()
	clean := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)})
	cleanID, _ := clean.ConfigName()
	cleanDigest, _ := clean.Digest()
	f := &fakeEngine{version: "1.52", images: map[string][]byte{
		amdID.String():   saveBytes(t, "aquasec/trivy:0.69.4", amd),
		cleanID.String(): saveBytes(t, "aquasec/trivy:latest", clean),
	}, list: []EngineImage{
		{ID: amdID.String(), RepoTags: []string{"aquasec/trivy:0.69.4"}, RepoDigests: []string{"aquasec/trivy@" + id.String()}},
		{ID: cleanID.String(), RepoTags: []string{"aquasec/trivy:latest"}, RepoDigests: []string{"aquasec/trivy@" + cleanDigest.String()}},
	}}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	defer srv.Close()
	s, sink := scannerWith(m)
	if _, err := s.ScanEngine(context.Background(), "unix://"+sock, nil); err != nil {
		t.Fatal(err)
	}
	fs, es := sink.Drain()
	if got := badImages(fs, ""); !slices.Equal(got, []string{"aquasec/trivy:0.69.4|critical|image-trivy-0694"}) {
		t.Errorf("engine: %q (errors %+v)", got, es)
	}
	if !slices.ContainsFunc(fs, func(x sweep.Finding) bool {
		return x.Category == CatContainer && x.Location.Image == "aquasec/trivy:0.69.4" && x.Severity == sweep.Critical
	}) {
		t.Errorf("the container running the bad image is not listed critical: %v", titles(fs))
	}
}

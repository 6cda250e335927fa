package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/images"
)

// scannerImage is a small image of an invented scanner release: one layer
// holding a version file, a command (so `docker create` accepts it) and
// linux/amd64 (what the engine pulls).
func scannerImage(t *testing.T, version string) v1.Image { return scannerImageFor(t, version, "amd64") }

func scannerImageFor(t *testing.T, version, arch string) v1.Image {
	t.Helper()
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:   tarLayer(t, [][2]string{{"etc/", ""}, {"etc/scanner-version", version + "\n"}}),
		History: v1.History{CreatedBy: "ADD version /etc/scanner-version"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Config.Cmd = []string{"/scanner"}
	cfg.Created = v1.Time{Time: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestImagesCommandRealEngineBadImage: `litesweep images` against the real
// engine (the private dockerd of .ci/test) with a pack naming an invented
// repository. The bad release is pushed to the real docker-registry on
// localhost and pulled by the engine, which records the manifest digest
// it pulled in RepoDigests (localhost:PORT/repo@sha256:…): the published
// digest is critical, and so is the container created from it. A
// two-platform release is recorded by its index digest (the engine pulls
// the amd64 image through it), which the pack publishes. An image
// `docker load`ed under the bad tag has no RepoDigests: the tag rule
// grades it (high), under an owner/name or an official image's short
// name alike. The same repository at another tag and digest, pulled
// or loaded, and the bad tag in another repository are not findings.
func TestImagesCommandRealEngineBadImage(t *testing.T) {
	host := os.Getenv("LITESWEEP_DOCKER_HOST")
	if host == "" {
		testenv.SkipOrFail(t, "LITESWEEP_DOCKER_HOST not set (run .ci/test as root to start a private dockerd)")
	}
	dockerBin := testenv.LookPath(t, "docker", "the Docker CLI, Debian docker.io")
	reg := startDockerRegistry(t)
	// dockerd treats localhost registries as insecure (plain HTTP) by default.
	regHost := "localhost:" + reg[strings.LastIndexByte(reg, ':')+1:]
	// A repository name no other test uses, unique per run so a shared
	// engine's leftovers cannot answer for this run.
	repo := fmt.Sprintf("lsweep-real/scanner-%d", time.Now().UnixNano())
	docker := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(dockerBin, append([]string{"-H", host}, args...)...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("docker %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return strings.TrimSpace(out.String())
	}

	bad, other, loadedBad, loadedOther := scannerImage(t, "2.0.1"), scannerImage(t, "2.0.0"), scannerImage(t, "2.0.1 rebuilt"), scannerImage(t, "2.0.0 rebuilt")
	badRef, otherRef := regHost+"/"+repo+":2.0.1", regHost+"/"+repo+":2.0.0"
	for ref, img := range map[string]v1.Image{badRef: bad, otherRef: other} {
		r, err := name.ParseReference(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		// go-containerregistry dials localhost:PORT too (the registry
		// listens on 127.0.0.1).
		if err := remote.Write(r, img); err != nil {
			t.Fatalf("push %s: %v", ref, err)
		}
	}
	badDigest, _ := bad.Digest()
	otherDigest, _ := other.Digest()
	// The next release, pushed as a two-platform index.
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: scannerImageFor(t, "2.0.2", "amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: scannerImageFor(t, "2.0.2", "arm64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	indexRef := regHost + "/" + repo + ":2.0.2"
	ir, err := name.ParseReference(indexRef, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ir, idx); err != nil {
		t.Fatalf("push %s: %v", indexRef, err)
	}
	indexDigest, _ := idx.Digest()
	// A release pulled by digest alone: the engine records no tag.
	pinned := scannerImage(t, "2.0.3")
	pinnedDigest, _ := pinned.Digest()
	pr, err := name.ParseReference(regHost+"/"+repo+":2.0.3", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(pr, pinned); err != nil {
		t.Fatalf("push %s: %v", pr, err)
	}
	pinnedRef := regHost + "/" + repo + "@" + pinnedDigest.String()
	// Loaded images: the bad tag under the pack's Docker Hub names (the
	// engine writes them short: owner/name:tag, and name:tag for an
	// official image, docker.io/library/name), the other tag, and the bad
	// tag in another repository.
	official := strings.ReplaceAll(repo, "/", "-")
	hubBad, hubOther, elsewhere, officialBad := repo+":2.0.1", repo+":2.0.0", repo+"-other:2.0.1", official+":2.0.1"
	refs := map[name.Reference]v1.Image{}
	for ref, img := range map[string]v1.Image{hubBad: loadedBad, hubOther: loadedOther, elsewhere: scannerImage(t, "2.0.1 elsewhere"),
		officialBad: scannerImage(t, "2.0.1 official")} {
		tag, err := name.NewTag(ref)
		if err != nil {
			t.Fatal(err)
		}
		refs[tag] = img
	}
	archive := filepath.Join(t.TempDir(), "loaded.tar")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.MultiRefWrite(refs, f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ctr := fmt.Sprintf("lsweep-real-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		// Leave the shared engine as it was (best effort).
		for _, args := range [][]string{{"rm", "-f", ctr}, {"rmi", "-f", badRef, otherRef, indexRef, pinnedRef, hubBad, hubOther, elsewhere, officialBad}} {
			_ = exec.Command(dockerBin, append([]string{"-H", host}, args...)...).Run()
		}
	})
	docker("pull", badRef)
	docker("pull", otherRef)
	docker("pull", indexRef)
	docker("pull", pinnedRef)
	docker("load", "-i", archive)
	docker("create", "--name", ctr, "--network", "none", badRef)

	// What the real engine recorded: the pulled image's RepoDigests name
	// the registry as written (localhost:PORT) and the manifest digest;
	// a loaded image has none.
	if got := docker("image", "inspect", "--format", "{{json .RepoDigests}}", badRef); got != `["`+regHost+"/"+repo+"@"+badDigest.String()+`"]` {
		t.Fatalf("pulled image RepoDigests %s, want %s@%s", got, regHost+"/"+repo, badDigest)
	}
	if got := docker("image", "inspect", "--format", "{{json .RepoDigests}}", indexRef); got != `["`+regHost+"/"+repo+"@"+indexDigest.String()+`"]` {
		t.Fatalf("image pulled through an index: RepoDigests %s, want %s@%s", got, regHost+"/"+repo, indexDigest)
	}
	if got := docker("image", "inspect", "--format", "{{json .RepoDigests}} {{json .RepoTags}}", pinnedRef); got != `["`+pinnedRef+`"] []` {
		t.Fatalf("image pulled by digest: RepoDigests RepoTags %s, want [%q] and none", got, pinnedRef)
	}
	for _, ref := range []string{hubBad, officialBad} {
		if got := docker("image", "inspect", "--format", "{{json .RepoDigests}} {{json .RepoTags}}", ref); got != `[] ["`+ref+`"]` {
			t.Fatalf("loaded image: RepoDigests RepoTags %s, want none and [%q]", got, ref)
		}
	}

	pack := filepath.Join(t.TempDir(), "scanner.yaml")
	writeTestFile(t, pack, []byte(fmt.Sprintf(`schema_version: 1
id: test-scanner-images
version: "1"
title: invented scanner release (test)
images:
  - id: image-test-scanner-201
    repositories: [docker.io/%[1]s, %[2]s/%[1]s, docker.io/library/%[5]s]
    tags: ["2.0.1"]
    digests:
      - {digest: "%[3]s", tags: ["2.0.1"], platform: linux/amd64}
    severity: critical
    description: "invented scanner 2.0.1 (test)"
    provenance: {confidence: derived, sources: ["test"]}
  - id: image-test-scanner-202
    repositories: [docker.io/%[1]s]
    tags: ["2.0.2"]
    digests:
      - {digest: "%[4]s", tags: ["2.0.2"], platform: index}
    severity: critical
    description: "invented scanner 2.0.2 (test)"
    provenance: {confidence: derived, sources: ["test"]}
  - id: image-test-scanner-203
    repositories: [docker.io/%[1]s]
    tags: ["2.0.3"]
    digests:
      - {digest: "%[6]s", tags: ["2.0.3"], platform: linux/amd64}
    severity: critical
    description: "invented scanner 2.0.3 (test)"
    provenance: {confidence: derived, sources: ["test"]}
`, repo, regHost, badDigest, indexDigest, official, pinnedDigest)))

	code, out, errs := runArgs(context.Background(), "images", "--docker-host", host, "--iocs", pack, "-f", "json",
		badRef, otherRef, indexRef, pinnedRef, hubBad, hubOther, elsewhere, officialBad)
	if out == "" {
		t.Fatalf("exit %d, no report: %s", code, errs)
	}
	r := decodeReport(t, out)
	if code != 1 || r.Verdict != sweep.Compromised || len(r.Errors) != 0 {
		t.Fatalf("exit %d verdict %s errors %+v\n%s", code, r.Verdict, r.Errors, errs)
	}
	var got []string
	for _, f := range r.Findings {
		switch f.Category {
		case images.CatBadImage:
			got = append(got, fmt.Sprintf("bad %s %s %s", f.Location.Image, f.Severity, f.Indicator.ID))
		case images.CatContainer:
			got = append(got, fmt.Sprintf("container %s %s %s", f.Location.Object, f.Location.Image, f.Severity))
		}
	}
	sort.Strings(got)
	want := []string{
		"bad " + badRef + " critical image-test-scanner-201",
		"bad " + hubBad + " high image-test-scanner-201",
		"bad " + indexRef + " critical image-test-scanner-202",
		"bad " + pinnedRef + " critical image-test-scanner-203",
		"bad " + officialBad + " high image-test-scanner-201",
		"container container/" + ctr + " " + badRef + " critical",
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	for _, f := range r.Findings {
		if f.Category == images.CatBadImage && f.Location.Image == badRef && !strings.Contains(strings.Join(append([]string{f.Title}, f.Evidence.Details...), " "), badDigest.String()) {
			t.Errorf("the pulled image's finding does not name the digest it rests on: %+v", f)
		}
	}
	if otherDigest == badDigest {
		t.Fatal("decoy has the bad digest")
	}
}

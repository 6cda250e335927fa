package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
)

// buildkitHost is the private buildkitd .ci/test starts (OCI worker, runc),
// or the test ends as testenv says.
func buildkitHost(t *testing.T) string {
	t.Helper()
	h := os.Getenv("LITESWEEP_BUILDKIT_HOST")
	if h == "" {
		testenv.SkipOrFail(t, "LITESWEEP_BUILDKIT_HOST not set (run .ci/test as root with buildkitd and runc on PATH; .ci/run builds buildkitd, buildctl and buildx from the Go module proxy)")
	}
	return h
}

// buildxBuilder makes buildx (standalone, as `docker buildx` runs it)
// drive the private buildkitd through its remote driver, with its own
// configuration directory; it returns a function running buildx.
func buildxBuilder(t *testing.T, bkHost string) func(args ...string) {
	t.Helper()
	bin := testenv.LookPath(t, "buildx", "docker buildx, built by .ci/run from the Go module proxy")
	cfg := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "BUILDX_CONFIG="+cfg, "DOCKER_CONFIG="+cfg, "BUILDX_NO_DEFAULT_LOAD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("buildx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("create", "--name", "litesweep-test", "--driver", "remote", bkHost)
	return func(args ...string) { run(append([]string{"--builder", "litesweep-test"}, args...)...) }
}

// startDockerRegistry runs Debian's docker-registry (the CNCF distribution
// registry) on a loopback port and a private data directory; it returns
// host:port.
func startDockerRegistry(t *testing.T) string {
	t.Helper()
	bin := testenv.LookPath(t, "docker-registry", "the distribution registry, Debian docker-registry")
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	cfg := filepath.Join(dir, "config.yml")
	writeTestFile(t, cfg, []byte(fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), host)))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfg)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return host
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// attestations counts the BuildKit attestation manifests of an index and
// its platform images.
func attestations(t *testing.T, idx v1.ImageIndex) (att, platform int) {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		if d.MediaType.IsIndex() {
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			a, p := attestations(t, child)
			att, platform = att+a, platform+p
			continue
		}
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			att++
		} else {
			platform++
		}
	}
	return att, platform
}

// TestBuildKitAttestation: real buildx driving a real buildkitd pushes an
// image with its default provenance attestation (no attest flag) to the
// real docker-registry and writes one with the same mode=min provenance
// into an OCI archive and an OCI layout directory; real buildctl writes one
// with mode=max provenance; and buildx adds an SPDX SBOM attestation beside
// the provenance (--sbom with a generator image the test builds, since the
// default docker/buildkit-syft-scanner cannot be pulled offline).
// Each is swept by `litesweep images`: the attestation manifest is recorded
// as "not a platform image, not read", never an error, so the clean image
// is CLEAN, not INCOMPLETE; and a dist of the invented package of a test
// pack (--iocs), copied into the image by BuildKit, is found in each.
func TestBuildKitAttestation(t *testing.T) {
	bk := buildkitHost(t)
	buildx := buildxBuilder(t, bk)
	buildctl := testenv.LookPath(t, "buildctl", "BuildKit's client, built by .ci/run from the Go module proxy")
	reg := startDockerRegistry(t)

	dir := t.TempDir()
	wave := filepath.Join(dir, "wave.yaml")
	writeTestFile(t, wave, []byte(wavePackYAML))
	w := pyindex.Wheel{Name: "lsw-invented-pkg", Version: "6.6.6", Files: []pyindex.File{{Path: "lsw_invented_pkg/__init__.py", Data: []byte("x = 1\n")}}}
	di := w.DistInfo() + "/"

	// Two build contexts: a clean image and one that installs the invented
	// package's dist (COPY: no RUN, so the image needs no shell).
	clean, bad := filepath.Join(dir, "clean"), filepath.Join(dir, "bad")
	writeTree(t, filepath.Join(clean, "Dockerfile"), []byte("FROM scratch\nCOPY etc/ /etc/\n"))
	writeTree(t, filepath.Join(clean, "etc/os-release"), []byte("ID=litesweep-test\n"))
	writeTree(t, filepath.Join(bad, "Dockerfile"), []byte("FROM scratch\nCOPY etc/ /etc/\nCOPY site/ /"+testSite+"\n"))
	writeTree(t, filepath.Join(bad, "etc/os-release"), []byte("ID=litesweep-test\n"))
	writeTree(t, filepath.Join(bad, "site/lsw_invented_pkg/__init__.py"), []byte("x = 1\n"))
	writeTree(t, filepath.Join(bad, "site/"+di+"METADATA"), w.MetadataText())
	writeTree(t, filepath.Join(bad, "site/"+di+"RECORD"), []byte("lsw_invented_pkg/__init__.py,,\n"+di+"METADATA,,\n"+di+"RECORD,,\n"))

	buildctlRun := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, buildctl, append([]string{"--addr", bk, "build", "--frontend", "dockerfile.v0"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("buildctl build %v: %v\n%s", args, err, out)
		}
	}
	// An SBOM generator image (BuildKit's SBOM scanning protocol), since
	// docker/buildkit-syft-scanner is not reachable offline: busybox sh
	// writes an in-toto SPDX statement for the scanned root filesystem.
	// buildkitd pulls it from the loopback registry.
	scanner := filepath.Join(dir, "scanner")
	bb, err := os.ReadFile(testenv.LookPath(t, "busybox", "the SBOM generator image's shell, Debian busybox-static"))
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, filepath.Join(scanner, "busybox"), bb)
	if err := os.Chmod(filepath.Join(scanner, "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTree(t, filepath.Join(scanner, "scan.sh"), []byte(`n=${BUILDKIT_SCAN_SOURCE##*/}
printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"%s","documentNamespace":"https://litesweep.invalid/test/%s","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: litesweep-test"]},"packages":[]}}' "$n" "$n" >"$BUILDKIT_SCAN_DESTINATION/$n.spdx.json"
`))
	writeTree(t, filepath.Join(scanner, "Dockerfile"), []byte("FROM scratch\nCOPY busybox /bin/sh\nCOPY scan.sh /scan.sh\nENTRYPOINT [\"/bin/sh\", \"/scan.sh\"]\n"))
	generator := reg + "/litesweep-test/sbom-scanner:1"
	buildctlRun("--local", "context="+scanner, "--local", "dockerfile="+scanner, "--output", "type=image,name="+generator+",push=true,registry.insecure=true")

	type source struct {
		name string
		args []string             // litesweep images arguments
		idx  func() v1.ImageIndex // the built index, to check it carries an attestation
		sbom bool                 // the attestation holds an SPDX SBOM too
	}
	var sources []source
	fromLayout := func(p string) func() v1.ImageIndex {
		return func() v1.ImageIndex {
			idx, err := layout.ImageIndexFromPath(p)
			if err != nil {
				t.Fatal(err)
			}
			return idx
		}
	}
	// Pushed images: repository name → platforms (each has an attestation).
	pushed := map[string]int{"clean": 1, "bad": 1, "bad-sbom": 1, "bad-multi": 2, "bad-docker-types": 1}
	for _, kind := range []string{"clean", "bad"} {
		ctxDir := filepath.Join(dir, kind)
		archive := filepath.Join(dir, kind+".tar")
		layoutDir := filepath.Join(dir, kind+"-layout")
		maxDir := filepath.Join(dir, kind+"-max")
		ref := reg + "/team/" + kind + ":1.0"
		// buildx's default is attest:provenance=mode=min,inline-only=true,
		// and BuildKit's OCI exporter drops inline-only attestations
		// (exporter/containerimage/writer.go): into a file the same
		// provenance is asked for by name.
		buildx("build", "--provenance=mode=min", "--output", "type=oci,dest="+archive, ctxDir)
		buildx("build", "--provenance=mode=min", "--output", "type=oci,tar=false,dest="+layoutDir, ctxDir)
		buildx("build", "--output", "type=image,name="+ref+",push=true,registry.insecure=true", ctxDir)
		buildctlRun("--local", "context="+ctxDir, "--local", "dockerfile="+ctxDir,
			"--opt", "attest:provenance=mode=max", "--output", "type=oci,tar=false,dest="+maxDir)
		sources = append(sources,
			source{kind + " buildx oci archive", []string{"--archive", archive}, nil, false},
			source{kind + " buildx oci layout", []string{"--oci-layout", layoutDir}, fromLayout(layoutDir), false},
			source{kind + " buildctl mode=max oci layout", []string{"--oci-layout", maxDir}, fromLayout(maxDir), false})
	}
	// SBOM and provenance in one attestation manifest.
	sbomDir := filepath.Join(dir, "bad-sbom-layout")
	buildx("build", "--sbom=generator="+generator, "--provenance=mode=min", "--output", "type=oci,tar=false,dest="+sbomDir, bad)
	buildx("build", "--sbom=generator="+generator, "--output", "type=image,name="+reg+"/team/bad-sbom:1.0,push=true,registry.insecure=true", bad)
	// Two platforms (COPY needs no emulation) with zstd layers, and Docker
	// media types (a Docker manifest list holding the attestation).
	buildx("build", "--platform", "linux/amd64,linux/386", "--output", "type=image,name="+reg+"/team/bad-multi:1.0,push=true,registry.insecure=true,compression=zstd,force-compression=true", bad)
	buildx("build", "--output", "type=image,name="+reg+"/team/bad-docker-types:1.0,push=true,registry.insecure=true,oci-mediatypes=false", bad)
	sources = append(sources, source{"bad buildx sbom oci layout", []string{"--oci-layout", sbomDir}, fromLayout(sbomDir), true})
	// One registry sweep reads every image (the generator's has no attestation).
	attested := 0
	for kind, n := range pushed {
		r, err := name.ParseReference(reg+"/team/"+kind+":1.0", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(r)
		if err != nil {
			t.Fatal(err)
		}
		if att, platform := attestations(t, idx); att != n || platform != n {
			t.Fatalf("%s: BuildKit pushed %d attestation manifests and %d platform images, want %d and %d", r, att, platform, n, n)
		}
		attested += n
	}
	sources = append(sources, source{"buildx registry", []string{"--registry", reg, "--insecure-registry"}, nil, true})

	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) {
			if s.idx != nil {
				if att, platform := attestations(t, s.idx()); att != 1 || platform != 1 {
					t.Fatalf("BuildKit wrote %d attestation manifests and %d platform images, want 1 and 1", att, platform)
				}
			}
			code, out, errs := runArgs(context.Background(), append([]string{"images", "-f", "json", "--iocs", wave}, s.args...)...)
			r := decodeReport(t, out)
			var skipped, failed []sweep.Error
			for _, e := range r.Errors {
				if e.Kind == sweep.ErrKindSkipped && strings.Contains(e.Message, "not a platform image (BuildKit attestation manifest for sha256:") {
					skipped = append(skipped, e)
				} else if e.Kind != sweep.ErrKindSkipped {
					failed = append(failed, e)
				}
			}
			if len(failed) > 0 || r.Verdict == sweep.Incomplete {
				t.Fatalf("verdict %s, exit %d, errors %+v\n%s", r.Verdict, code, failed, errs)
			}
			want := 1
			if strings.HasSuffix(s.name, "registry") {
				want = attested
			}
			if len(skipped) != want {
				t.Errorf("%d attestation manifests recorded as not a platform image, want %d: %+v", len(skipped), want, r.Errors)
			}
			spdx := slices.ContainsFunc(skipped, func(e sweep.Error) bool {
				return strings.Contains(e.Message, "in-toto attestation https://spdx.dev/Document")
			})
			if spdx != s.sbom {
				t.Errorf("SPDX attestation recorded %v, want %v: %+v", spdx, s.sbom, skipped)
			}
			found := false
			images := map[string]map[string]bool{} // repository → images with the finding
			for _, f := range r.Findings {
				if f.Indicator != nil && f.Indicator.ID == "pypi-lsw-invented-pkg" && strings.Contains(f.Location.Path, di) {
					found = true
					repo, _, _ := strings.Cut(strings.TrimPrefix(f.Location.Image, reg+"/team/"), ":")
					if images[repo] == nil {
						images[repo] = map[string]bool{}
					}
					images[repo][f.Location.Image] = true
				}
			}
			if strings.HasSuffix(s.name, "registry") {
				for repo, n := range pushed {
					if want := n * bool2int(strings.HasPrefix(repo, "bad")); len(images[repo]) != want {
						t.Errorf("%s: the invented dist found in %d images, want %d: %v", repo, len(images[repo]), want, images)
					}
				}
			}
			wantFound := !strings.HasPrefix(s.name, "clean")
			switch {
			case found != wantFound:
				t.Errorf("invented dist found %v, want %v: verdict %s\n%s", found, wantFound, r.Verdict, out)
			case !wantFound && (r.Verdict != sweep.Clean || code != 0):
				t.Errorf("clean image: verdict %s exit %d, want CLEAN 0", r.Verdict, code)
			}
		})
	}
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

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
// with mode=max provenance.
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

	type source struct {
		name string
		args []string             // litesweep images arguments
		idx  func() v1.ImageIndex // the built index, to check it carries an attestation
	}
	var sources []source
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
		bctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		out, err := exec.CommandContext(bctx, buildctl, "--addr", bk, "build", "--frontend", "dockerfile.v0",
			"--local", "context="+ctxDir, "--local", "dockerfile="+ctxDir,
			"--opt", "attest:provenance=mode=max", "--output", "type=oci,tar=false,dest="+maxDir).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("buildctl build: %v\n%s", err, out)
		}
		fromLayout := func(p string) func() v1.ImageIndex {
			return func() v1.ImageIndex {
				idx, err := layout.ImageIndexFromPath(p)
				if err != nil {
					t.Fatal(err)
				}
				return idx
			}
		}
		sources = append(sources,
			source{kind + " buildx oci archive", []string{"--archive", archive}, nil},
			source{kind + " buildx oci layout", []string{"--oci-layout", layoutDir}, fromLayout(layoutDir)},
			source{kind + " buildctl mode=max oci layout", []string{"--oci-layout", maxDir}, fromLayout(maxDir)})
	}
	// One registry sweep reads both images.
	for _, kind := range []string{"clean", "bad"} {
		r, err := name.ParseReference(reg+"/team/"+kind+":1.0", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(r)
		if err != nil {
			t.Fatal(err)
		}
		if att, platform := attestations(t, idx); att != 1 || platform != 1 {
			t.Fatalf("%s: BuildKit pushed %d attestation manifests and %d platform images, want 1 and 1", r, att, platform)
		}
	}
	sources = append(sources, source{"buildx registry", []string{"--registry", reg, "--insecure-registry"}, nil})

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
			// The registry holds both images: two attestations there.
			want := 1
			if strings.HasSuffix(s.name, "registry") {
				want = 2
			}
			if len(skipped) != want {
				t.Errorf("%d attestation manifests recorded as not a platform image, want %d: %+v", len(skipped), want, r.Errors)
			}
			found := false
			for _, f := range r.Findings {
				found = found || f.Indicator != nil && f.Indicator.ID == "pypi-lsw-invented-pkg" && strings.Contains(f.Location.Path, di)
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

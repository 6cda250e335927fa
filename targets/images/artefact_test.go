package images

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/litesweep/litesweep/sweep"
)

// buildkitAttestation is the attestation manifest BuildKit's default
// provenance (docker buildx build, --provenance=mode=min) attaches to an
// image, in the shape of buildkit's docs/attestations/attestation-storage.md:
// an OCI image manifest whose config is an image config of platform
// unknown/unknown and whose one "layer" is an in-toto statement
// (application/vnd.in-toto+json, annotated with its predicate type), entered
// in the index with platform unknown/unknown and the
// vnd.docker.reference.{type,digest} annotations.
func buildkitAttestation(t testing.TB, subject v1.Image) (v1.Image, v1.Descriptor) {
	t.Helper()
	sd, err := subject.Digest()
	if err != nil {
		t.Fatal(err)
	}
	stmt, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"subject":       []any{map[string]any{"name": "pkg:docker/team/app@latest?platform=linux%2Famd64", "digest": map[string]string{"sha256": sd.Hex}}},
		"predicate": map[string]any{
			"builder":     map[string]string{"id": ""},
			"buildType":   "https://mobyproject.org/buildkit@v1",
			"materials":   []any{},
			"invocation":  map[string]any{"configSource": map[string]string{"entryPoint": "Dockerfile"}},
			"buildConfig": map[string]any{},
			"metadata":    map[string]any{"buildInvocationID": "xyz", "completeness": map[string]bool{"parameters": false}},
		},
	})
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: static.NewLayer(stmt, "application/vnd.in-toto+json"),
		MediaType:   "application/vnd.in-toto+json",
		Annotations: map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "unknown", "unknown"
	cf.History = nil
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img, v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": sd.String()}}
}

// cosignSignature is cosign's signature manifest (tag sha256-<hex>.sig): an
// image manifest whose layer is a simplesigning payload.
func cosignSignature(t testing.TB, subject v1.Image) v1.Image {
	t.Helper()
	sd, _ := subject.Digest()
	payload, _ := json.Marshal(map[string]any{"critical": map[string]any{"identity": map[string]string{"docker-reference": "team/app"},
		"image": map[string]string{"docker-manifest-digest": sd.String()}, "type": "cosign container image signature"}, "optional": nil})
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer(payload, "application/vnd.dev.cosign.simplesigning.v1+json"), MediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
		Annotations: map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQ=="}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sbomReferrer is an OCI 1.1 referrer (oras attach --artifact-type): an
// empty config, an artifactType, one SPDX layer and a subject.
func sbomReferrer(t testing.TB, subject v1.Image) v1.Image {
	t.Helper()
	sd, _ := subject.Digest()
	sz, _ := subject.Size()
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer([]byte(`{"spdxVersion":"SPDX-2.3"}`), "application/spdx+json"), MediaType: "application/spdx+json"})
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, "application/vnd.oci.empty.v1+json")
	return mutate.Subject(img, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: sd, Size: sz}).(v1.Image)
}

func TestArtefactKind(t *testing.T) {
	platform := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)})
	att, attDesc := buildkitAttestation(t, platform)
	manifest := func(img v1.Image) *v1.Manifest {
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// An attestation-annotated manifest that carries a filesystem layer.
	disguised, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{Layer: litellmLayer(t, "1.82.8")})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := mutate.Append(platform, mutate.Addendum{Layer: static.NewLayer([]byte(`{}`), "application/vnd.example.unknown"), MediaType: "application/vnd.example.unknown"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    v1.Descriptor
		m    *v1.Manifest
		want string // substring; "" = a platform image
	}{
		{"buildkit provenance", attDesc, manifest(att), "BuildKit attestation manifest for sha256:"},
		{"buildkit provenance reached without its index entry", v1.Descriptor{}, manifest(att), "in-toto attestation https://slsa.dev/provenance/v0.2"},
		{"cosign signature", v1.Descriptor{}, manifest(cosignSignature(t, platform)), "cosign signature"},
		{"OCI 1.1 SBOM referrer", v1.Descriptor{}, manifest(sbomReferrer(t, platform)), "referrer of sha256:"},
		{"platform image", v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}, manifest(platform), ""},
		{"attestation annotation on a filesystem layer", attDesc, manifest(disguised), ""},
		{"unknown media type in a platform image", v1.Descriptor{}, manifest(unknown), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := artefactKind(c.d, c.m)
			if (got == "") != (c.want == "") || !strings.Contains(got, c.want) {
				t.Errorf("artefactKind = %q, want %q", got, c.want)
			}
		})
	}
}

// buildxLayout writes what docker buildx build --output type=oci writes for
// an image with its default provenance: index.json naming an image index
// that holds the platform manifest and its attestation manifest.
func buildxLayout(t *testing.T, dir string, ref string, platform v1.Image, extra ...mutate.IndexAddendum) {
	t.Helper()
	att, attDesc := buildkitAttestation(t, platform)
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		append([]mutate.IndexAddendum{
			{Add: platform, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			{Add: att, Descriptor: attDesc},
		}, extra...)...)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": "latest"})); err != nil {
		t.Fatal(err)
	}
}

// TestAttestationNotAnError: a buildx-shaped OCI layout (and the same as an
// OCI archive) is swept: the platform image's payload is found, the
// attestation is recorded as skipped, and nothing is an error; a platform
// image with an unknown layer media type beside it is still an error.
func TestAttestationNotAnError(t *testing.T) {
	bad := buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}, step{"RUN pip install litellm==1.82.8", litellmLayer(t, "1.82.8")})
	unknown, err := mutate.Append(buildImage(t, step{"ADD rootfs.tar /", baseLayer(t)}),
		mutate.Addendum{Layer: static.NewLayer([]byte(`{"not":"a layer"}`), "application/vnd.example.unknown"), MediaType: "application/vnd.example.unknown"})
	if err != nil {
		t.Fatal(err)
	}
	for _, withUnknown := range []bool{false, true} {
		dir := t.TempDir()
		var extra []mutate.IndexAddendum
		if withUnknown {
			extra = append(extra, mutate.IndexAddendum{Add: unknown, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
		}
		buildxLayout(t, dir, "docker.io/team/app:latest", bad, extra...)
		check := func(src string, imgs []*Image, fs []sweep.Finding, es []sweep.Error) {
			t.Helper()
			var skipped, errs, platform int
			for _, e := range es {
				switch {
				case e.Kind == sweep.ErrKindSkipped && strings.Contains(e.Message, "not a platform image (BuildKit attestation manifest for sha256:"):
					skipped++
				case e.Kind != sweep.ErrKindSkipped:
					errs++
				}
			}
			for _, img := range imgs {
				if img.NotPlatform == "" {
					platform++
				}
			}
			if len(findingsAt(fs, "docker.io/team/app:latest", pthPath)) != 1 {
				t.Errorf("%s: payload of the platform image not found: %+v", src, fs)
			}
			if skipped != 1 {
				t.Errorf("%s: attestation recorded %d times, want once: %+v", src, skipped, es)
			}
			wantErrs, wantPlatform := 0, 1
			if withUnknown {
				wantErrs, wantPlatform = 1, 2
			}
			if errs != wantErrs || platform != wantPlatform {
				t.Errorf("%s (unknown media type image %v): %d errors, %d platform images; want %d, %d: %+v", src, withUnknown, errs, platform, wantErrs, wantPlatform, es)
			}
		}
		s, sink := newTestScanner(t)
		imgs := s.ScanLayout(context.Background(), dir)
		fs, es := sink.Drain()
		check("layout", imgs, fs, es)

		s, sink = newTestScanner(t)
		imgs, err := s.ReadArchive(context.Background(), tarDir(t, dir), "archive oci", "oci!")
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range imgs {
			s.ScanImage(context.Background(), img)
		}
		fs, es = sink.Drain()
		check("oci archive", imgs, fs, es)
	}
}

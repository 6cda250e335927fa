package images

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifests that are not platform images: BuildKit attestation manifests
// (buildkit docs/attestations/attestation-storage.md: an image manifest in
// the index with platform unknown/unknown, annotated
// vnd.docker.reference.type=attestation-manifest, whose "layers" are in-toto
// statements), cosign signatures and attestations (a manifest whose layers
// are simplesigning or DSSE payloads), and OCI 1.1 referrers (a subject, an
// artifactType, or a config that is not an image config: SBOMs, notation
// signatures). No engine unpacks them into a filesystem; they are recorded as
// "not a platform image, not read" (a skipped entry, not an error).
//
// Fail closed: a manifest with any layer whose media type is a filesystem
// layer type, or may be one (empty, or "…layer…"/"…rootfs…"), is a platform
// image and is read as one, whatever its annotations claim; and a manifest
// with no artefact signal at all is read as an image, so an unknown media
// type in a real platform's layer list still ends in a located error.

// artefactLayerTypes are layer media types that hold metadata, never a
// filesystem, with what they are.
var artefactLayerTypes = map[types.MediaType]string{
	"application/vnd.in-toto+json":                     "in-toto attestation",
	"application/vnd.dsse.envelope.v1+json":            "DSSE-signed attestation",
	"application/vnd.dev.cosign.simplesigning.v1+json": "cosign signature",
	"application/vnd.dev.sigstore.bundle+json":         "sigstore bundle",
	"application/vnd.dev.sigstore.bundle.v0.3+json":    "sigstore bundle",
	"application/vnd.cncf.notary.signature":            "notation signature",
	"application/jose+json":                            "JWS signature",
	"application/cose":                                 "COSE signature",
	"application/spdx+json":                            "SPDX SBOM",
	"text/spdx":                                        "SPDX SBOM",
	"text/spdx+json":                                   "SPDX SBOM",
	"application/vnd.cyclonedx+json":                   "CycloneDX SBOM",
	"application/vnd.cyclonedx+xml":                    "CycloneDX SBOM",
	"application/vnd.cyclonedx":                        "CycloneDX SBOM",
	"application/vnd.syft+json":                        "Syft SBOM",
	"application/vnd.oci.empty.v1+json":                "empty descriptor",
}

// mayBeFilesystem: a layer of this media type is, or could be, unpacked
// into a container's filesystem.
func mayBeFilesystem(mt types.MediaType) bool {
	if mt == "" || mt.IsLayer() {
		return true
	}
	s := strings.ToLower(string(mt))
	return strings.Contains(s, ".layer.") || strings.Contains(s, "rootfs") || strings.Contains(s, "tar")
}

// artefactKind says what a manifest is when it is not a platform image ("" when
// it is, or may be, one). d is the descriptor that led to it (an index entry;
// zero for a manifest reached by tag).
func artefactKind(d v1.Descriptor, m *v1.Manifest) string {
	if m == nil {
		return ""
	}
	var kinds []string
	known := len(m.Layers) > 0
	for _, l := range m.Layers {
		if mayBeFilesystem(l.MediaType) {
			return ""
		}
		k, ok := artefactLayerTypes[l.MediaType]
		if !ok {
			known = false
			continue
		}
		if p := l.Annotations["in-toto.io/predicate-type"]; p != "" {
			k += " " + printable([]byte(p), 100)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	what := strings.Join(kinds, ", ")
	// A descriptor's artifactType defaults to its config's media type (the
	// referrers API, go-containerregistry): an image config type is no signal.
	at := m.ArtifactType
	if at == "" {
		at = d.ArtifactType
	}
	if types.MediaType(at).IsConfig() {
		at = ""
	}
	var sig string
	switch {
	case d.Annotations["vnd.docker.reference.type"] == "attestation-manifest":
		sig = "BuildKit attestation manifest"
		if ref := d.Annotations["vnd.docker.reference.digest"]; ref != "" {
			sig += " for " + printable([]byte(ref), 100)
		}
	case m.Subject != nil:
		sig = "referrer of " + m.Subject.Digest.String()
		if at != "" {
			sig += " (artifact type " + printable([]byte(at), 100) + ")"
		}
	case at != "":
		sig = "OCI artifact of type " + printable([]byte(at), 100)
	case m.Config.MediaType != "" && !m.Config.MediaType.IsConfig():
		sig = "OCI artifact with config type " + printable([]byte(m.Config.MediaType), 100)
	case known:
		sig = "artefact manifest"
	default:
		return ""
	}
	if what != "" {
		sig += ": " + what
	}
	return sig
}

// notPlatformMessage is the one text recording a skipped artefact.
func notPlatformMessage(kind string) string {
	return fmt.Sprintf("not a platform image (%s): not read", kind)
}

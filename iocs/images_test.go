package iocs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseImageRef(t *testing.T) {
	const d = "sha256:27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"
	for _, tc := range []struct {
		in, repo, tag, digest string
	}{
		{"ubuntu", "docker.io/library/ubuntu", "latest", ""},
		{"library/ubuntu:22.04", "docker.io/library/ubuntu", "22.04", ""},
		{"aquasec/trivy:0.69.4", "docker.io/aquasec/trivy", "0.69.4", ""},
		{"docker.io/aquasec/trivy:0.69.4", "docker.io/aquasec/trivy", "0.69.4", ""},
		{"index.docker.io/aquasec/trivy:0.69.4", "docker.io/aquasec/trivy", "0.69.4", ""},
		{"registry-1.docker.io/aquasec/trivy", "docker.io/aquasec/trivy", "latest", ""},
		{"aquasec/trivy@" + d, "docker.io/aquasec/trivy", "", d},
		{"aquasec/trivy:0.69.4@" + d, "docker.io/aquasec/trivy", "0.69.4", d},
		{"localhost:5000/aquasec/trivy:0.69.4", "localhost:5000/aquasec/trivy", "0.69.4", ""},
		{"localhost:5000/aquasec/trivy@" + d, "localhost:5000/aquasec/trivy", "", d},
		{"ghcr.io/aquasecurity/trivy:0.69.4", "ghcr.io/aquasecurity/trivy", "0.69.4", ""},
		{"public.ecr.aws/aquasecurity/trivy", "public.ecr.aws/aquasecurity/trivy", "latest", ""},
		{"GHCR.IO/aquasecurity/trivy:0.69.4", "ghcr.io/aquasecurity/trivy", "0.69.4", ""},
		{"registry:5000/team/app", "registry:5000/team/app", "latest", ""},
	} {
		r, err := ParseImageRef(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if r.Repository != tc.repo || r.Tag != tc.tag || r.Digest != tc.digest {
			t.Errorf("%q: got %q %q %q, want %q %q %q", tc.in, r.Repository, r.Tag, r.Digest, tc.repo, tc.tag, tc.digest)
		}
	}
	for _, bad := range []string{"", "${BASE}", "aquasec/trivy:${TAG}", "$IMAGE", "AquaSec/Trivy:0.69.4", "a b", "aquasec/trivy@sha256:short"} {
		if r, err := ParseImageRef(bad); !errors.Is(err, ErrNotImageRef) {
			t.Errorf("%q: parsed as %+v", bad, r)
		}
	}
}

func mustRef(t *testing.T, s string) ImageRef {
	t.Helper()
	r, err := ParseImageRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImagesRule is the one image rule against the built-in packs: a
// published digest is critical whatever names it; a tag that only ever
// named the bad release is high (medium when the image's digest says it
// is not the published one); a restored tag needs its time; decoys are
// silent.
func TestImagesRule(t *testing.T) {
	m := builtinMatcher(t)
	const (
		bad0694    = "sha256:27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"
		bad0696amd = "sha256:dd8beb3b40df080b3fd7f9a0f5a1b02f3692f65c68980f46da8328ce8bb788ef"
		clean      = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	)
	inWindow := time.Date(2026, 3, 19, 19, 0, 0, 0, time.UTC)
	before := time.Date(2026, 3, 1, 19, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		refs    []string
		digests []string
		res     time.Time
		built   time.Time
		want    string // "id severity by [mirror]", "" for none
	}{
		{"index digest, any repository", []string{"registry.corp/tools/scanner:1"}, []string{bad0694}, time.Time{}, time.Time{}, "image-trivy-0694 critical digest"},
		{"platform digest pinned in a reference", []string{"aquasec/trivy@" + bad0696amd}, nil, time.Time{}, time.Time{}, "image-trivy-0695 critical digest"},
		{"bad tag, no digest", []string{"aquasec/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, "image-trivy-0694 high tag"},
		{"bad tag on GHCR", []string{"ghcr.io/aquasecurity/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, "image-trivy-0694 high tag"},
		{"bad tag on a mirror", []string{"localhost:5000/aquasec/trivy:0.69.6"}, nil, time.Time{}, time.Time{}, "image-trivy-0695 high tag mirror"},
		{"bad tag through a pull-through cache path", []string{"harbor.corp/dockerhub/aquasec/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, "image-trivy-0694 high tag mirror"},
		{"bad tag at a digest not published", []string{"aquasec/trivy:0.69.4"}, []string{clean}, time.Time{}, time.Time{}, "image-trivy-0694 medium tag"},
		{"0.69.5 on GHCR (one source)", []string{"ghcr.io/aquasecurity/trivy:0.69.5"}, nil, time.Time{}, time.Time{}, "image-trivy-0695-other-registries high tag"},
		{"latest resolved in the window", []string{"aquasec/trivy:latest"}, nil, inWindow, time.Time{}, "image-trivy-0694 high tag"},
		{"latest built just before the window", []string{"aquasec/trivy"}, nil, time.Time{}, inWindow.Add(-3 * time.Hour), "image-trivy-0694 high tag"},
		{"latest, time unknown (both windows)", []string{"aquasec/trivy"}, nil, time.Time{}, time.Time{}, "image-trivy-0694 medium tag; image-trivy-0695 medium tag"},
		// Decoys.
		{"latest resolved before the window", []string{"aquasec/trivy:latest"}, nil, before, time.Time{}, ""},
		{"latest at a clean digest", []string{"aquasec/trivy:latest"}, []string{clean}, time.Time{}, time.Time{}, ""},
		{"0.69.3", []string{"aquasec/trivy:0.69.3"}, nil, time.Time{}, time.Time{}, ""},
		{"another Docker Hub repository named trivy", []string{"someone/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, ""},
		{"official-image namespace", []string{"trivy:0.69.4"}, nil, time.Time{}, time.Time{}, ""},
		{"same path, a public registry of the entry", []string{"docker.io/aquasecurity/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, ""},
		{"one-component mirror path", []string{"localhost:5000/trivy:0.69.4"}, nil, time.Time{}, time.Time{}, ""},
		{"trivy-operator", []string{"aquasec/trivy-operator:0.69.4"}, nil, time.Time{}, time.Time{}, ""},
		{"near-miss digest", []string{"aquasec/trivy@sha256:17f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"}, nil, time.Time{}, time.Time{}, ""},
	} {
		ev := ImageEvidence{Digests: tc.digests, Resolved: tc.res, Built: tc.built}
		for _, r := range tc.refs {
			ev.Refs = append(ev.Refs, mustRef(t, r))
		}
		hits := m.Images(ev)
		var got []string
		for _, h := range hits {
			s := h.Image.ID + " " + h.Severity + " " + h.By
			if h.Mirror {
				s += " mirror"
			}
			got = append(got, s)
			if h.Why == "" {
				t.Errorf("%s: hit without a reason", tc.name)
			}
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, strings.Join(got, "; "), tc.want)
		}
	}
}

func TestImagesValidation(t *testing.T) {
	base := `schema_version: 1
id: x
version: "1"
title: t
windows: [{id: w, title: w, start: 2026-01-01T00:00:00Z, end: 2026-01-02T00:00:00Z, provenance: {confidence: derived, sources: [s]}}]
`
	for _, tc := range []struct{ body, want string }{
		{`images: [{id: a, repositories: [aquasec/trivy], tags: ["1"], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "full repository name"},
		{`images: [{id: a, repositories: [docker.io/aquasec/trivy:1], tags: ["1"], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "full repository name"},
		{`images: [{id: a, repositories: [docker.io/aquasec/trivy], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "needs tags"},
		{`images: [{id: a, repositories: [docker.io/aquasec/trivy], restored_tags: [latest], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "restored tags are evidence only inside a window"},
		{`images: [{id: a, repositories: [docker.io/aquasec/trivy], digests: [{digest: "sha256:abc", tags: ["1"], platform: index}], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "is not sha256"},
		{`images: [{id: a, repositories: [docker.io/aquasec/trivy], tags: ["-x"], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`, "not a valid image tag"},
	} {
		_, err := ParseWith([]byte(base+tc.body+"\n"), "t.yaml", LoadOptions{AllowPartial: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.body, err)
		}
	}
	// A private registry's port is part of the repository name.
	for _, r := range []string{"registry.internal:5000/team/app", "localhost:5000/app"} {
		body := `images: [{id: a, repositories: [` + r + `], tags: ["1"], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`
		if _, err := ParseWith([]byte(base+body+"\n"), "t.yaml", LoadOptions{AllowPartial: true}); err != nil && strings.Contains(err.Error(), "repositories") {
			t.Errorf("%s: %v", r, err)
		}
	}
	if _, err := ParseWith([]byte(base+`images: [{id: a, repositories: ["localhost:5000/app:1"], tags: ["1"], severity: high, description: d, provenance: {confidence: derived, sources: [s]}}]`+"\n"), "t.yaml", LoadOptions{AllowPartial: true}); err == nil || !strings.Contains(err.Error(), "full repository name") {
		t.Errorf("a tag after a registry port is accepted: %v", err)
	}
}

package recipes

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

const (
	badIndex   = "sha256:27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"
	kicsAlpine = "sha256:2588a44890263a8185bd5d9fadb6bc9220b60245dbcbc4da35e1b62a6f8c230d"
	cleanPin   = "sha256:3b2f8c1e0d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344"
)

var composeYAML = `services:
  scan:
    image: aquasec/trivy:0.69.4
  pinned:
    image: aquasec/trivy:latest@` + badIndex + `
  later:
    image: "aquasec/trivy:${TRIVY_TAG:-0.69.5}"
  unresolved:
    image: aquasec/trivy:${TRIVY_TAG}
  newest:
    image: aquasec/trivy
  old:
    image: aquasec/trivy:0.69.3
  other:
    image: someone/trivy:0.69.4
  built:
    build: .
    image: aquasec/trivy:0.69.4
  by-digest:
    image: aquasec/trivy:latest@` + cleanPin + `
`

const imgDockerfile = `# syntax=docker/dockerfile:1
ARG TRIVY_VERSION=0.69.4
ARG BASE
FROM --platform=$BUILDPLATFORM aquasec/trivy:${TRIVY_VERSION} AS trivy
FROM ${BASE} AS base
FROM golang:1.22 AS build
FROM trivy AS again
FROM ghcr.io/aquasecurity/trivy:0.69.3
FROM scratch
COPY --from=trivy /usr/local/bin/trivy /trivy
RUN <<EOF
FROM aquasec/trivy:0.69.6
EOF
FROM localhost:5000/aquasec/trivy:0.69.6 \
    AS mirror
`

var manifestYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: scanner
spec:
  template:
    spec:
      initContainers:
        - name: fetch
          image: checkmarx/kics:v2.1.20@` + kicsAlpine + `
      containers:
        - name: trivy
          image: ghcr.io/aquasecurity/trivy:0.69.4
        - name: app
          image: nginx:1.27
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: iac
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: kics
              image: checkmarx/kics:latest
`

const imgGitlabCI = `scan:
  image:
    name: registry.internal.example/aquasec/trivy:0.69.4
    entrypoint: [""]
  script:
    - trivy fs .
`

const githubWorkflow = `on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    container: aquasec/trivy:0.69.4
    steps:
      - uses: docker://aquasec/trivy:0.69.6
        with:
          args: fs .
`

const helmValues = `scanner:
  image:
    repository: aquasec/trivy
    tag: "0.69.4"
  operator:
    image: aquasec/trivy-operator:0.69.4
`

// TestImageReferencesOnDisk: compose files, Dockerfiles, Kubernetes
// manifests, CI files and Helm values on disk, judged by the one image
// rule; each finding names the file and line. Decoys: 0.69.3, other
// repositories named trivy, trivy-operator, a pinned clean digest under a
// restored tag, unresolved variables, a build's own image, a stage name, a
// heredoc body.
func TestImageReferencesOnDisk(t *testing.T) {
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/app/docker-compose.yml":         []byte(composeYAML),
		"/home/alice/app/Dockerfile":                 []byte(imgDockerfile),
		"/home/alice/app/k8s/scanner.yaml":           []byte(manifestYAML),
		"/home/alice/app/.gitlab-ci.yml":             []byte(imgGitlabCI),
		"/home/alice/app/.github/workflows/scan.yml": []byte(githubWorkflow),
		"/home/alice/app/chart/values.yaml":          []byte(helmValues),
		"/home/alice/notes/trivy.yml":                []byte("image: [not, a, reference]\nnote: aquasec/trivy:0.69.4 is bad\n"),
	})
	m := sweeptest.Matcher(t)
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	if len(errs) > 0 {
		t.Errorf("errors: %+v", errs)
	}
	var got []string
	for _, f := range findings {
		if f.Category != CatImageRef {
			continue
		}
		p := strings.TrimPrefix(f.Location.Path, "/home/alice/app/")
		got = append(got, fmt.Sprintf("%s %s:%d %s %s", f.Severity, p, f.Location.Line, f.Indicator.ID, f.Evidence.Text))
		if f.User != "alice" || f.Location.Line == 0 || len(f.Evidence.Details) < 2 {
			t.Errorf("%s: user %q line %d details %v", f.Title, f.User, f.Location.Line, f.Evidence.Details)
		}
	}
	slices.Sort(got)
	want := []string{
		"high docker-compose.yml:3 image-trivy-0694 image docker.io/aquasec/trivy:0.69.4",
		"high docker-compose.yml:5 image-trivy-0694 image docker.io/aquasec/trivy:latest@" + badIndex + " digest " + badIndex,
		"high docker-compose.yml:7 image-trivy-0695 image docker.io/aquasec/trivy:0.69.5",
		"medium docker-compose.yml:11 image-trivy-0694 image docker.io/aquasec/trivy:latest",
		"medium docker-compose.yml:11 image-trivy-0695 image docker.io/aquasec/trivy:latest",
		"high Dockerfile:4 image-trivy-0694 image docker.io/aquasec/trivy:0.69.4",
		"high Dockerfile:14 image-trivy-0695 image localhost:5000/aquasec/trivy:0.69.6",
		"high k8s/scanner.yaml:10 image-kics-2026-04 image docker.io/checkmarx/kics:v2.1.20@" + kicsAlpine + " digest " + kicsAlpine,
		"high k8s/scanner.yaml:13 image-trivy-0694 image ghcr.io/aquasecurity/trivy:0.69.4",
		"medium k8s/scanner.yaml:30 image-kics-2026-04 image docker.io/checkmarx/kics:latest",
		"high .gitlab-ci.yml:3 image-trivy-0694 image registry.internal.example/aquasec/trivy:0.69.4",
		"high .github/workflows/scan.yml:5 image-trivy-0694 image docker.io/aquasec/trivy:0.69.4",
		"high .github/workflows/scan.yml:7 image-trivy-0695 image docker.io/aquasec/trivy:0.69.6",
		"high chart/values.yaml:3 image-trivy-0694 image docker.io/aquasec/trivy:0.69.4",
	}
	sameLines(t, got, want)
	for _, f := range findings {
		if f.Category == CatImageRef && strings.Contains(f.Location.Path, ".gitlab-ci.yml") &&
			!slices.ContainsFunc(f.Evidence.Details, func(d string) bool { return strings.Contains(d, "mirror") }) {
			t.Errorf("a mirror's reference does not say so: %v", f.Evidence.Details)
		}
	}
}

func TestDockerfileFroms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"FROM aquasec/trivy:0.69.4", []string{"aquasec/trivy:0.69.4@1"}},
		{"from aquasec/trivy:0.69.4 as t\nFROM t", []string{"aquasec/trivy:0.69.4@1"}},
		{"ARG V=0.69.4\nFROM aquasec/trivy:$V", []string{"aquasec/trivy:0.69.4@2"}},
		{"ARG V\nFROM aquasec/trivy:${V:-0.69.5}", []string{"aquasec/trivy:0.69.5@2"}},
		{"ARG V\nFROM aquasec/trivy:${V}", nil},
		{"FROM x AS a\nARG V=0.69.4\nFROM aquasec/trivy:${V}", []string{"x@1"}}, // an ARG after FROM is the stage's, not FROM's
		{"# escape=`\nFROM `\n  aquasec/trivy:0.69.4", []string{"aquasec/trivy:0.69.4@2"}},
		{"FROM --platform=linux/amd64 \\\n  # comment\n  aquasec/trivy:0.69.4", []string{"aquasec/trivy:0.69.4@1"}},
	} {
		var got []string
		for _, r := range dockerfileFroms(tc.in) {
			got = append(got, fmt.Sprintf("%s@%d", r.text, r.line))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// BenchmarkYAMLImages: the image check on a YAML file that names no pack
// image (the prefilter, against reading the bytes once with bytes.Count)
// and on one that does (the walk, against yaml.Unmarshal of the same file).
func BenchmarkYAMLImages(b *testing.B) {
	c := New(Options{Matcher: sweeptest.Matcher(b)})
	f := &sweep.File{Entry: sweep.NewEntry("/r/k8s/app.yaml", 0, nil)}
	plain := []byte(strings.Repeat(strings.NewReplacer("trivy", "nginx", "kics", "redis", "@"+kicsAlpine, "").Replace(manifestYAML), 20))
	hit := []byte(strings.Repeat(manifestYAML, 20))
	sink := sweep.NewCollection(&sweep.Counters{})
	b.Run("baseline-count", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = bytes.Count(plain, []byte("\n"))
		}
	})
	b.Run("no-mention", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c.yamlImages(f, plain, sink)
		}
	})
	b.Run("baseline-parse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dec := yaml.NewDecoder(bytes.NewReader(hit))
			for {
				var d yaml.Node
				if dec.Decode(&d) != nil {
					break
				}
			}
		}
	})
	b.Run("mention", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c.yamlImages(f, hit, sink)
			sink.Drain()
		}
	})
}

package recipes

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// The fixtures are built here, in a temporary tree: the repository itself
// never holds a recipe that installs a bad release.
const dockerfile = `# syntax=docker/dockerfile:1
FROM python:3.12-slim
# RUN pip install litellm==1.82.8 (a comment, not a step)
RUN apt-get update && \
    # a comment line inside the instruction
    pip install --no-cache-dir \
      "litellm[proxy]==1.82.7" requests && \
    rm -rf /root/.cache
RUN --mount=type=cache,target=/root/.cache pip install 'litellm>=1.80,<2'
RUN ["pip", "install", "litellm==1.82.8"]
RUN ["/bin/sh", "-c", "uv pip install --system litellm~=1.82.0"]
RUN <<EOF
set -e
pip install --index-url https://u:SECRET@pypi.example/simple litellm==1.82.7
EOF
RUN python3 <<EOF
import subprocess  # pip install litellm==1.82.8 is Python input, not a command
EOF
RUN pip install litellm==1.82.6 && echo SECRET
ENV X="pip install litellm==1.82.8"
`

const windowsDockerfile = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN pip install `\n    litellm==1.82.8\n"

const makefile = `PIP ?= .venv/bin/pip
install:
	@$(PIP) install -r requirements.txt
	$(PIP) install \
	  litellm==1.82.8
echo:
	echo "pip install litellm==1.82.7"
PYTHON := python3
dev:
	-$(PYTHON) -m pip install 'litellm>=1.82.7'
`

const toxINI = `[tox]
envlist = py311

[testenv]
deps =
    pytest
    litellm==1.82.7
    py311: litellm>=1.82
commands =
    pip install litellm==1.82.8
    pytest {posargs}
`

const noxfile = `import nox

@nox.session
def tests(session):
    session.install("pytest", "litellm==1.82.8")
    session.run("pip", "install", "litellm>=1.82,<1.83", external=True)
    session.install(*deps)
`

const gitlabCI = `stages: [test]
test:
  image: python:3.12
  before_script:
    - pip install -U pip
    - pip install litellm==1.82.7
  script:
    - |
      echo start
      uv pip install --system \
        litellm==1.82.8
  variables:
    TOKEN: SECRET
`

const workflow = `name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: deps
        run: |
          python -m pip install --upgrade pip
          pip install "litellm>=1.82.0"
      - run: npm install
`

const jenkinsfile = `pipeline {
  agent any
  stages {
    stage('deps') {
      steps {
        sh 'pip install litellm==1.82.8'
        sh """
          echo ${env.TOKEN}
          pip install --upgrade 'litellm>=1.82'
        """
        echo 'pip install litellm==1.82.7'
      }
    }
  }
}
`

const gitConfig = `[core]
	repositoryformatversion = 0
[remote "origin"]
	url = https://x-access-token:SECRET@github.com/victim-org/tpcp-docs.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[remote "upstream"]
	url = git@github.com:victim-org/app.git
[remote "mirror"]
	url = git@gitlab.example:group/Docs-TPCP
`

func TestRecipes(t *testing.T) {
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/app/Dockerfile":                 []byte(dockerfile),
		"/home/alice/app/win/Dockerfile.windows":     []byte(windowsDockerfile),
		"/home/alice/app/Makefile":                   []byte(makefile),
		"/home/alice/app/tox.ini":                    []byte(toxINI),
		"/home/alice/app/noxfile.py":                 []byte(noxfile),
		"/home/alice/app/.gitlab-ci.yml":             []byte(gitlabCI),
		"/home/alice/app/.github/workflows/ci.yml":   []byte(workflow),
		"/home/alice/app/.git/config":                []byte(gitConfig),
		"/home/alice/app/Jenkinsfile":                []byte(jenkinsfile),
		"/home/alice/app/docs/notes.yml":             []byte("script: pip install litellm==1.82.8\n"), // not CI
		"/home/alice/app/.github/workflows/bad.yaml": []byte("jobs: [\n"),
	})
	m := sweeptest.Matcher(t)
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	var got []string
	for _, f := range findings {
		p := strings.TrimPrefix(f.Location.Path, "/home/alice/app/")
		got = append(got, fmt.Sprintf("%s %s:%d %s | %s", f.Severity, p, f.Location.Line, f.Title, f.Evidence.Text))
		if strings.Contains(fmt.Sprintf("%+v", f), "SECRET") {
			t.Errorf("secret in finding: %+v", f)
		}
		if f.User != "alice" {
			t.Errorf("user %q", f.User)
		}
	}
	slices.Sort(got)
	want := []string{
		"high .git/config:4 git remote origin is github.com/victim-org/tpcp-docs, a campaign exfiltration repository | remote origin url github.com/victim-org/tpcp-docs",
		"high .git/config:9 git remote mirror is gitlab.example/group/docs-tpcp, a campaign exfiltration repository | remote mirror url gitlab.example/group/docs-tpcp",
		"high .gitlab-ci.yml:10 GitLab CI: uv pip install litellm 1.82.8 | uv pip install … litellm==1.82.8",
		"high .gitlab-ci.yml:6 GitLab CI: pip install litellm 1.82.7 | pip install litellm==1.82.7",
		"high Dockerfile:10 Dockerfile RUN: pip install litellm 1.82.8 | pip install litellm==1.82.8",
		"high Dockerfile:14 Dockerfile RUN: pip install litellm 1.82.7 | pip install --index-url https://pypi.example/… litellm==1.82.7",
		"high Dockerfile:6 Dockerfile RUN: pip install litellm 1.82.7 | pip install … litellm==1.82.7 …",
		"high Makefile:4 Makefile recipe: pip install litellm 1.82.8 | pip install litellm==1.82.8",
		"high noxfile.py:5 noxfile session.install: pip install litellm 1.82.8 | pip install … litellm==1.82.8",
		"high tox.ini:7 tox.ini deps: pip install litellm 1.82.7 | pip install litellm==1.82.7",
		"high tox.ini:10 tox.ini commands: pip install litellm 1.82.8 | pip install litellm==1.82.8",
		"high win/Dockerfile.windows:3 Dockerfile RUN: pip install litellm 1.82.8 | pip install litellm==1.82.8",
		"high Jenkinsfile:6 Jenkinsfile: pip install litellm 1.82.8 | pip install litellm==1.82.8",
		"medium Jenkinsfile:9 Jenkinsfile: pip install litellm >=1.82 (admits 1.82.8, 1.82.7) | pip install --upgrade litellm>=1.82",
		"medium .github/workflows/ci.yml:11 GitHub workflow: pip install litellm >=1.82.0 (admits 1.82.8, 1.82.7) | pip install litellm>=1.82.0",
		"medium Dockerfile:11 Dockerfile RUN: uv pip install litellm ~=1.82.0 (admits 1.82.8, 1.82.7) | uv pip install … litellm~=1.82.0",
		"medium Dockerfile:9 Dockerfile RUN: pip install litellm >=1.80,<2 (admits 1.82.8, 1.82.7) | pip install litellm>=1.80,<2",
		"medium Makefile:10 Makefile recipe: pip install litellm >=1.82.7 (admits 1.82.8, 1.82.7) | python -m pip install litellm>=1.82.7",
		"medium noxfile.py:6 noxfile session.run: pip install litellm >=1.82,<1.83 (admits 1.82.8, 1.82.7) | pip install litellm>=1.82,<1.83",
		"medium tox.ini:8 tox.ini deps: pip install litellm >=1.82 (admits 1.82.8, 1.82.7) | pip install litellm>=1.82",
	}
	sameLines(t, got, want)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "not readable YAML") {
		t.Errorf("errors: %+v", errs)
	}
}

func TestRepoOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/o/r.git":              "github.com o r",
		"https://u:tok@github.com/o/r":            "github.com o r",
		"ssh://git@github.com:22/o/r.git":         "github.com:22 o r",
		"git@github.com:o/r.git":                  "github.com o r",
		"https://gitlab.example/group/sub/r.git/": "gitlab.example sub r",
		"/srv/git/r.git":                          " git r",
	} {
		h, o, n := repoOf(in)
		if got := h + " " + o + " " + n; got != want {
			t.Errorf("%s: got %q want %q", in, got, want)
		}
	}
}

const podManifest = `apiVersion: v1
kind: Pod
metadata:
  name: node-setup-x7k2p
  namespace: kube-system
spec:
  containers:
    - name: setup
      image: alpine:latest
      command: ["chroot", "/host", "sh", "-c", "echo SECRET"]
      securityContext:
        privileged: true
      volumeMounts:
        - {name: host, mountPath: /host}
  volumes:
    - name: host
      hostPath: {path: /}
---
apiVersion: v1
kind: Pod
metadata:
  name: node-setup-harmless
spec:
  containers:
    - {name: c, image: busybox}
`

const listManifest = `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: host-provisioner-iran}
    spec:
      template:
        spec:
          containers: [{name: c, image: "alpine:latest", volumeMounts: [{name: r, mountPath: /mnt}]}]
          volumes: [{name: r, hostPath: {path: /}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: host-provisioner-web}
`

// TestKubeManifests: manifests on disk are matched by the cluster sweep's
// matcher (kubeobj.Fits) against the pack's Kubernetes patterns.
func TestKubeManifests(t *testing.T) {
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/k8s/pod.yaml":     []byte(podManifest),
		"/home/alice/k8s/list.yml":     []byte(listManifest),
		"/home/alice/k8s/values.yaml":  []byte("replicas: 3\nimage: alpine\n"),
		"/home/alice/k8s/broken.yaml":  []byte("apiVersion: v1\nkind: [\n"),
		"/usr/share/doc/x/config.yaml": []byte("kind: Pod\napiVersion: v1\nmetadata: {name: web}\n"),
	})
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: sweeptest.Matcher(t)}))
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s %s:%d %s [%s]", f.Severity, f.Location.Path, f.Location.Line, f.Title, f.Location.Object))
		if strings.Contains(fmt.Sprintf("%+v", f), "SECRET") {
			t.Errorf("secret in finding %+v", f)
		}
	}
	slices.Sort(got)
	want := []string{
		"high /home/alice/k8s/list.yml:4 Kubernetes manifest for DaemonSet host-provisioner-iran has the shape of k8s-host-provisioner [DaemonSet/host-provisioner-iran]",
		"high /home/alice/k8s/pod.yaml:1 Kubernetes manifest for Pod node-setup-x7k2p has the shape of k8s-node-setup [Pod/node-setup-x7k2p]",
		"medium /home/alice/k8s/pod.yaml:19 Kubernetes manifest for Pod node-setup-harmless has the name of k8s-node-setup but not privileged, does not mount hostPath /: check it by hand [Pod/node-setup-harmless]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
}

// sameLines compares two sets of finding lines (got sorted by the
// caller), naming each unexpected and missing one.
func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	slices.Sort(want)
	if slices.Equal(got, want) {
		return
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("unexpected: %s", g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing:    %s", w)
		}
	}
}

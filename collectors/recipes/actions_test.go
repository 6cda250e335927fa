package recipes

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// Workflows and actions in the shapes GitHub reads (checked with
// actionlint): quoted refs, trailing comments, an uppercase owner, a
// reusable workflow, a composite action, YAML anchors. Built in a
// temporary tree, never kept in the repository.
const scanWorkflow = `name: security scan
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  kics:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - name: KICS scan
        uses: "Checkmarx/kics-github-action@0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1"  # v1
        with:
          path: .
      - name: Trivy (fs)
        uses: 'AQUASECURITY/trivy-action@0.28.0'
        with:
          scan-type: fs
      - &pinned
        uses: aquasecurity/trivy-action@0.35.0 # the one tag never hijacked
      - uses: aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1 # a clean commit
      - uses: actions/setup-node@v2.1.3 # another action at a hijacked KICS tag
      - uses: checkmarx-fork/kics-github-action@v2.1.3 # another owner
      - uses: Checkmarx/kics-github-action@0e22ec8 # abbreviated: GitHub refuses it
      - uses: Checkmarx/kics-github-action@v2.1.21 # not a tag of the window
      - uses: docker://aquasec/trivy:0.69.4
      - uses: ./.github/actions/setup
  again:
    runs-on: ubuntu-latest
    steps:
      - *pinned
      - uses: Checkmarx/kics-github-action@v2.1.3
  reuse:
    uses: checkmarx/KICS-github-action/.github/workflows/scan.yml@v2
    secrets: inherit
`

const compositeActionYAML = `name: setup
description: Set up the scanners
runs:
  using: "composite"
  steps:
    - name: trivy
      uses: aquasecurity/setup-trivy@v0.2.3
      with:
        version: v0.69.3
    - run: echo ready
      shell: bash
`

const rootActionYAML = `name: scan
description: scan with Checkmarx
inputs:
  token:
    description: token
runs:
  using: composite
  steps:
    - uses: Checkmarx/ast-github-action@2.3.28 # reported compromised
`

// A Docker action runs no steps: its image is not an action reference.
const dockerActionYAML = `name: docker scan
description: x
runs:
  using: docker
  image: docker://aquasec/trivy:0.69.4
  steps:
    - uses: Checkmarx/ast-github-action@2.3.28
`

func TestWorkflowActionUses(t *testing.T) {
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/app/.github/workflows/scan.yml":            []byte(scanWorkflow),
		"/home/alice/app/.github/workflows/old/scan.yml":        []byte(scanWorkflow), // GitHub runs only the top level
		"/home/alice/app/.github/actions/setup/action.yml":      []byte(compositeActionYAML),
		"/home/alice/src/scan-action/action.yml":                []byte(rootActionYAML),
		"/home/alice/src/docker-action/action.yaml":             []byte(dockerActionYAML),
		"/home/alice/src/notes/action.yml":                      []byte("this: [is not yaml\n"),
		"/home/alice/src/broken/action.yml":                     []byte("runs:\n  steps: [\n    - uses: checkmarx/ast-github-action@2.3.28\n"),
		"/home/alice/app/docs/example.yml":                      []byte("steps:\n  - uses: Checkmarx/kics-github-action@v2.1.3\n"), // not a workflow
		"/home/alice/app/.github/workflows/scan-clean.yaml":     []byte("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aquasecurity/trivy-action@0.35.0\n"),
		"/home/alice/app/.github/workflows/kubernetes-tags.yml": []byte("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2.1.3\n"),
	})
	m := sweeptest.Matcher(t)
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	var got []string
	for _, f := range findings {
		if f.Category != CatWorkflowAction {
			continue
		}
		p := strings.TrimPrefix(f.Location.Path, "/home/alice/")
		got = append(got, fmt.Sprintf("%s %s:%d %s/%s %s | %s | %s", f.Severity, p, f.Location.Line, f.Location.Job, f.Location.Step, f.Indicator.ID, f.Title, f.Evidence.Text))
		if f.User != "alice" {
			t.Errorf("user %q", f.User)
		}
	}
	slices.Sort(got)
	want := []string{
		"critical app/.github/workflows/scan.yml:14 kics/KICS scan action-kics | GitHub workflow pins Checkmarx/kics-github-action to imposter commit 0e22ec8d1e0d | uses: Checkmarx/kics-github-action@0e22ec8d1e0dda3c62bf4beffcd4a8a5db1abda1",
		"medium app/.github/workflows/scan.yml:18 kics/Trivy (fs) action-trivy-action | GitHub workflow uses aquasecurity/trivy-action@0.28.0, a ref hijacked during the window " + windowText(t, "trivy-action") + " | uses: aquasecurity/trivy-action@0.28.0",
		"medium app/.github/workflows/scan.yml:34 again/step 2 action-kics | GitHub workflow uses Checkmarx/kics-github-action@v2.1.3, a ref hijacked during the window " + windowText(t, "kics-action") + " | uses: Checkmarx/kics-github-action@v2.1.3",
		"medium app/.github/workflows/scan.yml:36 reuse/ action-kics | GitHub workflow uses Checkmarx/kics-github-action/.github/workflows/scan.yml@v2, a ref hijacked during the window " + windowText(t, "kics-action") + " | uses: Checkmarx/kics-github-action/.github/workflows/scan.yml@v2",
		"medium app/.github/actions/setup/action.yml:7 /trivy action-setup-trivy | GitHub action uses aquasecurity/setup-trivy@v0.2.3, a ref hijacked during the window " + windowText(t, "setup-trivy") + " | uses: aquasecurity/setup-trivy@v0.2.3",
		"medium src/scan-action/action.yml:9 /step 1 action-ast | GitHub action uses Checkmarx/ast-github-action@2.3.28, a ref hijacked during the window " + windowText(t, "ast-action") + " | uses: Checkmarx/ast-github-action@2.3.28",
	}
	sameLines(t, got, want)
	// The unreadable action.yml that names a pack action cannot be
	// cleared: a located error. The one that names none is not an action.
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, strings.TrimPrefix(e.Location.Path, "/home/alice/")+": "+e.Message)
	}
	if len(errs) != 1 || !strings.HasPrefix(msgs[0], "src/broken/action.yml: GitHub action: names Checkmarx/ast-github-action but is not readable YAML") {
		t.Errorf("errors: %q", msgs)
	}
}

func windowText(t *testing.T, id string) string {
	t.Helper()
	w, ok := sweeptest.Matcher(t).Window(id)
	if !ok {
		t.Fatalf("no window %s", id)
	}
	return fmt.Sprintf("%s – %s UTC (%s)", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"), w.Title)
}

// TestWorkflowFixturesAreReal: the workflow and composite action above are
// what GitHub accepts, checked by actionlint (its workflow and action
// metadata rules); a fixture it rejects fails the test.
func TestWorkflowFixturesAreReal(t *testing.T) {
	al := testenv.LookPath(t, "actionlint", "checks the GitHub workflow fixtures; CI installs it with go install")
	repo := sweeptest.MkTree(t, map[string][]byte{
		"/.github/workflows/scan.yml":       []byte(scanWorkflow),
		"/.github/actions/setup/action.yml": []byte(compositeActionYAML),
		"/.github/workflows/broken.yml":     []byte("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aquasecurity/trivy-action\n"),
	})
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(al, "-no-color", ".github/workflows/scan.yml", ".github/workflows/broken.yml")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, ".github/") {
			lines = append(lines, l)
		}
	}
	// The control (a uses without @ref, which GitHub refuses) must be the
	// one complaint: actionlint really read both files.
	if err == nil || len(lines) != 1 || !strings.HasPrefix(lines[0], ".github/workflows/broken.yml:6:") {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

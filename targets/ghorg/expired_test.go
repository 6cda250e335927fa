package ghorg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

const (
	// mlWorkflow installs litellm through a requirements file with an open
	// range (job train), pins it on the command line (job eval) and
	// installs nothing relevant (job docs).
	mlWorkflow = `name: ml
on: push
env:
  MODEL: ${{ vars.MODEL }}
jobs:
  train:
    runs-on: ubuntu-latest
    env:
      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}
    steps:
      - uses: actions/checkout@v4
      - name: Install deps
        working-directory: service
        run: |
          python -m pip install --upgrade pip
          pip install -i https://ci:${{ secrets.INDEX_PASSWORD }}@pypi.internal/simple -r requirements.txt
      - run: python train.py
  eval:
    runs-on: ubuntu-latest
    steps:
      - run: pip install "litellm==1.82.8" pytest && pytest
        env:
          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}
`
	docsWorkflow = `name: docs
on: push
jobs:
  docs:
    runs-on: ubuntu-latest
    steps:
      - run: pip install mkdocs requests>=2 && mkdocs build
        env:
          DOCS_TOKEN: ${{ secrets.DOCS_TOKEN }}
`
)

func expiredOrg(t *testing.T) *ghfake.Server {
	t.Helper()
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	at := func(h, m int) time.Time { return time.Date(2026, 3, 24, h, m, 0, 0, time.UTC) }
	sha1, sha2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	f.AddOrg("corp", &ghfake.Repo{Name: "ml", Branch: "main", Created: at(1, 0),
		Workflows: map[int64]string{41: ".github/workflows/ml.yml", 42: ".github/workflows/docs.yml"},
		Files:     map[string]string{"README.md": "# ml\n"},
		At: map[string]map[string]string{
			sha1: {".github/workflows/ml.yml": mlWorkflow, "service/requirements.txt": "-r base.txt\nrequests==2.32.3\n", "service/base.txt": "litellm>=1.80\n"},
			sha2: {".github/workflows/docs.yml": docsWorkflow},
		},
		Secrets: []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DOCS_TOKEN", "INDEX_PASSWORD"},
		Runs: []*ghfake.Run{
			{ID: 401, WorkflowID: 41, Name: "ml", HeadSHA: sha1, Event: "push", Created: at(11, 0), Duration: 5 * time.Minute,
				Jobs: []*ghfake.Job{{ID: 4011, Name: "train", LogStatus: 410}, {ID: 4012, Name: "eval", LogStatus: 410}}},
			{ID: 402, WorkflowID: 42, Name: "docs", HeadSHA: sha2, Event: "push", Created: at(12, 0), Duration: 2 * time.Minute,
				Jobs: []*ghfake.Job{{ID: 4021, Name: "docs", LogStatus: 410}}},
		}})
	return f
}

// TestExpiredLogsGraded: runs whose logs are gone are graded from the
// workflow at head_sha and the manifests it installs from at that commit.
func TestExpiredLogsGraded(t *testing.T) {
	f := expiredOrg(t)
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs = []string{"corp"} })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	likely := findingsWhere(res, func(x sweep.Finding) bool { return strings.Contains(x.Title, "likely exposed: logs expired") })
	byJob := map[string]sweep.Finding{}
	for _, x := range likely {
		byJob[x.Location.Job] = x
	}
	if len(likely) != 2 {
		t.Fatalf("likely-exposed findings %+v", likely)
	}
	train := byJob["train"]
	if train.Severity.Rank() < sweep.Medium.Rank() || train.Location.RunID != 401 || train.Location.Step != "Install deps" ||
		train.Location.Path != ".github/workflows/ml.yml" || train.Location.Line != 14 || train.Evidence.Package != "litellm" ||
		train.Evidence.Text != "pip install -r requirements.txt" {
		t.Errorf("train finding %+v", train)
	}
	details := strings.Join(train.Evidence.Details, "\n")
	if !strings.Contains(details, "service/base.txt:1") || !strings.Contains(details, "litellm>=1.80") || !strings.Contains(details, "unconfirmed") {
		t.Errorf("train evidence lacks the manifest line:\n%s", details)
	}
	eval := byJob["eval"]
	if eval.Severity != sweep.High || eval.Evidence.Version != "1.82.8" || eval.Evidence.Text != "pip install litellm==1.82.8 …" || eval.Location.Step != "Run pip install …" {
		t.Errorf("eval finding %+v", eval)
	}
	// The docs run installs nothing relevant: it stays unverified.
	if got := findingsWhere(res, func(x sweep.Finding) bool { return x.Location.RunID == 402 }); len(got) != 0 {
		t.Errorf("docs run graded: %+v", got)
	}
	unverified := false
	for _, e := range res.Errors {
		if e.Location.RunID == 402 && e.Kind == "unverified" && strings.Contains(e.Message, "HTTP 410") {
			unverified = true
		}
	}
	if !unverified || res.Coverage.RunsUnverified != 1 || res.Coverage.RunsTotal != 2 {
		t.Errorf("docs run not unverified: coverage %+v errors %+v", res.Coverage, res.Errors)
	}
	// Secrets of the graded jobs (names only) are precautionary rotation
	// items; the docs job's are not listed.
	rot := map[string]sweep.RotationItem{}
	for _, it := range planned(t, res) {
		rot[it.Names[0]] = it
	}
	for _, name := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "INDEX_PASSWORD"} {
		it, ok := rot[name]
		if !ok {
			t.Errorf("no rotation item for %s", name)
			continue
		}
		if it.Priority != "P2" || !strings.Contains(it.Title, "precautionary, unconfirmed") || !strings.Contains(it.Why, "UNCONFIRMED") {
			t.Errorf("%s item %+v", name, it)
		}
	}
	if it, ok := rot["MODEL"]; !ok || it.Priority != "P3" {
		t.Errorf("variable MODEL: %+v", it)
	}
	if _, ok := rot["DOCS_TOKEN"]; ok {
		t.Error("secret of an ungraded job listed")
	}
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Scan: sweep.Scan{Coverage: res.Coverage}}
	rep.Finalize()
	if rep.Verdict != sweep.Exposed {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

// TestParseInstalls covers the install commands graded from run: steps.
func TestParseInstalls(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   []string // display forms
	}{
		{"pip install -r requirements.txt", []string{"pip install -r requirements.txt"}},
		{"python3 -m pip install --upgrade pip\npip3 install -U 'litellm[proxy]>=1.80' -c constraints.txt", []string{"python -m pip install …", "pip install litellm[proxy]>=1.80 -c constraints.txt"}},
		{"uv pip install --system -r requirements/dev.txt && uv sync --frozen", []string{"uv pip install -r requirements/dev.txt", "uv sync"}},
		{"pip install --index-url https://u:SECRET@idx/simple --extra-index-url=$X -e . litellm", []string{"pip install -e . litellm"}},
		{"pip install \\\n  litellm==1.82.7 \\\n  requests", []string{"pip install litellm==1.82.7 …"}},
		{"poetry install --no-root; pipenv sync; pdm install", []string{"poetry install", "pipenv sync", "pdm install"}},
		{"pip install ${{ matrix.pkg }}", nil},
		{"echo pip install litellm", nil},
		{"npm install", nil},
	} {
		var got []string
		for _, c := range parseInstalls(tc.script, func(n string) bool { return n == "litellm" }) {
			got = append(got, c.String())
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q want %q", tc.script, got, tc.want)
		}
	}
}

// TestMarkerStepAttribution: the ##[group]Run markers segment the log;
// second-resolution API step times that would put the install in "Set up
// job" only name segments, and never move a line out of its segment.
func TestMarkerStepAttribution(t *testing.T) {
	m := sweeptest.Matcher(t)
	ts := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	scan := func(steps []StepSpan) string {
		t.Helper()
		fh, err := os.Open(filepath.Join("testdata", "logs", "uv-litellm-1.82.7.log"))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		res, err := ScanLog(fh, 0, steps, m)
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("hits %+v err %v", res.Hits, err)
		}
		return res.Hits[0].Step
	}
	for _, tc := range []struct {
		name  string
		steps []StepSpan
		want  string
	}{
		{"API times put the install line in Set up job", []StepSpan{
			{1, "Set up job", ts("2026-03-24T12:30:01Z"), ts("2026-03-24T12:30:08Z")},
			{2, "Run actions/checkout@v4", ts("2026-03-24T12:30:08Z"), ts("2026-03-24T12:30:08Z")},
			{3, "Install deps", ts("2026-03-24T12:30:08Z"), ts("2026-03-24T12:30:09Z")},
		}, "Run uv pip install --system -r requirements.txt"},
		{"overlapping steps: the one that started closest to the marker", []StepSpan{
			{1, "Set up job", ts("2026-03-24T12:30:01Z"), ts("2026-03-24T12:30:04Z")},
			{2, "Run actions/checkout@v4", ts("2026-03-24T12:30:04Z"), ts("2026-03-24T12:30:06Z")},
			{3, "Install deps", ts("2026-03-24T12:30:05Z"), ts("2026-03-24T12:30:09Z")},
		}, "Install deps"},
		{"no API steps", nil, "Run uv pip install --system -r requirements.txt"},
	} {
		if got := scan(tc.steps); got != tc.want {
			t.Errorf("%s: step %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestBlobShapes: a manifest blob that comes back as the JSON envelope
// (raw media type ignored) is decoded and graded; a body of another type
// is a located error, never an empty manifest.
func TestBlobShapes(t *testing.T) {
	for _, ignoreRaw := range []bool{false, true} {
		f := newScenario(t)
		f.IgnoreRaw = ignoreRaw
		sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos = nil, []string{"acme/api", "acme/scanner"} })
		res, err := sw.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		man := findingsWhere(res, func(x sweep.Finding) bool { return x.Category == "manifest" })
		wf := findingsWhere(res, func(x sweep.Finding) bool { return x.Category == "ci-workflow" && x.Location.RunID == 0 })
		if len(man) != 2 || len(wf) != 2 {
			t.Errorf("ignoreRaw=%v: %d manifest and %d workflow findings", ignoreRaw, len(man), len(wf))
		}
	}
	f := newScenario(t)
	f.Fail("/repos/acme/api/git/blobs/", ghfake.Fault{Status: 200, ContentType: "text/html; charset=utf-8", Body: "<html>login</html>", Times: 10})
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.Repos = nil, []string{"acme/api"} })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range res.Errors {
		if e.Kind == "error" && e.Location.Path != "" && strings.Contains(e.Message, `unexpected Content-Type "text/html"`) {
			n++
		}
	}
	if n == 0 {
		t.Errorf("HTML blob bodies not reported: %+v", res.Errors)
	}
}

func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		ct, body, want, err string
	}{
		{"application/vnd.github.raw; charset=utf-8", "litellm>=1.80\n", "litellm>=1.80\n", ""},
		{"application/vnd.github.v3.raw", "x", "x", ""},
		{"application/json; charset=utf-8", `{"sha":"a","encoding":"base64","content":"bGl0ZWxs\nbT49MS44MAo=\n"}`, "litellm>=1.80\n", ""},
		{"application/json", `{"type":"file","encoding":"none","content":""}`, "", "file too large"},
		{"application/json", `[{"type":"file","name":"a"}]`, "", "directory listing"},
		{"application/json", `{"message":"Not Found"}`, "", "without content"},
		{"application/json", `{"encoding":"base64","content":"!!"}`, "", "not valid base64"},
		{"text/html", "<html>", "", "unexpected Content-Type"},
		{"", "x", "", "Content-Type"},
	} {
		got, err := decodeBody(tc.ct, []byte(tc.body))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || isTransient(err) {
				t.Errorf("%s %q: err %v, want %q (permanent)", tc.ct, tc.body, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %q: %q %v", tc.ct, tc.body, got, err)
		}
	}
}

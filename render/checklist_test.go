package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/collectors/persistence"
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
	// The gh-token-monitor dead-man switch (its systemd user unit and
	// script, as the pack declares them): its disarm item comes first.
	for p, b := range map[string]string{
		"home/alice/.config/systemd/user/gh-token-monitor.service": "[Unit]\nDescription=GitHub token monitor\n[Service]\nExecStart=/home/alice/.local/bin/gh-token-monitor.sh\n",
		"home/alice/.local/bin/gh-token-monitor.sh":                "#!/bin/sh\n# fixture: the real one wipes $HOME when the token is revoked\n",
	} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 5, 12, 8, 30, 0, 0, time.UTC)
		if err := os.Chtimes(full, at, at); err != nil {
			t.Fatal(err)
		}
	}
	rfs, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	m := sweeptest.Matcher(t)
	homes := sweep.Homes(rfs.FS())
	c := creds.New(creds.Options{Pack: m.Pack().Pack, Homes: homes})
	pc := persistence.New(persistence.Options{Matcher: m, Homes: homes})
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "web-1"}}
	r.Findings, r.Errors = sweeptest.Sweep(t, root, c, pc)
	installed := time.Date(2026, 3, 24, 11, 2, 0, 0, time.UTC)
	r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
		Location:    sweep.Location{Path: "/home/alice/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info"},
		Evidence:    sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &installed},
		Environment: "/home/alice/.venv", User: "alice", Collector: python.Name,
		Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package"}})
	r.Finalize()
	r.Guards = remediate.Guards([]*sweep.Report{r}, m.Pack().Pack)
	if len(r.Guards) != 1 {
		t.Fatalf("the planted dead-man switch is not a guard: %+v", r.Guards)
	}
	items := remediate.Plan(r, m.Pack().Pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	return &remediate.Checklist{Generated: time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC), Guards: r.Guards,
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

// TestChecklistTableFitsTerminal: at 80 columns no line of the table is
// wider than the terminal (a command too long for its numbered line gets a
// line of its own), the guard is said before any item, and the last screen
// of an 80x24 terminal holds the answer, the first item and the exact
// next commands: disarm first, then mark what was rotated.
func TestChecklistTableFitsTerminal(t *testing.T) {
	cl, _ := plannedChecklist(t)
	cl.Items[3].Where = "/home/alice/" + strings.Repeat("deeply/nested/", 12) + "credentials"
	for _, cols := range []int{80, 120} {
		var b bytes.Buffer
		if err := ChecklistTable(&b, cl, Options{Width: cols, Rerun: "litesweep rotate -r web-1.json"}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		for i, l := range lines {
			if width(l) > cols {
				t.Errorf("width %d: line %d is %d columns: %q", cols, i+1, width(l), l)
			}
		}
		head := strings.Join(lines[:3], "\n")
		if !strings.Contains(head, "DEAD-MAN SWITCH gh-token-monitor") {
			t.Errorf("width %d: the table does not open with the guard:\n%s", cols, head)
		}
		tail := strings.Join(lines[max(0, len(lines)-23):], "\n")
		guard := cl.Guards[0].Item
		for _, want := range []string{"Rotate: 34 items (1 P0, ", "First: " + guard + " (P0) on web-1", "Next:",
			"litesweep remediate\n", "litesweep rotate -r web-1.json --rotated ROT-", " -f json -o rotated.json"} {
			if !strings.Contains(tail, want) {
				t.Errorf("width %d: the last screen lacks %q:\n%s", cols, want, tail)
			}
		}
		if strings.Contains(b.String(), cl.Items[3].Where) {
			t.Errorf("width %d: the long path is not shortened", cols)
		}
	}
}

// TestChecklistHTMLFitsPhone: the checklist page at 390x844 (a phone) and
// 1280x800 never scrolls sideways, in real Chromium; its script runs under
// its own Content Security Policy (the rotated count is painted), and the
// guard banner comes before the first item. The screenshots are kept in
// $LITESWEEP_SCREENSHOTS for a person to look at.
func TestChecklistHTMLFitsPhone(t *testing.T) {
	cl, _ := plannedChecklist(t)
	// A long unbroken name and path, as a real host can have.
	cl.Items[3].Where = "/home/alice/" + strings.Repeat("very-long-directory-name-", 8) + "/credentials"
	cl.Items[3].Names = []string{"profile " + strings.Repeat("x", 120)}
	dir := screenshotDir(t)
	for _, size := range [][2]int{{390, 844}, {1280, 800}} {
		var page bytes.Buffer
		if err := writeChecklistHTML(&page, cl, Options{}, fmt.Sprintf(overflowProbe, size[0])); err != nil {
			t.Fatal(err)
		}
		probe := filepath.Join(dir, fmt.Sprintf("checklist-%dx%d-probe.png", size[0], size[1]))
		chromiumRunAt(t, page.Bytes(), probe, size[0], size[1])
		if c := pixel(t, probe, 5, 5); c != [3]uint8{0, 255, 0} {
			t.Errorf("%dx%d: the page scrolls sideways (probe colour %v; what sticks out is written on %s)", size[0], size[1], c, probe)
		}
		var plain bytes.Buffer
		if err := ChecklistHTML(&plain, cl, Options{Rerun: "litesweep rotate -r web-1.json"}); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, fmt.Sprintf("checklist-%dx%d.png", size[0], size[1]))
		chromiumRunAt(t, plain.Bytes(), shot, size[0], size[1])
	}
	var plain bytes.Buffer
	if err := ChecklistHTML(&plain, cl, Options{}); err != nil {
		t.Fatal(err)
	}
	dom := chromiumRun(t, plain.Bytes(), "")
	if !strings.Contains(dom, `data-js="ready"`) || !strings.Contains(dom, `<span id="rotated">0 of 34 rotated</span>`) {
		t.Errorf("the page's script did not run under its policy:\n%s", tail(dom, 1500))
	}
	g, first := strings.Index(dom, `id="guard"`), strings.Index(dom, `class="rotation`)
	if g < 0 || first < 0 || g > first || !strings.Contains(dom[first:first+200], cl.Guards[0].Item) {
		t.Errorf("the guard banner (%d) is not before the first item (%d), or the first item is not the disarm item", g, first)
	}
}

// TestChecklistDisarmNamesTheDisk: the disarm command is for the system
// the guard was found on: a sweep of a mounted disk (--root) must be
// remediated on that disk, never on the machine the responder sits at.
func TestChecklistDisarmNamesTheDisk(t *testing.T) {
	g := sweep.Guard{Name: "gh-token-monitor", Host: "web-2", Item: "ROT-DISARM-1"}
	for _, tc := range []struct {
		name    string
		sources []remediate.Source
		want    string
	}{
		{"live system", []remediate.Source{{Kind: "host", Host: "web-2"}}, "litesweep remediate"},
		{"mounted disk", []remediate.Source{{Kind: "host", Host: "web-2", Root: "/mnt/web 2"}}, "litesweep remediate --root '/mnt/web 2'"},
		{"the guard's own disk among several", []remediate.Source{
			{Kind: "host", Host: "web-1", Root: "/mnt/web1"},
			{Kind: "host", Host: "web-2", Root: "/mnt/web2"}}, "litesweep remediate --root /mnt/web2"},
		{"another system's disk", []remediate.Source{
			{Kind: "host", Host: "web-1", Root: "/mnt/web1"},
			{Kind: "host", Host: "web-2"}}, "litesweep remediate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := ChecklistNextSteps(&remediate.Checklist{Guards: []sweep.Guard{g}, Sources: tc.sources}, Options{})
			if len(steps) == 0 || steps[0].Command != tc.want {
				t.Fatalf("first step %+v, want command %q", steps, tc.want)
			}
		})
	}
}

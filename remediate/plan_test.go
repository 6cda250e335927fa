package remediate_test

import (
	"os"
	"slices"
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

// inventoryReport sweeps a planted credential tree with the real creds
// collector and adds the given exposing findings.
func inventoryReport(t *testing.T, triggers ...sweep.Finding) *sweep.Report {
	t.Helper()
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	rfs, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rfs.Close()
	c := creds.New(creds.Options{Pack: sweeptest.Matcher(t).Pack().Pack, Homes: sweep.Homes(rfs.FS())})
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Hostname: "web-1"}}
	r.Findings, r.Errors = sweeptest.Sweep(t, root, c)
	r.Findings = append(r.Findings, triggers...)
	r.Finalize()
	return r
}

var installed = time.Date(2026, 3, 24, 11, 2, 0, 0, time.UTC)

func aliceInstall() sweep.Finding {
	return sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
		Location:    sweep.Location{Path: site + "/litellm-1.82.8.dist-info"},
		Evidence:    sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &installed},
		Environment: "/home/alice/.venv", User: "alice", Collector: python.Name,
		Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package"}}
}

func byWhere(items []sweep.RotationItem) map[string]sweep.RotationItem {
	m := map[string]sweep.RotationItem{}
	for _, it := range items {
		m[it.Where] = it
	}
	return m
}

func TestPlanScopesByExposure(t *testing.T) {
	r := inventoryReport(t, aliceInstall())
	items := remediate.Plan(r, sweeptest.Matcher(t).Pack().Pack, exposing)
	w := byWhere(items)
	aws, ok := w["/home/alice/.aws/credentials"]
	if !ok {
		t.Fatalf("alice's AWS credentials not listed: %+v", items)
	}
	if aws.Priority != "P1" || aws.Kind != "cloud" || aws.Provider != "aws" || aws.User != "alice" || aws.Host != "web-1" {
		t.Errorf("aws item: %+v", aws)
	}
	if !slices.Equal(aws.Names, []string{"profile default", "profile prod"}) {
		t.Errorf("aws names %q", aws.Names)
	}
	if !strings.Contains(aws.Why, "litellm 1.82.8 installed in /home/alice/.venv") || !strings.Contains(aws.Why, "(installed 2026-03-24 11:02Z)") {
		t.Errorf("why: %s", aws.Why)
	}
	if len(aws.Steps) == 0 || aws.Verify == "" || len(aws.ExposedBy) != 1 {
		t.Errorf("steps/verify/exposed_by missing: %+v", aws)
	}
	// root's 0600 key: alice could not read it; listed, one priority lower.
	rk := w["/root/.ssh/id_rsa"]
	if rk.Priority != "P2" || !strings.Contains(rk.Why, "in scope if that user could read it") {
		t.Errorf("root key: %+v", rk)
	}
	// The environment of alice's Python processes is always in scope.
	var env bool
	for _, it := range items {
		if it.Kind == "env" && it.User == "alice" && strings.Contains(it.Where, "every Python process run by alice") {
			env = true
		}
	}
	if !env {
		t.Errorf("no environment item for alice")
	}
	// Sorted by priority.
	for i := 1; i < len(items); i++ {
		if items[i-1].Priority > items[i].Priority {
			t.Errorf("not sorted by priority at %d", i)
		}
	}
	// De-duplicated by credential across reports.
	if again := remediate.PlanAll([]*sweep.Report{r, r}, sweeptest.Matcher(t).Pack().Pack, remediate.PlanOptions{Exposing: targets.Exposing()}); len(again) != len(items) {
		t.Errorf("two copies of a report: %d items, want %d", len(again), len(items))
	}
}

func TestPlanNothingExposed(t *testing.T) {
	r := inventoryReport(t)
	if items := remediate.Plan(r, sweeptest.Matcher(t).Pack().Pack, exposing); items != nil {
		t.Errorf("clean host: %d items", len(items))
	}
	all := remediate.PlanAll([]*sweep.Report{r}, sweeptest.Matcher(t).Pack().Pack, remediate.PlanOptions{All: true, Exposing: targets.Exposing()})
	if len(all) == 0 {
		t.Fatal("--all lists nothing")
	}
	for _, it := range all {
		if it.Priority != "P3" || !strings.HasPrefix(it.Why, "inventory only") {
			t.Errorf("inventory-only item: %+v", it)
		}
	}
}

func TestPlanRootTriggerAndGitHubAndImages(t *testing.T) {
	sys := aliceInstall()
	sys.User, sys.Environment = "", "/usr"
	host := inventoryReport(t, sys)
	gh := &sweep.Report{Scan: sweep.Scan{Kind: "github", Targets: []string{"acme"}}, Rotation: []sweep.RotationItem{{
		ID: "ROT-GH1", Priority: "P1", Kind: "ci", Provider: "github-actions", Title: "GitHub Actions secret",
		Where: "acme/api (repository secret)", Names: []string{"PYPI_TOKEN"}, Why: "run 42 used trivy-action@0.34.2", Steps: []string{"re-issue"}, Verify: "rejected"}}}
	layer := 3
	img := &sweep.Report{Scan: sweep.Scan{Kind: "images"}, Findings: []sweep.Finding{
		{Severity: sweep.Critical, Category: python.CatStartup, Title: "litellm_init.pth", Location: sweep.Location{Image: "app:1", Layer: &layer, Path: "/usr/lib/python3.11/site-packages/litellm_init.pth"}},
		{Severity: sweep.Info, Category: creds.CatCredential, Title: ".env files", Location: sweep.Location{Image: "app:1", Path: "/app/.env"},
			Evidence: sweep.Evidence{Details: []string{"var OPENAI_API_KEY"}}, Indicator: &sweep.Indicator{ID: "cred-dotenv", Kind: "dotenv"}},
	}}
	img.Finalize()
	items := remediate.PlanAll([]*sweep.Report{host, gh, img}, sweeptest.Matcher(t).Pack().Pack, remediate.PlanOptions{Exposing: targets.Exposing()})
	w := byWhere(items)
	if it := w["/root/.ssh/id_rsa"]; it.Priority != "P1" {
		t.Errorf("system-wide trigger: root key %+v", it)
	}
	if it := w["/etc/ssl/private/server.key"]; it.Priority != "P2" || !strings.Contains(it.Why, "(root)") {
		t.Errorf("TLS key %+v", it)
	}
	if it, ok := w["acme/api (repository secret)"]; !ok || it.ID != "ROT-GH1" {
		t.Errorf("GitHub rotation item not merged: %+v", items)
	}
	if it := w["app:1:/app/.env"]; it.Host != "image app:1" || !slices.Equal(it.Names, []string{"var OPENAI_API_KEY"}) || !strings.Contains(it.Why, "litellm_init.pth") {
		t.Errorf("image item %+v", it)
	}
}

// exposing are the planner's options as scan.Run sets them: the kinds the
// registry's targets declare exposure kinds for.
var exposing = remediate.PlanOptions{Exposing: targets.Exposing()}

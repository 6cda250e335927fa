package ghorg

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

func TestParseWorkflow(t *testing.T) {
	wf, err := ParseWorkflow(".github/workflows/ci.yml", []byte(ghfake.CIWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	test := wf.JobFor("test")
	if test == nil || test.Environment != "prod" || test.Permissions != "contents: write, packages: write" {
		t.Fatalf("test job %+v", test)
	}
	if strings.Join(test.Secrets, ",") != "DEPLOY_KEY,OPENAI_API_KEY,PYPI_TOKEN" || strings.Join(test.Vars, ",") != "REGION" {
		t.Errorf("secrets %v vars %v", test.Secrets, test.Vars)
	}
	if test.EnvSecrets["OPENAI_API_KEY"] != "OPENAI_API_KEY" || test.EnvSecrets["DEPLOY"] != "DEPLOY_KEY" || strings.Join(test.CredEnv, ",") != "DATABASE_PASSWORD" {
		t.Errorf("env %v cred %v", test.EnvSecrets, test.CredEnv)
	}
	if lint := wf.JobFor("lint"); lint == nil || strings.Join(lint.Secrets, ",") != "SLACK_WEBHOOK" {
		t.Errorf("lint %+v", lint)
	}
	if len(wf.Uses) != 2 || wf.Uses[0].Repo != "actions/checkout" || wf.Uses[0].Ref != "v4" || wf.Uses[0].Line != 16 {
		t.Errorf("uses %+v", wf.Uses)
	}

	scan, err := ParseWorkflow("scan.yml", []byte(ghfake.ScanWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	if r := scan.JobFor("release / publish"); r == nil || !r.AllSecrets || !strings.Contains(r.AllReason, "inherit") {
		t.Errorf("reusable job %+v", r)
	}
	var trivy *UseRef
	for i := range scan.Uses {
		if scan.Uses[i].Repo == "aquasecurity/trivy-action" {
			trivy = &scan.Uses[i]
		}
	}
	if trivy == nil || !trivy.Latest || trivy.Pinned || trivy.Ref != "0.28.0" {
		t.Errorf("trivy use %+v", trivy)
	}
	if j := scan.JobFor("scan (ubuntu, 3.11)"); j == nil || j.Key != "scan" || j.Permissions != "default (repository or organization setting)" {
		t.Errorf("matrix job name %+v", j)
	}

	tojson, err := ParseWorkflow("x.yml", []byte("jobs:\n  dump:\n    runs-on: x\n    steps:\n      - run: echo '${{ toJSON(secrets) }}'\n"))
	if err != nil || !tojson.Jobs[0].AllSecrets {
		t.Errorf("toJSON(secrets) not seen: %+v %v", tojson, err)
	}
	if _, err := ParseWorkflow("bad.yml", []byte(ghfake.BadYAML)); err == nil || !strings.Contains(err.Error(), "bad.yml: invalid YAML") {
		t.Errorf("invalid YAML: %v", err)
	}
	if _, err := ParseWorkflow("list.yml", []byte("- a\n- b\n")); err == nil {
		t.Error("a list is not a workflow")
	}
}

// TestUseFinding grades `uses:` refs of the compromised actions.
func TestUseFinding(t *testing.T) {
	sw, _ := newSweeper(t, newScenario(t), nil)
	ri := repoInfo{FullName: "acme/x"}
	for _, tc := range []struct {
		uses string
		want sweep.Severity // "" = no finding
		when string         // the month a default-branch title names (the entry's pack window)
	}{
		{"aquasecurity/trivy-action@0.28.0", sweep.Medium, "March 2026"},
		{"AquaSecurity/Trivy-Action@0.20.0", sweep.Medium, ""},
		{"aquasecurity/trivy-action@v0.20.0", "", ""}, // re-created clean after the window (trivy-action#541)
		{"aquasecurity/trivy-action@0.35.0", "", ""},
		{"aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1", "", ""},
		{"aquasecurity/trivy-action@ddb9da4475c1cef7d5389062bdfdfbdbd1394648", sweep.Critical, ""},
		{"aquasecurity/setup-trivy@v0.2.3", sweep.Medium, ""},
		{"aquasecurity/setup-trivy@v0.2.7", "", ""},
		{"Checkmarx/kics-github-action@v2", sweep.Medium, ""},
		{"checkmarx/ast-github-action@2.3.28", sweep.Medium, ""},
		{"checkmarx/ast-github-action@v2.3.35", sweep.Medium, "April 2026"},
		{"checkmarx/ast-github-action@2.3.27", "", ""},
		{"actions/checkout@v4", "", ""},
	} {
		wf, err := ParseWorkflow("w.yml", []byte("jobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: "+tc.uses+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		f, ok := sw.useFinding(wf.Uses[0], ri, "w.yml", nil)
		if got := sweep.Severity(""); ok {
			got = f.Severity
			if got != tc.want {
				t.Errorf("%s: %s, want %q", tc.uses, got, tc.want)
			}
			if tc.when != "" && !strings.Contains(f.Title, "hijacked in "+tc.when+")") {
				t.Errorf("%s: title %q does not name the pack window's month %s", tc.uses, f.Title, tc.when)
			}
		} else if tc.want != "" {
			t.Errorf("%s: no finding, want %s", tc.uses, tc.want)
		}
	}
	// The month comes from the pack; the title, so the ID, of a March entry
	// is what reports made before said.
	wf, _ := ParseWorkflow("w.yml", []byte("jobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: aquasecurity/trivy-action@0.28.0\n"))
	f, _ := sw.useFinding(wf.Uses[0], ri, "w.yml", nil)
	old := f
	old.Title = `workflow uses aquasecurity/trivy-action by mutable ref "0.28.0" (its tags were hijacked in March 2026): pin a reviewed commit SHA`
	if f.Key() != old.Key() {
		t.Errorf("title %q changed the finding ID of older reports", f.Title)
	}
}

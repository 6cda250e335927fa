package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/ghorg/ghfake"
)

const cliTestToken = "ghp_CL1t0k3nTh4tMustN3v3rB3Pr1nt3d42"

func fakeGitHub(t *testing.T) *ghfake.Server {
	t.Helper()
	f := ghfake.New(cliTestToken)
	t.Cleanup(f.Close)
	if err := ghfake.Scenario(f, filepath.Join("targets", "ghorg", "testdata", "logs")); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGitHubCommandUsage(t *testing.T) {
	f := fakeGitHub(t)
	t.Setenv("GITHUB_TOKEN", "")
	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"no target", "--org ORG or --repo", []string{"github"}},
		{"no token", "no GitHub token", []string{"github", "--org", "acme", "--api-url", f.API.URL}},
		{"token flag refused", "unknown flag --token", []string{"github", "--token", cliTestToken, "--org", "acme"}},
		{"bad repo", "want OWNER/NAME", []string{"github", "--repo", "justaname", "--api-url", f.API.URL, "--token-file", "/dev/null"}},
		{"bad window", "--window", []string{"github", "--org", "acme", "--window", "soon"}},
		{"bad concurrency", "--concurrency", []string{"github", "--org", "acme", "--concurrency", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runArgs(context.Background(), tc.args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d stderr %q stdout %q", code, errs, out)
			}
			if strings.Contains(out+errs, cliTestToken) {
				t.Error("token printed")
			}
		})
	}
}

// TestGitHubCommand runs the command end to end against the fake GitHub,
// with the token from GITHUB_TOKEN and from --token-file, and checks the
// report and that the token appears in no output, report or state file.
func TestGitHubCommand(t *testing.T) {
	f := fakeGitHub(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(cliTestToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, viaFile := range []bool{false, true} {
		out := filepath.Join(dir, "report.json")
		state := filepath.Join(dir, "state.json")
		os.Remove(state)
		args := []string{"github", "--org", "acme", "--org", "ghost", "--api-url", f.API.URL, "--format", "json", "-o", out, "--state", state}
		if viaFile {
			t.Setenv("GITHUB_TOKEN", "")
			args = append(args, "--token-file", tokenFile)
		} else {
			t.Setenv("GITHUB_TOKEN", cliTestToken)
		}
		code, stdout, stderr := runArgs(context.Background(), args...)
		if code != sweep.ExitFindings {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
			t.Errorf("report mode %v", fi.Mode())
		}
		var rep sweep.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != sweep.Compromised || rep.Scan.Kind != "github" || len(rep.Rotation) == 0 || rep.Stats.APICalls == 0 ||
			rep.Stats.Runs == 0 || rep.Stats.Logs == 0 || rep.Scan.Window == nil || !strings.Contains(rep.Scan.Window.Source, "litellm-pypi") {
			t.Errorf("report: verdict %s kind %s rotation %d stats %+v window %+v", rep.Verdict, rep.Scan.Kind, len(rep.Rotation), rep.Stats, rep.Scan.Window)
		}
		st, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]string{"stdout": stdout, "stderr": stderr, "report": string(b), "state": string(st)} {
			if strings.Contains(s, cliTestToken) {
				t.Errorf("token in %s", name)
			}
		}
		if leaks := f.Leaks(); len(leaks) > 0 {
			t.Fatalf("token sent to log storage: %v", leaks)
		}
	}
	// Markdown and table renderings carry no token either.
	t.Setenv("GITHUB_TOKEN", cliTestToken)
	for _, format := range []string{"table", "markdown", "sarif"} {
		code, stdout, stderr := runArgs(context.Background(), "github", "--repo", "acme/api", "--api-url", f.API.URL, "--format", format, "--no-files")
		if code != sweep.ExitFindings && code != sweep.ExitUsage {
			t.Errorf("%s: exit %d %s", format, code, stderr)
		}
		if strings.Contains(stdout+stderr, cliTestToken) {
			t.Errorf("%s output contains the token", format)
		}
	}
}

// TestGitHubCommandRateLimitStop: a primary limit whose reset lies beyond
// the wait budget stops the sweep; nothing was found, so the verdict is
// INCOMPLETE (exit 3) with the coverage in the report, and stderr says when
// to re-run with the same --state. The re-run against a healthy API
// finishes the sweep.
func TestGitHubCommandRateLimitStop(t *testing.T) {
	f := ghfake.New(cliTestToken)
	t.Cleanup(f.Close)
	var repos []*ghfake.Repo
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		repos = append(repos, &ghfake.Repo{Name: n, Branch: "main", Files: map[string]string{"README.md": n}})
	}
	f.AddOrg("quietorg", repos...)
	reset := time.Now().Add(3 * time.Hour)
	fault := ghfake.PrimaryLimitFault(reset)
	f.OnCall = func(n int) {
		if n == 3 { // the org listing and one repository's first requests
			f.Standing(&fault)
		}
	}
	dir := t.TempDir()
	out, state := filepath.Join(dir, "report.json"), filepath.Join(dir, "state.json")
	t.Setenv("GITHUB_TOKEN", cliTestToken)
	args := []string{"github", "--org", "quietorg", "--api-url", f.API.URL, "--format", "json", "-o", out, "--state", state, "--concurrency", "1"}
	code, stdout, stderr := runArgs(context.Background(), args...)
	if code != sweep.ExitIncomplete {
		t.Fatalf("exit %d, want 3\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "stopped at a standing GitHub rate limit") || !strings.Contains(stderr, "--state "+state) ||
		!strings.Contains(stderr, reset.Add(time.Second).UTC().Format("2006-01-02T15:04")) {
		t.Errorf("stderr %q", stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep sweep.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	cov := rep.Scan.Coverage
	if rep.Verdict != sweep.Incomplete || cov == nil || cov.Total != 5 || len(cov.Unchecked) == 0 || cov.ResumeAfter == nil {
		t.Fatalf("verdict %s coverage %+v", rep.Verdict, cov)
	}
	code, stdout, stderr = runArgs(context.Background(), "github", "--org", "quietorg", "--api-url", f.API.URL, "--format", "table", "--state", state)
	if code != sweep.ExitIncomplete || !strings.Contains(stdout, "INCOMPLETE; ") || !strings.Contains(stdout, "INCOMPLETE; 4 of 5 repositories could not be checked; the repositories of quietorg could not be listed") {
		t.Errorf("table while the limit stands: exit %d\n%s\n%s", code, stdout, stderr)
	}
	f.Standing(nil)
	f.OnCall = nil
	code, stdout, stderr = runArgs(context.Background(), "github", "--org", "quietorg", "--api-url", f.API.URL, "--format", "table", "--state", state)
	if code != sweep.ExitClean || strings.Contains(stdout, "could not be checked") {
		t.Errorf("healthy re-run: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

// savedHostReport sweeps a planted tree with `litesweep host`, adds an
// exposing finding (as the Python collectors report an installed 1.82.8)
// and saves the JSON.
func savedHostReport(t *testing.T, dir string) string {
	t.Helper()
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	out := filepath.Join(dir, "web-1.json")
	if code, _, errs := runArgs(context.Background(), "host", "--root", root, "--format", "json", "--output", out, "--fail-on", "critical"); code == 2 {
		t.Fatalf("host: %s", errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 24, 11, 2, 0, 0, time.UTC)
	r.Scan.Hostname = "web-1"
	r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
		Location: sweep.Location{Path: "/home/alice/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info"},
		Evidence: sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &at}, Environment: "/home/alice/.venv", User: "alice"})
	r.Finalize()
	b, _ = json.Marshal(r)
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRotateFromSavedReports(t *testing.T) {
	dir := t.TempDir()
	host := savedHostReport(t, dir)
	gh := filepath.Join(dir, "github.json")
	ghr := sweep.Report{SchemaVersion: "1.0", Scan: sweep.Scan{Kind: "github", Targets: []string{"acme"}}, Verdict: sweep.Exposed,
		Rotation: []sweep.RotationItem{{ID: "ROT-GHA0000001", Priority: "P1", Kind: "ci-secret", Provider: "github-actions",
			Title: "GitHub Actions secrets and GITHUB_TOKEN of exposed runs", Where: "acme/api: repository secrets",
			Names: []string{"PYPI_TOKEN", "DOCKERHUB_TOKEN"}, Why: "run 4242 used aquasecurity/trivy-action@0.28.0 on 2026-03-19 22:10Z",
			Steps: []string{"gh secret set NAME --repo acme/api"}, Verify: "old value rejected"}}}
	b, _ := json.Marshal(ghr)
	os.WriteFile(gh, b, 0o600)
	trunc := filepath.Join(dir, "truncated.json")
	hb, _ := os.ReadFile(host)
	os.WriteFile(trunc, hb[:len(hb)/2], 0o600)
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"schema_version":"2.0","findings":[]}`), 0o600)

	code, out, errs := runArgs(context.Background(), "rotate", "--report", host, "--report", gh, "--format", "markdown")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (credentials to rotate): %s", code, errs)
	}
	for _, want := range []string{"## P1: rotate now", "- [ ] **AWS access keys", "`/home/alice/.aws/credentials`",
		"litellm 1.82.8 installed in /home/alice/.venv (installed 2026-03-24 11:02Z)", "acme/api: repository secrets", "`PYPI_TOKEN`",
		"- web-1.json: host sweep of web-1", "- github.json: github sweep of acme"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	assertNoCanary(t, "rotate --report", out, errs)

	// Bad inputs are skipped with a clear reason; exit 3.
	code, out, errs = runArgs(context.Background(), "rotate", "-r", host, "-r", trunc, "-r", newer, "-r", filepath.Join(dir, "missing.json"), "--format", "csv")
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	for _, want := range []string{"truncated JSON", "report schema 2.0, newer than this litesweep reads", "no such file"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 5 || recs[0][0] != "id" {
		t.Errorf("csv: %d records, %v", len(recs), err)
	}

	// JSON to a file, 0600; the same host twice is de-duplicated.
	outFile := filepath.Join(dir, "rot.json")
	runArgs(context.Background(), "rotate", "-r", host, "-r", host, "--format", "json", "--output", outFile)
	var cl remediate.Checklist
	jb, err := os.ReadFile(outFile)
	if err != nil || json.Unmarshal(jb, &cl) != nil {
		t.Fatalf("json checklist: %v", err)
	}
	_, once, _ := runArgs(context.Background(), "rotate", "-r", host, "--format", "json")
	var cl1 remediate.Checklist
	json.Unmarshal([]byte(once), &cl1)
	if len(cl.Items) != len(cl1.Items) || len(cl.Items) == 0 {
		t.Errorf("two copies of one host: %d items, one copy: %d", len(cl.Items), len(cl1.Items))
	}
	if fi, _ := os.Stat(outFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("--output mode %v", fi.Mode().Perm())
	}

	// Usage errors.
	if code, _, errs := runArgs(context.Background(), "rotate", "-r", host, "--format", "sarif"); code != 2 ||
		!strings.Contains(errs, "--format sarif does not fit a rotation checklist") || !strings.Contains(errs, strings.Join(render.ChecklistFormats, ", ")) {
		t.Errorf("sarif: exit %d %s", code, errs)
	}
	if code, _, errs := runArgs(context.Background(), "rotate", "-r", host, "--format", "yaml"); code != 2 || !strings.Contains(errs, strings.Join(render.ChecklistFormats, ", ")) {
		t.Errorf("unknown format: exit %d %s", code, errs)
	}
	if code, _, _ := runArgs(context.Background(), "rotate", "-r", trunc); code != 2 {
		t.Errorf("no usable report: exit %d, want 2", code)
	}
}

// TestRotateEveryFormat: rotate offers every format the output registry
// declares for a checklist (table and HTML among them), each exits 1 with
// credentials to rotate and carries no secret's value; the table's last
// lines are the exact command that marks the first item rotated, built
// from the inputs given.
func TestRotateEveryFormat(t *testing.T) {
	dir := t.TempDir()
	host := savedHostReport(t, dir)
	for _, want := range []string{"markdown", "table", "csv", "json", "html"} {
		if !slices.Contains(render.ChecklistFormats, want) {
			t.Errorf("rotate does not offer %s (offers %v)", want, render.ChecklistFormats)
		}
	}
	for _, f := range render.ChecklistFormats {
		code, out, errs := runArgs(context.Background(), "rotate", "-r", host, "-f", f)
		if code != 1 || out == "" {
			t.Errorf("-f %s: exit %d, %d bytes: %s", f, code, len(out), errs)
		}
		assertNoCanary(t, "rotate -f "+f, out, errs)
		switch f {
		case "table":
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			tail := strings.Join(lines[max(0, len(lines)-12):], "\n")
			if !strings.Contains(tail, "litesweep rotate -r "+render.ShellWord(host)+" --rotated ROT-") || !strings.Contains(tail, "Rotate: ") {
				t.Errorf("the table does not end with the answer and the next command:\n%s", tail)
			}
		case "html":
			if !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "Content-Security-Policy") {
				t.Errorf("html: not a self-contained page:\n%.300s", out)
			}
		}
	}
}

func TestRotateRootCleanHostHasNothingToRotate(t *testing.T) {
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	code, out, _ := runArgs(context.Background(), "rotate", "--root", root)
	if code != 0 || !strings.Contains(out, "Nothing to rotate") || !strings.Contains(out, "use --all") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func hashTree(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(p)
		fmt.Fprintf(h, "%s %v %d %d\n", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

func TestRemediateCommand(t *testing.T) {
	root := t.TempDir()
	plantDropper(t, root)
	os.WriteFile(filepath.Join(root, "etc_passwd_placeholder"), nil, 0o644)
	ctx := context.Background()
	cwd := t.TempDir()
	t.Chdir(cwd)

	before := hashTree(t, root)
	code, out, errs := runArgs(ctx, "remediate", "--root", root)
	if code != 1 {
		t.Errorf("dry run exit %d, want 1: %s", code, errs)
	}
	for _, want := range []string{"dry run: nothing will be changed", "Stop and disable sysmon.service (user alice)",
		"litellm_init.pth", "/home/alice/.venv/bin/python -m pip install --no-cache-dir 'litellm==1.82.6'"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if hashTree(t, root) != before {
		t.Fatal("the dry run changed the tree")
	}
	if _, err := os.Stat(filepath.Join(cwd, "litesweep-evidence")); err == nil {
		t.Fatal("the dry run created the evidence directory")
	}

	code, out, errs = runArgs(ctx, "remediate", "--root", root, "--apply")
	if code != 0 {
		t.Fatalf("apply exit %d: %s\n%s", code, errs, out)
	}
	if !strings.Contains(out, "Applied: 6 moved") || !strings.Contains(out, "pip install") {
		t.Errorf("apply output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, "home/alice/.venv/lib/python3.11/site-packages/litellm_init.pth")); err == nil {
		t.Error(".pth still there")
	}
	// Idempotent.
	after := hashTree(t, root)
	code, out, _ = runArgs(ctx, "remediate", "--root", root, "--apply")
	if code != 0 || hashTree(t, root) != after || !strings.Contains(out, "No dropper") {
		t.Errorf("second apply: exit %d\n%s", code, out)
	}
	if code, _, errs := runArgs(ctx, "remediate", "--root", root, "--evidence-dir", root); code != 2 || !strings.Contains(errs, "must not be the root") {
		t.Errorf("evidence dir = root: exit %d %s", code, errs)
	}
}

// TestRotateFromSweepReports: `litesweep rotate --report` rebuilds the
// GitHub and Kubernetes items from a saved report's exposure findings
// alone (its rotation list removed): the same items the sweep attached,
// and no host-only item (the environment of root's Python processes).
func TestRotateFromSweepReports(t *testing.T) {
	dir := t.TempDir()
	f := fakeGitHub(t)
	t.Setenv("GITHUB_TOKEN", cliTestToken)
	srv := kubefake.New(kubeToken)
	defer srv.Close()
	kc, err := srv.WriteKubeconfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kc)
	want := map[string]bool{} // fleet ids of every item of both reports
	var saved []string
	for _, tc := range []struct {
		kind string
		args []string
	}{
		{"github", []string{"github", "--org", "acme", "--api-url", f.API.URL}},
		{"kube", []string{"kube"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			out := filepath.Join(dir, tc.kind+".json")
			if code, _, errs := runArgs(context.Background(), append(tc.args, "--format", "json", "-o", out)...); code != sweep.ExitFindings {
				t.Fatalf("%s: exit %d %s", tc.kind, code, errs)
			}
			var r sweep.Report
			b, _ := os.ReadFile(out)
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			exposures := 0
			for _, f := range r.Findings {
				if f.Exposure != nil {
					exposures++
					if f.Severity != sweep.Info {
						t.Errorf("exposure finding of severity %s", f.Severity)
					}
				}
			}
			if len(r.Rotation) == 0 || exposures == 0 {
				t.Fatalf("%s report: %d items, %d exposure findings", tc.kind, len(r.Rotation), exposures)
			}
			items := r.Rotation
			saved = append(saved, out)
			for _, it := range items {
				want[fleet.RotationID(it)] = true
			}
			r.Rotation = nil
			stripped := filepath.Join(dir, tc.kind+"-findings-only.json")
			b, _ = json.Marshal(r)
			os.WriteFile(stripped, b, 0o600)
			code, js, errs := runArgs(context.Background(), "rotate", "-r", stripped, "--format", "json")
			if code != sweep.ExitFindings {
				t.Fatalf("rotate: exit %d %s", code, errs)
			}
			var cl remediate.Checklist
			if err := json.Unmarshal([]byte(js), &cl); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(cl.Items)
			wb, _ := json.Marshal(items)
			if string(gb) != string(wb) {
				t.Errorf("rotate --report %s:\n got %s\nwant %s", tc.kind, gb, wb)
			}
			for _, it := range cl.Items {
				if it.ID == "" || it.Kind == "env" || it.Host != "" {
					t.Errorf("item %+v", it)
				}
			}
			if tc.kind == "github" {
				full, _ := os.ReadFile(out)
				legacyKinds(t, dir, b, full, wb)
			}
			// The saved report as written (rotation list and findings):
			// the same items, not doubled.
			_, js2, _ := runArgs(context.Background(), "rotate", "-r", out, "-r", stripped, "--format", "json")
			var cl2 remediate.Checklist
			json.Unmarshal([]byte(js2), &cl2)
			if gb2, _ := json.Marshal(cl2.Items); string(gb2) != string(wb) {
				t.Errorf("two copies of the report:\n got %s\nwant %s", gb2, wb)
			}
		})
	}
	// The fleet merge of both reports: its union checklist holds every
	// item of each.
	code, js, errs := runArgs(context.Background(), append([]string{"merge", "-f", "json"}, saved...)...)
	if code == sweep.ExitUsage {
		t.Fatalf("merge: %s", errs)
	}
	var fl fleet.Fleet
	if err := json.Unmarshal([]byte(js), &fl); err != nil {
		t.Fatal(err)
	}
	for _, it := range fl.Rotation {
		delete(want, it.ID)
	}
	if len(fl.Rotation) == 0 || len(want) > 0 {
		t.Errorf("fleet checklist (%d items) lacks %v", len(fl.Rotation), want)
	}
}

// legacyKinds: a GitHub report written before the exposure kinds were
// forge-neutral (actions-secret, ..., github-token) is planned by rotate
// and merged by merge as today's report is: the same items, the same
// merged findings.
func legacyKinds(t *testing.T, dir string, findingsOnly, full, want []byte) {
	t.Helper()
	// legacy renames the kinds of the exposure findings' credentials only
	// (rotation items keep their own kinds, ci-secret among them).
	legacy := func(b []byte) []byte {
		old := map[sweep.ExposedKind]string{sweep.ExposedCISecret: "actions-secret", sweep.ExposedAllCISecrets: "all-actions-secrets",
			sweep.ExposedCIVariable: "actions-variable", sweep.ExposedCILiteral: "workflow-literal", sweep.ExposedCIJobToken: "github-token"}
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range r["findings"].([]any) {
			e, _ := f.(map[string]any)["exposure"].(map[string]any)
			if e == nil {
				continue
			}
			for _, c := range e["credentials"].([]any) {
				c := c.(map[string]any)
				if o, ok := old[sweep.ExposedKind(c["kind"].(string))]; ok {
					c["kind"] = o
					seen[o] = true
				}
			}
		}
		if !seen["actions-secret"] || !seen["github-token"] {
			t.Fatalf("the legacy report has no actions-secret or github-token exposure (%v): the test no longer covers them", seen)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code, js, errs := runArgs(context.Background(), "rotate", "-r", write("github-legacy.json", legacy(findingsOnly)), "--format", "json")
	if code != sweep.ExitFindings {
		t.Fatalf("rotate of the legacy report: exit %d %s", code, errs)
	}
	var cl remediate.Checklist
	if err := json.Unmarshal([]byte(js), &cl); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(cl.Items); string(got) != string(want) {
		t.Errorf("rotate --report of a legacy report:\n got %s\nwant %s", got, want)
	}
	merged := func(file string) string {
		code, js, errs := runArgs(context.Background(), "merge", "-f", "json", file)
		if code == sweep.ExitUsage {
			t.Fatalf("merge: %s", errs)
		}
		var f struct {
			Rotation json.RawMessage `json:"rotation"`
			Hosts    []struct {
				Findings json.RawMessage `json:"findings"`
			} `json:"hosts"`
		}
		if err := json.Unmarshal([]byte(js), &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Hosts) != 1 {
			t.Fatalf("merge of one report: %d systems", len(f.Hosts))
		}
		return string(f.Rotation) + "\n" + string(f.Hosts[0].Findings)
	}
	got, now := merged(write("github-legacy-full.json", legacy(full))), merged(write("github-full.json", full))
	if got != now || !strings.Contains(now, `"ci-secret"`) {
		t.Errorf("merge of a legacy report:\n got %s\nwant %s", got, now)
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type remediateJSON struct {
	Targets []struct {
		Path, Kind, SHA256, Finding string
	}
	Sweep *struct {
		From      string
		Complete  bool
		Unchecked int
	}
	Result *struct{ Moved, Refused, Changed, Gone, Failed int }
	Errors []string
}

// TestRemediateFromSavedReport: remediate --report plans from a saved host
// report of the same root, re-checks every file at apply time (a file that
// changed since the sweep stays, a vanished one is "gone") and refuses a
// report of another root.
func TestRemediateFromSavedReport(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	plantDropper(t, root)
	stage := filepath.Join(root, "private/tmp/tmpq1w2e3")
	os.MkdirAll(stage, 0o755)
	os.WriteFile(filepath.Join(stage, "tpcp.tar.gz"), []byte("bundle"), 0o600)
	report := filepath.Join(t.TempDir(), "host.json")
	if code, _, errs := runArgs(ctx, "host", "--root", root, "--no-live", "-f", "json", "-o", report); code != 1 {
		t.Fatalf("host: exit %d %s", code, errs)
	}

	other := t.TempDir()
	if code, _, errs := runArgs(ctx, "remediate", "--root", other, "--report", report); code != 2 || !strings.Contains(errs, "not --root") {
		t.Errorf("a report of another root: exit %d %q", code, errs)
	}

	code, out, errs := runArgs(ctx, "remediate", "--root", root, "--report", report, "-f", "json")
	var plan remediateJSON
	if code != 1 || json.Unmarshal([]byte(out), &plan) != nil {
		t.Fatalf("dry run: exit %d %q %q", code, out, errs)
	}
	kinds := map[string]string{}
	var sysmonSum string
	for _, tg := range plan.Targets {
		kinds[tg.Path] = tg.Kind
		if tg.Path == "/home/alice/.config/sysmon/sysmon.py" {
			sysmonSum = tg.SHA256
		}
	}
	for p, k := range map[string]string{
		"/private/tmp/tmpq1w2e3/tpcp.tar.gz":                                 "staging",
		"/home/alice/.config/sysmon/sysmon.py":                               "script",
		"/home/alice/.config/systemd/user/sysmon.service":                    "unit",
		"/home/alice/.venv/lib/python3.11/site-packages/litellm_init.pth":    "pth",
		"/home/alice/.venv/lib/python3.11/site-packages/litellm/__init__.py": "package-file",
	} {
		if kinds[p] != k {
			t.Errorf("%s: kind %q, want %q (plan %v)", p, kinds[p], k, kinds)
		}
	}
	if sysmonSum == "" || plan.Sweep == nil || plan.Sweep.From != report {
		t.Errorf("plan lacks the sweep's hash or source: %s", out)
	}

	// Between the sweep and the apply: the script is rewritten, the
	// staging bundle disappears.
	sysmon := filepath.Join(root, "home/alice/.config/sysmon/sysmon.py")
	os.WriteFile(sysmon, []byte("# rewritten after the sweep\n"), 0o644)
	os.Remove(filepath.Join(stage, "tpcp.tar.gz"))
	ev := filepath.Join(t.TempDir(), "ev")
	code, out, errs = runArgs(ctx, "remediate", "--root", root, "--report", report, "--apply", "--evidence-dir", ev, "-f", "json")
	var applied remediateJSON
	if json.Unmarshal([]byte(out), &applied) != nil || applied.Result == nil {
		t.Fatalf("apply: exit %d %q %q", code, out, errs)
	}
	if code != 1 || applied.Result.Changed != 1 || applied.Result.Gone != 1 || applied.Result.Failed != 0 || applied.Result.Moved != len(plan.Targets)-2 {
		t.Errorf("apply: exit %d, result %+v of %d targets\n%s", code, *applied.Result, len(plan.Targets), errs)
	}
	if b, err := os.ReadFile(sysmon); err != nil || string(b) != "# rewritten after the sweep\n" {
		t.Errorf("a file that changed since the sweep was moved: %v", err)
	}
	if !strings.Contains(errs, "CHANGED /home/alice/.config/sysmon/sysmon.py") {
		t.Errorf("the log does not name the changed file:\n%s", errs)
	}
	// Re-applying the same report is harmless: moved files are not
	// recorded again, the changed one is still left.
	code, _, errs = runArgs(ctx, "remediate", "--root", root, "--report", report, "--apply", "--evidence-dir", ev)
	if _, err := os.Stat(sysmon); err != nil || code != 1 {
		t.Errorf("re-run: exit %d %v %s", code, err, errs)
	}
}

// TestRemediateSaysTheSweepDidNotFinish: what the sweep found is removed,
// and the plan and the exit code say the sweep did not finish.
func TestRemediateSaysTheSweepDidNotFinish(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	plantDropper(t, root)
	// A bad release whose RECORD is gone: its files cannot be verified,
	// an unverified location that leaves the sweep incomplete.
	os.Remove(filepath.Join(root, "home/alice/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info/RECORD"))
	code, out, errs := runArgs(ctx, "remediate", "--root", root)
	if code != 1 || !strings.Contains(out, "The sweep did not finish (1 location could not be checked") || !strings.Contains(out, "litellm_init.pth") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	ev := filepath.Join(t.TempDir(), "ev")
	code, out, errs = runArgs(ctx, "remediate", "--root", root, "--apply", "--evidence-dir", ev, "-f", "json")
	var applied remediateJSON
	if json.Unmarshal([]byte(out), &applied) != nil || applied.Result == nil || applied.Sweep == nil {
		t.Fatalf("apply: exit %d %q %q", code, out, errs)
	}
	if code != 3 || applied.Sweep.Complete || applied.Sweep.Unchecked != 1 || applied.Result.Moved == 0 || applied.Result.Failed != 0 {
		t.Errorf("apply: exit %d (want 3: done, sweep incomplete), %s", code, out)
	}
}

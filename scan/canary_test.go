package scan

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
)

func assertNoCanary(t *testing.T, what, out string) {
	t.Helper()
	if i := strings.Index(out, "7f3e9b"); i >= 0 || strings.Contains(out, credtest.Canary) {
		t.Errorf("%s: a secret value leaked: …%s…", what, out[max(0, i-80):min(len(out), max(i, 0)+20)])
	}
}

// TestCanaryProcessEnvironmentAcrossRenderers starts a real process whose
// environment holds the canary, inventories it the way the live host sweep
// does, and renders the report (with its rotation checklist) in every format.
func TestCanaryProcessEnvironmentAcrossRenderers(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no /proc")
		}
		t.Skip("no /proc")
	}
	cmd := exec.Command("sleep", "30")
	cmd.Env = []string{"OPENAI_API_KEY=" + credtest.Canary, "AWS_SECRET_ACCESS_KEY=" + credtest.Canary, "DATABASE_URL=postgres://u:" + credtest.Canary + "@db/x"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline")); strings.HasPrefix(string(b), "sleep") {
			break
		}
	}
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	env := testEnv(t)
	l := env.Pack
	rfs, _ := os.OpenRoot(root)
	homes := sweep.Homes(rfs.FS())
	rfs.Close()
	c := creds.New(creds.Options{Pack: l.Pack, Homes: homes, Live: true, PIDFilter: func(p int) bool { return p == pid }})
	sink := sweep.NewCollection(nil)
	if err := (&sweep.Walker{Root: root, Collectors: []sweep.Collector{c}, Sink: sink, Skips: sweep.DefaultSkips}).Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := newReport(env, "host")
	r.Scan.Root, r.Scan.Hostname = root, "canary-host"
	r.Findings, r.Errors = sink.Drain()
	at := time.Date(2026, 3, 24, 11, 2, 0, 0, time.UTC)
	r.Findings = append(r.Findings, sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm 1.82.8 installed",
		Evidence: sweep.Evidence{Package: "litellm", Version: "1.82.8", Time: &at}, Environment: "/home/alice/.venv", User: "root"})
	finish(context.Background(), env, &sweep.TargetOut{Report: r})
	var envItem bool
	for _, it := range r.Rotation {
		if it.Kind == "env" && strings.Contains(it.Where, "pid "+strconv.Itoa(pid)) && strings.Contains(strings.Join(it.Names, ","), "var OPENAI_API_KEY") {
			envItem = true
		}
	}
	if !envItem {
		t.Fatalf("the test process's environment names are not in the checklist: %+v", r.Rotation)
	}
	for _, f := range render.Formats {
		var b bytes.Buffer
		if err := render.Write(&b, f, r, render.Options{}); err != nil {
			t.Fatalf("render %s: %v", f, err)
		}
		assertNoCanary(t, "render "+f, b.String())
	}
	for _, f := range render.ChecklistFormats {
		var b bytes.Buffer
		if err := render.WriteChecklist(&b, f, &remediate.Checklist{Items: r.Rotation}); err != nil {
			t.Fatal(err)
		}
		assertNoCanary(t, "checklist "+f, b.String())
	}
}

package fleet_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/cache"
	"github.com/litesweep/litesweep/collectors/history"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/ghorg"
)

var update = flag.Bool("update", false, "rewrite testdata/reports and the golden files")

var (
	winStart = time.Date(2026, 3, 24, 10, 39, 0, 0, time.UTC)
	winEnd   = time.Date(2026, 3, 24, 16, 0, 0, 0, time.UTC)
	tool     = sweep.Tool{Name: "litesweep", Version: "1.0.0", PackID: "litellm-2026-03", PackVersion: "2026.03.30", PackSHA256: "ab", PackFrom: "builtin"}
)

func at(h, m int) *time.Time {
	t := time.Date(2026, 3, 24, h, m, 0, 0, time.UTC)
	return &t
}

type fixture struct {
	file   string
	report *sweep.Report
	raw    string // written instead of report when set
}

func hostReport(kind, name string, finished time.Time, fs []sweep.Finding, rot []sweep.RotationItem, errs []sweep.Error) *sweep.Report {
	r := &sweep.Report{Tool: tool, Scan: sweep.Scan{Kind: sweep.ScanKind(kind), Started: finished.Add(-2 * time.Minute), Finished: finished,
		Window: &sweep.Window{Start: winStart, End: winEnd, Source: "pypi-litellm"}}, Findings: fs, Rotation: rot, Errors: errs,
		Stats: sweep.Stats{DirsRead: 1200, FilesSeen: 50000, FilesRead: 300, BytesRead: 4 << 20, DurationMS: 120000}}
	switch kind {
	case "host":
		r.Scan.Hostname, r.Scan.Root = name, "/"
	default:
		r.Scan.Targets = []string{name}
	}
	r.Finalize()
	return r
}

// The fixtures' findings are what the real collectors emit (declared
// category, collector name, location fields, evidence and indicator):
// compare testdata/golden/host-report.json (a real host sweep) and
// targets/ghorg/testdata/acme.golden.json (a real GitHub sweep).
// catalog.TestFixtureCategoriesAreDeclared fails on a category no
// collector declares.

var litellmSources = []string{"https://docs.litellm.ai/blog/security-update-march-2026", "https://osv.dev/vulnerability/MAL-2026-2144"}

// pth is what collectors/python emits for litellm 1.82.8's start-up hook
// in the environment env.
func pth(env string, t *time.Time) sweep.Finding {
	return sweep.Finding{Severity: sweep.Critical, Category: python.CatStartup,
		Title:    "malicious .pth start-up hook litellm_init.pth (installed by litellm 1.82.8)",
		Location: sweep.Location{Path: env + "/lib/python3.11/site-packages/litellm_init.pth", Line: 1}, Collector: python.Name, Environment: env,
		Evidence: sweep.Evidence{SHA256: "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238", Size: 34628, ModTime: t,
			Package: "litellm", Version: "1.82.8", Text: "import os, subprocess, sys; import base64; exec(base64.b64decode('…'))",
			Details: []string{"name matches litellm-init-pth", "line 1: carries campaign strings, decodes and executes code, spawns a process"}},
		Indicator: &sweep.Indicator{ID: "litellm-init-pth", Kind: "file-name", Confidence: "confirmed", Sources: []string{"https://github.com/BerriAI/litellm/issues/24512"}}}
}

// install is what collectors/python emits for an installed bad release
// of litellm in the environment env.
func install(env, version string, t *time.Time) sweep.Finding {
	return sweep.Finding{Severity: sweep.Critical, Category: python.CatPackage, Title: "litellm " + version + " installed (affected release)",
		Location:  sweep.Location{Path: env + "/lib/python3.11/site-packages/litellm-" + version + ".dist-info/METADATA", Line: 3},
		Collector: python.Name, Environment: env,
		Evidence: sweep.Evidence{Package: "litellm", Version: version, Installer: "pip", Time: t, ModTime: t,
			Details: []string{"install time from INSTALLER mtime"}},
		Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package", Confidence: "confirmed", Sources: litellmSources}}
}

// cached is what collectors/cache emits for a cached wheel of a bad
// release: cache names the cache, file the wheel's name.
func cached(path, user, cacheName, how, version string, t *time.Time) sweep.Finding {
	file := "litellm-" + version + "-py3-none-any.whl"
	return sweep.Finding{Severity: sweep.High, Category: cache.CatCache, Title: cacheName + " holds " + file,
		Location: sweep.Location{Path: path}, Collector: "cache/packages", User: user,
		Evidence: sweep.Evidence{Package: "litellm", Version: version, Time: t, ModTime: t,
			Details: []string{"cache: " + cacheName + ", XDG layout (~/.cache)", how}},
		Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package", Confidence: "confirmed", Sources: litellmSources}}
}

func awsItem(names ...string) sweep.RotationItem {
	return sweep.RotationItem{Priority: "P1", Kind: "cloud", Provider: "aws", Title: "AWS access keys", Where: "/home/deploy/.aws/credentials",
		Names: names, User: "deploy", Why: "readable by the stealer on an exposed host", ExposedBy: []string{"LS-1"},
		Steps: []string{"aws iam create-access-key --user-name deploy", "aws iam delete-access-key --access-key-id OLD"}, Verify: "aws sts get-caller-identity with the old key fails"}
}

func fixtures() []fixture {
	web01 := hostReport("host", "web-01", time.Date(2026, 3, 26, 9, 0, 0, 0, time.UTC),
		[]sweep.Finding{
			pth("/opt/app/venv", at(11, 2)),
			install("/opt/app/venv", "1.82.8", at(11, 1)),
			{Severity: sweep.Critical, Category: persistence.CatPersistence, Title: "persistence artefact sysmon.service present (unit)",
				Location: sweep.Location{Path: "/root/.config/systemd/user/sysmon.service"}, Collector: persistence.Name, User: "root",
				Evidence: sweep.Evidence{Time: at(11, 3), ModTime: at(11, 3), Text: "ExecStart=/usr/bin/python3 /root/.config/sysmon/sysmon.py",
					Details: []string{"contains unit-description", "ExecStart runs a persistence script of the pack"}},
				Indicator: &sweep.Indicator{ID: "sysmon-unit", Kind: "persistence", Confidence: "confirmed",
					Sources: []string{"https://github.com/nxb1t/litellm-1.82.7_sample/blob/main/collector_variant1.py"}}},
		},
		[]sweep.RotationItem{awsItem("prod", "default"),
			{Priority: "P1", Kind: "env", Provider: "any", Title: "Environment variables of Python processes", Where: "process environment",
				Names: []string{"OPENAI_API_KEY"}, Why: "printenv dump", Steps: []string{"revoke and re-issue"}, Verify: "old key gets 401"}},
		nil)
	web02 := hostReport("host", "web-02", time.Date(2026, 3, 26, 9, 5, 0, 0, time.UTC),
		[]sweep.Finding{
			cached("/home/deploy/.cache/uv/wheels-v5/pypi/litellm/1.82.7-py3-none-any.http", "deploy", "uv cache",
				"named by the uv cache path litellm/1.82.7-py3-none-any.http", "1.82.7", at(12, 30)),
			// A saved report is untrusted input: its texts are hostile here
			// so the renderers' escaping is tested on merged reports.
			{Severity: sweep.High, Category: history.CatHistory, Title: `pip install "litellm<script>alert(1)</script>"`, Location: sweep.Location{Path: "/home/deploy/.bash_history", Line: 42},
				Collector: "history/shell", User: "deploy", Evidence: sweep.Evidence{Text: `pip install litellm==1.82.7 <img src=https://evil.example/x.png onerror=alert(2)>`}},
		},
		[]sweep.RotationItem{awsItem("default", "prod"),
			{Priority: "P2", Kind: "env", Provider: "any", Title: "Environment variables of Python processes", Where: "process environment",
				Names: []string{"OPENAI_API_KEY"}, Why: "seen on a second host", Steps: []string{"revoke and re-issue"}, Verify: "old key gets 401"}},
		nil)
	ci := hostReport("host", "ci-runner-01", time.Date(2026, 3, 26, 9, 10, 0, 0, time.UTC),
		[]sweep.Finding{{Severity: sweep.Medium, Category: lockfile.CatLockfile, Title: "litellm >=1.82 would have resolved to 1.82.8 during the window",
			Location: sweep.Location{Path: "/srv/ci/requirements.txt", Line: 3}, Collector: "lockfile/manifests",
			Evidence:  sweep.Evidence{Package: "litellm", Version: "1.82.8", Text: "litellm>=1.82", Details: []string{"file kind: requirements"}},
			Indicator: &sweep.Indicator{ID: "pypi-litellm", Kind: "package", Confidence: "confirmed", Sources: litellmSources}}}, nil, nil)
	db01 := hostReport("host", "db-01", time.Date(2026, 3, 26, 9, 12, 0, 0, time.UTC), nil, nil, nil)
	db02 := hostReport("host", "db-02", time.Date(2026, 3, 26, 9, 13, 0, 0, time.UTC), nil, nil,
		[]sweep.Error{{Location: sweep.Location{Path: "/var/lib/app"}, Collector: "walk", Message: "permission denied", Kind: "error"}})
	buildOld := hostReport("host", "build-01", time.Date(2026, 3, 25, 8, 0, 0, 0, time.UTC), nil, nil, nil)
	buildNew := hostReport("host", "build-01", time.Date(2026, 3, 26, 8, 0, 0, 0, time.UTC),
		[]sweep.Finding{cached("/root/.cache/pip/http-v2/3/c/8/1/e/3c81e0c5bd5fa42a4a4d4b8e3e2d1c5a3f9e3b6d2a8f4b1c7d5e6a9b", "root", "pip HTTP cache (http-v2)",
			"identified by the x-pypi-file-project/-version headers: litellm 1.82.8 (bdist_wheel)", "1.82.8", at(14, 45))}, nil, nil)
	// An image finding is a file collector's finding in a layer: the
	// image scanner adds the image, layer and build step to its location
	// and scopes its environment and user to the image.
	layer, visible := 3, true
	const image = "registry.example/app:1.4"
	hook := pth("/usr/local", at(13, 10))
	hook.Environment = image + " /usr/local"
	hook.Location = sweep.Location{Image: image, ImageID: "sha256:5d41402abc4b2a76b9719d911017c592ae2b5b1c4ec7e0f8a5c3e1b2d4f6a8c0",
		Layer: &layer, LayerDigest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", CreatedBy: "RUN pip install litellm==1.82.8",
		Path: hook.Location.Path, Line: 1, Visible: &visible}
	img := hostReport("images", image, time.Date(2026, 3, 26, 10, 0, 0, 0, time.UTC), []sweep.Finding{hook}, nil, nil)
	gh := hostReport("github", "acme", time.Date(2026, 3, 26, 11, 0, 0, 0, time.UTC),
		[]sweep.Finding{{Severity: sweep.High, Category: ghorg.CatWorkflow,
			Title:     "run used aquasecurity/trivy-action@0.28.0 while its tags were hijacked; log unavailable, so assume it ran the malicious code",
			Collector: ghorg.CollectorName,
			Location: sweep.Location{Repo: "acme/api", Path: ".github/workflows/ci.yml", Line: 9, RunID: 9001, RunAttempt: 1, Job: "scan", Step: "Trivy",
				URL: "https://github.com/acme/api/actions/runs/9001"},
			Evidence: sweep.Evidence{Time: at(15, 0), Text: "uses: aquasecurity/trivy-action@0.28.0",
				Details: []string{"run created 2026-03-24T15:00:00Z", "workflow ci", "event push", "branch main"}},
			Indicator: &sweep.Indicator{ID: "action-trivy-action", Kind: "ci-action", Confidence: "confirmed",
				Sources: []string{"https://github.com/aquasecurity/trivy/security/advisories/GHSA-69fq-xp46-6x23"}}}},
		[]sweep.RotationItem{{Priority: "P1", Kind: "ci-secret", Provider: "github-actions", Title: "GitHub Actions secrets of acme/api", Where: "acme/api",
			Names: []string{"AWS_DEPLOY_KEY", "NPM_TOKEN"}, Why: "the run's environment was dumped", ExposedBy: []string{"acme/api run 9001"},
			Steps: []string{"rotate each secret at the provider, then update it in the repository settings"}, Verify: "old values rejected"}}, nil)
	good, _ := json.MarshalIndent(db01, "", "  ")
	return []fixture{
		{file: "web-01.json", report: web01},
		{file: "web-02.json", report: web02},
		{file: "ci-runner-01.json", report: ci},
		{file: "db-01.json", report: db01},
		{file: "db-02.json", report: db02},
		{file: "build-01-old.json", report: buildOld},
		{file: "build-01.json", report: buildNew},
		{file: "images-app.json", report: img},
		{file: "github-acme.json", report: gh},
		{file: "truncated.json", raw: string(good[:len(good)/2])},
		{file: "newer-schema.json", raw: strings.Replace(string(good), `"schema_version": "1.0"`, `"schema_version": "2.0"`, 1)},
		{file: "not-a-report.json", raw: `{"hello": "world"}`},
		{file: "garbage.json", raw: "this is not JSON\n"},
	}
}

const reportsDir = "testdata/reports"

func writeFixtures(t *testing.T) {
	t.Helper()
	if err := os.MkdirAll(reportsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, fx := range fixtures() {
		data := []byte(fx.raw)
		if fx.report != nil {
			var err error
			if data, err = json.MarshalIndent(fx.report, "", "  "); err != nil {
				t.Fatal(err)
			}
			data = append(data, '\n')
		}
		if err := os.WriteFile(filepath.Join(reportsDir, fx.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// inputs are the committed fixtures plus two that git cannot hold: a
// directory named like a report and a file that does not exist.
func inputs(t *testing.T) []string {
	t.Helper()
	if *update {
		writeFixtures(t)
	}
	var in []string
	for _, fx := range fixtures() {
		in = append(in, filepath.Join(reportsDir, fx.file))
	}
	dir := filepath.Join(t.TempDir(), "dir.json")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return append(in, dir, filepath.Join(reportsDir, "missing.json"))
}

func build(t *testing.T, paths []string) *fleet.Fleet {
	t.Helper()
	b := &fleet.Builder{Tool: tool, Now: func() time.Time { return time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC) }}
	for _, p := range paths {
		b.AddFile(p)
	}
	return b.Fleet()
}

func TestFixturesAreCurrent(t *testing.T) {
	// The committed fixtures must be what fixtures() writes, so the render
	// and command tests that read them test what this file describes.
	for _, fx := range fixtures() {
		got, err := os.ReadFile(filepath.Join(reportsDir, fx.file))
		if err != nil {
			t.Fatalf("%v (run go test ./fleet -update)", err)
		}
		want := []byte(fx.raw)
		if fx.report != nil {
			want, _ = json.MarshalIndent(fx.report, "", "  ")
			want = append(want, '\n')
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale (run go test ./fleet -update)", fx.file)
		}
	}
}

func TestMerge(t *testing.T) {
	f := build(t, inputs(t))
	if len(f.Hosts) != 8 {
		var names []string
		for _, h := range f.Hosts {
			names = append(names, h.Name)
		}
		t.Fatalf("hosts = %d %v, want 8", len(f.Hosts), names)
	}
	if f.Verdict != sweep.Compromised {
		t.Errorf("verdict = %s", f.Verdict)
	}
	wantBy := map[sweep.Verdict][]string{
		sweep.Compromised: {"registry.example/app:1.4", "web-01"},
		sweep.Exposed:     {"acme", "build-01", "web-02"},
		sweep.AtRisk:      {"ci-runner-01"},
		sweep.Incomplete:  {"db-02"},
		sweep.Clean:       {"db-01"},
	}
	for v, names := range wantBy {
		if !slices.Equal(f.ByVerdict[v], names) {
			t.Errorf("hosts %s = %v, want %v", v, f.ByVerdict[v], names)
		}
	}
	// build-01: the newer report is the system's state, the older its history.
	for _, h := range f.Hosts {
		if h.Name == "build-01" && (h.Verdict != sweep.Exposed || !strings.HasSuffix(h.Source, "build-01.json") || len(h.History) != 2 ||
			!strings.HasSuffix(h.History[0].Path, "build-01-old.json") || h.History[0].Verdict != sweep.Clean || len(h.SHA256) != 64) {
			t.Errorf("build-01: %s (%s) history %+v, want the newer build-01.json with the older in its history", h.Source, h.Verdict, h.History)
		}
	}
	skips := map[string]fleet.Skip{}
	for _, s := range f.Skipped {
		skips[filepath.Base(s.Path)] = s
	}
	for file, kind := range map[string]string{
		"truncated.json": fleet.SkipMalformed, "newer-schema.json": fleet.SkipNewerSchema,
		"not-a-report.json": fleet.SkipNotReport, "garbage.json": fleet.SkipMalformed, "dir.json": fleet.SkipUnreadable, "missing.json": fleet.SkipUnreadable,
	} {
		s, ok := skips[file]
		if !ok || s.Kind != kind {
			t.Errorf("%s: skip %+v, want kind %s", file, s, kind)
		}
	}
	if len(f.Skipped) != 6 {
		t.Errorf("skipped %d inputs, want 6: %+v", len(f.Skipped), f.Skipped)
	}
	for file, want := range map[string]string{
		"truncated.json":    "truncated JSON",
		"newer-schema.json": "schema 2.0, newer than this litesweep reads (1.x)",
		"dir.json":          "is a directory",
		"missing.json":      "no such file",
	} {
		if !strings.Contains(skips[file].Reason, want) {
			t.Errorf("%s: reason %q does not say %q", file, skips[file].Reason, want)
		}
	}
	// Rotation: the AWS profiles of web-01 and web-02 are one credential.
	var aws, env *fleet.Rotation
	for i := range f.Rotation {
		switch f.Rotation[i].Kind {
		case "cloud":
			if aws != nil {
				t.Errorf("AWS credential listed twice")
			}
			aws = &f.Rotation[i]
		case "env":
			env = &f.Rotation[i]
		}
	}
	if len(f.Rotation) != 3 || aws == nil || env == nil {
		t.Fatalf("rotation = %+v, want 3 items (aws, env, github)", f.Rotation)
	}
	if !slices.Equal(aws.Hosts, []string{"web-01", "web-02"}) || !slices.Equal(aws.Names, []string{"default", "prod"}) {
		t.Errorf("aws item hosts %v names %v", aws.Hosts, aws.Names)
	}
	if env.Priority != "P1" || !strings.Contains(env.Why, "printenv dump") || !strings.Contains(env.Why, "second host") {
		t.Errorf("env item priority %s why %q: want the highest priority and both reasons", env.Priority, env.Why)
	}
	// Timeline: dated findings of every host, in time order.
	if len(f.Timeline) < 7 {
		t.Errorf("timeline has %d events", len(f.Timeline))
	}
	for i := 1; i < len(f.Timeline); i++ {
		if f.Timeline[i].Time.Before(f.Timeline[i-1].Time) {
			t.Fatalf("timeline not sorted at %d", i)
		}
	}
	if f.ExitCode(sweep.Medium) != sweep.ExitFindings || f.ExitCode(sweep.Critical) != sweep.ExitFindings {
		t.Errorf("exit code should be 1")
	}
}

func TestExitCodes(t *testing.T) {
	dir := filepath.Join(reportsDir)
	for _, tc := range []struct {
		name    string
		files   []string
		failOn  sweep.Severity
		want    int
		verdict sweep.Verdict
	}{
		{"clean", []string{"db-01.json"}, sweep.Medium, 0, sweep.Clean},
		{"clean-and-superseded", []string{"db-01.json", "db-01.json"}, sweep.Medium, 0, sweep.Clean},
		{"clean-and-truncated", []string{"db-01.json", "truncated.json"}, sweep.Medium, 3, sweep.Incomplete},
		{"host-incomplete", []string{"db-01.json", "db-02.json"}, sweep.Medium, 3, sweep.Incomplete},
		{"nothing-usable", []string{"garbage.json"}, sweep.Medium, 3, sweep.Incomplete},
		{"at-risk-below-fail-on", []string{"ci-runner-01.json"}, sweep.High, 0, sweep.AtRisk},
		{"at-risk-and-skip", []string{"ci-runner-01.json", "newer-schema.json"}, sweep.High, 3, sweep.AtRisk},
		{"exposed", []string{"web-02.json", "truncated.json"}, sweep.High, 1, sweep.Exposed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for _, f := range tc.files {
				paths = append(paths, filepath.Join(dir, f))
			}
			f := build(t, paths)
			if got := f.ExitCode(tc.failOn); got != tc.want {
				t.Errorf("exit = %d, want %d", got, tc.want)
			}
			if f.Verdict != tc.verdict {
				t.Errorf("verdict = %s, want %s", f.Verdict, tc.verdict)
			}
		})
	}
}

func TestFleetOfFleets(t *testing.T) {
	f := build(t, inputs(t))
	var buf bytes.Buffer
	if err := render.FleetJSON(&buf, f); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "fleet.json")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	again := build(t, []string{p, filepath.Join(reportsDir, "db-01.json")})
	if len(again.Hosts) != len(f.Hosts) || again.Verdict != f.Verdict || len(again.Rotation) != len(f.Rotation) {
		t.Errorf("re-merged fleet: %d hosts %s %d rotation, want %d %s %d", len(again.Hosts), again.Verdict, len(again.Rotation),
			len(f.Hosts), f.Verdict, len(f.Rotation))
	}
}

func TestGolden(t *testing.T) {
	f := build(t, inputs(t))
	for i := range f.Skipped { // temp dir paths vary
		if filepath.Base(f.Skipped[i].Path) == "dir.json" {
			f.Skipped[i].Path = "DIR/dir.json"
		}
	}
	for _, format := range []string{"markdown", "json"} {
		var buf bytes.Buffer
		if err := render.WriteFleet(&buf, format, f, render.Options{}); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "fleet."+map[string]string{"markdown": "md", "json": "json"}[format])
		sweeptest.Golden(t, golden, buf.Bytes(), *update)
	}
}

func TestCheckSchema(t *testing.T) {
	for v, ok := range map[string]bool{"1.0": true, "1.7": true, "2.0": false, "": false, "x": false, "0.9": false} {
		if err := fleet.CheckSchema(v); (err == nil) != ok {
			t.Errorf("CheckSchema(%q) = %v", v, err)
		}
	}
}

// TestRemediatedKeepsHistory: a host re-swept CLEAN after a COMPROMISED
// report is REMEDIATED, shows the first bad report's findings and keeps
// its credentials on the checklist until a later mark says rotated.
func TestRemediatedKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(reportsDir, "web-01.json")
	clean := hostReport("host", "web-01", time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC), nil, nil, nil)
	cleanPath := filepath.Join(dir, "web-01-after.json")
	data, _ := json.MarshalIndent(clean, "", "  ")
	if err := os.WriteFile(cleanPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	checklist := func(name string, at time.Time) string {
		it := awsItem("prod", "default")
		it.RotatedAt = &at
		data, _ := json.Marshal(map[string]any{"schema_version": "1.0", "generated": at, "items": []sweep.RotationItem{it}})
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := checklist("rotated-before.json", time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC))
	after := checklist("rotated-after.json", time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC))
	status := func(f *fleet.Fleet) map[string]string {
		out := map[string]string{}
		for _, r := range f.Rotation {
			out[r.Kind] = r.Status
		}
		return out
	}
	for _, order := range [][]string{{bad, cleanPath}, {cleanPath, bad}} {
		f := build(t, order)
		if len(f.Hosts) != 1 || f.Verdict != fleet.Remediated {
			t.Fatalf("%v: %d hosts, verdict %s", order, len(f.Hosts), f.Verdict)
		}
		h := &f.Hosts[0]
		if h.Verdict != fleet.Remediated || h.ReportVerdict != sweep.Clean || h.Source != cleanPath || h.FirstBad == nil ||
			h.FirstBad.Path != bad || h.FirstBad.Verdict != sweep.Compromised || h.Shown() != 3 || len(h.History) != 2 {
			t.Errorf("host %+v first bad %+v", h, h.FirstBad)
		}
		if len(f.Timeline) != 3 || f.Summary["critical"] != 3 {
			t.Errorf("timeline %d events, summary %v: want the first bad report's", len(f.Timeline), f.Summary)
		}
		if got := status(f); got["cloud"] != fleet.RotationPending || got["env"] != fleet.RotationPending {
			t.Errorf("rotation %v, want both pending", got)
		}
		if f.ExitCode(sweep.Medium) != sweep.ExitFindings {
			t.Errorf("exit %d: credentials still to rotate", f.ExitCode(sweep.Medium))
		}
		f.Close()
	}
	// A mark older than the report that exposed the credential does not count.
	if got := status(build(t, []string{bad, cleanPath, before})); got["cloud"] != fleet.RotationPending {
		t.Errorf("rotated before exposure: %v", got)
	}
	f := build(t, []string{after, bad, cleanPath})
	if got := status(f); got["cloud"] != fleet.RotationDone || got["env"] != fleet.RotationPending {
		t.Errorf("rotated after exposure: %v", got)
	}
	if len(f.Checklists) != 1 || len(f.Skipped) != 0 {
		t.Errorf("checklists %v skipped %v", f.Checklists, f.Skipped)
	}
}

// TestReferencesAndEmbed: the fleet JSON references each report by path
// and digest; re-merging it reads them again (and refuses a changed one);
// --embed copies them in.
func TestReferencesAndEmbed(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "web-02.json")
	data, _ := os.ReadFile(filepath.Join(reportsDir, "web-02.json"))
	os.WriteFile(src, data, 0o600)
	f := build(t, []string{src, filepath.Join(reportsDir, "db-01.json")})
	for _, embed := range []bool{false, true} {
		var buf bytes.Buffer
		if err := render.FleetJSONOpts(&buf, f, render.Options{Embed: embed}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), `"report": {"schema_version"`); got != embed {
			t.Errorf("embed=%v: report embedded %v", embed, got)
		}
		p := filepath.Join(dir, "fleet.json")
		os.WriteFile(p, buf.Bytes(), 0o600)
		again := build(t, []string{p})
		if len(again.Hosts) != 2 || again.Verdict != sweep.Exposed || again.Gaps() != 0 {
			t.Errorf("embed=%v: re-merged %d hosts %s skipped %v", embed, len(again.Hosts), again.Verdict, again.Skipped)
		}
		rs, _, err := fleet.ReadFile(p)
		if err != nil || len(rs) != 2 {
			t.Errorf("embed=%v: ReadFile %d reports %v", embed, len(rs), err)
		}
	}
	// Changed since: the reference no longer matches.
	var buf bytes.Buffer
	render.FleetJSON(&buf, f)
	p := filepath.Join(dir, "fleet.json")
	os.WriteFile(p, buf.Bytes(), 0o600)
	os.WriteFile(src, append(data, ' '), 0o600)
	again := build(t, []string{p})
	if len(again.Skipped) != 1 || again.Skipped[0].Kind != fleet.SkipChanged || again.Verdict != sweep.Clean && again.Verdict != sweep.Incomplete {
		t.Errorf("changed report: %+v %s", again.Skipped, again.Verdict)
	}
}

// TestOlderVersionCategory: a report saved by an older version holds
// categories this version does not declare ("python"); the merge keeps
// them, judges the system from its severities and renders the findings
// generically.
func TestOlderVersionCategory(t *testing.T) {
	older := filepath.Join("testdata", "older", "web-03.json")
	f := build(t, []string{older, filepath.Join(reportsDir, "db-01.json")})
	defer f.Close()
	if len(f.Hosts) != 2 || len(f.Skipped) != 0 || f.Verdict != sweep.Compromised {
		t.Fatalf("%d hosts, skipped %v, verdict %s", len(f.Hosts), f.Skipped, f.Verdict)
	}
	var undeclared int
	for i := range f.Hosts {
		if err := f.Findings(&f.Hosts[i], func(fi *sweep.Finding) error {
			if string(fi.Category) == "python" {
				undeclared++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if undeclared != 2 {
		t.Errorf("%d findings keep the older category, want 2", undeclared)
	}
	for _, format := range []string{"markdown", "json"} {
		var buf bytes.Buffer
		if err := render.WriteFleet(&buf, format, f, render.Options{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "litellm 1.82.8 installed") || !strings.Contains(buf.String(), "web-03") {
			t.Errorf("%s: the older report's findings are not rendered:\n%s", format, buf.String())
		}
	}
}

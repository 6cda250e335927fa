package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestRealPipLegacyHTTPCache runs the machine's real pip (23.2.1 here,
// which writes the legacy http/ cache: "cc=4," + msgpack with the wheel
// inline) against a loopback index, uninstalls the package, and checks the
// collector finds the cached litellm 1.82.8 wheel: by its dist-info, its
// RECORD, and its SHA-256 against the (fixture) pack.
func TestRealPipLegacyHTTPCache(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("runs the real pip (-short)")
	}
	py := pyindex.RequirePython(t)
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	root := t.TempDir()
	cacheDir := filepath.Join(root, "home", "alice", ".cache", "pip")
	venv := filepath.Join(t.TempDir(), "venv")
	if err := py.Venv(ctx, venv); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Minute)
	if out, err := py.Install(ctx, venv, pyindex.InstallOptions{Index: ix.URL(), CacheDir: cacheDir, NoDeps: true}, "litellm==1.82.8"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := py.Uninstall(ctx, venv, "litellm"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// What did this pip write? (http/ for pip < 23.3, http-v2/ after.)
	var entries []string
	filepath.WalkDir(cacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			entries = append(entries, "/"+filepath.ToSlash(rel))
		}
		return nil
	})
	t.Logf("pip cache entries: %q", entries)
	if *update {
		// Commit the wheel's entry (the largest file) as a fixture and fuzz seed.
		var best string
		var bestSize int64
		for _, e := range entries {
			if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(e))); err == nil && fi.Size() > bestSize {
				best, bestSize = e, fi.Size()
			}
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(best)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(realPipEntry, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	for _, e := range errs {
		t.Errorf("unexpected error: %+v", e)
	}
	if len(findings) != 1 {
		t.Fatalf("want 1 finding (the cached 1.82.8 wheel; the index page and nothing else), got %d: %+v", len(findings), findings)
	}
	f := findings[0]
	w8, err := fx.Bad8.Build()
	if err != nil {
		t.Fatal(err)
	}
	if f.Severity != sweep.High || f.Category != "cache" || f.User != "alice" ||
		f.Evidence.Package != "litellm" || f.Evidence.Version != "1.82.8" ||
		f.Evidence.SHA256 != pyindex.SHA256(w8) || f.Evidence.Size != int64(len(w8)) {
		t.Errorf("finding: %+v", f)
	}
	if !strings.Contains(f.Location.Path, "/.cache/pip/http") {
		t.Errorf("location %q is not in the pip HTTP cache", f.Location.Path)
	}
	if f.Indicator == nil || f.Indicator.Kind != "artifact" {
		t.Errorf("indicator: %+v", f.Indicator)
	}
	if f.Evidence.Time == nil || f.Evidence.Time.Before(before) || f.Evidence.Time.After(time.Now().Add(time.Minute)) {
		t.Errorf("evidence time %v is not the cache entry's time", f.Evidence.Time)
	}
	all := strings.Join(f.Evidence.Details, "\n")
	for _, want := range []string{"identified by the wheel's litellm-1.82.8.dist-info", "RECORD lists litellm_init.pth", "body SHA-256 equals the pack's artefact", "cached at (Date header)"} {
		if !strings.Contains(all, want) {
			t.Errorf("details lack %q:\n%s", want, all)
		}
	}
}

// TestRealPipDownloads: the real pip downloads the bad release into
// ~/Downloads and a CI wheelhouse (pip download): each wheel is a
// downloaded artefact (high, cache: not an installed release), identified
// by its file name and its SHA-256 against the pack's artefacts.
func TestRealPipDownloads(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("runs the real pip (-short)")
	}
	py := pyindex.RequirePython(t)
	fx := pyindex.Litellm()
	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := t.TempDir()
	for _, dir := range []string{"home/alice/Downloads", "srv/ci/cache/wheelhouse"} {
		got, err := py.Download(ctx, filepath.Join(root, dir), pyindex.InstallOptions{Index: ix.URL()}, "litellm==1.82.8")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != "litellm-1.82.8-py3-none-any.whl" {
			t.Fatalf("pip download wrote %q", got)
		}
	}
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: fx.TestMatcher(t), Homes: []sweep.Home{{User: "alice", Dir: "/home/alice"}}}))
	for _, e := range errs {
		t.Errorf("unexpected error: %+v", e)
	}
	if len(findings) != 2 {
		t.Fatalf("want the two downloaded wheels, got %d: %+v", len(findings), findings)
	}
	for _, f := range findings {
		if f.Severity != sweep.High || f.Category != "cache" || f.Evidence.Package != "litellm" || f.Evidence.Version != "1.82.8" ||
			f.Indicator == nil || f.Indicator.Kind != "artifact" {
			t.Errorf("finding %s: %s %s %+v %+v", f.Location.Path, f.Severity, f.Category, f.Evidence, f.Indicator)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/npmreg"
	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// osvRecords are hand-written OSV records in the real schema for invented
// package names (so nothing here names a real release), beside the real
// records in iocs/osv/testdata/real.
var osvRecords = map[string]string{
	// An ECOSYSTEM range: 2.0 up to (not including) 2.1, plus a listed version.
	"pypi/osvtest-ranged/MAL-2099-0101.json": `{"schema_version":"1.7.4","id":"MAL-2099-0101","modified":"2099-01-01T00:00:00Z",
	  "aliases":["GHSA-osvt-0000-0001"],"summary":"Malicious code in osvtest-ranged (PyPI)",
	  "affected":[{"package":{"ecosystem":"PyPI","name":"OSVTest_Ranged"},"versions":["3.0"],
	    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.0"},{"fixed":"2.1"}]}]}]}`,
	// introduced 0: every version.
	"pypi/osvtest-every/MAL-2099-0102.json": `{"schema_version":"1.7.4","id":"MAL-2099-0102","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"PyPI","name":"osvtest.every"},
	    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`,
	// Withdrawn: never an indicator.
	"pypi/osvtest-withdrawn/MAL-2099-0103.json": `{"schema_version":"1.7.4","id":"MAL-2099-0103","modified":"2099-01-01T00:00:00Z",
	  "withdrawn":"2099-01-02T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"PyPI","name":"osvtest-withdrawn"},"versions":["1.0"]}]}`,
	// The same name in npm: never matches the PyPI install.
	"npm/osvtest-decoy/MAL-2099-0104.json": `{"schema_version":"1.7.4","id":"MAL-2099-0104","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"npm","name":"osvtest-decoy"},"versions":["1.0.0"]}]}`,
	// Another ecosystem: counted as not swept.
	"go/MAL-2099-0105.json": `{"schema_version":"1.7.4","id":"MAL-2099-0105","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"Go","name":"example.com/osvtest"},"versions":["v1.0.0"]}]}`,
}

func writeOSV(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{}
	for k, v := range osvRecords {
		all[k] = v
	}
	for k, v := range extra {
		all[k] = v
	}
	for name, body := range all {
		sweeptest.WriteFile(t, dir, name, []byte(body))
	}
	real, _ := filepath.Glob("iocs/osv/testdata/real/*.json")
	if len(real) == 0 {
		t.Fatal("no real OSV records in iocs/osv/testdata/real")
	}
	for _, r := range real {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		sweeptest.WriteFile(t, dir, "real/"+filepath.Base(r), b)
	}
	return dir
}

// TestOSVRecordsFindRealInstalls installs releases with the machine's
// real pip from a loopback index into venvs under a temporary root, then
// sweeps it with --osv: a release a record lists (by version, by range,
// by "introduced: 0", and a real record's release, xinference 2.6.1,
// built here as a harmless wheel) is a high finding naming the record and
// its aliases; the decoys just outside the ranges, a withdrawn record's
// release and a same-named npm record are not.
func TestOSVRecordsFindRealInstalls(t *testing.T) {
	py := pyindex.RequirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	wheel := func(name, version string) pyindex.Artifact {
		mod := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(name))
		return pyindex.WheelArtifact(t, pyindex.Wheel{Name: name, Version: version,
			Files: []pyindex.File{{Path: mod + "/__init__.py", Data: []byte("# harmless test module\n")}}})
	}
	ix := pyindex.NewIndex(t,
		wheel("osvtest-ranged", "1.9"), wheel("osvtest-ranged", "2.0.3"), wheel("osvtest-ranged", "2.1"),
		wheel("osvtest-ranged", "3.0"), wheel("osvtest-every", "0.0.1"), wheel("osvtest-withdrawn", "1.0"),
		wheel("osvtest-decoy", "1.0.0"), wheel("xinference", "2.6.1"), wheel("xinference", "2.6.3"))
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	installs := map[string][]string{
		"bad": {"osvtest-ranged==2.0.3", "osvtest-every==0.0.1", "xinference==2.6.1"},
		"v3":  {"osvtest-ranged==3.0"},
		"ok":  {"osvtest-ranged==2.1", "osvtest-withdrawn==1.0", "osvtest-decoy==1.0.0", "xinference==2.6.3"},
		"old": {"osvtest-ranged==1.9"},
	}
	for name, reqs := range installs {
		d := filepath.Join(root, "home/alice", name, ".venv")
		if err := py.Venv(ctx, d); err != nil {
			t.Fatal(err)
		}
		out, err := py.Install(ctx, d, pyindex.InstallOptions{Index: ix.URL(), CacheDir: t.TempDir(), NoCompile: true}, reqs...)
		if err != nil || !strings.Contains(out, "Successfully installed") {
			t.Fatalf("pip install %v: %v\n%s", reqs, err, out)
		}
	}
	osvDir := writeOSV(t, nil)

	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errs := runArgs(ctx, "host", "--root", root, "--osv", osvDir, "--format", "json", "--output", out, "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\n%s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	sp := func(v string) string {
		return "/home/alice/" + v + "/.venv/lib/python" + py.Version + "/site-packages/"
	}
	var got []string
	for _, f := range r.Findings {
		if f.Category != "python-package" || f.Severity == sweep.Info {
			continue
		}
		got = append(got, strings.Join([]string{string(f.Severity), f.Location.Path, f.Indicator.ID}, "|"))
	}
	sort.Strings(got)
	// xinference 2.6.1 is also in the built-in xinference pack: the
	// campaign's entry answers first (critical, the pack's id).
	want := []string{
		"critical|" + sp("bad") + "xinference-2.6.1.dist-info/METADATA|pypi-xinference",
		"high|" + sp("bad") + "osvtest_every-0.0.1.dist-info/METADATA|MAL-2099-0102",
		"high|" + sp("bad") + "osvtest_ranged-2.0.3.dist-info/METADATA|MAL-2099-0101",
		"high|" + sp("v3") + "osvtest_ranged-3.0.dist-info/METADATA|MAL-2099-0101",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("package findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	for _, f := range r.Findings {
		if f.Indicator.ID == "MAL-2099-0101" && !strings.Contains(strings.Join(f.Indicator.Sources, " "), osvDir) {
			t.Errorf("finding does not name its OSV source: %+v", f.Indicator)
		}
	}
	// The report names the source with its digest and counts.
	if len(r.Tool.Records) != 1 {
		t.Fatalf("record sources: %+v", r.Tool.Records)
	}
	src := r.Tool.Records[0]
	if src.Path != osvDir || len(src.SHA256) != 64 || src.Files != 10 || src.Used != 7 || src.Withdrawn != 2 ||
		src.Unswept["Go"] != 1 || src.Malformed != 0 {
		t.Errorf("record source: %+v", src)
	}
	skipped := false
	for _, e := range r.Errors {
		if e.Kind == sweep.ErrKindSkipped && strings.Contains(e.Message, "for Go: that ecosystem is not swept") {
			skipped = true
		}
	}
	if !skipped {
		t.Errorf("the unswept Go record is not reported: %+v", r.Errors)
	}
}

// TestOSVMalformedRecordFailsClosed: a record that does not decode is a
// located error, so a sweep that finds nothing is INCOMPLETE, not CLEAN;
// `litesweep iocs --osv` says what the source held.
func TestOSVMalformedRecordFailsClosed(t *testing.T) {
	osvDir := writeOSV(t, map[string]string{"pypi/broken/MAL-2099-0199.json": `{"id": "MAL-2099-0199", "affected": [`})
	empty := t.TempDir()
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errs := runArgs(context.Background(), "host", "--root", empty, "--osv", osvDir, "-f", "json", "-o", out, "-q")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (INCOMPLETE)\n%s", code, errs)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"verdict": "INCOMPLETE"`) || !strings.Contains(string(b), "pypi/broken/MAL-2099-0199.json") {
		t.Errorf("report does not locate the broken record:\n%s", b)
	}
	code, stdout, errs := runArgs(context.Background(), "iocs", "--osv", osvDir)
	if code != 0 || !strings.Contains(stdout, "11 files: 7 malicious-package records used, 1 in ecosystems not swept, 2 withdrawn, 0 not malicious, 1 unreadable") ||
		!strings.Contains(stdout, "MAL-2099-0199") {
		t.Errorf("iocs --osv: exit %d\n%s\n%s", code, stdout, errs)
	}
	code, _, errs = runArgs(context.Background(), "host", "--root", empty, "--osv", filepath.Join(empty, "nope"))
	if code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("a missing --osv path: exit %d, %s", code, errs)
	}
}

// TestOSVRecordsFindRealNPMInstalls: real npm installs from a loopback
// registry into projects under a temporary root; swept with --osv, a
// release a record's SEMVER range or versions list holds (the real
// CanisterWorm record MAL-2026-2031 for @emilgroup/account-sdk 1.41.1, an
// invented scoped package inside its range, an npm record for a name a
// PyPI record does not cover) is high in node_modules and in the lockfile;
// the versions just outside the ranges are not.
func TestOSVRecordsFindRealNPMInstalls(t *testing.T) {
	reg := npmreg.New(t,
		npmreg.Package{Name: "@emilgroup/account-sdk", Version: "1.41.1"},
		npmreg.Package{Name: "@emilgroup/account-sdk", Version: "1.41.3"},
		npmreg.Package{Name: "@osvtest/scoped", Version: "1.2.4"},
		npmreg.Package{Name: "@osvtest/scoped", Version: "1.2.5"},
		npmreg.Package{Name: "osvtest-decoy", Version: "1.0.0"},
		npmreg.Package{Name: "osvtest-decoy", Version: "1.0.1"},
	)
	n := npmreg.RequireNPM(t, reg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	projects := map[string]map[string]string{
		"bad": {"@emilgroup/account-sdk": "1.41.1", "@osvtest/scoped": "1.2.4", "osvtest-decoy": "1.0.0"},
		"ok":  {"@emilgroup/account-sdk": "1.41.3", "@osvtest/scoped": "1.2.5", "osvtest-decoy": "1.0.1"},
	}
	for name, deps := range projects {
		dir := filepath.Join(root, "home/alice", name)
		if err := npmreg.Project(dir, deps); err != nil {
			t.Fatal(err)
		}
		if out, err := n.Run(ctx, dir, "install"); err != nil {
			t.Fatal(err, out)
		}
	}
	osvDir := writeOSV(t, map[string]string{
		"npm/@osvtest/scoped/MAL-2099-0106.json": `{"schema_version":"1.7.4","id":"MAL-2099-0106","modified":"2099-01-01T00:00:00Z",
		  "affected":[{"package":{"ecosystem":"npm","name":"@osvtest/scoped"},
		    "ranges":[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"1.2.5"}]}]}]}`,
	})
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errs := runArgs(ctx, "host", "--root", root, "--osv", osvDir, "--format", "json", "--output", out, "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	byRecord := map[string][]string{}
	for _, f := range r.Findings {
		id := f.Indicator.ID
		if id == "npm-cw-emilgroup-account-sdk" && f.Severity != sweep.Info {
			// the built-in CanisterWorm pack names @emilgroup/account-sdk
			// 1.41.1 too and answers first (installed: critical; locked:
			// high); counted as the record's finding
			id, f.Severity = "MAL-2026-2031", sweep.High
		}
		if strings.HasPrefix(id, "MAL-") && f.Severity != sweep.Info {
			byRecord[id] = append(byRecord[id], string(f.Severity)+"|"+f.Location.Path)
		}
		if strings.Contains(f.Location.Path, "/home/alice/ok/") && f.Severity != sweep.Info {
			t.Errorf("a version outside the ranges is a finding: %s %s %s", f.Severity, f.Location.Path, f.Title)
		}
	}
	for _, id := range []string{"MAL-2026-2031", "MAL-2099-0106", "MAL-2099-0104"} {
		got := byRecord[id]
		installed, locked := false, false
		for _, g := range got {
			installed = installed || (strings.HasPrefix(g, "high|/home/alice/bad/node_modules/") && strings.HasSuffix(g, "/package.json"))
			locked = locked || strings.HasPrefix(g, "high|/home/alice/bad/package-lock.json")
		}
		if !installed || !locked {
			t.Errorf("%s: want a high finding for the installed package and for the lockfile, got %q", id, got)
		}
	}
}

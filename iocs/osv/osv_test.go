package osv

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// Hand-written records in the real schema, beside the real ones in
// testdata/real.
var handWritten = map[string]string{
	"pypi/evil-pkg/MAL-2099-0001.json": `{"schema_version":"1.7.4","id":"MAL-2099-0001","modified":"2099-01-01T00:00:00Z",
	  "published":"2099-01-01T00:00:00Z","summary":"Malicious code in Evil_Pkg (PyPI)",
	  "affected":[{"package":{"ecosystem":"PyPI","name":"Evil_Pkg"},
	    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`,
	"npm/@scope/thing/MAL-2099-0002.json": `{"schema_version":"1.7.4","id":"MAL-2099-0002","modified":"2099-01-01T00:00:00Z",
	  "aliases":["GHSA-xxxx-yyyy-zzzz"],
	  "affected":[{"package":{"ecosystem":"npm","name":"@scope/thing"},
	    "ranges":[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"1.2.5"}]}]}]}`,
	"go/MAL-2099-0003.json": `{"schema_version":"1.7.4","id":"MAL-2099-0003","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"Go","name":"example.com/evil"},"versions":["v1.0.0"]}]}`,
	"pypi/requests/PYSEC-2099-1.json": `{"schema_version":"1.7.4","id":"PYSEC-2099-1","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},"versions":["2.0.0"]}]}`,
	"npm/ghsa/GHSA-aaaa-bbbb-cccc.json": `{"schema_version":"1.7.4","id":"GHSA-aaaa-bbbb-cccc","modified":"2099-01-01T00:00:00Z",
	  "affected":[{"package":{"ecosystem":"npm","name":"cwe-marked"},"versions":["0.0.1"],
	    "database_specific":{"cwes":[{"cweId":"CWE-506","name":"Embedded Malicious Code"}]}}]}`,
	"broken/MAL-2099-0004.json": `{"id": "MAL-2099-0004", "affected": [`,
	"broken/MAL-2099-0005.json": `{"schema_version":"1.7.4","affected":[]}`,
	"README.md":                 "not a record",
}

func writeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range handWritten {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real, err := filepath.Glob("testdata/real/*.json")
	if err != nil || len(real) == 0 {
		t.Fatalf("real records: %v %v", real, err)
	}
	for _, r := range real {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "real-"+filepath.Base(r)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, p string) (*Source, map[string]Record) {
	t.Helper()
	got := map[string]Record{}
	src, err := Load(context.Background(), p, Options{Open: sweep.OpenInput}, func(r Record) {
		got[r.ID+" "+r.Ecosystem+" "+r.Name] = r
	})
	if err != nil {
		t.Fatalf("Load(%s): %v", p, err)
	}
	return src, got
}

func keys(m map[string]Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLoadDirectory(t *testing.T) {
	dir := writeTree(t)
	src, got := load(t, dir)
	want := []string{
		"GHSA-aaaa-bbbb-cccc npm cwe-marked",
		"MAL-2026-2031 npm @emilgroup/account-sdk",
		"MAL-2026-2254 pypi telnyx",
		"MAL-2026-2991 npm pgserve",
		"MAL-2026-3000 pypi xinference",
		"MAL-2099-0001 pypi Evil_Pkg",
		"MAL-2099-0002 npm @scope/thing",
	}
	if g := keys(got); strings.Join(g, "|") != strings.Join(want, "|") {
		t.Fatalf("records:\n got %q\nwant %q", g, want)
	}
	if src.Files != 12 || src.Used != 7 || src.Withdrawn != 1 || src.NotMalicious != 1 || src.Malformed != 2 ||
		src.Unswept["Go"] != 1 {
		t.Errorf("counts: %+v", src)
	}
	if len(src.Warnings) != 2 || !strings.Contains(src.Warnings[0].Where, "broken") {
		t.Errorf("warnings not located: %+v", src.Warnings)
	}
	if len(src.SHA256) != 64 {
		t.Errorf("digest %q", src.SHA256)
	}
	if r := got["MAL-2099-0001 pypi Evil_Pkg"]; !r.AllVersions() {
		t.Errorf("introduced 0 with no end is every version: %+v", r)
	}
	if r := got["MAL-2099-0002 npm @scope/thing"]; r.AllVersions() || len(r.Ranges) != 1 || r.Ranges[0].Type != "SEMVER" ||
		r.Ranges[0].Events[1].Fixed != "1.2.5" || r.Aliases[0] != "GHSA-xxxx-yyyy-zzzz" {
		t.Errorf("semver range record: %+v", r)
	}
	if r := got["MAL-2026-2031 npm @emilgroup/account-sdk"]; r.AllVersions() || len(r.Versions) != 2 {
		t.Errorf("the record's own range is bounded (only an origin says introduced 0): %+v", r)
	}
	if r := got["MAL-2026-2254 pypi telnyx"]; r.Published.IsZero() || len(r.Versions) != 2 {
		t.Errorf("telnyx: %+v", r)
	}
	// The same tree again: the same digest; one byte changed: another.
	src2, _ := load(t, dir)
	if src2.SHA256 != src.SHA256 {
		t.Errorf("digest not stable")
	}
	os.WriteFile(filepath.Join(dir, "pypi/requests/PYSEC-2099-1.json"), []byte(handWritten["pypi/requests/PYSEC-2099-1.json"]+" "), 0o644)
	if src3, _ := load(t, dir); src3.SHA256 == src.SHA256 {
		t.Errorf("digest did not change with the content")
	}
}

func TestLoadZipMatchesDirectory(t *testing.T) {
	dir := writeTree(t)
	zp := filepath.Join(t.TempDir(), "all.zip")
	f, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		w, _ := zw.Create(filepath.ToSlash(rel))
		b, _ := os.ReadFile(p)
		w.Write(b)
		return nil
	})
	zw.Close()
	f.Close()
	zsrc, zgot := load(t, zp)
	dsrc, dgot := load(t, dir)
	if strings.Join(keys(zgot), "|") != strings.Join(keys(dgot), "|") {
		t.Errorf("zip and directory differ:\n%q\n%q", keys(zgot), keys(dgot))
	}
	if zsrc.Used != dsrc.Used || zsrc.Malformed != dsrc.Malformed || zsrc.Withdrawn != dsrc.Withdrawn {
		t.Errorf("counts differ: zip %+v dir %+v", zsrc, dsrc)
	}
	if !strings.Contains(zsrc.Warnings[0].Where, "all.zip:broken/") {
		t.Errorf("zip warning not located at its member: %+v", zsrc.Warnings)
	}
}

func TestLoadHostileInputs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "MAL-big.json"), []byte(`{"id":"MAL-1","affected":[{"package":{"ecosystem":"npm","name":"`+
		strings.Repeat("a", 2<<20)+`"},"versions":["1"]}]}`), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "MAL-fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/etc/passwd", filepath.Join(dir, "MAL-link.json"))
	n := 0
	src, err := Load(context.Background(), dir, Options{Open: sweep.OpenInput, MaxRecordBytes: 1 << 20}, func(Record) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || src.Malformed != 3 || len(src.Warnings) != 3 {
		t.Fatalf("hostile inputs must be located warnings, nothing used: n=%d %+v", n, src)
	}
	// Not a directory nor a zip: an error naming the path.
	bad := filepath.Join(dir, "notzip")
	os.WriteFile(bad, []byte("plain"), 0o644)
	if _, err := Load(context.Background(), bad, Options{Open: sweep.OpenInput}, func(Record) {}); err == nil ||
		!strings.Contains(err.Error(), "notzip") {
		t.Errorf("a plain file: %v", err)
	}
	// A cancelled context stops the load.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, writeTree(t), Options{Open: sweep.OpenInput}, func(Record) {}); err == nil {
		t.Errorf("cancelled load returned no error")
	}
	// The warning cap counts what it leaves out.
	many := t.TempDir()
	for i := 0; i < 60; i++ {
		os.WriteFile(filepath.Join(many, "MAL-"+strings.Repeat("x", i+1)+".json"), []byte("{"), 0o644)
	}
	src, _ = Load(context.Background(), many, Options{Open: sweep.OpenInput}, func(Record) {})
	if src.Malformed != 60 || len(src.Warnings) != defaultMaxWarnings || src.WarningsOmitted != 10 {
		t.Errorf("cap: %d malformed, %d warnings, %d omitted", src.Malformed, len(src.Warnings), src.WarningsOmitted)
	}
}

// TestLoadOrderIndependentOfWorkers: records are decoded by a pool of
// workers a batch at a time, yet what add sees and what the source counts
// (warnings in order) are the same for one worker and for many, across
// batch boundaries; a syntax error in a field the sweep never decodes
// (details) is still a located error.
func TestLoadOrderIndependentOfWorkers(t *testing.T) {
	dir := t.TempDir()
	for i := range 3*batchSize + 7 {
		name := filepath.Join(dir, fmt.Sprintf("r/%04d/MAL-2099-%05d.json", i/100, i))
		body := fmt.Sprintf(`{"id":"MAL-2099-%05d","details":"x","affected":[{"package":{"ecosystem":"npm","name":"p%d"},"versions":["1.0.%d"]}]}`, i, i, i)
		switch i % 97 {
		case 5:
			body = strings.Replace(body, `"x"`, `tru`, 1)
		case 6:
			body = strings.Replace(body, `"MAL-`, `"GHSA-`, 1)
		case 7:
			body = strings.Replace(body, `"id"`, `"withdrawn":"2099-01-01T00:00:00Z","id"`, 1)
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(workers int) (*Source, []string) {
		var got []string
		src, err := Load(context.Background(), dir, Options{Open: sweep.OpenInput, Workers: workers, MaxWarnings: 1000},
			func(r Record) { got = append(got, r.Where+" "+r.ID+" "+r.Name+" "+strings.Join(r.Versions, ",")) })
		if err != nil {
			t.Fatal(err)
		}
		return src, got
	}
	one, got1 := run(1)
	many, gotN := run(7)
	if !reflect.DeepEqual(one, many) || !reflect.DeepEqual(got1, gotN) {
		t.Fatalf("one worker and seven differ:\n%+v\n%+v", one, many)
	}
	if one.Files != 3*batchSize+7 || one.Malformed != 16 || one.NotMalicious != 16 || one.Withdrawn != 16 ||
		one.Used != one.Files-48 || len(got1) != one.Used || !sort.StringsAreSorted(got1) {
		t.Errorf("counts: %+v, %d records", one.RecordCounts, len(got1))
	}
	if len(one.Warnings) != 16 || !strings.HasPrefix(one.Warnings[0].Where, "r/0000/MAL-2099-00005.json") ||
		!strings.Contains(one.Warnings[0].Message, "not an OSV record") {
		t.Errorf("the broken details are not a located error: %+v", one.Warnings)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/fleet"
)

const mergeFixtures = "fleet/testdata/reports"

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"litesweep"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func fx(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(mergeFixtures, n))
	}
	return out
}

func TestMergeCommand(t *testing.T) {
	all, err := filepath.Glob(filepath.Join(mergeFixtures, "*.json"))
	if err != nil || len(all) < 12 {
		t.Fatalf("fixtures: %v", all)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  []string // substrings of stderr
	}{
		{"fleet", append([]string{"merge"}, all...), 1, []string{"litesweep fleet of 8: COMPROMISED", "web-01, web-02"},
			[]string{"skipped " + filepath.Join(mergeFixtures, "truncated.json") + " (malformed): truncated JSON"}},
		{"clean", append([]string{"merge", "--format", "markdown"}, fx("db-01.json")...), 0, []string{"# litesweep fleet report: CLEAN"}, nil},
		{"skipped-nothing-found", append([]string{"merge"}, fx("db-01.json", "newer-schema.json")...), 3, []string{"INCOMPLETE"},
			[]string{"newer than this litesweep reads"}},
		{"below-fail-on", append([]string{"merge", "--fail-on", "high"}, fx("ci-runner-01.json")...), 0, []string{"AT-RISK"}, nil},
		{"no-args", []string{"merge"}, 2, nil, []string{"merge needs at least one REPORT"}},
		{"bad-format", append([]string{"merge", "--format", "xml"}, fx("db-01.json")...), 2, nil, []string{"unknown --format"}},
		{"bad-fail-on", append([]string{"merge", "--fail-on", "worst"}, fx("db-01.json")...), 2, nil, []string{"--fail-on"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, s := range tc.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.err {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

func TestMergeOutputFiles(t *testing.T) {
	dir := t.TempDir()
	all, _ := filepath.Glob(filepath.Join(mergeFixtures, "*.json"))
	for _, format := range []string{"json", "html", "markdown"} {
		out := filepath.Join(dir, "fleet."+format)
		code, _, errs := runCLI(t, append([]string{"merge", "--format", format, "--output", out}, all...)...)
		if code != 1 {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		fi, err := os.Stat(out)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v mode %v", format, err, fi)
		}
		if format == "json" {
			data, _ := os.ReadFile(out)
			var f fleet.Fleet
			if err := json.Unmarshal(data, &f); err != nil || f.Kind != "fleet" || len(f.Hosts) != 8 || len(f.Skipped) != 4 {
				t.Errorf("fleet JSON: %v kind %q %d hosts %d skipped", err, f.Kind, len(f.Hosts), len(f.Skipped))
			}
			// The output of a merge given as its own input is refused, not read.
			code, _, errs := runCLI(t, "merge", "--format", "json", "--output", out, out, filepath.Join(mergeFixtures, "db-01.json"))
			if code != 3 || !strings.Contains(errs, "this is the --output file") {
				t.Errorf("self-merge: exit %d: %s", code, errs)
			}
		}
	}
}

// TestMergeRemediatedThenRotated: a host re-swept CLEAN stays REMEDIATED
// with its credentials pending (exit 1) until a checklist written by
// `rotate --rotated` marks them rotated.
func TestMergeRemediatedThenRotated(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(mergeFixtures, "web-01.json")
	var r map[string]any
	data, _ := os.ReadFile(filepath.Join(mergeFixtures, "db-01.json"))
	json.Unmarshal(data, &r)
	scan := r["scan"].(map[string]any)
	scan["hostname"], scan["finished"] = "web-01", "2026-03-27T09:00:00Z"
	data, _ = json.Marshal(r)
	clean := filepath.Join(dir, "web-01-after.json")
	os.WriteFile(clean, data, 0o600)

	code, out, errs := runCLI(t, "merge", bad, clean)
	if code != 1 || !strings.Contains(out, "litesweep fleet of 1: REMEDIATED") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	fleetJSON := filepath.Join(dir, "fleet.json")
	if code, _, errs := runCLI(t, "merge", "-f", "json", "-o", fleetJSON, bad, clean); code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, _ = os.ReadFile(fleetJSON)
	var f fleet.Fleet
	if err := json.Unmarshal(data, &f); err != nil || len(f.Rotation) != 2 {
		t.Fatalf("%v %+v", err, f.Rotation)
	}
	var ids []string
	for _, it := range f.Rotation {
		ids = append(ids, "--rotated", it.ID)
	}
	marks := filepath.Join(dir, "rotated.json")
	code, _, errs = runCLI(t, append([]string{"rotate", "-r", bad, "-f", "json", "-o", marks}, ids...)...)
	if code != 1 {
		t.Fatalf("rotate: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "rotate", "-r", bad, "--rotated", "ROT-NOSUCHITEM"); code != 2 || !strings.Contains(errs, "ROT-NOSUCHITEM") {
		t.Errorf("unknown id: exit %d: %s", code, errs)
	}
	code, out, errs = runCLI(t, "merge", "-f", "markdown", bad, clean, marks)
	if code != 0 || strings.Contains(out, "- [ ]") || strings.Count(out, "- [x]") != 2 || !strings.Contains(out, "REMEDIATED") {
		t.Errorf("after rotation: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestMergeRotatedOnOneSystem: three host reports share a credential path;
// `rotate --rotated` on one system's checklist marks that system only, so
// the fleet item stays pending on the other two, in every format.
func TestMergeRotatedOnOneSystem(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, host := range []string{"web-01", "web-02", "web-03"} {
		var r map[string]any
		data, _ := os.ReadFile(filepath.Join(mergeFixtures, "web-01.json"))
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		r["scan"].(map[string]any)["hostname"] = host
		for _, it := range r["rotation"].([]any) {
			it.(map[string]any)["host"] = host
		}
		data, _ = json.Marshal(r)
		p := filepath.Join(dir, host+".json")
		os.WriteFile(p, data, 0o600)
		files = append(files, p)
	}
	fleetJSON := filepath.Join(dir, "fleet.json")
	if code, _, errs := runCLI(t, append([]string{"merge", "-f", "json", "-o", fleetJSON}, files...)...); code != 1 {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	data, _ := os.ReadFile(fleetJSON)
	var f fleet.Fleet
	if err := json.Unmarshal(data, &f); err != nil || len(f.Rotation) == 0 {
		t.Fatalf("%v %+v", err, f.Rotation)
	}
	var ids []string
	for _, it := range f.Rotation {
		if len(it.Systems) != 3 || it.Pending != 3 {
			t.Fatalf("item %s: %d systems, %d pending, want 3 of 3", it.ID, len(it.Systems), it.Pending)
		}
		ids = append(ids, "--rotated", it.ID) // the fleet id, given on web-01's checklist
	}
	marks := filepath.Join(dir, "rotated.json")
	if code, _, errs := runCLI(t, append([]string{"rotate", "-r", files[0], "-f", "json", "-o", marks}, ids...)...); code != 1 {
		t.Fatalf("rotate: exit %d: %s", code, errs)
	}
	in := append(append([]string{}, files...), marks)
	if code, _, errs := runCLI(t, append([]string{"merge", "-f", "json", "-o", fleetJSON}, in...)...); code != 1 {
		t.Fatalf("merge after: exit %d: %s", code, errs)
	}
	data, _ = os.ReadFile(fleetJSON)
	f = fleet.Fleet{}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, it := range f.Rotation {
		st := map[string]string{}
		for _, s := range it.Systems {
			st[s.Host] = s.Status
		}
		if it.Status != fleet.RotationPending || it.Pending != 2 || st["web-01"] != fleet.RotationDone || st["web-02"] != fleet.RotationPending || st["web-03"] != fleet.RotationPending {
			t.Errorf("item %s after web-01's rotation: %s, %d pending, %v", it.ID, it.Status, it.Pending, st)
		}
	}
	// The checklist of the three reports: one entry per credential location,
	// a box per system; web-01's own item id marks web-01 only.
	rot := []string{"rotate", "-r", files[0], "-r", files[1], "-r", files[2], "-f", "markdown"}
	code, out, errs := runCLI(t, rot...)
	m := regexp.MustCompile("3 of 3 systems pending\n  - \\[ \\] web-01 `(ROT-[0-9A-F]+)`").FindStringSubmatch(out)
	if code != 1 || m == nil {
		t.Fatalf("rotate checklist of three systems: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, append(rot, "--rotated", m[1])...)
	if code != 1 || !strings.Contains(out, "2 of 3 systems pending\n  - [x] web-01 `"+m[1]+"` rotated ") || !strings.Contains(out, "  - [ ] web-02 `") {
		t.Errorf("rotate --rotated %s (web-01's own item): exit %d\n%s\n%s", m[1], code, out, errs)
	}
	for _, format := range []string{"markdown", "table", "html"} {
		code, out, errs := runCLI(t, append([]string{"merge", "-f", format}, in...)...)
		if code != 1 || strings.Count(out, "2 of 3 systems pending") != len(f.Rotation) {
			t.Errorf("%s: exit %d, %d items say \"2 of 3 systems pending\", want %d\n%s", format, code, strings.Count(out, "2 of 3 systems pending"), len(f.Rotation), errs)
		}
	}
}

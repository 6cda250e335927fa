package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

var ctimeRe = regexp.MustCompile(`ctime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// fixtureTime is the mtime every file of the unpacked fixture root gets, so
// evidence times are stable whatever the checkout's times are.
var fixtureTime = time.Date(2026, 3, 24, 11, 5, 0, 0, time.UTC)

// hostFixture unpacks testdata/hostroot.txtar (a host's filesystem; never
// a tree in the repository, see sweeptest.Unpack) into a temporary
// directory and pins every mtime, so evidence times are stable.
func hostFixture(t *testing.T) string {
	t.Helper()
	dst := sweeptest.Unpack(t, "testdata/hostroot.txtar")
	var dirs []string
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			ts := []unix.Timespec{unix.NsecToTimespec(fixtureTime.UnixNano()), unix.NsecToTimespec(fixtureTime.UnixNano())}
			return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
		case d.IsDir():
			dirs = append(dirs, p)
			return nil
		default:
			return os.Chtimes(p, fixtureTime, fixtureTime)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(dirs) - 1; i >= 0; i-- { // children first: writing a file touches its dir
		if err := os.Chtimes(dirs[i], fixtureTime, fixtureTime); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// normalizeReport blanks what changes from run to run: times of the run,
// durations, the temporary root, the tool version.
func normalizeReport(t *testing.T, b []byte, root string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	scan := m["scan"].(map[string]any)
	scan["started"], scan["finished"] = "STARTED", "FINISHED"
	scan["root"] = "ROOT"
	m["stats"].(map[string]any)["duration_ms"] = 0
	tool := m["tool"].(map[string]any)
	tool["version"] = "VERSION"
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = bytes.ReplaceAll(append(out, '\n'), []byte(root), []byte("ROOT"))
	// A file's inode change time cannot be set; it is the copy's.
	return ctimeRe.ReplaceAll(out, []byte("ctime CTIME"))
}

// TestHostReportGolden sweeps a fixture root holding a compromised venv, a
// clean one, persistence, staging, history, a loose requirement and a
// credential store, and compares the whole JSON report with a golden file.
func TestHostReportGolden(t *testing.T) {
	root := hostFixture(t)
	code, out, errs := runArgs(context.Background(), "host", "--root", root, "--format", "json", "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\n%s", code, errs)
	}
	if strings.Contains(out, "CANARY") {
		t.Fatal("a secret value from the fixture's credential file reached the report")
	}
	got := normalizeReport(t, []byte(out), root)
	golden := filepath.Join("testdata", "golden", "host-report.json")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHostReportGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report differs from %s (run with -update and review the diff):\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 20; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

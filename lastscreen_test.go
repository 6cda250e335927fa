package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
)

// verdictRoots builds a root for every verdict a host sweep can reach.
func verdictRoots(t *testing.T) map[sweep.Verdict]string {
	t.Helper()
	mk := func(files map[string]string) string {
		root := t.TempDir()
		for p, body := range files {
			full := filepath.Join(root, p)
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	incomplete := mk(map[string]string{"home/u/.profile": "\n"})
	if err := syscall.Mkfifo(filepath.Join(incomplete, "home/u/.bash_history"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[sweep.Verdict]string{
		sweep.Compromised: hostFixture(t),
		sweep.Exposed:     mk(map[string]string{"srv/app/requirements.txt": "litellm==1.82.8\n"}),
		sweep.AtRisk:      mk(map[string]string{"home/u/.bash_history": "pip install litellm==1.82.8\n"}),
		sweep.Incomplete:  incomplete,
		sweep.Clean:       mk(map[string]string{"etc/hostname": "clean-01\n"}),
	}
}

// TestLastScreen runs the built binary on a pseudo-terminal (script(1)) at
// 80×24 and 120×40 for every verdict: the last screen holds the verdict
// with its counts on a line that does not wrap, the three most important
// findings, and the exact next commands for that verdict.
func TestLastScreen(t *testing.T) {
	script := testenv.LookPath(t, "script", "util-linux, for a pseudo-terminal")
	bin := litesweepBinary(t)
	next := map[sweep.Verdict][]string{
		sweep.Compromised: {"Isolate the machine", "litesweep rotate --root ROOT -o checklist.md", "litesweep remediate --root ROOT"},
		sweep.Exposed:     {"litesweep rotate --root ROOT -o checklist.md", "litesweep remediate --root ROOT"},
		sweep.AtRisk:      {"Pin a clean version", "litesweep host --root ROOT"},
		sweep.Incomplete:  {"could not be checked", "litesweep host --root ROOT"},
		sweep.Clean:       {"litesweep host --root ROOT -f json -o host.json"},
	}
	for verdict, root := range verdictRoots(t) {
		code, js, errs := runArgs(context.Background(), "host", "--root", root, "-f", "json", "-q")
		if code == 2 || code == 4 {
			t.Fatalf("%s: exit %d: %s", verdict, code, errs)
		}
		r := decodeReport(t, js)
		if r.Verdict != verdict {
			t.Fatalf("fixture for %s swept %s", verdict, r.Verdict)
		}
		for _, size := range []struct{ cols, rows int }{{80, 24}, {120, 40}} {
			cmd := exec.Command(script, "-qec", "stty cols "+strconv.Itoa(size.cols)+" rows "+strconv.Itoa(size.rows)+"; "+bin+" host --root "+root, "/dev/null")
			cmd.Env = append(os.Environ(), "COLUMNS=", "NO_COLOR=1")
			out, _ := cmd.Output()
			screen := lastScreen(strings.ReplaceAll(string(out), "\r", ""), size.cols, size.rows-1) // the prompt takes the last row
			text := strings.Join(screen, "\n")
			where := string(verdict) + " at " + strconv.Itoa(size.cols) + "x" + strconv.Itoa(size.rows)
			if os.Getenv("SHOW_SCREEN") != "" && size.cols == 80 { // SHOW_SCREEN=1 go test -v -run TestLastScreen: look at them
				t.Logf("%s:\n%s", where, text)
			}
			var verdictLine string
			for _, l := range screen {
				if strings.HasPrefix(l, "Verdict: ") {
					verdictLine = l
				}
				if runewidth.StringWidth(l) > size.cols {
					t.Errorf("%s: line wider than the terminal: %q", where, l)
				}
			}
			if !strings.HasPrefix(verdictLine, "Verdict: "+string(verdict)+" — ") {
				t.Errorf("%s: verdict line with its counts not on the last screen (or wrapped): %q\n%s", where, verdictLine, text)
			}
			for i, f := range topOf(r.Findings, 3) {
				if !strings.Contains(text, f.ID) {
					t.Errorf("%s: important finding %d (%s) not on the last screen:\n%s", where, i+1, f.ID, text)
				}
			}
			joined := strings.ReplaceAll(text, "\n", "") // a command longer than the terminal wraps
			for _, want := range next[verdict] {
				if want = strings.ReplaceAll(want, "ROOT", root); !strings.Contains(joined, want) {
					t.Errorf("%s: next step %q not on the last screen:\n%s", where, want, text)
				}
			}
			if strings.Contains(text, "cannot be CLEAN until") {
				t.Errorf("%s: noise on the last screen:\n%s", where, text)
			}
		}
	}
}

// lastScreen is what a terminal of cols×rows shows after out was written:
// its last rows rows, long lines taking as many rows as they wrap to.
func lastScreen(out string, cols, rows int) []string {
	var screen []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		rs := []rune(l)
		for {
			n, w := 0, 0
			for n < len(rs) && w+runewidth.RuneWidth(rs[n]) <= cols {
				w += runewidth.RuneWidth(rs[n])
				n++
			}
			screen = append(screen, string(rs[:n]))
			if rs = rs[n:]; len(rs) == 0 {
				break
			}
		}
	}
	if len(screen) > rows {
		screen = screen[len(screen)-rows:]
	}
	return screen
}

func topOf(fs []sweep.Finding, n int) []sweep.Finding {
	var out []sweep.Finding
	for _, sev := range []sweep.Severity{sweep.Critical, sweep.High, sweep.Medium, sweep.Low, sweep.Info} {
		for _, f := range fs {
			if f.Severity == sev && len(out) < n {
				out = append(out, f)
			}
		}
	}
	return out
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// placeholderValue matches an option line whose placeholder is urfave/cli's
// default "value" (a flag without a `NAME` in its usage text).
var placeholderValue = regexp.MustCompile(`(?m)^\s+--?[a-z-]+ value\b`)

// TestHelpAndCompletionGolden pins what a user reads: every command's
// --help (placeholders that say what a flag takes, an Examples: section)
// and the completion scripts. Run with -update and review the diff.
func TestHelpAndCompletionGolden(t *testing.T) {
	cases := map[string][]string{"help.txt": {"--help"}}
	for _, cmd := range []string{"host", "images", "github", "kube", "rotate", "remediate", "merge", "iocs", "sbom", "mirror", "completion", "man", "help"} {
		cases["help-"+cmd+".txt"] = []string{cmd, "--help"}
	}
	cases["litesweep.1"] = []string{"man"}
	for _, sh := range shells {
		cases["completion."+sh] = []string{"completion", sh}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runArgs(context.Background(), args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
			sweeptest.Golden(t, filepath.Join("testdata", "golden", "cli", name), []byte(out), *updateGolden)
			if strings.HasPrefix(name, "help") {
				if placeholderValue.MatchString(out) {
					t.Errorf("%v: a flag placeholder says \"value\" instead of what it takes:\n%s", args, out)
				}
				{
					if !strings.Contains(out, "Examples:") {
						t.Errorf("%v: no Examples: section", args)
					}
				}
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		code, out, errs := runArgs(context.Background(), args...)
		if code != 0 || !strings.HasPrefix(out, "litesweep ") || !strings.Contains(out, "IOC pack") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestUnknownFlagAsTyped: the message echoes the flag as the user typed it
// (the flag package spells every flag with one dash) and points at --help.
func TestUnknownFlagAsTyped(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"host", "--no-such-flag"}, "litesweep host: unknown flag --no-such-flag (see 'litesweep host --help')"},
		{[]string{"host", "-x"}, "litesweep host: unknown flag -x (see 'litesweep host --help')"},
		{[]string{"merge", "--bogus=1", "a.json"}, "litesweep merge: unknown flag --bogus (see 'litesweep merge --help')"},
		{[]string{"--bogus"}, "litesweep: unknown flag --bogus (see 'litesweep --help')"},
		{[]string{"host", "--format"}, "litesweep host: flag --format needs an argument"},
		{[]string{"frobnicate"}, `litesweep: unknown command "frobnicate" (see 'litesweep help')`},
	}
	for _, tt := range tests {
		code, _, errs := runArgs(context.Background(), tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// TestFailFastOnOutputPaths: a path that could not be written fails before
// any sweep starts, naming the path the user gave (not a temporary file).
func TestFailFastOnOutputPaths(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-dir", "x.json")
	aDir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"host", "--root", root, "--output", missing}, "--output " + missing + ": directory " + filepath.Dir(missing) + " does not exist"},
		{[]string{"host", "--root", root, "-o", aDir}, "--output " + aDir + ": " + aDir + " is a directory"},
		{[]string{"images", "--archive", "x.tar", "-o", missing}, "--output " + missing},
		{[]string{"kube", "-o", missing}, "--output " + missing},
		{[]string{"rotate", "--root", root, "-o", missing}, "--output " + missing},
		{[]string{"merge", "-o", missing, "a.json"}, "--output " + missing},
		{[]string{"github", "--org", "acme", "--state", missing}, "--state " + missing},
		{[]string{"remediate", "--root", root, "--apply", "--evidence-dir", filepath.Join(missing, "ev")}, "--evidence-dir " + filepath.Join(missing, "ev")},
		{[]string{"host", "--root", root, "--iocs", missing}, missing},
	}
	for _, tt := range tests {
		start := time.Now()
		code, _, errs := runArgs(context.Background(), tt.args...)
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("%v took %v: the check must come before the sweep", tt.args, el)
		}
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// TestRuntimeFailureIsNotUsage: a failure after the flags were accepted
// (here: stdout refuses the report) exits 4 with an error message, not 2.
func TestRuntimeFailureIsNotUsage(t *testing.T) {
	var errb strings.Builder
	code := run(context.Background(), []string{"litesweep", "host", "--root", t.TempDir(), "--format", "json"},
		strings.NewReader(""), failingWriter{}, &errb)
	if code != 4 || !strings.Contains(errb.String(), "litesweep: error: ") || strings.Contains(errb.String(), "usage") {
		t.Errorf("exit %d, stderr %q; want 4 and an error message", code, errb.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestTableOnATerminal runs the real binary on a pseudo-terminal (script(1))
// 100 columns wide: the table is laid out to that width (no line wider, some
// wider than the 80-column minimum), coloured, and uncoloured with NO_COLOR.
func TestTableOnATerminal(t *testing.T) {
	script := testenv.LookPath(t, "script", "util-linux, for a pseudo-terminal")
	bin := filepath.Join(t.TempDir(), "litesweep")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	root := hostFixture(t)
	for _, noColor := range []bool{false, true} {
		cmd := exec.Command(script, "-qec", "stty cols 100 rows 50; "+bin+" host --root "+root, "/dev/null")
		cmd.Env = append(os.Environ(), "COLUMNS=", "NO_COLOR=")
		if noColor {
			cmd.Env = append(cmd.Env, "NO_COLOR=1")
		}
		out, _ := cmd.Output()
		text := strings.ReplaceAll(string(out), "\r", "")
		plain := ansiRe.ReplaceAllString(text, "")
		widest := 0
		for _, l := range strings.Split(plain, "\n") {
			widest = max(widest, len([]rune(l)))
		}
		if widest > 100 || widest <= 80 {
			t.Errorf("NO_COLOR=%v: widest line %d columns on a 100-column terminal:\n%s", noColor, widest, plain)
		}
		if hasColor := ansiRe.MatchString(text); hasColor == noColor {
			t.Errorf("NO_COLOR=%v: colour codes present = %v", noColor, hasColor)
		}
		if !strings.Contains(plain, "Verdict: COMPROMISED") {
			t.Errorf("no closing summary:\n%s", plain)
		}
	}
}

var ansiRe = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestRemediateJSON: remediate writes its plan and result as JSON for
// automation (--format json, --output), the human log going to stderr.
func TestRemediateJSON(t *testing.T) {
	root := t.TempDir()
	stage := filepath.Join(root, "tmp", "tmpk2j4x8ab")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stage, "tpcp.tar.gz"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Targets []struct{ Path, Kind string }
		Result  *struct{ Moved, Failed int }
	}
	code, out, errs := runArgs(context.Background(), "remediate", "--root", root, "--format", "json")
	var plan doc
	if code != 1 || json.Unmarshal([]byte(out), &plan) != nil || len(plan.Targets) != 1 || plan.Targets[0].Kind != "staging" || plan.Result != nil {
		t.Fatalf("dry run: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !strings.Contains(errs, "dry run") {
		t.Errorf("the human plan should be on stderr with --format json: %q", errs)
	}
	outFile := filepath.Join(t.TempDir(), "remediate.json")
	code, _, errs = runArgs(context.Background(), "remediate", "--root", root, "--apply", "--evidence-dir", filepath.Join(t.TempDir(), "ev"), "-f", "json", "-o", outFile)
	data, err := os.ReadFile(outFile)
	var applied doc
	if code != 0 || err != nil || json.Unmarshal(data, &applied) != nil || applied.Result == nil || applied.Result.Moved != 1 {
		t.Fatalf("apply: exit %d, %v, %s, stderr %q", code, err, data, errs)
	}
	if fi, _ := os.Stat(outFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("--output mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestInputFIFOsDoNotBlock: a FIFO among the files named on the command
// line (a report to merge, an SBOM) is a located skip or error, never a
// hang, and the verdict is not CLEAN.
func TestInputFIFOsDoNotBlock(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "report.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"merge", "--format", "json", fifo}, {"sbom", "--format", "json", fifo},
		{"host", "--root", dir, "--iocs", fifo}, {"host", "--root", dir, "--osv", dir}} {
		done := make(chan struct{})
		var code int
		var out, errs string
		go func() { code, out, errs = runArgs(context.Background(), args...); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%v blocked on a FIFO", args[0])
		}
		want := 3 // the input is an error in the report: INCOMPLETE
		if args[0] == "host" && args[3] == "--iocs" {
			want = 2 // a pack that cannot be read is a usage error, before any sweep
		}
		if code != want || !strings.Contains(out+errs, "not a regular file") || strings.Contains(out, `"verdict": "CLEAN"`) {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s", args[0], code, out, errs)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestIntersperseOrders pins how argument orders are read: the rewritten
// command line for each order a responder types (flags before arguments,
// after them, mixed, values that look like flags, --).
func TestIntersperseOrders(t *testing.T) {
	app := newApp(nil, nil, nil, nil)
	for _, tc := range []struct{ in, want string }{
		{"merge a.json b.json --format json --output fleet.json", "merge --format json --output fleet.json -- a.json b.json"},
		{"merge --format json a.json --output fleet.json b.json", "merge --format json --output fleet.json -- a.json b.json"},
		{"merge a.json -f=json -o fleet.json b.json", "merge -f=json -o fleet.json -- a.json b.json"},
		{"sbom app.cdx.json --format json", "sbom --format json -- app.cdx.json"},
		{"images python:3.12 --archive app.tar --format json", "images --archive app.tar --format json -- python:3.12"},
		{"host --root /mnt/disk -q --skip /srv", "host --root /mnt/disk -q --skip /srv"},
		// A value is the next argument whatever it looks like.
		{"merge a.json -o --weird-name.json", "merge -o --weird-name.json -- a.json"},
		{"rotate -r - --format json", "rotate -r - --format json"},
		// -- ends the flags; what follows is positional as typed.
		{"sbom --format json -- --odd.json -f", "sbom --format json -- --odd.json -f"},
		{"merge - a.json", "merge -- - a.json"},
		// Unknown flags stay for the parser to name.
		{"merge a.json --bogus", "merge --bogus -- a.json"},
		{"--version", "--version"},
		{"hots --root /", "hots --root /"},
		{"help host", "help -- host"},
	} {
		got := strings.Join(intersperse(app, append([]string{"litesweep"}, strings.Fields(tc.in)...))[1:], " ")
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// TestFlagsAfterArguments runs the commands of the issue with flags after
// their arguments: a flag or its value is never swept as an input.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	for _, p := range []string{a, b} {
		if code, _, errs := runArgs(context.Background(), "host", "--root", t.TempDir(), "-q", "-f", "json", "-o", p); code != 0 {
			t.Fatalf("host: exit %d: %s", code, errs)
		}
	}
	fleetOut := filepath.Join(dir, "fleet.json")
	code, out, errs := runArgs(context.Background(), "merge", a, b, "--format", "json", "--output", fleetOut)
	if code != 0 || out != "" || strings.Contains(errs, "skipped") {
		t.Fatalf("merge a b --format json --output f: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	var fleet map[string]any
	if err := json.Unmarshal([]byte(readFile(t, fleetOut)), &fleet); err != nil {
		t.Fatalf("fleet report is not JSON: %v", err)
	}

	bad := filepath.Join(sbomFixtures, "made-by-library", "app.cdx.json")
	code, out, errs = runArgs(context.Background(), "sbom", bad, "--format", "json")
	if code != 1 {
		t.Fatalf("sbom FILE --format json: exit %d: %s", code, errs)
	}
	r := decodeReport(t, out)
	if len(r.Errors) != 0 || r.Verdict == "INCOMPLETE" {
		t.Errorf("sbom FILE --format json swept the flags as inputs: verdict %s, errors %+v", r.Verdict, r.Errors)
	}

	layout := filepath.Join(t.TempDir(), "missing-layout")
	code, out, errs = runArgs(context.Background(), "images", "--oci-layout", layout, "--format", "json", "-q")
	code2, out2, _ := runArgs(context.Background(), "images", "--format", "json", "--oci-layout", layout, "-q")
	if code != 3 || code2 != 3 {
		t.Fatalf("images with a missing layout: exit %d and %d, want 3\n%s", code, code2, errs)
	}
	r1, r2 := decodeReport(t, out), decodeReport(t, out2)
	if len(r1.Errors) != 1 || len(r2.Errors) != 1 || r1.Errors[0].Message != r2.Errors[0].Message || !strings.Contains(r1.Errors[0].Message+r1.Errors[0].Location.Path, "missing-layout") {
		t.Errorf("images: flag order changed the result: %+v vs %+v", r1.Errors, r2.Errors)
	}
}

func TestHelpCommandAndSuggestions(t *testing.T) {
	_, viaFlag, _ := runArgs(context.Background(), "host", "--help")
	for _, tc := range []struct {
		args []string
		code int
		out  string
		err  string
	}{
		{[]string{"help"}, 0, "COMMANDS:", ""},
		{[]string{"help", "host"}, 0, viaFlag, ""},
		{[]string{"hots"}, 2, "", `unknown command "hots": did you mean host?`},
		{[]string{"help", "hots"}, 2, "", "did you mean host?"},
		{[]string{"remediat"}, 2, "", "did you mean remediate?"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate" (see 'litesweep help')`},
		{[]string{"host", "--fromat", "json"}, 2, "", "unknown flag --fromat; did you mean --format?"},
		{[]string{"merge", "a.json", "--ouptut", "x"}, 2, "", "did you mean --output?"},
		{[]string{"host", "--zzzzzz"}, 2, "", "unknown flag --zzzzzz (see"},
	} {
		code, out, errs := runArgs(context.Background(), tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s\nwant exit %d, %q, %q", tc.args, code, out, errs, tc.code, tc.out, tc.err)
		}
	}
	if _, errs := runArgsErr("frobnicate"); strings.Contains(errs, "did you mean") {
		t.Errorf("a word close to nothing got a suggestion: %s", errs)
	}
}

func runArgsErr(args ...string) (int, string) {
	code, _, errs := runArgs(context.Background(), args...)
	return code, errs
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"67108864", 64 << 20, true}, {"64M", 64 << 20, true}, {"64MiB", 64 << 20, true}, {"64mb", 64 << 20, true},
		{"1G", 1 << 30, true}, {"512K", 512 << 10, true}, {"0", 0, true},
		{"64Q", 0, false}, {"-1", 0, false}, {"M", 0, false}, {"99999999999T", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
	for n, want := range map[int64]string{64 << 20: "64M", 1 << 30: "1G", 1000: "1000", 0: "0", 3 << 10: "3K"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %s, want %s", n, got, want)
		}
	}
	code, _, errs := runArgs(context.Background(), "host", "--root", t.TempDir(), "--max-hash-size", "64M", "-q")
	if code != 0 {
		t.Errorf("--max-hash-size 64M: exit %d: %s", code, errs)
	}
	code, _, errs = runArgs(context.Background(), "host", "--root", t.TempDir(), "--max-hash-size", "64Q")
	if code != 2 || !strings.Contains(errs, `--max-hash-size "64Q"`) {
		t.Errorf("--max-hash-size 64Q: exit %d: %s", code, errs)
	}
}

// TestVersionFromBuildInfo: ldflags win; without them the module version
// and the VCS revision recorded by the toolchain are used.
func TestVersionFromBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}
	for _, tc := range []struct {
		v, c  string
		bi    *debug.BuildInfo
		wantV string
		wantC string
	}{
		{"dev", "", vcs, "dev", "0123abcd+dirty"},
		{"dev", "", installed, "v1.4.0", ""},
		{"v9", "feed", vcs, "v9", "feed"},
		{"dev", "", nil, "dev", ""},
		{"dev", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev", ""},
	} {
		v, c := versionFrom(tc.v, tc.c, tc.bi)
		if v != tc.wantV || c != tc.wantC {
			t.Errorf("versionFrom(%q, %q, %+v) = %q, %q", tc.v, tc.c, tc.bi, v, c)
		}
	}
}

// TestHelpLayout: no doubled defaults, descriptions never start far right,
// every value flag names its placeholder.
func TestHelpLayout(t *testing.T) {
	app := newApp(nil, nil, nil, nil)
	if err := checkSpecs(app); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range app.Commands {
		_, out, _ := runArgs(context.Background(), cmd.Name, "--help")
		if strings.Count(out, "(default") > 0 {
			for _, line := range strings.Split(out, "\n") {
				if strings.Count(line, "(default") > 1 {
					t.Errorf("%s --help: doubled default: %s", cmd.Name, line)
				}
			}
		}
		if strings.Contains(out, "(default: false)") {
			t.Errorf("%s --help shows a boolean's default", cmd.Name)
		}
		opts := out[strings.Index(out, "OPTIONS:")+1:]
		for _, line := range strings.Split(opts, "\n") {
			if len(line) > helpWidth {
				t.Errorf("%s --help: line longer than %d: %q", cmd.Name, helpWidth, line)
			}
			if strings.HasPrefix(line, "   -") {
				if i := strings.Index(line[3:], "  "); i >= 0 && 3+i > helpColumn+5 {
					t.Errorf("%s --help: description at column %d: %q", cmd.Name, 3+i, line)
				}
			}
		}
		if slices.Contains([]string{"host", "images"}, cmd.Name) && !strings.Contains(out, "(default: 64M)") {
			t.Errorf("%s --help: size default not in units", cmd.Name)
		}
	}
}

// TestCleanOutputConfirms: a CLEAN run written with -o says so on stderr,
// as a run with findings does.
func TestCleanOutputConfirms(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, errs := runArgs(context.Background(), "host", "--root", t.TempDir(), "-f", "json", "-o", out, "-q")
	if code != 0 || stdout != "" || !strings.Contains(errs, "litesweep: verdict CLEAN; report written to "+out) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
}

// TestOptionErrorsNameFlags: scan refuses an option by its field
// (sweep.OptionError); the command names the flag the user typed, with the
// value as given, and exits 2.
func TestOptionErrorsNameFlags(t *testing.T) {
	notNetrc := t.TempDir() // a directory is no .netrc
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"images", "--registry", "127.0.0.1:1", "--platform", "linux"}, `litesweep: --platform "linux": want OS/ARCH[/VARIANT], e.g. linux/arm64`},
		{[]string{"images", "--registry", "127.0.0.1:1", "--jobs", "0"}, `litesweep: --jobs 0: want 1..64`},
		{[]string{"images", "--registry", "https://"}, `litesweep: --registry: `},
		{[]string{"mirror", "--index-url", "http://127.0.0.1:1/simple/", "--netrc", notNetrc}, `litesweep: --netrc: `},
	} {
		code, errs := runArgsErr(append(tc.args, "-q")...)
		if code != 2 || !strings.HasPrefix(errs, tc.err) || strings.Contains(errs, "Platform") || strings.Contains(errs, "Netrc") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.err)
		}
	}
}

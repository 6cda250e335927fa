package recipes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/internal/testenv"
)

// The recipe readers checked against the programs that run the recipes:
// each case's install commands as litesweep reads them from the file
// (dockerfileScripts, makefileScripts, then the one shell parser) against
// the argv the installers really receive when the real BuildKit Dockerfile
// frontend (buildkitd, driven by buildctl) or GNU make runs the file. The
// installers are stand-ins: a shell script per name that appends its own
// argv to a trace file and installs nothing.

// fakeInstallers are the installer names the stand-ins answer to.
var fakeInstallers = []string{"pip", "pip3", "npm", "uv", "python", "python3"}

// fakeInstaller records "name\x1farg\x1f...\x1e" in $TRACE (default
// /trace): only shell builtins, so busybox sh runs it with no applet.
const fakeInstaller = `#!/bin/sh
{ printf '%s\037' "${0##*/}"; for a in "$@"; do printf '%s\037' "$a"; done; printf '\036'; } >>"${TRACE:-/trace}"
`

// readTrace splits a trace into argv lists.
func readTrace(b []byte) [][]string {
	var out [][]string
	for _, rec := range strings.Split(string(b), "\x1e") {
		if rec == "" {
			continue
		}
		out = append(out, strings.Split(strings.TrimSuffix(rec, "\x1f"), "\x1f"))
	}
	return out
}

// extracted is what litesweep reads from the scripts of a recipe: every
// command run by one of the stand-ins, as words ("*" for a word whose value
// the text alone does not give).
func extracted(t *testing.T, scripts []script) [][]string {
	t.Helper()
	var out [][]string
	add := func(words []installcmd.Word) {
		if len(words) == 0 || !slices.Contains(fakeInstallers, path.Base(words[0].Lit)) {
			return
		}
		argv := []string{path.Base(words[0].Lit)}
		for _, w := range words[1:] {
			if w.Dynamic {
				argv = append(argv, "*")
			} else {
				argv = append(argv, w.Lit)
			}
		}
		out = append(out, argv)
	}
	for _, s := range scripts {
		if s.words != nil {
			w := make([]installcmd.Word, len(s.words))
			for i, x := range s.words {
				w[i] = installcmd.Word{Lit: x}
			}
			add(w)
			continue
		}
		cmds, err := installcmd.Parse(s.text, s.dialect)
		if err != nil {
			t.Errorf("litesweep cannot parse %q: %v", s.text, err)
			continue
		}
		for _, c := range cmds {
			add(c.Words)
		}
	}
	return out
}

// sameCommands compares litesweep's reading with the real run; "*" in the
// reading matches any argument.
func sameCommands(got, real [][]string) bool {
	if len(got) != len(real) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(real[i]) {
			return false
		}
		for j := range got[i] {
			if got[i][j] != "*" && got[i][j] != real[i][j] {
				return false
			}
		}
	}
	return true
}

// sameCommandSet is sameCommands in any order.
func sameCommandSet(got, real [][]string) bool {
	if len(got) != len(real) {
		return false
	}
	used := make([]bool, len(real))
next:
	for _, g := range got {
		for i, r := range real {
			if !used[i] && sameCommands([][]string{g}, [][]string{r}) {
				used[i] = true
				continue next
			}
		}
		return false
	}
	return true
}

func showCommands(cs [][]string) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n\t%q", c)
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

// TestDockerfileRunAgainstBuildKit: each RUN form litesweep reads, built by
// the real BuildKit Dockerfile frontend in a FROM scratch image holding a
// static busybox as /bin/sh and the stand-in installers; the image's
// filesystem is exported and its trace holds what each RUN really ran.
func TestDockerfileRunAgainstBuildKit(t *testing.T) {
	bk := os.Getenv("LITESWEEP_BUILDKIT_HOST")
	if bk == "" {
		testenv.SkipOrFail(t, "LITESWEEP_BUILDKIT_HOST not set (run .ci/test as root with buildkitd and runc on PATH; .ci/run builds buildkitd and buildctl from the Go module proxy)")
	}
	buildctl := testenv.LookPath(t, "buildctl", "BuildKit's client, built by .ci/run from the Go module proxy")
	busybox := testenv.LookPath(t, "busybox", "a static busybox as the image's /bin/sh, Debian busybox-static")
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	const head = "FROM scratch\nCOPY busybox /bin/sh\nCOPY busybox /bin/cat\nCOPY bin/ /usr/local/bin/\nENV PATH=/usr/local/bin:/bin\n"
	tests := []struct {
		name string
		// directives precede FROM; body follows the image set-up.
		directives, body string
		// child, when set, is a Dockerfile built FROM the image of the
		// first one (named parent): its trace is the one compared.
		child string
	}{
		{"plain", "", "RUN pip install lsw-a==1.0\n", ""},
		{"lowercase instruction", "", "run pip install lsw-a==1.0\n", ""},
		{"continuations", "", "RUN pip install \\\n    lsw-a==1.0 \\\n    'lsw-b>=2'\n", ""},
		{"comment inside continuation", "", "RUN pip install \\\n# lsw-not-a-word\n    lsw-a==1.0\n", ""},
		{"indented comment inside continuation", "", "RUN pip install \\\n    # lsw-not-a-word \\\n    lsw-a==1.0\n", ""},
		{"empty line inside continuation", "", "RUN pip install \\\n\n    lsw-a==1.0\n", ""},
		{"whitespace after the escape", "", "RUN pip install \\  \n    lsw-a==1.0\n", ""},
		{"CRLF", "", "RUN pip install \\\r\n    lsw-a==1.0 && npm install lsw-n@1\r\n", ""},
		{"lists", "", "RUN pip install lsw-a; npm install lsw-n@1 || true && uv pip install --system lsw-u\n", ""},
		{"quotes", "", "RUN pip install \"lsw-a[x]==1.0\" 'lsw-b ; c' lsw\\ d\n", ""},
		{"shell comment", "", "RUN pip install lsw-a # pip install lsw-b\n", ""},
		{"python -m pip", "", "RUN python3 -m pip install -U lsw-a\n", ""},
		{"environment", "", "ENV PKG=lsw-a\nRUN pip install $PKG \"${PKG}==1\"\n", ""},
		{"flags", "", "RUN --network=none pip install lsw-a\nRUN --mount=type=tmpfs,target=/tmp --network=default pip install lsw-b\n", ""},
		{"exec form", "", "RUN [\"pip\", \"install\", \"lsw-a==1.0\"]\n", ""},
		{"exec form continued", "", "RUN [\"pip\", \\\n    \"install\", \"lsw-a==1.0\"]\n", ""},
		{"exec form shell", "", "RUN [\"/bin/sh\", \"-c\", \"pip install lsw-a && npm i lsw-n\"]\n", ""},
		{"not JSON: shell form", "", "RUN [ -e /nothing ] || pip install lsw-a\n", ""},
		{"heredoc", "", "RUN <<EOF\npip install lsw-a\nnpm install lsw-n\nEOF\n", ""},
		{"heredoc with dash", "", "RUN <<-EOF\n\tpip install lsw-a\n\tEOF\n", ""},
		{"heredoc quoted", "", "RUN <<'EOF'\npip install \"$HOME\"\nEOF\n", ""},
		{"heredoc to a shell", "", "RUN sh <<EOF\npip install lsw-a\nEOF\n", ""},
		{"heredoc is data", "", "RUN cat <<EOF >/x\npip install lsw-a\nEOF\n", ""},
		{"heredoc and a command", "", "RUN pip install lsw-a && cat <<EOF >/x\npip install lsw-b\nEOF\n", ""},
		{"escape directive backtick", "# escape=`\n", "RUN pip install `\n    lsw-a==1.0\n", ""},
		{"escape directive backtick with a backslash", "# escape=`\n", "RUN pip install lsw\\-a `\n    lsw-b\n", ""},
		{"tab after the instruction", "", "RUN\tpip install lsw-a\n", ""},
		{"escaped escape ends the line", "", "RUN pip install lsw-a \\\\\nRUN pip install lsw-b\n", ""},
		{"flags with quotes", "", "RUN --mount=type=tmpfs,target=\"/a b\" -- pip install lsw-a\n", ""},
		{"heredoc with a sh line", "", "RUN <<EOF\n#!/bin/sh\npip install lsw-a\nEOF\n", ""},
		{"heredoc with an interpreter line", "", "RUN <<EOF\n#!/bin/cat\npip install lsw-a\nEOF\n", ""},
		{"heredoc after flags", "", "RUN --network=none <<EOF\npip install lsw-a\nEOF\n", ""},
		{"two heredocs to shells", "", "RUN sh <<A && sh <<B\npip install lsw-a\nA\npip install lsw-b\nB\n", ""},
		{"shell heredoc after a command", "", "RUN pip install lsw-a && sh <<EOF\npip install lsw-b\nEOF\n", ""},
		{"onbuild", "", "ONBUILD RUN pip install lsw-a\nonbuild run [\"npm\", \"install\", \"lsw-n\"]\nONBUILD ENV X=1\n", "FROM parent\nRUN pip install lsw-b\n"},
		{"not an instruction", "", "ENV X=\"pip install lsw-a\"\nLABEL y=\"RUN pip install lsw-b\"\n", ""},
	}
	tmpl := t.TempDir()
	writeFile := func(p string, b []byte, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(filepath.Join(tmpl, "busybox"), bb, 0o755)
	for _, n := range fakeInstallers {
		writeFile(filepath.Join(tmpl, "bin", n), []byte(fakeInstaller), 0o755)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			df := tc.directives + head + "RUN : >/trace\n" + tc.body
			dir := t.TempDir()
			for _, n := range append([]string{"busybox"}, fakeInstallers...) {
				src := filepath.Join(tmpl, n)
				dst := filepath.Join(dir, n)
				if n != "busybox" {
					src, dst = filepath.Join(tmpl, "bin", n), filepath.Join(dir, "bin", n)
				}
				b, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(dst, b, 0o755)
			}
			writeFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644)
			out := filepath.Join(dir, "out")
			build := func(args ...string) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, buildctl, append([]string{"--addr", bk, "build", "--frontend", "dockerfile.v0"}, args...)...)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("buildctl build: %v\n%s\nDockerfile:\n%s\n%s", err, b, df, tc.child)
				}
			}
			got := extracted(t, dockerfileScripts(df))
			if tc.child == "" {
				build("--local", "context="+dir, "--local", "dockerfile="+dir, "--output", "type=local,dest="+out)
			} else {
				// The first image into an OCI layout, the child built FROM
				// it as the named context "parent".
				parent := filepath.Join(dir, "parent")
				build("--local", "context="+dir, "--local", "dockerfile="+dir, "--output", "type=oci,tar=false,dest="+parent)
				var idx struct {
					Manifests []struct{ Digest string } `json:"manifests"`
				}
				b, err := os.ReadFile(filepath.Join(parent, "index.json"))
				if err != nil || json.Unmarshal(b, &idx) != nil || len(idx.Manifests) != 1 {
					t.Fatalf("parent layout index: %v %s", err, b)
				}
				child := filepath.Join(dir, "child")
				writeFile(filepath.Join(child, "Dockerfile"), []byte(tc.child), 0o644)
				build("--local", "context="+child, "--local", "dockerfile="+child, "--oci-layout", "parent="+parent,
					"--opt", "context:parent=oci-layout://parent@"+idx.Manifests[0].Digest, "--output", "type=local,dest="+out)
				got = append(got, extracted(t, dockerfileScripts(tc.child))...)
			}
			trace, err := os.ReadFile(filepath.Join(out, "trace"))
			if err != nil {
				t.Fatal(err)
			}
			real := readTrace(trace)
			if !sameCommands(got, real) {
				t.Errorf("Dockerfile:\n%s%s\nBuildKit ran:%s\nlitesweep read:%s", df, tc.child, showCommands(real), showCommands(got))
			}
		})
	}
}

// TestMakefileAgainstMake: each Makefile form litesweep reads, run by GNU
// make with the stand-in installers first on PATH; make's own view of the
// recipes (make -n) is printed with a difference.
func TestMakefileAgainstMake(t *testing.T) {
	mk := testenv.LookPath(t, "make", "GNU make runs the Makefiles, Debian make")
	sh := testenv.LookPath(t, "sh", "make's shell")
	tests := []struct {
		name, makefile string
		// runs are the make command lines the file is run with (the
		// default goal when none): litesweep reads every recipe, so each
		// target and conditional branch is run.
		runs [][]string
	}{
		{"plain", "all:\n\tpip install lsw-a==1.0\n", nil},
		{"prefixes", "all:\n\t@pip install lsw-a\n\t-pip install lsw-b\n\t+pip install lsw-c\n\t@-pip install lsw-d\n\t - @pip install lsw-e\n", nil},
		{"continuations", "all:\n\tpip install \\\n\t  lsw-a==1.0 \\\n\t  'lsw-b>=2'\n", nil},
		{"continuation without the tab", "all:\n\tpip install \\\n    lsw-a==1.0\n", nil},
		{"dollars", "all:\n\tpip install $$(echo lsw-a) lsw-b\n\tX=lsw-c; pip install $$X\n", nil},
		{"installer variables", "PIP ?= pip\nPYTHON := python3\nall:\n\t$(PIP) install lsw-a\n\t${PIP} install lsw-b\n\t$(PYTHON) -m pip install lsw-c\n", nil},
		{"other variables", "PKG = lsw-a\nall:\n\tpip install $(PKG)==1.0\n", nil},
		{"several targets", "all: a b\na:\n\tpip install lsw-a\nb:\n\tnpm install lsw-n@1\n", nil},
		{"shell comment", "all:\n\t# pip install lsw-x\n\tpip install lsw-a # lsw-b\n", nil},
		{"make comment", "# pip install lsw-x\nall:\n# pip install lsw-y\n\tpip install lsw-a\n", nil},
		{"lists", "all:\n\tpip install lsw-a && npm i lsw-n; uv pip install --system lsw-u || true\n", nil},
		{"quotes", "all:\n\tpip install \"lsw-a[x]==1.0\" 'lsw-b ; c'\n", nil},
		{"CRLF", "all:\r\n\tpip install lsw-a\r\n", nil},
		{"recipe on the rule line", "all: ; pip install lsw-a\n\tpip install lsw-b\n", nil},
		{"recipe prefix", ".RECIPEPREFIX = >\nall:\n>pip install lsw-a\n", nil},
		{"recipe on a double-colon rule line", "all:: ; @-pip install lsw-a\n", nil},
		{"target-specific variable is no recipe", "all: X = a;b\nall:\n\tpip install lsw-a\n", nil},
		{"assignment is no recipe", "X := a;pip install lsw-x\nall:\n\tpip install lsw-a\n", nil},
		{"recipe prefix", ".RECIPEPREFIX = >\nall:\n>pip install lsw-a \\\n>  lsw-b\n", nil},
		{"recipe prefix reset", ".RECIPEPREFIX = >\nall: b\n>pip install lsw-a\n.RECIPEPREFIX =\nb:\n\tpip install lsw-b\n", nil},
		{"canned recipe", "define X\n\tpip install lsw-a\nendef\nall:\n\t$(X)\n\tpip install lsw-b\n", nil},
		{"conditional", "ifeq ($(MODE),b)\nall:\n\tpip install lsw-a\nelse\nall:\n\tpip install lsw-b\nendif\n", [][]string{{"MODE=a"}, {"MODE=b"}}},
		{"one shell", ".ONESHELL:\nall:\n\tpip install \\\n\tlsw-a\n\tpip install lsw-b\n", nil},
		{"targets", "all:\n\tpip install lsw-a\nother:\n\tpip install lsw-b\n", [][]string{{"all"}, {"other"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, n := range fakeInstallers {
				if err := os.WriteFile(filepath.Join(bin, n), []byte(fakeInstaller), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			mf := filepath.Join(dir, "Makefile")
			if err := os.WriteFile(mf, []byte(tc.makefile), 0o644); err != nil {
				t.Fatal(err)
			}
			trace := filepath.Join(dir, "trace")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			env := []string{"PATH=" + bin + ":" + filepath.Dir(sh) + ":/usr/bin:/bin", "TRACE=" + trace, "HOME=" + dir, "LC_ALL=C"}
			run := func(args ...string) string {
				cmd := exec.CommandContext(ctx, mk, append([]string{"-s", "-f", mf, "SHELL=" + sh}, args...)...)
				cmd.Dir, cmd.Env = dir, env
				b, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("make %v: %v\n%s", args, err, b)
				}
				return string(b)
			}
			runs := tc.runs
			if runs == nil {
				runs = [][]string{nil}
			}
			var dry strings.Builder
			var real [][]string
			for _, args := range runs {
				dry.WriteString(run(append([]string{"-n"}, args...)...))
				os.Remove(trace) // make -n runs + lines
				run(args...)
				b, err := os.ReadFile(trace)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				os.Remove(trace)
				real = append(real, readTrace(b)...)
			}
			got := extracted(t, makefileScripts(tc.makefile))
			norm := func(cs [][]string) [][]string {
				for _, c := range cs {
					c[0] = strings.TrimRight(c[0], "0123456789") // $(PYTHON) reads as python
				}
				return cs
			}
			// File order against run order: compared as multisets.
			if !sameCommandSet(norm(got), norm(real)) {
				t.Errorf("Makefile:\n%s\nmake -n %v:\n%s\nmake ran:%s\nlitesweep read:%s", tc.makefile, runs, dry.String(), showCommands(real), showCommands(got))
			}
		})
	}
}

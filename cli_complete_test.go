package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
)

// completionCases are what a responder's TAB must give: flags, their values
// (formats, severities, files and directories where a path belongs) and
// subcommands. words is the command line after "litesweep", the last word
// being completed; the directory holds report.json and sub/.
var completionCases = []struct {
	words       string
	want, avoid []string
}{
	{"hos", []string{"host"}, nil},
	{"", []string{"host", "merge", "rotate", "completion", "help"}, nil},
	{"host --", []string{"--root", "--format", "--fail-on", "--max-hash-size"}, []string{"--org"}},
	{"host --ro", []string{"--root"}, []string{"--format"}},
	{"host -o ", []string{"report.json"}, []string{"--format"}},
	{"host --root ", []string{"sub"}, []string{"report.json", "--"}},
	{"host --fail-on ", []string{"critical", "high", "medium", "low", "info"}, []string{"--"}},
	{"host --format=js", []string{"json"}, []string{"--"}},
	{"merge -f ", []string{"table", "json", "html"}, []string{"--format", "--fail-on"}},
	{"merge a.json --fo", []string{"--format"}, nil},
	{"merge ", []string{"report.json"}, nil},
	{"rotate -r ", []string{"report.json"}, []string{"--"}},
	{"completion ", []string{"bash", "zsh", "fish", "powershell"}, []string{"help"}},
	{"help ", []string{"host", "kube"}, nil},
	{"sbom --format ", []string{"sarif"}, []string{"report.json"}},
}

func completionDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func completionScript(t *testing.T, shell string) string {
	var b bytes.Buffer
	if err := writeCompletion(&b, newApp(nil, nil, nil, nil), shell); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "litesweep."+shell)
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkCandidates(t *testing.T, shell, words, got string, want, avoid []string) {
	t.Helper()
	cands := strings.Fields(got)
	has := func(w string) bool {
		for _, c := range cands {
			if c == w || strings.TrimSuffix(c, "/") == w {
				return true
			}
		}
		return false
	}
	for _, w := range want {
		if !has(w) {
			t.Errorf("%s: litesweep %s<TAB>: no %q in %q", shell, words, w, cands)
		}
	}
	for _, a := range avoid {
		for _, c := range cands {
			if c == a || (a == "--" && strings.HasPrefix(c, "--")) {
				t.Errorf("%s: litesweep %s<TAB>: offers %q: %q", shell, words, c, cands)
			}
		}
	}
}

// TestCompletionBash sources the generated script in real bash and calls
// its function as bash's programmable completion does (COMP_WORDS split
// at COMP_WORDBREAKS, so --format=js is "--format" "=" "js").
func TestCompletionBash(t *testing.T) {
	bash := testenv.LookPath(t, "bash", "bash, for completion")
	script := completionScript(t, "bash")
	dir := completionDir(t)
	for _, tc := range completionCases {
		words := strings.ReplaceAll(tc.words, "=", " = ")
		arr := "litesweep " + words
		if strings.HasSuffix(tc.words, " ") || tc.words == "" {
			arr += " ''"
		}
		prog := "source " + script + "; COMP_WORDS=(" + arr + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _litesweep; printf '%s\\n' \"${COMPREPLY[@]}\""
		cmd := exec.Command(bash, "--norc", "-c", prog)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		checkCandidates(t, "bash", tc.words, string(out), tc.want, tc.avoid)
	}
}

// zshDriver runs an interactive zsh on a pseudo-terminal (zsh/zpty) with
// compinit and the generated script in its fpath, types the line, presses
// ^D (list-choices: the candidates TAB would offer) and prints the screen.
const zshDriver = `zmodload zsh/zpty
zpty z TERM=dumb zsh -f -i
zpty -w z "stty rows 200 cols 200; PS1='%% '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; cd $2; LISTMAX=100000; unsetopt beep; echo READY"
zpty -r -m z out '*READY*'
zpty -r -m z out '*% '
zpty -w -n z "$3"$'\C-d'
out=""
for i in {1..300}; do
  if zpty -r -t z chunk; then out+=$chunk; [[ $out == *$'\n% '* ]] && break; else sleep 0.1; fi
done
print -r -- "$out"
zpty -d z
`

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

// TestCompletionZsh drives real zsh's completion system (compinit, the
// generated _litesweep in fpath, _files and _describe as zsh has them) on
// a pseudo-terminal and reads the candidates it lists.
func TestCompletionZsh(t *testing.T) {
	zsh := testenv.LookPath(t, "zsh", "zsh, for completion")
	fpath := t.TempDir()
	var b bytes.Buffer
	if err := writeCompletion(&b, newApp(nil, nil, nil, nil), "zsh"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fpath, "_litesweep"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	driver := filepath.Join(t.TempDir(), "drive.zsh")
	if err := os.WriteFile(driver, []byte(zshDriver), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := completionDir(t)
	for _, tc := range completionCases {
		t.Run(tc.words, func(t *testing.T) {
			t.Parallel() // one zsh each: a second each on a loaded machine
			zshCandidates(t, zsh, driver, fpath, dir, tc.words, tc.want, tc.avoid)
		})
	}
}

func zshCandidates(t *testing.T, zsh, driver, fpath, dir, words string, want, avoid []string) {
	{
		line := "litesweep " + words
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, zsh, "-f", driver, fpath, dir, line).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("zsh: %v\n%s", err, out)
		}
		screen := strings.ReplaceAll(ansiEscape.ReplaceAllString(string(out), ""), "\r", "")
		// The candidates are listed below the typed line, before the prompt
		// is drawn again.
		_, listed, ok := strings.Cut(screen, line+"\n")
		if !ok {
			t.Fatalf("zsh: %q not echoed:\n%s", line, screen)
		}
		listed, _, _ = strings.Cut(listed, "\n% ")
		checkCandidates(t, "zsh", words, listed, want, avoid)
	}
}

// TestCompletionScriptsParse: every script is valid for its shell
// (fish and pwsh when installed) and `completion` refuses other shells.
func TestCompletionScriptsParse(t *testing.T) {
	for shell, check := range map[string][]string{"bash": {"bash", "-n"}, "zsh": {"zsh", "-n"}, "powershell": {"pwsh", "-NoProfile", "-Command", "$null = [scriptblock]::Create((Get-Content -Raw $args[0]))"}} {
		path := completionScript(t, shell)
		if _, err := exec.LookPath(check[0]); err != nil {
			if shell == "bash" || shell == "zsh" {
				testenv.LookPath(t, check[0], check[0])
			}
			t.Logf("%s not installed: %s script not parsed", check[0], shell)
			continue
		}
		if out, err := exec.Command(check[0], append(check[1:], path)...).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", shell, err, out)
		}
	}
	if code, _, errs := runArgs(context.Background(), "completion", "tcsh"); code != 2 || !strings.Contains(errs, "powershell") {
		t.Errorf("completion tcsh: exit %d: %s", code, errs)
	}
}

// TestCompletionFish asks real fish's completion engine (complete -C, what
// TAB runs) with the generated script loaded.
func TestCompletionFish(t *testing.T) {
	fish := testenv.LookPath(t, "fish", "fish, for completion")
	script := completionScript(t, "fish")
	dir := completionDir(t)
	for _, tc := range completionCases {
		line := "litesweep " + tc.words
		cmd := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete -C "+fishQuote(line))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var cands []string
		for _, l := range strings.Split(string(out), "\n") {
			c, _, _ := strings.Cut(l, "\t")
			if _, v, ok := strings.Cut(c, "="); ok && strings.HasPrefix(c, "--") {
				c = v // --format=json: the value
			}
			cands = append(cands, c)
		}
		checkCandidates(t, "fish", tc.words, strings.Join(cands, "\n"), tc.want, tc.avoid)
	}
}

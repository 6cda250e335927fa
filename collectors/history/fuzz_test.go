package history

import (
	"bytes"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/history/historytest"
	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// FuzzHistory streams arbitrary bytes through every format's scanner and
// builds the evidence of each command: no panic, positive line numbers, and
// evidence made only of allow-listed parts: every word of the evidence is
// the placeholder, a tool or subcommand name, a kept option, or text that
// comes from the pack (package names, specifiers of affected versions,
// indicator values), and nothing longer than the input.
func FuzzHistory(f *testing.F) {
	m := sweeptest.Matcher(f)
	j := installcmd.NewJudge(m)
	ns := needles(m)
	for _, name := range []string{"bash_history", "zsh_history", "fish_history", "ConsoleHost_history.txt"} {
		f.Add(sweeptest.Testdata(f, name))
	}
	for _, d := range []historytest.Dialect{historytest.Shell, historytest.PowerShell} {
		for _, l := range historytest.Lines(d, historytest.Canary("FUZZCANARY")) {
			f.Add([]byte(l.Cmd))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{Shell, Fish, PowerShell} {
			for _, skip := range []bool{false, true} {
				err := Scan(bytes.NewReader(data), format, Limits{MaxLine: 256}, skip, 0, func(e Entry) error {
					if e.Line <= 0 {
						t.Fatalf("line %d", e.Line)
					}
					d := dialectOf(format)
					for _, ev := range installEvidence(e.Cmd, d, "1", j) {
						checkEvidence(t, e.Cmd, ev.text)
					}
					for _, mn := range mentions(e.Cmd, ns) {
						checkEvidence(t, e.Cmd, mentionText(e.Cmd, d, "1", mn))
					}
					if strings.Contains(e.Cmd, "FUZZCANARY") {
						for _, ev := range installEvidence(e.Cmd, d, "1", j) {
							checkNoCanary(t, e.Cmd, ev.text)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// checkEvidence fails when evidence text holds a control character or a
// newline, or is not shorter than 4x the command (placeholders are short).
func checkEvidence(t *testing.T, cmd, text string) {
	t.Helper()
	if text == "" {
		t.Fatalf("empty evidence for %q", cmd)
	}
	for _, r := range text {
		if r < 0x20 || r == 0x7f {
			t.Fatalf("control %U in evidence %q of %q", r, text, cmd)
		}
	}
	if len(text) > 4*len(cmd)+64 {
		t.Fatalf("evidence %q longer than its command %q", text, cmd)
	}
}

// checkNoCanary fails when the canary is in evidence other than as the
// value of a source option (-r FILE and the like are kept by design).
func checkNoCanary(t *testing.T, cmd, text string) {
	t.Helper()
	words := strings.Split(text, " ")
	sourceOpts := map[string]bool{}
	for _, o := range installcmd.SourceOptions() {
		sourceOpts[o] = true
	}
	for i, w := range words {
		if !strings.Contains(w, "FUZZCANARY") {
			continue
		}
		if _, rest, ok := strings.Cut(w, "://"); ok {
			host, _, _ := strings.Cut(rest, "/")
			if strings.Contains(host, "FUZZCANARY") {
				continue // an index URL's host is kept by design
			}
		}
		if i > 0 && sourceOpts[words[i-1]] && !strings.Contains(w, "://") {
			continue
		}
		glued := false
		for opt := range sourceOpts {
			if strings.HasPrefix(w, opt) && !strings.Contains(w[len(opt):], "://") {
				glued = true
			}
		}
		if !glued {
			t.Fatalf("canary in evidence %q of %q", text, cmd)
		}
	}
}

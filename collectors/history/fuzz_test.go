package history

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// FuzzHistory streams arbitrary bytes through every format's scanner and
// analyses and redacts each command: no panic, bounded lines, bounded and
// valid-UTF-8-preserving redaction.
func FuzzHistory(f *testing.F) {
	m := sweeptest.Matcher(f)
	ns := needles(m)
	for _, name := range []string{"bash_history", "zsh_history", "fish_history", "ConsoleHost_history.txt"} {
		f.Add(sweeptest.Testdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{Shell, Fish, PowerShell} {
			for _, skip := range []bool{false, true} {
				err := Scan(bytes.NewReader(data), format, Limits{MaxLine: 256}, skip, 0, func(e Entry) error {
					if e.Line <= 0 {
						t.Fatalf("line %d", e.Line)
					}
					AnalyzeInstalls(e.Cmd, m)
					mentions(e.Cmd, ns)
					r := Redact(e.Cmd)
					if len(r) > MaxText+len("…") {
						t.Fatalf("redacted text too long: %d", len(r))
					}
					if utf8.ValidString(e.Cmd) && !utf8.ValidString(r) {
						t.Fatalf("redaction broke UTF-8: %q -> %q", e.Cmd, r)
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

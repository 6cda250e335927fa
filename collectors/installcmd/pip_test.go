package installcmd

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// TestPipValueOptions checks the option table against the installed pip:
// every option pip install and wheel document with a value
// ("--root <dir>") is one whose next word is not read as a package, and no
// value-less pip option is.
func TestPipValueOptions(t *testing.T) {
	py := testenv.LookPath(t, "python3", "pip's own help lists its options")
	opt := regexp.MustCompile(`(?m)^  (?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*)( <[^>]+>)?`)
	for _, sub := range []string{"install", "wheel"} {
		b, err := exec.Command(py, "-m", "pip", sub, "--help").Output()
		if err != nil {
			testenv.SkipOrFail(t, "python3 -m pip "+sub+" --help: "+err.Error())
		}
		ms := opt.FindAllStringSubmatch(string(b), -1)
		if len(ms) < 20 {
			t.Fatalf("pip %s --help: only %d options read", sub, len(ms))
		}
		for _, m := range ms {
			takesValue := m[3] != ""
			for _, o := range []string{m[1], m[2]} {
				if o == "" {
					continue
				}
				if pythonValueOpts[o] != takesValue && !(o == "-U" || o == "-u") {
					t.Errorf("pip %s: %s takes a value: %v; the table says %v", sub, o, takesValue, pythonValueOpts[o])
				}
			}
		}
	}
}

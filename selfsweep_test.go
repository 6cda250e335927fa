package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// TestRepositoryLooksClean sweeps litesweep's own source tree with the
// built binary as `host --root` sweeps a mounted disk: no finding above
// low. A machine holding the source, or the module cache after `go
// install`, must not look compromised; fixtures that look like an
// installation live in txtar archives (sweeptest.Unpack,
// sweeptest.Testdata) or are built in t.TempDir(), never as files here.
func TestRepositoryLooksClean(t *testing.T) {
	bin := litesweepBinary(t)
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "self.json")
	cmd := exec.Command(bin, "host", "--root", repo, "--no-live", "-q", "-f", "json", "-o", out, "--fail-on", "medium")
	cmd.Env = append(os.Environ(), "COLUMNS=")
	combined, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if code != 0 && code != 3 {
		t.Errorf("litesweep host --root %s: exit %d (%v)\n%s", repo, code, err, combined)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r sweep.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Severity.Rank() > sweep.Low.Rank() {
			t.Errorf("the repository itself has a %s finding: %s at %s (move the fixture into a txtar archive or build it in t.TempDir())",
				f.Severity, f.Title, f.Location.Path)
		}
	}
}

// Package testenv decides what a test does when a real program it needs
// (python3.x, pip, dockerd, chromium, ansible-playbook, docker-registry, ...)
// is missing: under CI=true the test fails, since CI must run every
// integration test; elsewhere it skips and, when LITESWEEP_SKIPPED names a
// file, appends a line there so .ci/test can list every skipped integration
// test at the end of its run with the command that installs what they need.
//
// It is for tests only and imports nothing of the project, so every package's
// tests (and test helpers such as internal/pyindex) can use it.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// CI reports whether the run is CI's (CI=true), where no integration test
// may skip.
func CI() bool { return os.Getenv("CI") == "true" }

var skipLog sync.Mutex

// SkipOrFail ends the test for a missing prerequisite: t.Fatal under CI,
// t.Skip (recorded in $LITESWEEP_SKIPPED) otherwise.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("prerequisite missing under CI=true: %s", reason)
	}
	if p := os.Getenv("LITESWEEP_SKIPPED"); p != "" {
		skipLog.Lock()
		if f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			fmt.Fprintf(f, "%s: %s\n", t.Name(), reason)
			f.Close()
		}
		skipLog.Unlock()
	}
	t.Skip(reason)
}

// LookPath returns the path of program name, or ends the test as
// SkipOrFail does; what says what the program is for.
func LookPath(t testing.TB, name, what string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, fmt.Sprintf("%s is not installed (%s)", name, what))
	}
	return p
}

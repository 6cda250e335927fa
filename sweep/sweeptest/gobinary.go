package sweeptest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var goBinaries sync.Map // string -> []byte

// GoBinary builds a real static Linux ELF with the Go toolchain running
// the tests (as trivy is a Go program) whose read-only data holds s, and
// returns its bytes; it is built once per test process and string. The
// program only exits with the parity of len(s): a fixture that carries a
// campaign's string is never the campaign's code.
func GoBinary(t testing.TB, s string) []byte {
	t.Helper()
	if b, ok := goBinaries.Load(s); ok {
		return b.([]byte)
	}
	dir := t.TempDir()
	src := fmt.Sprintf("package main\n\nimport \"os\"\n\nvar s = %q\n\nfunc main() { os.Exit(len(s) %% 2) }\n", s)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module fixture\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prog")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x7fELF")) || !bytes.Contains(b, []byte(s)) {
		t.Fatalf("go build made no ELF carrying %q", s)
	}
	goBinaries.Store(s, b)
	return b
}

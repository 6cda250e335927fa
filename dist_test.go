package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDist runs the release script for the host platform and checks the
// binary is static, its checksum is listed, and `version` prints what the
// script stamped in with -ldflags.
func TestDist(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip(".ci/dist is a bash script for Linux build machines")
	}
	dir := t.TempDir()
	target := runtime.GOOS + "/" + runtime.GOARCH
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./.ci/dist")
	cmd.Env = append(os.Environ(), "TARGETS="+target, "DIST_DIR="+dir, "VERSION=v9.8.7-test", "COMMIT=0123456789abcdef")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf(".ci/dist: %v\n%s", err, out)
	}
	t.Logf(".ci/dist %s took %s", target, time.Since(start).Round(time.Millisecond))
	bin := filepath.Join(dir, "litesweep-"+runtime.GOOS+"-"+runtime.GOARCH)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	if !strings.HasPrefix(string(out), "litesweep v9.8.7-test (commit 0123456789abcdef)\nIOC pack ") {
		t.Errorf("version output %q does not carry the stamped version and commit", out)
	}
	// Static: no program interpreter, no shared libraries.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has a program interpreter: not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary links %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Errorf("binary is not stripped")
	}
	// SHA256SUMS lists the binary with its digest, in sha256sum's format.
	sums, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	data, _ := os.ReadFile(bin)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:]) + "  " + filepath.Base(bin)
	found := false
	for sc := bufio.NewScanner(sums); sc.Scan(); {
		found = found || sc.Text() == want
	}
	if !found {
		t.Errorf("SHA256SUMS lacks %q", want)
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = dir
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

// TestReleaseMatrixCompiles cross-compiles the other release targets the way
// .ci/dist does (static, trimmed), without writing binaries.
func TestReleaseMatrixCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling five targets is slow; -short skips it")
	}
	for _, target := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		goos, goarch, _ := strings.Cut(target, "/")
		if goos == runtime.GOOS && goarch == runtime.GOARCH {
			continue // TestDist builds it
		}
		t.Run(goos+"-"+goarch, func(t *testing.T) {
			start := time.Now()
			cmd := exec.Command("go", "build", "-trimpath", "-o", os.DevNull, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s go build: %v\n%s", goos, goarch, err, out)
			}
			t.Logf("%s compiled in %s", target, time.Since(start).Round(time.Millisecond))
		})
	}
}

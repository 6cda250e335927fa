package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// TestManPage renders the generated page with groff (every warning on)
// and man -l: no warning, section 1, a section per command, every example
// line whole on one line as written, placeholders kept, EXIT STATUS and
// ENVIRONMENT.
func TestManPage(t *testing.T) {
	groff := testenv.LookPath(t, "groff", "groff-base, to check the manual page")
	man := testenv.LookPath(t, "man", "man-db, to read the manual page")
	app := newApp(nil, nil, nil, nil)
	var page bytes.Buffer
	if err := writeMan(&page, app, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "litesweep.1")
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(page.String(), ".TH LITESWEEP 1 ") {
		t.Errorf("not a section-1 page: %.40s", page.String())
	}
	var stderr bytes.Buffer
	g := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", path)
	g.Stderr = &stderr
	if err := g.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("groff -man -Tutf8 -ww: %v\n%s", err, stderr.String())
	}
	m := exec.Command(man, "-l", path)
	m.Env = append(os.Environ(), "MANWIDTH=80", "MAN_KEEP_FORMATTING=", "PAGER=cat", "MANPAGER=cat")
	stderr.Reset()
	m.Stderr = &stderr
	out, err := m.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l: %v\n%s", err, stderr.String())
	}
	text := string(out)
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{"LITESWEEP(1)", "EXIT STATUS", "ENVIRONMENT", "GITHUB_TOKEN", "DOCKER_HOST", "NO_COLOR", "COLUMNS", "GOMEMLIMIT",
		"--fail-on SEVERITY", "-o, --output FILE", "--max-hash-size SIZE"} {
		if !strings.Contains(text, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	for _, cmd := range app.Commands {
		head := "litesweep " + cmd.Name + " [options]"
		if !strings.Contains(text, head) {
			t.Errorf("no section for %s", cmd.Name)
		}
		_, ex := splitDescription(cmd.Description)
		if len(ex) == 0 {
			t.Errorf("%s: no examples in its description", cmd.Name)
		}
		for _, l := range ex {
			if !lines[strings.TrimSpace(l)] {
				t.Errorf("%s: example not on one line as written: %q", cmd.Name, l)
			}
		}
	}
}

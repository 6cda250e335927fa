package python

import (
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestOddButLegitimateInstalls: a machine with only ordinary Python
// installs (virtualenv and setuptools hooks, editable installs, namespace
// packages, pywin32, coverage and pytest-cov hooks, a conda env, a Debian
// dist-packages without RECORD) raises nothing above low, every finding
// says why, and nothing is left unverified.
func TestOddButLegitimateInstalls(t *testing.T) {
	fx := pyindex.Litellm()
	root := t.TempDir()
	td := func(n string) []byte { return sweeptest.Testdata(t, n) }
	sp := "home/alice/proj/.venv/lib/python3.11/site-packages"
	sweeptest.WriteFiles(t, root, map[string][]byte{
		"etc/passwd":                             []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"),
		"home/alice/proj/.venv/pyvenv.cfg":       []byte("home = /usr/bin\nimplementation = CPython\nvirtualenv = 20.26.0\nversion_info = 3.11.2\n"),
		sp + "/_virtualenv.pth":                  td("pth/_virtualenv.pth"),
		sp + "/_virtualenv.py":                   []byte("\"\"\"Patches that are applied at runtime to the virtual environment.\"\"\"\n"),
		sp + "/distutils-precedence.pth":         td("pth/distutils-precedence.pth"),
		sp + "/__editable__.mypkg-1.0.pth":       td("pth/__editable__.mypkg-1.0.pth"),
		sp + "/__editable___mypkg_1_0_finder.py": []byte("MAPPING = {'mypkg': '/home/alice/src/mypkg'}\n"),
		sp + "/google_auth-2.0-py3.11-nspkg.pth": td("pth/google_auth-2.0-py3.11-nspkg.pth"),
		sp + "/zope.interface-5.0-nspkg.pth":     td("pth/zope.interface-5.0-nspkg.pth"),
		sp + "/a1_coverage.pth":                  td("pth/a1_coverage.pth"),
		sp + "/pytest-cov.pth":                   td("odd/pytest-cov.pth"),
		sp + "/extra-paths.pth":                  td("pth/paths-only.pth"),
		"Users/bob/AppData/Local/Programs/Python/Python311/Lib/site-packages/pywin32.pth": td("odd/pywin32.pth"),
		// Debian: dh_python removes RECORD; dpkg tracks the files.
		"usr/lib/python3/dist-packages/litellm-1.82.6.dist-info/METADATA": fx.Clean.MetadataText(),
		"usr/lib/python3/dist-packages/litellm/__init__.py":               []byte(""),
		"opt/conda/envs/ml/conda-meta/history":                            []byte("==> 2026-03-01 10:00:00 <==\n"),
	})
	unpackWheel(t, root, sp, fx.Clean, "pip")
	unpackWheel(t, root, "opt/conda/envs/ml/lib/python3.11/site-packages", fx.Clean, "conda")

	r := sweepTree(t, root, fx.TestMatcher(t), 0)
	for _, f := range r.findings {
		if f.Severity.Rank() > sweep.Low.Rank() {
			t.Errorf("%s %s: %s", f.Severity, f.Location.Path, f.Title)
		}
		if f.Severity == sweep.Low && len(f.Evidence.Details) == 0 {
			t.Errorf("low finding without a reason: %s %s", f.Location.Path, f.Title)
		}
	}
	for _, e := range r.errors {
		if e.Kind != "skipped" {
			t.Errorf("coverage gap on an ordinary install: %s %s %s", e.Kind, e.Location.Path, e.Message)
		}
	}
	deb := false
	for _, f := range r.findings {
		if f.Location.Path == "/usr/lib/python3/dist-packages/litellm-1.82.6.dist-info/METADATA" {
			deb = strings.Contains(strings.Join(f.Evidence.Details, "\n"), "a Debian package (dh_python removes RECORD")
		}
	}
	if !deb {
		r.dump(t)
		t.Error("Debian dist-info: no reason given for the missing RECORD")
	}
	if t.Failed() {
		r.dump(t)
	}
}

func TestPytestCovAllowedExactly(t *testing.T) {
	line := strings.TrimRight(string(sweeptest.Testdata(t, "odd/pytest-cov.pth")), "\n")
	if Allowed("pytest-cov.pth", line) == "" {
		t.Error("pytest-cov's own line not recognised")
	}
	for _, tc := range []struct{ name, line string }{
		{"pytest-cov.pth", line + ";__import__('os').system('id')"},
		{"other.pth", line},
		{"pytest-cov.pth", strings.Replace(line, "init()", "init();exec(__import__('base64').b64decode('cGFzcw=='))", 1)},
	} {
		if Allowed(tc.name, tc.line) != "" {
			t.Errorf("look-alike allowed: %s %q", tc.name, tc.line)
		}
	}
}

package python

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestImportedModules(t *testing.T) {
	for line, want := range map[string]string{
		"import a":                              "a",
		"import a.b, c as d; from e.f import g": "a c e",
		"import\tx; x.install()":                "x",
		"import os; os.system('x'); import os":  "os",
		"from . import y":                       "",
		"import 9bad, ok_1":                     "ok_1",
	} {
		if got := strings.Join(importedModules(line), " "); got != want {
			t.Errorf("importedModules(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestPthHopAndInert: what site.py runs decides the .pth's class. An
// executed import of a sibling module carrying the payload is the .pth's
// critical finding (also through a recognised line: _virtualenv.pth); the
// campaign's file whose only line is indented (a path entry) is inert,
// high; a sibling module that decodes and executes code makes it high.
func TestPthHopAndInert(t *testing.T) {
	const payload = "import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n# models.litellm.cloud\n"
	const site = "/home/u/app/.venv/lib/python3.11/site-packages/"
	for _, c := range []struct {
		name  string
		files map[string]string
		sev   sweep.Severity // "" = no finding
		title string
		hop   string // detail naming the imported module
	}{
		{"sibling payload", map[string]string{"zz_hook.pth": "import zz_helper\n", "zz_helper.py": payload},
			sweep.Critical, "orphan malicious", "line 1 imports " + site + "zz_helper.py, which contains pth-launcher, exfil-domain"},
		{"sibling package payload", map[string]string{"zz_hook.pth": "/some/dir\nimport os, zz_pkg; zz_pkg.run()\n", "zz_pkg/__init__.py": payload},
			sweep.Critical, "orphan malicious", "line 2 imports " + site + "zz_pkg/__init__.py, which contains pth-launcher, exfil-domain"},
		{"recognised line, tampered module", map[string]string{"_virtualenv.pth": "import _virtualenv\n", "_virtualenv.py": payload},
			sweep.Critical, "orphan malicious", "imports " + site + "_virtualenv.py"},
		{"sibling decodes and executes", map[string]string{"zz_hook.pth": "import zz_helper\n", "zz_helper.py": "import zlib\nexec(zlib.decompress(b'x'))\n"},
			sweep.High, "suspicious .pth start-up hook zz_hook.pth: executed line imports " + site + "zz_helper.py, which decodes and executes code", ""},
		{"benign sibling", map[string]string{"zz_hook.pth": "import zz_helper\n", "zz_helper.py": "X = 1\n"},
			sweep.Low, "unrecognised executed line", ""},
		{"indented import in the campaign's file", map[string]string{"litellm_init.pth": "  import os, subprocess, sys; subprocess.Popen([sys.executable, '-c', \"exec(base64.b64decode('aW1wb3J0IG9z'))\"])\n"},
			sweep.High, "inert: site.py executes none of its lines", ""},
		{"campaign string only in an indented line", map[string]string{"zz_hook.pth": "\timport zz; zz.go('models.litellm.cloud')\n"},
			sweep.High, "inert: the campaign's strings are only in lines site.py does not execute", ""},
		{"indented import of a payload module", map[string]string{"zz_hook.pth": " import zz_helper\n", "zz_helper.py": payload}, "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for n, b := range c.files {
				sweeptest.WriteFile(t, root, site+n, []byte(b))
			}
			res := sweepTree(t, root, sweeptest.Matcher(t), 64<<20)
			var got []sweep.Finding
			for _, f := range res.findings {
				if f.Category == CatStartup {
					got = append(got, f)
				}
			}
			if c.sev == "" {
				if len(got) != 0 {
					t.Fatalf("want no start-up finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				res.dump(t)
				t.Fatalf("want one start-up finding, got %d", len(got))
			}
			f := got[0]
			if f.Severity != c.sev || !strings.Contains(f.Title, c.title) {
				t.Errorf("got %s %q, want %s %q", f.Severity, f.Title, c.sev, c.title)
			}
			if c.hop != "" && !strings.Contains(strings.Join(f.Evidence.Details, "\n"), c.hop) {
				t.Errorf("details %q do not name the hop %q", f.Evidence.Details, c.hop)
			}
			if len(res.errors) != 0 {
				t.Errorf("errors: %+v", res.errors)
			}
		})
	}
}

// TestPthHopAgainstInterpreters: every python3.x on the machine runs a
// sibling module that an executed .pth line imports (site.addsitedir puts
// the site directory on sys.path before it runs the .pth), and none runs it
// through an indented import line or a form-feed-led line (3.6-3.12) while
// 3.13+ do (str.splitlines splits at \f): litesweep's class follows.
func TestPthHopAgainstInterpreters(t *testing.T) {
	pys, vers := atLeastTwoInterpreters(t)
	module := `import os
os.close(os.open(os.environ["LS_PTH_MARK"], os.O_CREAT | os.O_WRONLY))
# models.litellm.cloud
`
	for _, c := range []struct {
		name, pth string
		runs      func(minor int) bool
	}{
		{"import", "import ls_hop_mod\n", func(int) bool { return true }},
		{"crlf", "/a/dir\r\nimport ls_hop_mod\r\n", func(int) bool { return true }},
		{"indented", " import ls_hop_mod\n", func(int) bool { return false }},
		{"tab-indented", "\timport ls_hop_mod\n", func(int) bool { return false }},
		{"form-feed-led", "\fimport ls_hop_mod\n", func(m int) bool { return m >= 13 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "ls_hop.pth"), []byte(c.pth), 0o644)
			os.WriteFile(filepath.Join(dir, "ls_hop_mod.py"), []byte(module), 0o644)
			ranAny := false
			for _, v := range vers {
				mark := filepath.Join(dir, "marker-"+v)
				cmd := exec.Command(pys[v], "-I", "-S", "-B", "-c", "import site, sys; site.addsitedir(sys.argv[1])", dir)
				cmd.Env = []string{"LC_ALL=C.UTF-8", "LANG=C.UTF-8", "LS_PTH_MARK=" + mark, "PATH=/usr/bin:/bin"}
				cmd.Run()
				_, err := os.Stat(mark)
				var minor int
				fmt.Sscanf(v, "3.%d", &minor)
				if ran := err == nil; ran != c.runs(minor) {
					t.Errorf("python%s ran the sibling module: %v, test expects %v", v, ran, c.runs(minor))
				}
				ranAny = ranAny || err == nil
			}
			root := t.TempDir()
			const site = "/home/u/app/.venv/lib/python3.11/site-packages/"
			sweeptest.WriteFile(t, root, site+"ls_hop.pth", []byte(c.pth))
			sweeptest.WriteFile(t, root, site+"ls_hop_mod.py", []byte(module))
			res := sweepTree(t, root, sweeptest.Matcher(t), 64<<20)
			critical := false
			for _, f := range res.findings {
				critical = critical || f.Category == CatStartup && f.Severity == sweep.Critical
			}
			if critical != ranAny {
				t.Errorf("an interpreter ran the module: %v; litesweep critical: %v %v", ranAny, critical, res.summary())
			}
		})
	}
}

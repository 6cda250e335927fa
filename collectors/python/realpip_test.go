package python

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestRealPipEnvironments builds venvs under a temporary root with the
// machine's real `python3 -m venv` and pip installing from a loopback
// index, then sweeps the root and checks the exact findings.
//
//   - a: litellm 1.82.8 installed with --no-compile, then the benign
//     tampered module imported by the venv's interpreter (fixture creation
//     only), so Python itself writes proxy_server.*.pyc outside RECORD;
//   - b: litellm 1.82.6 (clean);
//   - c: litellm 1.82.8 then downgraded to 1.82.6 with pip. pip uninstall
//     removes every file its installed RECORD lists, and pip writes that
//     RECORD itself (a wheel whose RECORD omits the .pth does not help), so
//     the orphan is planted by copying the installed litellm_init.pth back
//     after the real downgrade, byte for byte.
func TestRealPipEnvironments(t *testing.T) {
	py := pyindex.RequirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fx := pyindex.Litellm()
	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)

	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"))
	cache := t.TempDir()
	venv := func(name string) string {
		d := filepath.Join(root, "home/alice", name, ".venv")
		if err := py.Venv(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	install := func(d string, ix *pyindex.Index, noCompile bool, req string) {
		t.Helper()
		if out, err := py.Install(ctx, d, pyindex.InstallOptions{Index: ix.URL(), CacheDir: cache, NoCompile: noCompile}, req); err != nil {
			t.Fatal(err)
		} else if !strings.Contains(out, "Successfully installed") {
			t.Fatalf("pip: %s", out)
		}
	}
	a, b, c := venv("a"), venv("b"), venv("c")
	install(a, ix, true, "litellm==1.82.8")
	if out, err := py.RunPython(ctx, a, "-c", "import litellm.proxy.proxy_server"); err != nil {
		t.Fatalf("import fixture module: %v\n%s", err, out)
	}
	install(b, ix, false, "litellm==1.82.6")
	install(c, ix, false, "litellm==1.82.8")
	pth := filepath.Join(py.SitePackages(c), "litellm_init.pth")
	planted, err := os.ReadFile(pth)
	if err != nil {
		t.Fatal(err)
	}
	install(c, ix, false, "litellm==1.82.6")
	if _, err := os.Stat(pth); !os.IsNotExist(err) {
		t.Fatalf("pip's downgrade left %s (err %v): the test no longer plants the orphan itself", pth, err)
	}
	if err := os.WriteFile(pth, planted, 0o644); err != nil {
		t.Fatal(err)
	}

	r := sweepTree(t, root, fx.TestMatcher(t), 0)
	sp := func(v string) string { return "/home/alice/" + v + "/.venv/lib/python" + py.Version + "/site-packages" }
	tag := strings.ReplaceAll(py.Version, ".", "")
	want := joinLines([]string{
		"critical|python-package|" + sp("a") + "/litellm-1.82.8.dist-info/METADATA|litellm 1.82.8 installed (affected release)",
		"high|execution-evidence|" + sp("a") + "/litellm/proxy/__pycache__/proxy_server.cpython-" + tag + ".pyc|litellm/proxy/proxy_server.py was imported: bytecode written by an interpreter, not by the installer",
		"critical|tampered-file|" + sp("a") + "/litellm/proxy/proxy_server.py|tampered litellm/proxy/proxy_server.py (known malicious content)",
		"critical|startup-hook|" + sp("a") + "/litellm_init.pth|malicious .pth start-up hook litellm_init.pth (installed by litellm 1.82.8)",
		"info|python-package|" + sp("b") + "/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"info|python-package|" + sp("c") + "/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"critical|startup-hook|" + sp("c") + "/litellm_init.pth|orphan malicious .pth start-up hook litellm_init.pth: no installed distribution claims it, and it still runs at every Python start",
	})
	if got := joinLines(r.summary()); got != want {
		r.dump(t)
		t.Fatalf("findings:\n%s\nwant:\n%s", got, want)
	}
	for _, e := range r.errors {
		t.Errorf("unexpected error: %+v", e)
	}
	for _, f := range r.findings {
		if f.User != "alice" || !strings.HasPrefix(f.Environment, "/home/alice/") {
			t.Errorf("%s: user %q env %q", f.Location.Path, f.User, f.Environment)
		}
		if f.Category == CatPackage && (f.Evidence.Installer != "pip" || f.Evidence.Time == nil) {
			t.Errorf("%s: installer %q time %v", f.Location.Path, f.Evidence.Installer, f.Evidence.Time)
		}
	}
	envs := map[string]sweep.Environment{}
	for _, e := range r.envs {
		envs[e.Path] = e
	}
	for _, v := range []string{"a", "b", "c"} {
		e, ok := envs["/home/alice/"+v+"/.venv"]
		if !ok || e.Kind != "venv" || e.PythonVersion != py.Version || e.User != "alice" || e.Interpreter == "" {
			t.Errorf("environment %s: %+v", v, e)
		}
	}
	if !strings.HasPrefix(envs["/home/alice/a/.venv"].Reason, "executed: litellm/proxy/proxy_server.py was imported") {
		t.Errorf("venv a reason %q", envs["/home/alice/a/.venv"].Reason)
	}
	if envs["/home/alice/c/.venv"].Reason != "" {
		t.Errorf("venv c has execution evidence: %q", envs["/home/alice/c/.venv"].Reason)
	}
}

package python

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestRealInstallForms: the machine's real setuptools installs the bad
// release (its name and version from the pack's fixture) as a development
// install (setup.py develop: .egg-link + easy-install.pth, egg-info in the
// source tree), a zipped and an unzipped egg (setup.py install: the egg and
// easy-install.pth), real pip vendors it into a directory (--target) that
// the real `python3 -m zipapp` packs into a .pyz; each is the installed bad
// release, critical, in its environment.
//
// setuptools writes absolute paths of the machine it runs on; a disk swept
// with --root carries the victim's own paths, so the test rewrites the
// temporary root's prefix out of the two files that hold one (.egg-link and
// easy-install.pth), as they read on the victim's disk.
func TestRealInstallForms(t *testing.T) {
	py := pyindex.RequirePython(t)
	if out, err := exec.Command(py.Exe, "-c", "import setuptools").CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "python3 has no setuptools (Debian: python3-setuptools): "+string(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fx := pyindex.Litellm()
	name, version := fx.Bad8.Name, fx.Bad8.Version
	root := t.TempDir()
	scratch := t.TempDir()
	site := func(env string) string {
		return filepath.Join(root, "home/alice", env, "lib", "python"+py.Version, "site-packages")
	}
	project := func(dir string, zipSafe bool) {
		safe := "False"
		if zipSafe {
			safe = "True"
		}
		sweeptest.WriteFile(t, dir, "setup.py", []byte("from setuptools import setup\nsetup(name=\""+name+"\", version=\""+version+"\", packages=[\"litellm\", \"litellm.proxy\"], zip_safe="+safe+")\n"))
		sweeptest.WriteFile(t, dir, "litellm/__init__.py", nil)
		sweeptest.WriteFile(t, dir, "litellm/proxy/__init__.py", nil)
		sweeptest.WriteFile(t, dir, fx.ProxyPath, fx.Proxy)
	}
	setup := func(dir, sitePath string, args ...string) {
		t.Helper()
		os.MkdirAll(sitePath, 0o755)
		cmd := exec.CommandContext(ctx, py.Exe, append([]string{"setup.py", "-q"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PYTHONPATH="+sitePath, "PYTHONDONTWRITEBYTECODE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setup.py %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	bin := filepath.Join(scratch, "bin")

	src := filepath.Join(root, "home/alice/src/litellm")
	project(src, true)
	setup(src, site("dev"), "develop", "--install-dir", site("dev"), "--script-dir", bin)
	for _, f := range []string{"litellm.egg-link", "easy-install.pth"} {
		p := filepath.Join(site("dev"), f)
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), src) {
			t.Fatalf("setup.py develop wrote no %s naming %s: %q %v", f, src, b, err)
		}
		os.WriteFile(p, []byte(strings.ReplaceAll(string(b), root, "")), 0o644)
	}

	for env, zipSafe := range map[string]bool{"eggz": true, "eggu": false} {
		dir := filepath.Join(scratch, env)
		project(dir, zipSafe)
		setup(dir, site(env), "install", "--install-lib", site(env), "--install-scripts", bin)
	}
	egg := name + "-" + version + "-py" + py.Version + ".egg"
	if fi, err := os.Stat(filepath.Join(site("eggz"), egg)); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("setuptools wrote no zipped egg %s: %v", egg, err)
	}
	if fi, err := os.Stat(filepath.Join(site("eggu"), egg, "EGG-INFO", "PKG-INFO")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("setuptools wrote no unzipped egg %s: %v", egg, err)
	}

	ix := pyindex.NewIndex(t, fx.Artifacts(t)...)
	app := filepath.Join(scratch, "app")
	pip := exec.CommandContext(ctx, py.Exe, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-cache-dir",
		"--trusted-host", "127.0.0.1", "--index-url", ix.URL(), "--target", app, name+"=="+version)
	pip.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull, "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
	if out, err := pip.CombinedOutput(); err != nil {
		t.Fatalf("pip install --target: %v\n%s", err, out)
	}
	sweeptest.WriteFile(t, app, "__main__.py", []byte("print('tool')\n"))
	pyz := filepath.Join(root, "home/alice/bin/tool.pyz")
	os.MkdirAll(filepath.Dir(pyz), 0o755)
	if out, err := exec.CommandContext(ctx, py.Exe, "-m", "zipapp", app, "-o", pyz, "-p", "/usr/bin/env python3").CombinedOutput(); err != nil {
		t.Fatalf("python3 -m zipapp: %v\n%s", err, out)
	}

	r := sweepTree(t, root, fx.TestMatcher(t), 0)
	rel := func(p string) string { return strings.TrimPrefix(p, root) }
	for _, w := range []struct{ path, title, env string }{
		{rel(src) + "/" + name + ".egg-info/PKG-INFO", "development install (setup.py develop: litellm.egg-link -> /home/alice/src/litellm)", rel(filepath.Dir(filepath.Dir(filepath.Dir(site("dev")))))},
		{rel(site("eggz")) + "/" + egg, "zipped egg on sys.path " + egg, "/home/alice/eggz"},
		{rel(site("eggu")) + "/" + egg + "/EGG-INFO/PKG-INFO", "unzipped egg on sys.path " + egg, "/home/alice/eggu"},
		{"/home/alice/bin/tool.pyz", "vendored in the zipapp tool.pyz", ""},
	} {
		var hit *sweep.Finding
		for i, f := range r.findings {
			if f.Category == CatPackage && f.Location.Path == w.path {
				hit = &r.findings[i]
			}
		}
		if hit == nil {
			r.dump(t)
			t.Errorf("no python-package finding at %s", w.path)
			continue
		}
		if hit.Severity != sweep.Critical || !strings.Contains(hit.Title, name+" "+version+" installed (affected release): "+w.title) || hit.Environment != w.env {
			t.Errorf("%s: %s %q env %q; want critical %q env %q", w.path, hit.Severity, hit.Title, hit.Environment, w.title, w.env)
		}
	}
	for _, e := range r.errors {
		t.Errorf("error %s %s: %s", e.Kind, e.Location.Path, e.Message)
	}
}

// TestCondaForms: conda's package cache (pkgs/, noarch and per-Python
// layouts, each with the bad release's dist-info and litellm_init.pth) is
// not an environment and not installed: the python collector reports
// nothing there (the cache collector reports the cache entry); conda's
// installed record conda-meta/NAME-VER-BUILD.json is the installed release.
func TestCondaForms(t *testing.T) {
	fx := pyindex.Litellm()
	root := t.TempDir()
	const pk = "/opt/conda/pkgs/litellm-1.82.8-pyhd8ed1ab_0"
	const pk2 = "/opt/conda/pkgs/litellm-1.82.8-py311h06a4308_0"
	for _, site := range []string{pk + "/site-packages", pk2 + "/lib/python3.11/site-packages"} {
		unpackWheel(t, root, site, fx.Bad8, "conda")
	}
	sweeptest.WriteFile(t, root, pk+"/info/index.json", []byte(`{"name":"litellm","version":"1.82.8","build":"pyhd8ed1ab_0","noarch":"python"}`))
	sweeptest.WriteFile(t, root, "/opt/conda/envs/app/conda-meta/history", []byte("==> 2026-03-24 10:00:00 <==\n+conda-forge/noarch::litellm-1.82.8-pyhd8ed1ab_0\n"))
	sweeptest.WriteFile(t, root, "/opt/conda/envs/app/conda-meta/litellm-1.82.8-pyhd8ed1ab_0.json",
		[]byte(`{"build":"pyhd8ed1ab_0","channel":"https://conda.anaconda.org/conda-forge/noarch","name":"litellm","version":"1.82.8","files":["lib/python3.11/site-packages/litellm/__init__.py"]}`))
	sweeptest.WriteFile(t, root, "/opt/conda/envs/app/conda-meta/litellm-1.82.6-pyhd8ed1ab_0.json", []byte(`{"name":"litellm","version":"1.82.6","build":"pyhd8ed1ab_0"}`))
	r := sweepTree(t, root, fx.TestMatcher(t), 0)
	want := joinLines([]string{
		"info|python-package|/opt/conda/envs/app/conda-meta/litellm-1.82.6-pyhd8ed1ab_0.json|litellm 1.82.6 installed (not an affected release): conda package (conda-meta record)",
		"critical|python-package|/opt/conda/envs/app/conda-meta/litellm-1.82.8-pyhd8ed1ab_0.json|litellm 1.82.8 installed (affected release): conda package (conda-meta record)",
	})
	if got := joinLines(r.summary()); got != want {
		r.dump(t)
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	for _, e := range r.envs {
		if strings.Contains(e.Path, "/pkgs/") {
			t.Errorf("package cache entry reported as an environment: %+v", e)
		}
	}
	for _, f := range r.findings {
		if f.Environment != "/opt/conda/envs/app" {
			t.Errorf("%s: environment %q", f.Location.Path, f.Environment)
		}
	}
}

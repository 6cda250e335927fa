package python

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// withScripts adds litellm's real console scripts to a fixture wheel.
func withScripts(w pyindex.Wheel) pyindex.Wheel {
	w.Files = append(append([]pyindex.File(nil), w.Files...), pyindex.File{Path: w.DistInfo() + "/entry_points.txt",
		Data: []byte("[console_scripts]\nlitellm = litellm:run_server\nlitellm-proxy = litellm.proxy.client.cli:cli\n")})
	return w
}

// copyTree copies a venv the way `COPY --from=builder /opt/venv /app/.venv`
// does (cp -a keeps modes, times and symlinks).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
}

// sedShebangs rewrites the interpreter line of every bin/ script with the
// real sed, as Dockerfiles do after copying a venv.
func sedShebangs(t *testing.T, bin, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(bin)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(bin, e.Name()))
		}
	}
	args := append([]string{"-i", "1s|^#!" + from + "|#!" + to + "|"}, files...)
	if out, err := exec.Command("sed", args...).CombinedOutput(); err != nil {
		t.Fatalf("sed: %v\n%s", err, out)
	}
}

// TestRelocatedEntryPoints installs litellm (with its console scripts)
// with the real pip, relocates the venv as Docker multi-stage builds and
// conda do, and checks that rewritten interpreter lines are info while
// any other change stays high (critical for an affected release).
func TestRelocatedEntryPoints(t *testing.T) {
	py := pyindex.RequirePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fx := pyindex.Litellm()
	clean, bad := withScripts(fx.Clean), withScripts(fx.Bad8)
	ix := pyindex.NewIndex(t, pyindex.WheelArtifact(t, clean), pyindex.WheelArtifact(t, bad))
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\n"))
	build := t.TempDir()
	mk := func(dir, req string) {
		t.Helper()
		if err := py.Venv(ctx, dir); err != nil {
			t.Fatal(err)
		}
		if out, err := py.Install(ctx, dir, pyindex.InstallOptions{Index: ix.URL()}, req); err != nil {
			t.Fatal(err)
		} else if !strings.Contains(out, "Successfully installed") {
			t.Fatalf("pip: %s", out)
		}
	}
	// Builder stage: a venv at /opt/venv of the build host.
	builder := filepath.Join(build, "opt/venv")
	mk(builder, "litellm==1.82.6")
	script, err := os.ReadFile(filepath.Join(builder, "bin/litellm"))
	if err != nil || !strings.HasPrefix(string(script), "#!"+builder+"/bin/python") {
		t.Fatalf("pip's console script: %q %v", script, err)
	}

	// 1. Docker multi-stage: COPY the venv, sed the shebangs.
	app := filepath.Join(root, "app/.venv")
	copyTree(t, builder, app)
	sedShebangs(t, filepath.Join(app, "bin"), builder+"/bin/python", "/app/.venv/bin/python")

	// 2. Relocated, then a script given one more statement: tampering.
	evil := filepath.Join(root, "srv/evil/.venv")
	copyTree(t, builder, evil)
	sedShebangs(t, filepath.Join(evil, "bin"), builder+"/bin/python", "/srv/evil/.venv/bin/python")
	b, _ := os.ReadFile(filepath.Join(evil, "bin/litellm"))
	b = []byte(strings.Replace(string(b), "import sys\n", "import sys\nimport os; os.system('id')\n", 1))
	if err := os.WriteFile(filepath.Join(evil, "bin/litellm"), b, 0o755); err != nil {
		t.Fatal(err)
	}

	// 3. A conda-shaped prefix: a venv built under a path with a space (pip
	// writes its /bin/sh trampoline) copied into <conda>/envs/ml with
	// conda-meta/history, every script's interpreter lines replaced by the
	// prefix's python as conda's prefix replacement does.
	spaced := filepath.Join(build, "conda bld/placehold")
	mk(spaced, "litellm==1.82.6")
	tramp, _ := os.ReadFile(filepath.Join(spaced, "bin/litellm"))
	if !strings.HasPrefix(string(tramp), "#!/bin/sh\n'''exec' ") {
		t.Fatalf("pip did not write its trampoline for a path with a space: %q", tramp)
	}
	conda := filepath.Join(root, "opt/conda/envs/ml")
	copyTree(t, spaced, conda)
	os.Remove(filepath.Join(conda, "pyvenv.cfg"))
	sweeptest.WriteFile(t, root, "opt/conda/envs/ml/conda-meta/history", []byte("==> 2026-03-01 10:00:00 <==\n# cmd: conda create -n ml python\n"))
	for _, n := range []string{"litellm", "litellm-proxy"} {
		p := filepath.Join(conda, "bin", n)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 4)
		if err := os.WriteFile(p, []byte("#!/opt/conda/envs/ml/bin/python\n"+lines[3]), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// 4. An affected release relocated: the package is critical, the
	// scripts are still only relocated; a changed module is critical.
	badB := filepath.Join(build, "opt/bad")
	mk(badB, "litellm==1.82.8")
	badApp := filepath.Join(root, "app/bad")
	copyTree(t, badB, badApp)
	sedShebangs(t, filepath.Join(badApp, "bin"), badB+"/bin/python", "/app/bad/bin/python")
	badSP := py.SitePackages(badApp)
	if err := os.WriteFile(filepath.Join(badSP, "litellm/__init__.py"), []byte("# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := sweepTree(t, root, fx.TestMatcher(t), 0)
	sp := func(env string) string { return env + "/lib/python" + py.Version + "/site-packages" }
	var got []string
	for _, f := range r.findings {
		if f.Category == CatPackage || f.Category == CatIntegrity {
			got = append(got, string(f.Severity)+"|"+f.Location.Path+"|"+f.Title)
		}
	}
	want := []string{
		"info|" + sp("/app/.venv") + "/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"info|" + sp("/app/.venv") + "/litellm-1.82.6.dist-info/RECORD|litellm 1.82.6: 2 relocated entry points",
		"critical|" + sp("/app/bad") + "/litellm-1.82.8.dist-info/METADATA|litellm 1.82.8 installed (affected release)",
		"critical|" + sp("/app/bad") + "/litellm-1.82.8.dist-info/RECORD|litellm 1.82.8: 1 installed files differ from RECORD",
		"info|" + sp("/app/bad") + "/litellm-1.82.8.dist-info/RECORD|litellm 1.82.8: 2 relocated entry points",
		"info|" + sp("/opt/conda/envs/ml") + "/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"info|" + sp("/opt/conda/envs/ml") + "/litellm-1.82.6.dist-info/RECORD|litellm 1.82.6: 2 relocated entry points",
		"info|" + sp("/srv/evil/.venv") + "/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"high|" + sp("/srv/evil/.venv") + "/litellm-1.82.6.dist-info/RECORD|litellm 1.82.6: 1 installed files differ from RECORD",
		"info|" + sp("/srv/evil/.venv") + "/litellm-1.82.6.dist-info/RECORD|litellm 1.82.6: 1 relocated entry points",
	}
	if g, w := joinLines(got), joinLines(want); g != w {
		r.dump(t)
		t.Fatalf("findings:\n%s\nwant:\n%s", g, w)
	}
	for _, f := range r.findings {
		d := strings.Join(f.Evidence.Details, "\n")
		switch {
		case f.Title == "litellm 1.82.6: 1 installed files differ from RECORD":
			if !strings.Contains(d, "differ: ../../../bin/litellm") {
				t.Errorf("tampered script not named: %q", d)
			}
		case strings.HasSuffix(f.Title, "relocated entry points") && strings.HasPrefix(f.Location.Path, sp("/app/.venv")):
			if !slices.ContainsFunc(f.Evidence.Details, func(s string) bool {
				return strings.HasPrefix(s, "../../../bin/litellm: only the interpreter line differs (now /app/.venv/bin/python); the rest is the standard launcher of litellm:run_server; size ")
			}) {
				t.Errorf("relocation evidence: %q", d)
			}
		case strings.HasSuffix(f.Title, "relocated entry points") && strings.HasPrefix(f.Location.Path, "/opt/conda"):
			if !strings.Contains(d, "../../../bin/litellm-proxy: only the interpreter line differs (now /opt/conda/envs/ml/bin/python); the rest is the standard launcher of litellm.proxy.client.cli:cli") {
				t.Errorf("conda evidence: %q", d)
			}
		}
	}
}

func TestRelocatedScriptJudgement(t *testing.T) {
	eps := parseEntryPoints([]byte("[console_scripts]\nlitellm = litellm:run_server [proxy]\n[gui_scripts]\ntool = pkg.mod:App.main\n"))
	body := "# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom litellm import run_server\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(run_server())\n"
	uvBody := "# -*- coding: utf-8 -*-\nimport sys\nfrom pkg.mod import App\nif __name__ == \"__main__\":\n    if sys.argv[0].endswith(\"-script.pyw\"):\n        sys.argv[0] = sys.argv[0][:-11]\n    elif sys.argv[0].endswith(\".exe\"):\n        sys.argv[0] = sys.argv[0][:-4]\n    sys.exit(App.main())\n"
	for _, tc := range []struct {
		name, path, text string
		size             int64
		want             bool
	}{
		{"pip", "../../../bin/litellm", "#!/new/bin/python\n" + body, int64(len("#!/old/prefix/bin/python\n" + body)), true},
		{"env", "../../../bin/litellm", "#!/usr/bin/env python3\n" + body, -1, true},
		{"windows script", "../../Scripts/litellm-script.py", "#!C:\\Users\\a\\venv\\Scripts\\python.exe\r\n" + strings.ReplaceAll(body, "\n", "\r\n"), -1, true},
		{"uv gui", "../../../bin/tool", "#!/x/bin/python3.12\n" + uvBody, -1, true},
		{"other entry point", "../../../bin/litellm", "#!/x/bin/python\n" + strings.ReplaceAll(body, "run_server", "evil"), -1, false},
		{"unknown script", "../../../bin/other", "#!/x/bin/python\n" + body, -1, false},
		{"extra statement", "../../../bin/litellm", "#!/x/bin/python\n" + body + "import os\n", -1, false},
		{"not python", "../../../bin/litellm", "#!/bin/bash\n" + body, -1, false},
		{"shebang with code", "../../../bin/litellm", "#!/x/bin/python; curl x\n" + body, -1, false},
		{"record too short", "../../../bin/litellm", "#!/x/bin/python\n" + body, int64(len(body)), false},
	} {
		_, ok := relocatedScript(tc.path, []byte(tc.text), tc.size, eps)
		if ok != tc.want {
			t.Errorf("%s: relocated=%v, want %v", tc.name, ok, tc.want)
		}
	}
}

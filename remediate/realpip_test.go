package remediate_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// buildWheel writes a real wheel (zip with METADATA, WHEEL and a hashed
// RECORD) for name==version holding files.
func buildWheel(t *testing.T, dir, name, version string, files map[string]string) string {
	t.Helper()
	di := name + "-" + version + ".dist-info/"
	files = maps(files, map[string]string{
		di + "METADATA": "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: litesweep remediation fixture\n",
		di + "WHEEL":    "Wheel-Version: 1.0\nGenerator: litesweep-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
	})
	var rec strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for p, body := range files {
		w, err := zw.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
		sum := sha256.Sum256([]byte(body))
		fmt.Fprintf(&rec, "%s,sha256=%s,%d\n", p, base64.RawURLEncoding.EncodeToString(sum[:]), len(body))
	}
	rec.WriteString(di + "RECORD,,\n")
	w, _ := zw.Create(di + "RECORD")
	w.Write([]byte(rec.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+"-"+version+"-py3-none-any.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func maps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func pipEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PIP_") || k == "PYTHONPATH" || k == "VIRTUAL_ENV" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1", "PIP_DISABLE_PIP_VERSION_CHECK=1")
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = pipEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestRemediateRealPipInstall installs a fixture litellm 1.82.8 wheel (with
// a benign litellm_init.pth and a console script) into a real venv with
// the machine's pip, remediates it, and asks that venv's pip (test side
// only) what is left: litellm is gone, its neighbours are intact.
func TestRemediateRealPipInstall(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-m", "pip", "--version").Run()
	}
	if err != nil {
		testenv.SkipOrFail(t, fmt.Sprintf("python3 with pip not available: %v", err))
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"), 0o644)
	venv := filepath.Join(root, "home/alice/.venv")
	runCmd(t, py, "-m", "venv", "--without-pip", venv)
	wheels := t.TempDir()
	bad := buildWheel(t, wheels, "litellm", "1.82.8", map[string]string{
		"litellm/__init__.py":                 "__version__ = '1.82.8'\n",
		"litellm/proxy/__init__.py":           "",
		"litellm/proxy/proxy_server.py":       "import subprocess, base64\nb64_payload = 'cGFzcw=='\n",
		"litellm_init.pth":                    "import sys\n",
		"litellm-1.82.8.data/scripts/litellm": "#!python\nprint('fixture')\n",
	})
	good := buildWheel(t, wheels, "tinyclean", "1.0", map[string]string{"tinyclean/__init__.py": "X = 1\n"})
	runCmd(t, py, "-m", "pip", "--python", filepath.Join(venv, "bin/python"), "install", "--no-index", "--no-deps", bad, good)
	list := runCmd(t, py, "-m", "pip", "--python", filepath.Join(venv, "bin/python"), "list", "--format=freeze")
	if !strings.Contains(list, "litellm==1.82.8") {
		t.Fatalf("fixture not installed:\n%s", list)
	}
	d := plan(t, root)
	var pth, script bool
	for _, tg := range d.Targets {
		pth = pth || (tg.Kind == "pth" && strings.HasSuffix(tg.Path, "/site-packages/litellm_init.pth"))
		script = script || tg.Path == "/home/alice/.venv/bin/litellm"
	}
	if !pth || !script {
		t.Fatalf("pip's layout not fully discovered (pth %v, script %v): %+v", pth, script, d.Targets)
	}
	if len(d.Reinstall) != 1 || !strings.HasPrefix(d.Reinstall[0].Command, "/home/alice/.venv/bin/python -m pip install") {
		t.Errorf("reinstall: %+v", d.Reinstall)
	}
	ev := filepath.Join(t.TempDir(), "ev")
	res, err := apply(t, root, ev, nil)
	if err != nil || res.Failed != 0 || res.Moved != len(d.Targets) {
		t.Fatalf("apply: %+v %v", res, err)
	}
	list = runCmd(t, py, "-m", "pip", "--python", filepath.Join(venv, "bin/python"), "list", "--format=freeze")
	if strings.Contains(list, "litellm") || !strings.Contains(list, "tinyclean==1.0") {
		t.Errorf("after remediation pip lists:\n%s", list)
	}
	site := runCmd(t, filepath.Join(venv, "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
	left, _ := filepath.Glob(filepath.Join(strings.TrimSpace(site), "litellm*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

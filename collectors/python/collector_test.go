package python

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestCollectorFixtureRoot sweeps a hand-built root with the real walker
// and checks every finding, error and environment.
func TestCollectorFixtureRoot(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	root := t.TempDir()
	outside := t.TempDir()
	sweeptest.WriteFile(t, outside, "evil.pth", []byte(pyindex.BenignPth))
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"))

	// 1. alice's project venv with 1.82.8 installed (METADATA spells LiteLLM 1.82.8.0).
	v1 := "home/alice/proj/.venv"
	sp1 := v1 + "/lib/python3.11/site-packages"
	sweeptest.WriteFile(t, root, v1+"/pyvenv.cfg", []byte("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n"))
	w8 := fx.Bad8
	w8.Name = "LiteLLM"
	w8.Version = "1.82.8.0"
	unpackWheel(t, root, sp1, w8, "pip")
	sweeptest.WriteFile(t, root, sp1+"/_virtualenv.pth", sweeptest.Testdata(t, "pth/_virtualenv.pth"))
	sweeptest.WriteFile(t, root, sp1+"/distutils-precedence.pth", sweeptest.Testdata(t, "pth/distutils-precedence.pth"))
	sweeptest.WriteFile(t, root, sp1+"/google_auth-2.0-py3.11-nspkg.pth", sweeptest.Testdata(t, "pth/google_auth-2.0-py3.11-nspkg.pth"))
	sweeptest.WriteFile(t, root, sp1+"/junk.pth", sweeptest.Testdata(t, "pth/junk.pth"))
	// the interpreter imported the tampered module: bytecode not in RECORD
	src := fx.Proxy
	hdr := make([]byte, 16)
	copy(hdr, []byte{0xa7, 0x0d, 0x0d, 0x0a})
	binary.LittleEndian.PutUint32(hdr[8:], 1774349520)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(src)))
	sweeptest.WriteFile(t, root, sp1+"/litellm/proxy/__pycache__/proxy_server.cpython-311.pyc", append(hdr, "bytecode"...))
	imported := time.Date(2026, 3, 24, 11, 5, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, sp1, "litellm/proxy/__pycache__/proxy_server.cpython-311.pyc"), imported, imported); err != nil {
		t.Fatal(err)
	}
	// bytecode of an untouched module is not evidence
	sweeptest.WriteFile(t, root, sp1+"/litellm/__pycache__/__init__.cpython-311.pyc", hdr)

	// 2. a uv-made venv downgraded to 1.82.6 with the .pth left behind (orphan),
	// plus a .pth symlink leading out of the root.
	v2 := "home/alice/other/venv"
	sp2 := v2 + "/lib/python3.12/site-packages"
	sweeptest.WriteFile(t, root, v2+"/pyvenv.cfg", []byte("home = /home/alice/.local/share/uv/python/cpython-3.12.4-linux-x86_64-gnu/bin\nimplementation = CPython\nuv = 0.4.0\nversion_info = 3.12.4\n"))
	unpackWheel(t, root, sp2, fx.Clean, "uv")
	sweeptest.WriteFile(t, root, sp2+"/litellm_init.pth", fx.Pth)
	if err := os.Symlink(filepath.Join(outside, "evil.pth"), filepath.Join(root, sp2, "zz-link.pth")); err != nil {
		t.Fatal(err)
	}

	// 3. system dist-packages: 1.82.7 with a malformed METADATA (identity
	// from the directory name), and RECORD problems.
	sp3 := "usr/lib/python3/dist-packages"
	unpackWheel(t, root, sp3, fx.Bad7, "debian")
	sweeptest.WriteFile(t, root, sp3+"/litellm-1.82.7.dist-info/METADATA", sweeptest.Testdata(t, "metadata/not-headers"))
	sweeptest.WriteFile(t, root, sp3+"/litellm/__init__.py", []byte("# modified after install\n"))
	if err := os.Remove(filepath.Join(root, sp3, "litellm/proxy/__init__.py")); err != nil {
		t.Fatal(err)
	}
	sweeptest.WriteFile(t, root, sp3+"/litellm_proxy-1.82.8.dist-info/METADATA", []byte("garbage that must never be read"))
	sweeptest.WriteFile(t, root, sp3+"/unknown-hook.pth", sweeptest.Testdata(t, "pth/unknown-hook.pth"))
	sweeptest.WriteFile(t, root, sp3+"/evil-nspkg.pth", sweeptest.Testdata(t, "pth/evil-nspkg.pth"))

	// 4. a conda env with litellm 1.82.70 (not affected) and a malformed RECORD.
	ce := "opt/conda/envs/ml"
	sweeptest.WriteFile(t, root, ce+"/conda-meta/history", []byte("==> 2026-03-24 11:00:00 <==\n"))
	w70 := fx.Clean
	w70.Version = "1.82.70"
	unpackWheel(t, root, ce+"/lib/python3.11/site-packages", w70, "pip")
	sweeptest.WriteFile(t, root, ce+"/lib/python3.11/site-packages/litellm-1.82.70.dist-info/RECORD", sweeptest.Testdata(t, "record/malformed"))
	if err := os.MkdirAll(filepath.Join(root, ce, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("python3.11", filepath.Join(root, ce, "bin/python3")); err != nil {
		t.Fatal(err)
	}

	r := sweepTree(t, root, m, 0)
	got := joinLines(r.summary())
	want := joinLines([]string{
		"info|python-package|/home/alice/other/venv/lib/python3.12/site-packages/litellm-1.82.6.dist-info/METADATA|litellm 1.82.6 installed (not an affected release)",
		"critical|startup-hook|/home/alice/other/venv/lib/python3.12/site-packages/litellm_init.pth|orphan malicious .pth start-up hook litellm_init.pth: no installed distribution claims it, and it still runs at every Python start",
		"critical|python-package|/home/alice/proj/.venv/lib/python3.11/site-packages/LiteLLM-1.82.8.0.dist-info/METADATA|LiteLLM 1.82.8.0 installed (affected release)",
		"high|execution-evidence|/home/alice/proj/.venv/lib/python3.11/site-packages/litellm/proxy/__pycache__/proxy_server.cpython-311.pyc|litellm/proxy/proxy_server.py was imported: bytecode written by an interpreter, not by the installer",
		"critical|tampered-file|/home/alice/proj/.venv/lib/python3.11/site-packages/litellm/proxy/proxy_server.py|tampered litellm/proxy/proxy_server.py (known malicious content)",
		"critical|startup-hook|/home/alice/proj/.venv/lib/python3.11/site-packages/litellm_init.pth|malicious .pth start-up hook litellm_init.pth (installed by LiteLLM 1.82.8.0)",
		"info|python-package|/opt/conda/envs/ml/lib/python3.11/site-packages/litellm-1.82.70.dist-info/METADATA|litellm 1.82.70 installed (not an affected release)",
		"high|package-integrity|/opt/conda/envs/ml/lib/python3.11/site-packages/litellm-1.82.70.dist-info/RECORD|litellm 1.82.70: 1 installed files differ from RECORD",
		"high|startup-hook|/usr/lib/python3/dist-packages/evil-nspkg.pth|suspicious .pth start-up hook evil-nspkg.pth: executed line spawns a process, reaches the network",
		"critical|python-package|/usr/lib/python3/dist-packages/litellm-1.82.7.dist-info|litellm 1.82.7 installed (affected release)",
		"critical|package-integrity|/usr/lib/python3/dist-packages/litellm-1.82.7.dist-info/RECORD|litellm 1.82.7: 2 installed files differ from RECORD",
		"critical|tampered-file|/usr/lib/python3/dist-packages/litellm/proxy/proxy_server.py|tampered litellm/proxy/proxy_server.py (known malicious content)",
		"low|startup-hook|/usr/lib/python3/dist-packages/unknown-hook.pth|unrecognised executed line in .pth start-up hook unknown-hook.pth",
	})
	if got != want {
		r.dump(t)
		t.Fatalf("findings:\n%s\nwant:\n%s", got, want)
	}

	var errs []string
	for _, e := range r.errors {
		errs = append(errs, string(e.Kind)+"|"+e.Location.Path+"|"+e.Message)
	}
	wantErrs := []string{
		"unverified|/home/alice/other/venv/lib/python3.12/site-packages/zz-link.pth|symlink to \"" + filepath.Join(outside, "evil.pth") + "\" leads out of the scanned root or nowhere: target not read",
		"error|/opt/conda/envs/ml/lib/python3.11/site-packages/litellm-1.82.70.dist-info/RECORD|malformed RECORD: RECORD line 2: bad size \"twelve\"",
		"error|/opt/conda/envs/ml/lib/python3.11/site-packages/litellm-1.82.70.dist-info/RECORD|malformed RECORD: RECORD line 3: parse error on line 3, column 40: extraneous or missing \" in quoted-field",
		"error|/usr/lib/python3/dist-packages/litellm-1.82.7.dist-info/METADATA|malformed METADATA: line 1 is not a header: \"<html>this is not metadata</html>\"",
	}
	for _, w := range wantErrs {
		found := false
		for _, e := range errs {
			found = found || e == w
		}
		if !found {
			t.Errorf("missing error %s\nhave:\n%s", w, joinLines(errs))
		}
	}
	if len(errs) != len(wantErrs) {
		t.Errorf("errors:\n%s", joinLines(errs))
	}

	byPath := map[string]sweep.Finding{}
	for _, f := range r.findings {
		byPath[f.Location.Path] = f
	}
	d8 := byPath["/"+sp1+"/LiteLLM-1.82.8.0.dist-info/METADATA"]
	if d8.Environment != "/"+v1 || d8.User != "alice" || d8.Evidence.Installer != "pip" || d8.Evidence.Time == nil ||
		!slices.Contains(d8.Evidence.Details, "RECORD lists litellm_init.pth with the hash of indicator litellm-init-pth") {
		t.Errorf("1.82.8 evidence: %+v %+v", d8, d8.Evidence)
	}
	if d8.Location.Line < 2 { // the Version: header's line, for SARIF's region
		t.Errorf("1.82.8 finding does not point at METADATA's Version line: %+v", d8.Location)
	}
	d7 := byPath["/"+sp3+"/litellm-1.82.7.dist-info"]
	if !slices.Contains(d7.Evidence.Details, "identity from the directory name: the metadata could not be read") {
		t.Errorf("1.82.7 details %q", d7.Evidence.Details)
	}
	integ := byPath["/"+sp3+"/litellm-1.82.7.dist-info/RECORD"]
	if d := strings.Join(integ.Evidence.Details, "\n"); d != "differ: litellm/__init__.py (size 25, RECORD 24), litellm-1.82.7.dist-info/METADATA (size 34, RECORD 146)\nmissing: litellm/proxy/__init__.py" {
		t.Errorf("integrity details %q", integ.Evidence.Details)
	}
	orphan := byPath["/"+sp2+"/litellm_init.pth"]
	if orphan.Evidence.SHA256 != pyindex.SHA256(fx.Pth) || orphan.Indicator == nil || orphan.Indicator.ID != "litellm-init-pth" ||
		!slices.Contains(orphan.Evidence.Details, "left behind: installed now litellm 1.82.6") || orphan.Evidence.Text == "" {
		t.Errorf("orphan evidence %+v", orphan.Evidence)
	}
	pyc := byPath["/"+sp1+"/litellm/proxy/__pycache__/proxy_server.cpython-311.pyc"]
	if pyc.Evidence.Time == nil || !pyc.Evidence.Time.Equal(imported) || !slices.Contains(pyc.Evidence.Details, "compiled from a source of the tampered file's size") {
		t.Errorf("pyc evidence %+v", pyc.Evidence)
	}

	envs := map[string]sweep.Environment{}
	for _, e := range r.envs {
		envs[e.Path] = e
	}
	for _, tc := range []struct{ path, kind, interp, ver, user, reason string }{
		{"/" + v1, "venv", "/usr/bin/python3.11", "3.11", "alice", "executed: litellm/proxy/proxy_server.py was imported (bytecode written 2026-03-24T11:05:00Z)"},
		{"/" + v2, "uv-venv", "/home/alice/.local/share/uv/python/cpython-3.12.4-linux-x86_64-gnu/bin/python3", "3.12", "alice", ""},
		{"/usr", "system", "", "3", "", ""},
		{"/" + ce, "conda", "/" + ce + "/bin/python3.11", "3.11", "", ""},
	} {
		e, ok := envs[tc.path]
		if !ok {
			t.Errorf("environment %s not recorded", tc.path)
			continue
		}
		if e.Kind != tc.kind || e.Interpreter != tc.interp || e.PythonVersion != tc.ver || e.User != tc.user || e.Reason != tc.reason {
			t.Errorf("environment %+v, want %+v", e, tc)
		}
	}
	if n := len(envs["/"+v1].Findings); n != 4 {
		t.Errorf("venv 1 links %d findings, want 4", n)
	}
	if len(r.envs) != 4 {
		t.Errorf("%d environments: %+v", len(r.envs), r.envs)
	}
}

// TestHashCap: files that can match are hashed only up to MaxHashSize,
// and the skip is recorded; the name still matches.
func TestHashCap(t *testing.T) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(t)
	root := t.TempDir()
	sp := "venv/lib/python3.11/site-packages"
	sweeptest.WriteFile(t, root, "venv/pyvenv.cfg", []byte("home = /usr/bin\n"))
	sweeptest.WriteFile(t, root, sp+"/litellm_init.pth", fx.Pth)
	sweeptest.WriteFile(t, root, sp+"/litellm/proxy/proxy_server.py", fx.Proxy)
	r := sweepTree(t, root, m, 32)
	got := joinLines(r.summary())
	want := "critical|startup-hook|/venv/lib/python3.11/site-packages/litellm_init.pth|orphan malicious .pth start-up hook litellm_init.pth: no installed distribution claims it, and it still runs at every Python start"
	if got != want {
		t.Fatalf("findings:\n%s", got)
	}
	if r.findings[0].Evidence.SHA256 != "" {
		t.Error("hashed beyond the cap")
	}
	n := 0
	for _, e := range r.errors {
		if e.Kind == "skipped" && strings.Contains(e.Message, "not hashed: larger than 32 bytes") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("want 2 'not hashed' skips, got %+v", r.errors)
	}
}

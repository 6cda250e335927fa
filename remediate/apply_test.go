package remediate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/live"
)

const site = "/home/alice/.venv/lib/python3.11/site-packages"

// plantCompromise writes an installed litellm 1.82.8 (dist-info with RECORD,
// package files, the .pth), a clean neighbour package, the sysmon script,
// unit and enablement link, the second stage and a staging bundle.
func plantCompromise(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{
		"/etc/passwd":                                     "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
		site + "/litellm_init.pth":                        "import os, subprocess, sys; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n",
		site + "/litellm/__init__.py":                     "__version__ = '1.82.8'\n",
		site + "/litellm/proxy/__init__.py":               "",
		site + "/litellm/proxy/proxy_server.py":           "import subprocess, base64\nb64_payload = 'cGFzcw=='\n",
		site + "/litellm-1.82.8.dist-info/METADATA":       "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\nbody\n",
		site + "/litellm-1.82.8.dist-info/INSTALLER":      "pip\n",
		site + "/litellm-1.82.8.dist-info/WHEEL":          "Wheel-Version: 1.0\n",
		"/home/alice/.venv/bin/litellm":                   "#!/home/alice/.venv/bin/python\n",
		site + "/requests/__init__.py":                    "# clean\n",
		site + "/requests-2.31.0.dist-info/METADATA":      "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\n",
		site + "/requests-2.31.0.dist-info/RECORD":        "requests/__init__.py,,\n",
		"/home/alice/.config/sysmon/sysmon.py":            "import time\n# fixture\n",
		"/home/alice/.config/systemd/user/sysmon.service": "[Unit]\nDescription=System Telemetry Service\n[Service]\nExecStart=/usr/bin/python3 /home/alice/.config/sysmon/sysmon.py\n[Install]\nWantedBy=multi-user.target\n",
		"/tmp/pglog":                    "\x7fELF fixture",
		"/tmp/.pg_state":                "https://example.invalid/x\n",
		"/tmp/tmpk2j4x9/tpcp.tar.gz":    "fixture bundle",
		"/tmp/unrelated.txt":            "keep me",
		"/home/alice/project/README.md": "keep me too",
	}
	var record []string
	for p := range files {
		if strings.HasPrefix(p, site+"/litellm") {
			rel := strings.TrimPrefix(p, site+"/")
			record = append(record, rel+",sha256=x,1")
		}
	}
	record = append(record, "../../../bin/litellm,sha256=x,1", "litellm-1.82.8.dist-info/RECORD,,")
	sort.Strings(record)
	files[site+"/litellm-1.82.8.dist-info/RECORD"] = strings.Join(record, "\n") + "\n"
	sweeptest.WriteFiles(t, root, files)
	link := filepath.Join(root, "/home/alice/.config/systemd/user/multi-user.target.wants/sysmon.service")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/home/alice/.config/systemd/user/sysmon.service", link); err != nil {
		t.Fatal(err)
	}
	return files
}

// treeHash hashes every path, type, mode, size, mtime and content below dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d %d\n", strings.TrimPrefix(p, dir), fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			fmt.Fprintln(h, l)
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

var wantTargets = map[string]string{
	"/home/alice/.config/systemd/user/multi-user.target.wants/sysmon.service": remediate.KindUnitLink,
	"/home/alice/.config/systemd/user/sysmon.service":                         remediate.KindUnit,
	"/home/alice/.config/sysmon/sysmon.py":                                    remediate.KindScript,
	"/tmp/pglog":                                                              remediate.KindBinary,
	"/tmp/.pg_state":                                                          remediate.KindState,
	site + "/litellm_init.pth":                                                remediate.KindPth,
	site + "/litellm/__init__.py":                                             remediate.KindPackageFile,
	site + "/litellm/proxy/__init__.py":                                       remediate.KindPackageFile,
	site + "/litellm/proxy/proxy_server.py":                                   remediate.KindPackageFile,
	site + "/litellm-1.82.8.dist-info/METADATA":                               remediate.KindPackageFile,
	site + "/litellm-1.82.8.dist-info/INSTALLER":                              remediate.KindPackageFile,
	site + "/litellm-1.82.8.dist-info/WHEEL":                                  remediate.KindPackageFile,
	site + "/litellm-1.82.8.dist-info/RECORD":                                 remediate.KindPackageFile,
	"/home/alice/.venv/bin/litellm":                                           remediate.KindPackageFile,
	"/tmp/tmpk2j4x9/tpcp.tar.gz":                                              remediate.KindStaging,
}

// TestPlanFromSweep: every target comes from a finding of the host sweep
// (or the RECORD / enablement-link expansion of one).
func TestPlanFromSweep(t *testing.T) {
	root := t.TempDir()
	plantCompromise(t, root)
	d := plan(t, root)
	got := map[string]string{}
	for _, tg := range d.Targets {
		got[tg.Path] = tg.Kind
	}
	for p, k := range wantTargets {
		if got[p] != k {
			t.Errorf("%s: kind %q, want %q", p, got[p], k)
		}
	}
	if len(got) != len(wantTargets) {
		t.Errorf("got %d targets, want %d: %v", len(got), len(wantTargets), got)
	}
	// Units and links first, staging last.
	if d.Targets[0].Kind != remediate.KindUnitLink || d.Targets[len(d.Targets)-1].Kind != remediate.KindStaging {
		t.Errorf("order: first %s, last %s", d.Targets[0].Kind, d.Targets[len(d.Targets)-1].Kind)
	}
	if len(d.Reinstall) != 1 || d.Reinstall[0].Command != "/home/alice/.venv/bin/python -m pip install --no-cache-dir 'litellm==1.82.6' (or 'litellm>=1.83.0')" {
		t.Errorf("reinstall: %+v", d.Reinstall)
	}
}

type recRunner struct{ cmds []string }

func (r *recRunner) Run(_ context.Context, name string, args ...string) (string, error) {
	r.cmds = append(r.cmds, name+" "+strings.Join(args, " "))
	return "", nil
}

func apply(t *testing.T, root, ev string, mod func(*remediate.ApplyOptions)) (*remediate.Result, error) {
	t.Helper()
	d := plan(t, root, skipOf(root, ev)...)
	o := remediate.ApplyOptions{Root: root, EvidenceDir: ev, Homes: homesOf(t, root)}
	if mod != nil {
		mod(&o)
	}
	return remediate.Apply(context.Background(), d.Targets, d.Reinstall, o)
}

func readManifest(t *testing.T, ev string) remediate.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ev, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m remediate.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRemediated asserts every target is gone from the root, its evidence
// copy has the original bytes and 0600, and unrelated files are intact.
func checkRemediated(t *testing.T, root, ev string, files map[string]string) {
	t.Helper()
	m := readManifest(t, ev)
	seen := map[string]int{}
	for _, e := range m.Entries {
		seen[e.Path]++
		if e.State != remediate.StateDone {
			t.Errorf("%s: state %s (%s)", e.Path, e.State, e.Message)
		}
		if _, err := os.Lstat(filepath.Join(root, e.Path)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still in the root", e.Path)
		}
		if e.Link != "" {
			continue
		}
		p := filepath.Join(ev, e.Evidence)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("evidence of %s: %v", e.Path, err)
			continue
		}
		if string(b) != files[e.Path] {
			t.Errorf("evidence of %s has other bytes", e.Path)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != e.SHA256 || e.Size != int64(len(b)) || e.Mode == "" || e.MTime.IsZero() || e.CTime == nil {
			t.Errorf("manifest metadata of %s: %+v", e.Path, e)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("evidence file %s mode %v, want 0600", p, fi.Mode().Perm())
		}
		if fi, _ := os.Stat(filepath.Dir(p)); fi.Mode().Perm() != 0o700 {
			t.Errorf("evidence dir %s mode %v, want 0700", filepath.Dir(p), fi.Mode().Perm())
		}
	}
	for p := range wantTargets {
		if seen[p] != 1 {
			t.Errorf("%s recorded %d times in the manifest", p, seen[p])
		}
	}
	for _, keep := range []string{"/tmp/unrelated.txt", "/home/alice/project/README.md", site + "/requests/__init__.py", site + "/requests-2.31.0.dist-info/RECORD"} {
		if b, err := os.ReadFile(filepath.Join(root, keep)); err != nil || string(b) != files[keep] {
			t.Errorf("%s was touched: %v", keep, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, site, "litellm")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("emptied package directory left behind")
	}
	if fi, _ := os.Stat(ev); fi.Mode().Perm() != 0o700 {
		t.Errorf("evidence dir mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Join(ev, "manifest.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("manifest mode %v", fi.Mode().Perm())
	}
}

func TestApplyMovesIntoEvidenceAndIsIdempotent(t *testing.T) {
	root := t.TempDir()
	files := plantCompromise(t, root)
	ev := filepath.Join(t.TempDir(), "evidence")
	res, err := apply(t, root, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != len(wantTargets) || res.Refused != 0 || res.Failed != 0 {
		t.Errorf("result %+v", res)
	}
	checkRemediated(t, root, ev, files)
	if d := plan(t, root); len(d.Targets) != 0 {
		t.Errorf("after apply, still found %+v", d.Targets)
	}
	// A second run finds nothing and changes nothing.
	before, evBefore := treeHash(t, root), treeHash(t, ev)
	res, err = apply(t, root, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 0 {
		t.Errorf("second run moved %d", res.Moved)
	}
	if treeHash(t, root) != before || treeHash(t, ev) != evBefore {
		t.Errorf("second run changed the root or the evidence")
	}
}

func TestEvidenceDirInsideRootIsNotRediscovered(t *testing.T) {
	root := t.TempDir()
	files := plantCompromise(t, root)
	ev := filepath.Join(root, "tmp", "evidence")
	if _, err := apply(t, root, ev, nil); err != nil {
		t.Fatal(err)
	}
	checkRemediated(t, root, ev, files)
	if d := plan(t, root, "/tmp/evidence"); len(d.Targets) != 0 {
		t.Errorf("evidence rediscovered: %+v", d.Targets)
	}
}

func TestCrashBetweenStepsIsCompletedByRerun(t *testing.T) {
	for _, tc := range []struct {
		step string
		n    int
	}{{"copied", 2}, {"copied", 5}, {"removed", 1}, {"removed", 8}, {"removed", 14}} {
		t.Run(fmt.Sprintf("%s-%d", tc.step, tc.n), func(t *testing.T) {
			root := t.TempDir()
			files := plantCompromise(t, root)
			ev := filepath.Join(t.TempDir(), "ev")
			crash := errors.New("simulated crash")
			_, err := apply(t, root, ev, func(o *remediate.ApplyOptions) {
				o.FailPoint = func(step string, n int) error {
					if step == tc.step && n == tc.n {
						return crash
					}
					return nil
				}
			})
			if !errors.Is(err, crash) {
				t.Fatalf("err %v, want the crash", err)
			}
			// Nothing is lost half-way: every target is in the root or in evidence.
			m := readManifest(t, ev)
			for _, e := range m.Entries {
				_, inRoot := os.Lstat(filepath.Join(root, e.Path))
				if inRoot == nil {
					continue
				}
				if e.Link != "" {
					continue
				}
				if b, err := os.ReadFile(filepath.Join(ev, e.Evidence)); err != nil || string(b) != files[e.Path] {
					t.Errorf("%s is neither in the root nor safely in evidence", e.Path)
				}
			}
			if _, err := apply(t, root, ev, nil); err != nil {
				t.Fatal(err)
			}
			checkRemediated(t, root, ev, files)
		})
	}
}

func TestRefusesUnitSymlinkOutOfRoot(t *testing.T) {
	root := t.TempDir()
	files := plantCompromise(t, root)
	outside := filepath.Join(t.TempDir(), "precious.service")
	if err := os.WriteFile(outside, []byte("not yours"), 0o644); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(root, "/home/alice/.config/systemd/user/sysmon.service")
	os.Remove(unit)
	if err := os.Symlink(outside, unit); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "/home/alice/.config/sysmon/sysmon.py")
	os.Remove(script)
	if err := os.Symlink("../../../../../../../../../../"+outside, script); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(t.TempDir(), "ev")
	var log strings.Builder
	res, err := apply(t, root, ev, func(o *remediate.ApplyOptions) { o.Log = &log })
	if err != nil {
		t.Fatal(err)
	}
	if res.Refused != 2 {
		t.Errorf("refused %d, want 2\n%s", res.Refused, log.String())
	}
	if !strings.Contains(log.String(), "refusing to act outside --root") {
		t.Errorf("no clear refusal:\n%s", log.String())
	}
	if b, _ := os.ReadFile(outside); string(b) != "not yours" {
		t.Errorf("file outside the root touched")
	}
	for _, p := range []string{unit, script} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("refused link %s removed", p)
		}
	}
	// Everything else is done; a re-run is still idempotent.
	if _, err := os.Stat(filepath.Join(root, site, "litellm_init.pth")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(".pth not moved")
	}
	_ = files
	evBefore := treeHash(t, ev)
	res, err = apply(t, root, ev, nil)
	if err != nil || res.Moved != 0 || res.Refused != 0 {
		t.Errorf("re-run: %+v %v", res, err)
	}
	if treeHash(t, ev) != evBefore {
		t.Errorf("re-run changed the evidence")
	}
}

// enospcFile fails like a full disk once limit bytes were written.
type enospcFile struct {
	f     *os.File
	limit int
}

func (e *enospcFile) Write(p []byte) (int, error) {
	if e.limit <= 0 {
		return 0, &fs.PathError{Op: "write", Path: e.f.Name(), Err: syscall.ENOSPC}
	}
	if len(p) > e.limit {
		n, _ := e.f.Write(p[:e.limit])
		e.limit = 0
		return n, &fs.PathError{Op: "write", Path: e.f.Name(), Err: syscall.ENOSPC}
	}
	e.limit -= len(p)
	return e.f.Write(p)
}
func (e *enospcFile) Sync() error  { return e.f.Sync() }
func (e *enospcFile) Close() error { return e.f.Close() }

func TestEvidenceDiskFull(t *testing.T) {
	root := t.TempDir()
	files := plantCompromise(t, root)
	ev := filepath.Join(t.TempDir(), "ev")
	var budget = 120 // bytes of evidence before the disk is "full"
	res, err := apply(t, root, ev, func(o *remediate.ApplyOptions) {
		o.Create = func(name string) (remediate.EvidenceFile, error) {
			f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return nil, err
			}
			ef := &enospcFile{f: f, limit: budget}
			budget = 0
			return ef, nil
		}
	})
	if !errors.Is(err, remediate.ErrNoSpace) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("err %v, want ErrNoSpace", err)
	}
	if res == nil || res.Failed != 1 {
		t.Errorf("result %+v", res)
	}
	// Nothing half-moved: the file that did not fit is still in the root,
	// and no partial copy is left in evidence.
	m := readManifest(t, ev)
	for _, e := range m.Entries {
		if e.State == remediate.StatePlanned && e.Link == "" {
			if _, err := os.Stat(filepath.Join(root, e.Path)); err != nil {
				t.Errorf("%s lost: %v", e.Path, err)
			}
			if _, err := os.Stat(filepath.Join(ev, e.Evidence)); err == nil {
				t.Errorf("partial copy of %s left", e.Path)
			}
		}
	}
	// With space again, a re-run completes.
	if _, err := apply(t, root, ev, nil); err != nil {
		t.Fatal(err)
	}
	checkRemediated(t, root, ev, files)
}

// TestEvidenceOnRealFullTmpfs uses a real 64 KiB tmpfs where the machine allows mounting.
func TestEvidenceOnRealFullTmpfs(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, fmt.Sprintf("cannot mount a tmpfs here (%v: %s); the injected-writer test covers ENOSPC", err, out))
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	root := t.TempDir()
	files := plantCompromise(t, root)
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	files["/tmp/pglog"] = string(big)
	if err := os.WriteFile(filepath.Join(root, "tmp/pglog"), big, 0o755); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(mnt, "ev")
	_, err := apply(t, root, ev, nil)
	if !errors.Is(err, remediate.ErrNoSpace) {
		t.Fatalf("err %v, want ErrNoSpace", err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "tmp/pglog")); err != nil || len(b) != len(big) {
		t.Fatalf("the file that did not fit was damaged: %v", err)
	}
	// Re-running against the same (still full) evidence dir fails the same way, harmlessly.
	if _, err := apply(t, root, ev, nil); !errors.Is(err, remediate.ErrNoSpace) {
		t.Fatalf("re-run err %v", err)
	}
}

// startMarked starts a real process (sleep) whose command line carries the
// second stage's path and a marker unique to this test, and a test pack
// whose proc-pglog indicator matches exactly that process.
func startMarked(t *testing.T) (*exec.Cmd, <-chan error, *iocs.Matcher) {
	t.Helper()
	marker := fmt.Sprintf("lstest-%d-%d", os.Getpid(), time.Now().UnixNano())
	m := sweeptest.MatcherWith(t, "exe: pglog\n    all: [\"/tmp/pglog\"]", "exe: sleep\n    all: [\"/tmp/pglog\", \""+marker+"\"]")
	cmd := exec.Command("sleep", "300")
	cmd.Args[0] = "/tmp/pglog/" + marker
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, done, m
}

// TestLiveStopsUnitsAndKillsProcesses: the live collector reports a real
// running process, remediation plans its kill from that finding, re-checks
// it and kills it, and stops the reported unit.
func TestLiveStopsUnitsAndKillsProcesses(t *testing.T) {
	root := t.TempDir()
	files := plantCompromise(t, root)
	ev := filepath.Join(t.TempDir(), "ev")
	cmd, done, m := startMarked(t)
	pid := cmd.Process.Pid
	var d *remediate.Removal
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		d = planWith(t, m, root, true, skipOf(root, ev)...)
		if len(d.Processes) > 0 {
			break
		}
	}
	if len(d.Processes) != 1 || d.Processes[0].PID != pid || d.Processes[0].Indicator != "proc-pglog" ||
		d.Processes[0].Exe == "" || d.Processes[0].Started == nil || d.Processes[0].Finding == "" {
		t.Fatalf("the live collector's process finding is not in the plan: %+v", d.Processes)
	}
	r := &recRunner{}
	if _, err := remediate.Apply(context.Background(), d.Targets, d.Reinstall, remediate.ApplyOptions{
		Root: root, EvidenceDir: ev, Homes: homesOf(t, root), Live: true, Runner: r, Processes: d.Processes, Matcher: m,
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("process not killed")
	}
	want := []string{
		"systemctl --user --machine=alice@ stop sysmon.service",
		"systemctl --user --machine=alice@ disable sysmon.service",
		"systemctl --user --machine=alice@ daemon-reload",
	}
	if strings.Join(r.cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(r.cmds, "\n"), strings.Join(want, "\n"))
	}
	m2 := readManifest(t, ev)
	var killed bool
	for _, a := range m2.Actions {
		if strings.HasPrefix(a.What, fmt.Sprintf("kill pid %d", pid)) && a.Result == "ok" {
			killed = true
		}
	}
	if !killed {
		t.Errorf("kill not recorded: %+v", m2.Actions)
	}
	checkRemediated(t, root, ev, files)
}

// TestKillRechecksIdentity: a reported process is killed only while it is
// still the same process: the same executable, start time and indicator.
func TestKillRechecksIdentity(t *testing.T) {
	cmd, done, m := startMarked(t)
	pid := cmd.Process.Pid
	var d *remediate.Removal
	root := t.TempDir()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if d = planWith(t, m, root, true); len(d.Processes) > 0 {
			break
		}
	}
	if len(d.Processes) != 1 {
		t.Fatalf("not reported: %+v", d.Processes)
	}
	good := d.Processes[0]
	later := good.Started.Add(time.Second)
	for name, tc := range map[string]struct {
		p    remediate.Proc
		want string
	}{
		"other exe":        {remediate.Proc{PID: pid, Exe: "/usr/bin/python3", Indicator: good.Indicator, Started: good.Started}, "the pid was reused"},
		"other start time": {remediate.Proc{PID: pid, Exe: good.Exe, Indicator: good.Indicator, Started: &later}, "the pid was reused"},
		"other indicator":  {remediate.Proc{PID: pid, Exe: good.Exe, Indicator: "proc-curl-exfil", Started: good.Started}, "no longer matches"},
		"litesweep itself": {remediate.Proc{PID: os.Getpid(), Indicator: good.Indicator}, "litesweep or one of its parents"},
	} {
		err := remediate.VerifyProcess(context.Background(), live.Host{}, m, tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if err := remediate.VerifyProcess(context.Background(), live.Host{}, m, good); err != nil {
		t.Fatalf("the reported process itself: %v", err)
	}
	// Apply with a stale record (another start time): the process is
	// left running and the manifest says why.
	ev := filepath.Join(t.TempDir(), "ev")
	stale := good
	stale.Started = &later
	if _, err := remediate.Apply(context.Background(), nil, nil, remediate.ApplyOptions{Root: root, EvidenceDir: ev,
		Live: true, Processes: []remediate.Proc{stale}, Matcher: m}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		t.Fatal("a process whose identity changed was killed")
	case <-time.After(200 * time.Millisecond):
	}
	if acts := readManifest(t, ev).Actions; len(acts) != 1 || !strings.HasPrefix(acts[0].Result, "not killed: ") {
		t.Errorf("actions: %+v", acts)
	}
	cmd.Process.Kill()
	<-done
	if err := remediate.VerifyProcess(context.Background(), live.Host{}, m, good); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("after exit: %v", err)
	}
}

// TestInterruptedRunFinishedIntoAnotherEvidenceDir: a run cut short (here
// after the n-th removal, as a full disk or Ctrl-C would) and a second run
// into a different evidence directory, as the disk-full message suggests:
// the second run must find every file of the bad distribution still in the
// root, move it, and count only what it moved itself.
func TestInterruptedRunFinishedIntoAnotherEvidenceDir(t *testing.T) {
	for _, n := range []int{1, 4, 8, 11, 13} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			root := t.TempDir()
			plantCompromise(t, root)
			ev1 := filepath.Join(t.TempDir(), "ev1")
			crash := errors.New("interrupted")
			if _, err := apply(t, root, ev1, func(o *remediate.ApplyOptions) {
				o.FailPoint = func(step string, i int) error {
					if step == "removed" && i == n {
						return crash
					}
					return nil
				}
			}); !errors.Is(err, crash) {
				t.Fatalf("err %v, want the interruption", err)
			}
			var left []string
			for p := range wantTargets {
				if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
					left = append(left, p)
				}
			}
			sort.Strings(left)
			if len(left) == 0 {
				t.Fatalf("the first run moved everything before the interruption")
			}
			ev2 := filepath.Join(t.TempDir(), "ev2")
			res, err := apply(t, root, ev2, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range left {
				if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
					t.Errorf("%s is still in the root after the second run", p)
				}
			}
			if res.Moved != len(left) {
				t.Errorf("second run says it moved %d, want %d (what was left: %v)", res.Moved, len(left), left)
			}
		})
	}
}

// TestMovesMacOSStagingTheSweepReported: a staging bundle under a
// macOS-style private/tmp (and a user's ~/tmp) is reported by the sweep
// and moved; the same name outside a temporary directory is neither.
func TestMovesMacOSStagingTheSweepReported(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"/etc/passwd":                                         "root:x:0:0:root:/var/root:/bin/sh\nbob:x:501:20::/Users/bob:/bin/zsh\n",
		"/private/tmp/tmpa1b2c3/tpcp.tar.gz":                  "bundle",
		"/private/var/folders/xy/T/runner_collected_ab12.txt": "harvest",
		"/Users/bob/tmp/payload.enc":                          "enc",
		"/Users/bob/project/tpcp.tar.gz":                      "a release tarball that happens to share the name",
	}
	sweeptest.WriteFiles(t, root, files)
	d := plan(t, root)
	got := map[string]string{}
	for _, tg := range d.Targets {
		got[tg.Path] = tg.Kind
	}
	want := map[string]string{
		"/private/tmp/tmpa1b2c3/tpcp.tar.gz":                  remediate.KindStaging,
		"/private/var/folders/xy/T/runner_collected_ab12.txt": remediate.KindStaging,
		"/Users/bob/tmp/payload.enc":                          remediate.KindStaging,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	ev := filepath.Join(t.TempDir(), "ev")
	res, err := remediate.Apply(context.Background(), d.Targets, d.Reinstall, remediate.ApplyOptions{Root: root, EvidenceDir: ev, Homes: homesOf(t, root)})
	if err != nil || res.Moved != 3 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	for p := range want {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still in the root", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "/Users/bob/project/tpcp.tar.gz")); err != nil || string(b) != files["/Users/bob/project/tpcp.tar.gz"] {
		t.Errorf("a file outside the temporary directories was touched: %v", err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
)

// The hostile corpus: inputs an adversary (or an odd machine) puts in front
// of the sweep. Each case is generated in a fresh root and swept by the real
// binary: no case may end CLEAN, each must finish within a generous bound,
// the child's peak memory stays bounded, and the report must name the path
// that could not be checked (or the finding there).

const (
	hostileBound  = 60 * time.Second // a correctness bound, not a benchmark
	hostileMaxRSS = 512 << 20        // bytes
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// litesweepBinary builds the real binary once per test run.
func litesweepBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "litesweep-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// Executable by nobody too (one case drops privileges).
		if err := os.Chmod(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "litesweep")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

const venvSite = "home/alice/.venv/lib/python3.11/site-packages"

// hostileCase builds one hostile root.
type hostileCase struct {
	name  string
	setup func(t *testing.T, root string)
	// wantAt must appear as the location of an error or finding.
	wantAt string
	// asNobody runs the sweep as uid 65534 (root reads every directory).
	asNobody bool
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, syscall.Mkfifo(p, 0o644))
}

// mknod makes a character device with /dev/zero's numbers.
func mknod(t *testing.T, p string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI runs as root: mknod: %v", err)
		}
		t.Skipf("mknod needs root: %v", err)
	}
}

func write(t *testing.T, p, body string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(body), 0o644))
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.Symlink(target, p))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// venv plants a virtual environment's marker and site directory.
func venv(t *testing.T, root string) string {
	write(t, filepath.Join(root, "home/alice/.venv/pyvenv.cfg"), "home = /usr/bin\nversion = 3.11.2\n")
	site := filepath.Join(root, venvSite)
	must(t, os.MkdirAll(site, 0o755))
	return site
}

// cleanDist plants an installed clean litellm (1.82.6) with a RECORD.
func cleanDist(t *testing.T, site string, skip ...string) {
	files := map[string]string{
		"METADATA":  "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.6\n",
		"INSTALLER": "pip\n",
		// The empty file's digest, as pip writes it.
		"RECORD": "litellm/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nlitellm-1.82.6.dist-info/METADATA,,\n",
	}
	for name, body := range files {
		if !strings.Contains(strings.Join(skip, ","), name) {
			write(t, filepath.Join(site, "litellm-1.82.6.dist-info", name), body)
		}
	}
	write(t, filepath.Join(site, "litellm/__init__.py"), "")
}

var hostileCases = []hostileCase{
	{name: "fifo litellm_init.pth", wantAt: "/" + venvSite + "/litellm_init.pth", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(venv(t, root), "litellm_init.pth"))
	}},
	{name: "fifo other pth", wantAt: "/" + venvSite + "/zzz.pth", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(venv(t, root), "zzz.pth"))
	}},
	{name: "fifo INSTALLER", wantAt: "/" + venvSite + "/litellm-1.82.6.dist-info/INSTALLER", setup: func(t *testing.T, root string) {
		site := venv(t, root)
		cleanDist(t, site, "INSTALLER")
		mkfifo(t, filepath.Join(site, "litellm-1.82.6.dist-info/INSTALLER"))
	}},
	{name: "fifo METADATA", wantAt: "/" + venvSite + "/litellm-1.82.6.dist-info/METADATA", setup: func(t *testing.T, root string) {
		site := venv(t, root)
		cleanDist(t, site, "METADATA")
		mkfifo(t, filepath.Join(site, "litellm-1.82.6.dist-info/METADATA"))
	}},
	{name: "fifo bash_history", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "fifo requirements.txt", wantAt: "/srv/app/requirements.txt", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(root, "srv/app/requirements.txt"))
	}},
	{name: "pth symlink to fifo", wantAt: "/" + venvSite + "/litellm_init.pth", setup: func(t *testing.T, root string) {
		site := venv(t, root)
		mkfifo(t, filepath.Join(root, "var/tmp/pipe"))
		symlink(t, "../../../../../../var/tmp/pipe", filepath.Join(site, "litellm_init.pth"))
	}},
	{name: "history symlink to fifo", wantAt: "/home/alice/.zsh_history", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(root, "home/alice/.hist/pipe"))
		symlink(t, ".hist/pipe", filepath.Join(root, "home/alice/.zsh_history"))
	}},
	{name: "INSTALLER symlink to fifo", wantAt: "/" + venvSite + "/litellm-1.82.6.dist-info/INSTALLER", setup: func(t *testing.T, root string) {
		site := venv(t, root)
		cleanDist(t, site, "INSTALLER")
		mkfifo(t, filepath.Join(site, "pipe"))
		symlink(t, "../pipe", filepath.Join(site, "litellm-1.82.6.dist-info/INSTALLER"))
	}},
	{name: "char device tpcp.tar.gz", wantAt: "/tmp/tmpk2j4x9a1/tpcp.tar.gz", setup: func(t *testing.T, root string) {
		p := filepath.Join(root, "tmp/tmpk2j4x9a1/tpcp.tar.gz")
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		mknod(t, p)
	}},
	{name: "char device at a pth", wantAt: "/" + venvSite + "/litellm_init.pth", setup: func(t *testing.T, root string) {
		p := filepath.Join(venv(t, root), "litellm_init.pth")
		mknod(t, p)
	}},
	{name: "socket litellm_init.pth", wantAt: "/" + venvSite + "/litellm_init.pth", setup: func(t *testing.T, root string) {
		// Bind in a short directory (socket paths are limited to 108
		// bytes), then move the socket into place.
		short, err := os.MkdirTemp("", "s")
		must(t, err)
		t.Cleanup(func() { os.RemoveAll(short) })
		l, err := net.Listen("unix", filepath.Join(short, "s"))
		must(t, err)
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		t.Cleanup(func() { l.Close() })
		must(t, os.Rename(filepath.Join(short, "s"), filepath.Join(venv(t, root), "litellm_init.pth")))
	}},
	{name: "history symlink out of the root", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		symlink(t, "../../../../../../../../../../etc/passwd", filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "history symlink nowhere", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		symlink(t, "/nonexistent/history", filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "history symlink loop", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		symlink(t, ".bash_history2", filepath.Join(root, "home/alice/.bash_history"))
		symlink(t, ".bash_history", filepath.Join(root, "home/alice/.bash_history2"))
	}},
	{name: "history symlink inside the root is read", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		write(t, filepath.Join(root, "home/alice/.hist/real"), "pip install litellm==1.82.8\n")
		symlink(t, ".hist/real", filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "absolute history symlink inside the root is read", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		write(t, filepath.Join(root, "data/hist"), "pip install litellm==1.82.8\n")
		symlink(t, "/data/hist", filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "lockfile symlink inside the root is read", wantAt: "/srv/app/requirements.txt", setup: func(t *testing.T, root string) {
		write(t, filepath.Join(root, "srv/app/reqs/pinned.txt"), "litellm==1.82.8\n")
		symlink(t, "reqs/pinned.txt", filepath.Join(root, "srv/app/requirements.txt"))
	}},
	{name: "fifo etc/passwd and etc/hostname (read before the walk)", wantAt: "/home/alice/.bash_history", setup: func(t *testing.T, root string) {
		mkfifo(t, filepath.Join(root, "etc/passwd"))
		mkfifo(t, filepath.Join(root, "etc/hostname"))
		mkfifo(t, filepath.Join(root, "home/alice/.bash_history"))
	}},
	{name: "char device at a RECORD-listed module", wantAt: "/" + venvSite + "/litellm-1.82.6.dist-info/RECORD", setup: func(t *testing.T, root string) {
		site := venv(t, root)
		cleanDist(t, site)
		must(t, os.Remove(filepath.Join(site, "litellm/__init__.py")))
		mknod(t, filepath.Join(site, "litellm/__init__.py"))
	}},
	{name: "unreadable directory", asNobody: true, wantAt: "/home/alice/secret", setup: func(t *testing.T, root string) {
		write(t, filepath.Join(root, "home/alice/secret/.venv/pyvenv.cfg"), "home = /usr/bin\n")
		must(t, os.Chmod(filepath.Join(root, "home/alice/secret"), 0o000))
		t.Cleanup(func() { os.Chmod(filepath.Join(root, "home/alice/secret"), 0o755) })
	}},
}

// peakRSSCommand runs bin under GNU time(1) so that the peak memory it
// reports is the sweep's own. Go starts children with vfork(), and Linux
// carries the parent's high-water mark into the exec'ed child's rusage, so
// ProcessState's Maxrss would be the (large, race-enabled) test process's;
// time(1) fork()s a fresh process and reads that one's. The command runs in
// its own process group (kill -pgid reaches the sweep too); the returned
// function gives the peak in bytes once the command has exited.
func peakRSSCommand(ctx context.Context, t *testing.T, bin string, args ...string) (*exec.Cmd, func() int64) {
	t.Helper()
	tm := testenv.LookPath(t, "time", "GNU time (Debian time), for a child's own peak memory")
	// time(1) runs as the sweep's user (nobody in one case) and writes
	// here: a directory of its own directly in the temp dir (t.TempDir's
	// parent is 0700).
	dir, err := os.MkdirTemp("", "litesweep-rss-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "peak-rss")
	cmd := exec.CommandContext(ctx, tm, append([]string{"-f", "%M", "-o", out, bin}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd, func() int64 {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Errorf("peak RSS: %v", err)
			return 0
		}
		lines := strings.Fields(strings.TrimSpace(string(b)))
		if len(lines) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
		if err != nil {
			t.Errorf("peak RSS: %q: %v", b, err)
		}
		return kb << 10
	}
}

// hostileRun sweeps root with the real binary and returns the report, the
// exit code, the wall time and the peak RSS.
func hostileRun(t *testing.T, root string, asNobody bool, args ...string) (*sweep.Report, int, time.Duration, int64) {
	t.Helper()
	bin := litesweepBinary(t)
	cmd, peak := peakRSSCommand(context.Background(), t, bin, append([]string{"host", "--root", root, "--format", "json", "--quiet"}, args...)...)
	if asNobody {
		if os.Geteuid() != 0 {
			if os.Getenv("CI") == "true" {
				t.Fatal("CI runs as root: cannot drop to nobody")
			}
			t.Skip("needs root to drop to nobody")
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(hostileBound):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("sweep did not finish within %s", hostileBound)
	}
	took := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	rss := peak()
	var r sweep.Report
	if err := json.Unmarshal([]byte(stdout.String()), &r); err != nil {
		t.Fatalf("exit %d, no JSON report: %v\nstderr: %s\nstdout: %.2000s", code, err, stderr.String(), stdout.String())
	}
	return &r, code, took, rss
}

// mentions reports whether p is the location of an error or finding.
func mentions(r *sweep.Report, p string) bool {
	for _, e := range r.Errors {
		if e.Location.Path == p && e.Kind != sweep.ErrKindSkipped {
			return true
		}
	}
	for _, f := range r.Findings {
		if f.Location.Path == p {
			return true
		}
	}
	return false
}

func describe(r *sweep.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  finding %s %s at %s\n", f.Severity, f.Title, f.Location.Path)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  %s at %s: %s\n", e.Kind, e.Location.Path, e.Message)
	}
	return b.String()
}

func TestHostileCorpus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the corpus uses FIFOs, device nodes and Linux credentials")
	}
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			// Not t.TempDir: its parent is 0700, and one case sweeps as nobody.
			root, err := os.MkdirTemp("", "hostile-")
			must(t, err)
			t.Cleanup(func() { os.RemoveAll(root) })
			must(t, os.Chmod(root, 0o755))
			tc.setup(t, root)
			r, code, took, rss := hostileRun(t, root, tc.asNobody)
			if r.Verdict == sweep.Clean || code == sweep.ExitClean {
				t.Errorf("verdict %s exit %d: a hostile input ended CLEAN\n%s", r.Verdict, code, describe(r))
			}
			if !mentions(r, tc.wantAt) {
				t.Errorf("report does not name %s (verdict %s):\n%s", tc.wantAt, r.Verdict, describe(r))
			}
			if rss > hostileMaxRSS {
				t.Errorf("peak RSS %d MiB, bound %d MiB", rss>>20, hostileMaxRSS>>20)
			}
			t.Logf("verdict %s exit %d in %s, peak RSS %d MiB", r.Verdict, code, took.Round(time.Millisecond), rss>>20)
		})
	}
}

// TestHostileMountedTmpfs mounts a real tmpfs below the root holding a
// planted venv: found by default, INCOMPLETE with --no-cross-mounts (and
// accepted by name with --skip).
func TestHostileMountedTmpfs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux mounts")
	}
	root := t.TempDir()
	must(t, os.Chmod(root, 0o755))
	mnt := filepath.Join(root, "home")
	must(t, os.MkdirAll(mnt, 0o755))
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=16m,mode=755"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI runs as root: mount tmpfs: %v", err)
		}
		t.Skipf("mount tmpfs needs root: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	site := filepath.Join(root, venvSite)
	write(t, filepath.Join(root, "home/alice/.venv/pyvenv.cfg"), "home = /usr/bin\n")
	write(t, filepath.Join(site, "litellm-1.82.8.dist-info/METADATA"), "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n")
	write(t, filepath.Join(site, "litellm-1.82.8.dist-info/INSTALLER"), "pip\n")
	write(t, filepath.Join(site, "litellm_init.pth"), "import os; exec('x')\n")

	r, code, _, _ := hostileRun(t, root, false)
	if code != sweep.ExitFindings || !mentions(r, "/"+venvSite+"/litellm-1.82.8.dist-info/METADATA") {
		t.Errorf("default: exit %d verdict %s, want the venv on the tmpfs found\n%s", code, r.Verdict, describe(r))
	}

	r, code, _, _ = hostileRun(t, root, false, "--no-cross-mounts")
	if code != sweep.ExitIncomplete || r.Verdict != sweep.Incomplete || !mentions(r, "/home") {
		t.Errorf("--no-cross-mounts: exit %d verdict %s, want INCOMPLETE naming /home\n%s", code, r.Verdict, describe(r))
	}

	r, code, _, _ = hostileRun(t, root, false, "--no-cross-mounts", "--skip", "/home")
	if code != sweep.ExitClean || r.Verdict != sweep.Clean {
		t.Errorf("--no-cross-mounts --skip /home: exit %d verdict %s, want CLEAN (the user excluded it by name)\n%s", code, r.Verdict, describe(r))
	}
}

// TestHostileSignal starts a sweep on a root with a FIFO behind a wanted
// name and a long item in flight (a large sparse file a RECORD asks to
// hash), sends SIGTERM, and wants an exit 130 within 2 s and the partial
// report on disk, marked interrupted and naming what was in flight.
func TestHostileSignal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signals and FIFOs")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			root := t.TempDir()
			site := venv(t, root)
			mkfifo(t, filepath.Join(site, "litellm_init.pth"))
			mkfifo(t, filepath.Join(root, "home/alice/.bash_history"))
			const big = 64 << 30 // sparse: costs no disk, takes minutes to hash
			write(t, filepath.Join(site, "litellm-1.82.6.dist-info/METADATA"), "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.6\n")
			write(t, filepath.Join(site, "litellm-1.82.6.dist-info/INSTALLER"), "pip\n")
			write(t, filepath.Join(site, "litellm-1.82.6.dist-info/RECORD"), fmt.Sprintf("litellm/big.bin,sha256=AAAA,%d\n", big))
			must(t, os.MkdirAll(filepath.Join(site, "litellm"), 0o755))
			f, err := os.Create(filepath.Join(site, "litellm/big.bin"))
			must(t, err)
			must(t, f.Truncate(big))
			f.Close()

			out := filepath.Join(t.TempDir(), "report.json")
			cmd := exec.Command(litesweepBinary(t), "host", "--root", root, "--format", "json", "-o", out,
				"--max-hash-size", fmt.Sprint(int64(big)))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			must(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
				t.Fatalf("sweep ended before the signal (exit %d): the slow item is not slow\n%s", cmd.ProcessState.ExitCode(), stderr.String())
			case <-time.After(1500 * time.Millisecond):
			}
			must(t, cmd.Process.Signal(sig))
			sent := time.Now()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 10 s after %v", sig)
			}
			took := time.Since(sent)
			if took > 2*time.Second {
				t.Errorf("exit %s after %v, want within 2 s", took, sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != sweep.ExitInterrupted {
				t.Errorf("exit %d, want 130\n%s", code, stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("no report on disk after %v: %v\n%s", sig, err, stderr.String())
			}
			var r sweep.Report
			must(t, json.Unmarshal(b, &r))
			if !r.Scan.Interrupted || r.Verdict == sweep.Clean {
				t.Errorf("interrupted=%v verdict %s", r.Scan.Interrupted, r.Verdict)
			}
			inflight := false
			for _, e := range r.Errors {
				if strings.HasPrefix(e.Message, "interrupted while") {
					inflight = true
				}
			}
			if !inflight {
				t.Errorf("the report does not name what was in flight:\n%s", describe(&r))
			}
			t.Logf("exit after %v in %s", sig, took.Round(time.Millisecond))
		})
	}
}

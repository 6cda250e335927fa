package live

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// need returns the path of a tool a real-process test needs: t.Fatal under
// CI=true, t.Skip otherwise.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.SkipOrFail(t, fmt.Sprintf("%s not available: %v", name, err))
	}
	return p
}

// start runs a process the test owns and kills it at cleanup.
func start(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// findingsFor polls the real host until want reports true for the findings
// of pid (a started process needs a moment to exec: pyenv's python3 is a
// shell shim that execs the interpreter in the same pid).
func findingsFor(t *testing.T, s *Source, pid int, want func([]sweep.Finding) bool) []sweep.Finding {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := sweep.NewCollection(nil)
		s.Collect(context.Background(), c)
		all, errs := c.Drain()
		for _, e := range errs {
			t.Logf("error: %+v", e)
		}
		var mine []sweep.Finding
		for _, f := range all {
			if int(f.Location.PID) == pid {
				mine = append(mine, f)
			}
		}
		if want(mine) || time.Now().After(deadline) {
			return mine
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func has(id string) func([]sweep.Finding) bool {
	return func(fs []sweep.Finding) bool {
		for _, f := range fs {
			if f.Indicator != nil && f.Indicator.ID == id {
				return true
			}
		}
		return false
	}
}

func TestRealProcesses(t *testing.T) {
	py := need(t, "python3")
	bash := need(t, "bash")
	need(t, "sleep")
	s := New(sweeptest.Matcher(t))

	// The .pth child's shape: a python whose argv holds the launcher (as an
	// extra argument the script ignores; nothing is decoded or executed).
	child := start(t, py, "-c", "import time,sys; time.sleep(60)", launcher)
	// The second stage, as argv[0] of a harmless sleep.
	pglog := start(t, bash, "-c", "exec -a /tmp/pglog sleep 60")
	// A benign python and a benign sleep.
	benignPy := start(t, py, "-c", "import time; time.sleep(60)", "--token", "SECRETVALUE")
	benign := start(t, "sleep", "61")

	fs := findingsFor(t, s, child.Process.Pid, has("proc-pth-child"))
	if !has("proc-pth-child")(fs) {
		t.Fatalf("pth-shaped python (pid %d) not reported: %+v", child.Process.Pid, fs)
	}
	f := fs[0]
	if f.Severity != sweep.Critical || f.Category != "process" || f.Evidence.Time == nil ||
		!strings.Contains(f.Evidence.Text, "exec(base64.b64decode('aW1wb3J0") {
		t.Errorf("finding %+v", f)
	}
	if time.Since(*f.Evidence.Time) > time.Minute || time.Since(*f.Evidence.Time) < 0 {
		t.Errorf("start time %v is not the process's", f.Evidence.Time)
	}
	fs = findingsFor(t, s, pglog.Process.Pid, has("proc-pglog"))
	if !has("proc-pglog")(fs) {
		t.Fatalf("/tmp/pglog (pid %d) not reported: %+v", pglog.Process.Pid, fs)
	}
	for _, pid := range []int{benignPy.Process.Pid, benign.Process.Pid} {
		if fs := findingsFor(t, s, pid, func([]sweep.Finding) bool { return true }); len(fs) != 0 {
			t.Errorf("benign pid %d reported: %+v", pid, fs)
		}
	}
}

// TestRealConnection opens a real loopback TCP connection and sweeps with a
// pack whose C2 address is 127.0.0.1: gopsutil must attribute the socket to
// this test process.
func TestRealConnection(t *testing.T) {
	m := sweeptest.MatcherWith(t, "value: 83.142.209.11", "value: 127.0.0.1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(30 * time.Second)
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := &Source{Matcher: m, Lister: Host{}, Self: -1}
	fs := findingsFor(t, s, os.Getpid(), has("net-checkmarx-zone-ip"))
	if !has("net-checkmarx-zone-ip")(fs) {
		t.Fatalf("loopback connection of pid %d not reported: %+v", os.Getpid(), fs)
	}
	for _, f := range fs {
		if f.Category == "network" && f.Severity != sweep.Critical {
			t.Errorf("severity %s", f.Severity)
		}
	}
}

// BenchmarkHostCollect measures one live sweep of this machine (every
// process's cmdline, exe, status and cgroup, every inet socket, /run).
func BenchmarkHostCollect(b *testing.B) {
	s := New(sweeptest.Matcher(b))
	for b.Loop() {
		s.Collect(context.Background(), sweep.NewCollection(nil))
	}
}

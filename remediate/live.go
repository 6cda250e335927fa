package remediate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
	"github.com/litesweep/litesweep/targets/live"
)

// Proc is a running process the sweep reported, to be killed.
type Proc struct {
	PID int `json:"pid"`
	// Exe is the resolved executable when the sweep saw it.
	Exe       string `json:"exe"`
	Indicator string `json:"indicator"`
	Reason    string `json:"reason"`
	// Started is the process start time the sweep saw (with Exe, its
	// identity: a reused pid has another).
	Started *time.Time `json:"started,omitempty"`
	// Finding is the id of the live collector's finding.
	Finding string `json:"finding,omitempty"`
}

// ProcessReader reads one running process (live.Host; tests may fake it).
type ProcessReader interface {
	Process(ctx context.Context, pid int32) (live.Process, error)
}

// VerifyProcess re-checks, right before a kill, that pid is still the
// process the sweep reported: it is not litesweep or one of its parents,
// its resolved executable and start time are the ones recorded, and its
// command line still matches the indicator (Matcher.Processes, the rule
// the live sweep used). A nil error means kill it.
func VerifyProcess(ctx context.Context, r ProcessReader, m *iocs.Matcher, p Proc) error {
	for pid := os.Getpid(); pid > 1; pid = parentOf("/proc", pid) {
		if pid == p.PID {
			return fmt.Errorf("pid %d is litesweep or one of its parents", p.PID)
		}
	}
	q, err := r.Process(ctx, int32(p.PID))
	if err != nil || len(q.Argv) == 0 {
		return fmt.Errorf("pid %d has exited", p.PID)
	}
	if p.Exe != "" && q.Exe != p.Exe {
		return fmt.Errorf("pid %d now runs %q, not %q (the pid was reused)", p.PID, q.Exe, p.Exe)
	}
	if !q.Started.IsZero() && !startedEqual(q.Started, p.Started) {
		return fmt.Errorf("pid %d started at %s, not %s (the pid was reused)", p.PID, q.Started.Format(time.RFC3339Nano), p.Started.Format(time.RFC3339Nano))
	}
	for _, ind := range m.Processes(q.Exe, q.Argv) {
		if ind.ID == p.Indicator {
			return nil
		}
	}
	return fmt.Errorf("pid %d no longer matches %s", p.PID, p.Indicator)
}

func parentOf(procRoot string, pid int) int {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// ExecRunner runs host tools (systemctl, runuser) with a timeout. A bare
// name is looked up only in the system directories, never through $PATH: on
// a compromised host the caller's PATH may lead to the attacker's binaries.
type ExecRunner struct{}

// toolDirs are where host tools are taken from.
var toolDirs = []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin"}

// Run implements CommandRunner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	bin := name
	if !strings.Contains(name, "/") {
		bin = ""
		for _, d := range toolDirs {
			if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode().IsRegular() {
				bin = filepath.Join(d, name)
				break
			}
		}
		if bin == "" {
			return "", fmt.Errorf("%s not found in %s", name, strings.Join(toolDirs, ", "))
		}
	}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// unitScope is one unit to stop: a user's or the system's.
type unitScope struct {
	Unit   string
	User   string
	UID    int
	System bool
}

func unitsOf(targets []Target, homes []sweep.Home) []unitScope {
	seen := map[string]bool{}
	var out []unitScope
	for _, t := range targets {
		if t.Kind != KindUnit && t.Kind != KindUnitLink {
			continue
		}
		u := unitScope{Unit: t.Unit, User: t.User, System: t.System, UID: -1}
		for _, h := range homes {
			if h.User == t.User {
				u.UID = h.UID
			}
		}
		if !u.System && u.User == "" {
			continue
		}
		k := fmt.Sprint(u.System, u.User, u.Unit)
		if !seen[k] {
			seen[k] = true
			out = append(out, u)
		}
	}
	return out
}

// systemctlArgs returns the commands that act on a unit in its scope: the
// user's manager through the machine transport first, runuser as fallback.
func systemctlCommands(u unitScope, verb string) [][]string {
	if u.System {
		return [][]string{{"systemctl", verb, u.Unit}}
	}
	args := []string{"systemctl", "--user", "--machine=" + u.User + "@", verb}
	if u.Unit != "" {
		args = append(args, u.Unit)
	}
	cmds := [][]string{args}
	if u.UID >= 0 {
		fb := []string{"runuser", "-u", u.User, "--", "env", "XDG_RUNTIME_DIR=/run/user/" + strconv.Itoa(u.UID), "systemctl", "--user", verb}
		if u.Unit != "" {
			fb = append(fb, u.Unit)
		}
		cmds = append(cmds, fb)
	}
	return cmds
}

func (a *applier) runUnitVerb(ctx context.Context, u unitScope, verb string, run int) {
	var last string
	for _, c := range systemctlCommands(u, verb) {
		out, err := a.o.Runner.Run(ctx, c[0], c[1:]...)
		what := strings.Join(c, " ")
		if err == nil {
			a.m.Actions = append(a.m.Actions, Action{Run: run, What: what, Result: "ok"})
			a.dirty = true
			fmt.Fprintf(a.o.Log, "%s: ok\n", what)
			return
		}
		last = fmt.Sprintf("%v %s", err, out)
		a.m.Actions = append(a.m.Actions, Action{Run: run, What: what, Result: "failed: " + last})
		a.dirty = true
	}
	fmt.Fprintf(a.o.Log, "could not %s %s for %s (%s); its enablement links and unit file are still removed\n", verb, u.Unit, orDash(u.User), last)
}

func (a *applier) stopUnits(ctx context.Context, targets []Target, run int) {
	if a.o.Runner == nil {
		return
	}
	for _, u := range unitsOf(targets, a.o.Homes) {
		a.runUnitVerb(ctx, u, "stop", run)
		a.runUnitVerb(ctx, u, "disable", run)
	}
	_ = a.saveManifest()
}

func (a *applier) daemonReload(ctx context.Context, run int) {
	seen := map[string]bool{}
	for _, u := range unitsOf(a.targetsOfRun(run), a.o.Homes) {
		k := fmt.Sprint(u.System, u.User)
		if seen[k] {
			continue
		}
		seen[k] = true
		u.Unit = ""
		if u.System {
			out, err := a.o.Runner.Run(ctx, "systemctl", "daemon-reload")
			a.m.Actions = append(a.m.Actions, Action{Run: run, What: "systemctl daemon-reload", Result: result(out, err)})
			a.dirty = true
			continue
		}
		a.runUnitVerb(ctx, u, "daemon-reload", run)
	}
}

func (a *applier) targetsOfRun(run int) []Target {
	var out []Target
	for _, e := range a.m.Entries {
		if e.Run == run && (e.Kind == KindUnit || e.Kind == KindUnitLink) {
			out = append(out, Target{Path: e.Path, Kind: e.Kind, Unit: path.Base(e.Path), User: e.User,
				System: !strings.HasPrefix(e.Path, "/home/") && !strings.HasPrefix(e.Path, "/root/")})
		}
	}
	return out
}

func result(out string, err error) string {
	if err != nil {
		return fmt.Sprintf("failed: %v %s", err, out)
	}
	return "ok"
}

// killProcesses kills the reported processes that VerifyProcess confirms.
func (a *applier) killProcesses(ctx context.Context, procs []Proc, run int) {
	if len(procs) == 0 {
		return
	}
	kill := a.o.Kill
	if kill == nil {
		kill = KillProcess
	}
	verify := a.o.Verify
	if verify == nil {
		verify = func(ctx context.Context, p Proc) error { return VerifyProcess(ctx, live.Host{}, a.o.Matcher, p) }
	}
	for _, p := range procs {
		what := fmt.Sprintf("kill pid %d (%s, %s)", p.PID, p.Exe, p.Indicator)
		var why error
		err := kill(p.PID, func() error { why = verify(ctx, p); return why })
		res := result("", err)
		if why != nil {
			res = "not killed: " + why.Error()
		}
		a.m.Actions = append(a.m.Actions, Action{Run: run, What: what, Result: res})
		a.dirty = true
		fmt.Fprintf(a.o.Log, "%s: %s\n", escape.Text(what), escape.Text(res))
	}
	_ = a.saveManifest()
}

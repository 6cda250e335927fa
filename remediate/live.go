package remediate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Proc is a running process that matches the pack.
type Proc struct {
	PID       int    `json:"pid"`
	Exe       string `json:"exe"`
	Indicator string `json:"indicator"`
	Reason    string `json:"reason"`
}

// MatchProcesses lists processes under procRoot whose command line matches
// a critical process indicator of the pack or names one of the targets
// (a running sysmon.py, /tmp/pglog). It never matches itself or its parents.
func MatchProcesses(procRoot string, m *iocs.Matcher, targets []Target) []Proc {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return nil
	}
	protected := map[int]bool{}
	for pid := os.Getpid(); pid > 1 && !protected[pid]; pid = parentOf(procRoot, pid) {
		protected[pid] = true
	}
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || protected[pid] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		cmd := strings.Join(args, " ")
		exe := path.Base(args[0])
		if p, ok := matchProc(pid, exe, cmd, m, targets); ok {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

func matchProc(pid int, exe, cmd string, m *iocs.Matcher, targets []Target) (Proc, bool) {
	for _, pi := range m.Pack().Processes {
		if pi.Severity != "critical" {
			continue
		}
		if pi.Exe != "" && !strings.HasPrefix(exe, pi.Exe) {
			continue
		}
		all := len(pi.All) > 0
		for _, s := range pi.All {
			if !strings.Contains(cmd, s) {
				all = false
				break
			}
		}
		if all {
			return Proc{PID: pid, Exe: exe, Indicator: pi.ID, Reason: pi.Description}, true
		}
	}
	for _, t := range targets {
		if t.Kind == KindScript || t.Kind == KindBinary {
			if strings.Contains(cmd, t.Path) {
				return Proc{PID: pid, Exe: exe, Indicator: t.Indicator, Reason: "runs " + t.Path}, true
			}
		}
	}
	return Proc{}, false
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

func (a *applier) killProcesses(run int) {
	if a.o.Processes == nil {
		return
	}
	kill := a.o.Kill
	if kill == nil {
		kill = KillProcess
	}
	for _, p := range a.o.Processes() {
		err := kill(p.PID)
		what := fmt.Sprintf("kill pid %d (%s, %s)", p.PID, p.Exe, p.Indicator)
		a.m.Actions = append(a.m.Actions, Action{Run: run, What: what, Result: result("", err)})
		a.dirty = true
		fmt.Fprintf(a.o.Log, "%s: %s\n", what, result("", err))
	}
	_ = a.saveManifest()
}

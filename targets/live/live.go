// Package live inspects the running host (only when litesweep sweeps the
// live system, never a mounted --root or an image): processes whose command
// line matches the IOC pack's process indicators, an abnormal number of
// Python processes (the pack's fork storm), open connections to the
// pack's IP addresses, and the pack's systemd units that are loaded or
// active. It is read-only: it reads /proc/<pid>/{cmdline,exe,stat,status,
// cgroup} through gopsutil and systemd's runtime state under /run; it never
// runs systemctl and never reads another process's environment.
package live

import (
	"context"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Collector names used in findings and errors.
const (
	NameProcesses = "live/processes"
	NameNetwork   = "live/network"
	NameUnits     = "live/units"
)

// Fork-storm thresholds. A start-up hook that re-executes on every Python
// start, whose child is itself a Python start, makes a deep python→python
// chain with thousands of members (the pack's fork_storms say which
// release, with sources). A busy host (gunicorn, celery, data-loader
// workers) can run hundreds of Python processes, but as a shallow tree:
//
//   - ForkStormCount or more Python processes with a python→python chain
//     at least ForkStormDepth deep is reported as high (evidence it ran);
//   - ForkStormCount or more in a shallow tree is reported as low
//     (unusual, worth a look, does not change the verdict).
const (
	ForkStormCount = 256
	ForkStormDepth = 4
)

// Process is what the collector needs to know about one process.
type Process struct {
	PID, PPID int32
	// Exe is the resolved executable ("" when unreadable).
	Exe string
	// Argv is the command line (/proc/<pid>/cmdline).
	Argv []string
	// UID is the real user id (-1 when unknown); User its name when known.
	UID  int32
	User string
	// Started is the process start time (zero when unknown).
	Started time.Time
	// Cgroup is the content of /proc/<pid>/cgroup ("" when unreadable).
	Cgroup string
}

// Connection is one open inet socket.
type Connection struct {
	PID        int32
	Local      string // ip:port
	RemoteIP   string
	RemotePort uint32
	Status     string
}

// Lister lists the running system. The gopsutil implementation is Host();
// tests use a fake.
type Lister interface {
	Processes(ctx context.Context) ([]Process, error)
	Connections(ctx context.Context) ([]Connection, error)
}

// Source inspects the live host for one pack.
type Source struct {
	Matcher *iocs.Matcher
	Lister  Lister
	// RunDir is where systemd's runtime state lives ("/run").
	RunDir string
	// Self is litesweep's own pid, never reported (os.Getpid()).
	Self int32
}

// New returns a Source over the real host (gopsutil, /run).
func New(m *iocs.Matcher) *Source {
	return &Source{Matcher: m, Lister: Host{}, RunDir: "/run", Self: int32(os.Getpid())}
}

// Collect reports live findings and errors to out.
func (s *Source) Collect(ctx context.Context, out sweep.Sink) {
	procs, err := s.Lister.Processes(ctx)
	if err != nil {
		out.Error(sweep.Error{Location: sweep.Location{Path: "/proc"}, Collector: NameProcesses,
			Message: fmt.Sprintf("list processes: %v", err), Kind: sweep.ErrKindError})
	}
	byPID := make(map[int32]*Process, len(procs))
	for i := range procs {
		byPID[procs[i].PID] = &procs[i]
	}
	for i := range procs {
		if ctx.Err() != nil {
			return
		}
		if procs[i].PID == s.Self {
			continue
		}
		s.matchProcess(&procs[i], out)
	}
	s.forkStorm(procs, byPID, out)
	s.units(procs, out)
	if ctx.Err() != nil {
		return
	}
	conns, err := s.Lister.Connections(ctx)
	if err != nil {
		out.Error(sweep.Error{Location: sweep.Location{Path: "/proc/net"}, Collector: NameNetwork,
			Message: fmt.Sprintf("list connections: %v", err), Kind: sweep.ErrKindError})
	}
	s.matchConnections(conns, byPID, out)
}

func exeBase(p string) string { return iocs.ExeBase(p) }

func first(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}

// matchProcess reports every process indicator the process matches
// (Matcher.Processes, the rule remediation re-checks before a kill).
func (s *Source) matchProcess(p *Process, out sweep.Sink) {
	for _, ind := range s.Matcher.Processes(p.Exe, p.Argv) {
		f := s.processFinding(p, sweep.Severity(ind.Severity), CatProcess,
			fmt.Sprintf("Running process matches %s: %s", ind.ID, ind.Description), ind.All)
		f.Collector = NameProcesses
		f.Indicator = &sweep.Indicator{ID: ind.ID, Kind: "process", Confidence: string(ind.Provenance.Confidence),
			Sources: ind.Provenance.Sources}
		out.Finding(f)
	}
}

// processFinding builds a finding located at p, with its command line
// built from allow-listed parts (Evidence) as evidence. A Python
// interpreter started from <env>/bin/ is attributed to <env>.
func (s *Source) processFinding(p *Process, sev sweep.Severity, category sweep.Category, title string, keep []string) sweep.Finding {
	f := sweep.Finding{Severity: sev, Category: category, Title: title, User: p.User,
		Location: sweep.Location{PID: p.PID, Exe: p.Exe}}
	f.Evidence.Text = Evidence(p.Argv, keep)
	if !p.Started.IsZero() {
		t := p.Started.UTC()
		f.Evidence.Time = &t
	}
	f.Evidence.Owner = p.User
	if p.Exe != "" {
		f.Evidence.Details = append(f.Evidence.Details, "exe: "+p.Exe)
	}
	f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("ppid: %d", p.PPID))
	if env := interpreterEnv(p); env != "" {
		f.Environment = env
	}
	return f
}

// interpreterEnv returns <env> for a Python started as <env>/bin/python*
// (sys.executable, which the .pth launcher passes as argv[0]).
func interpreterEnv(p *Process) string {
	for _, e := range []string{first(p.Argv), p.Exe} {
		if !strings.HasPrefix(e, "/") || exeBase(e) != "python" {
			continue
		}
		dir := path.Dir(e)
		if path.Base(dir) == "bin" && path.Dir(dir) != "/" {
			return path.Dir(dir)
		}
	}
	return ""
}

func isPython(p *Process) bool {
	for _, e := range []string{p.Exe, first(p.Argv)} {
		if e != "" && exeBase(e) == "python" {
			return true
		}
	}
	return false
}

// forkStorm reports an abnormal number of Python processes (see
// ForkStormCount and ForkStormDepth) when the pack names a fork storm.
func (s *Source) forkStorm(procs []Process, byPID map[int32]*Process, out sweep.Sink) {
	storms := s.Matcher.Pack().ForkStorms
	if len(storms) == 0 {
		return
	}
	storm := storms[0]
	var py []*Process
	for i := range procs {
		if isPython(&procs[i]) {
			py = append(py, &procs[i])
		}
	}
	if len(py) < ForkStormCount {
		return
	}
	depth, deepest := 0, (*Process)(nil)
	for _, p := range py {
		d, q, seen := 1, p, map[int32]bool{p.PID: true}
		for {
			parent, ok := byPID[q.PPID]
			if !ok || seen[parent.PID] || !isPython(parent) {
				break
			}
			seen[parent.PID] = true
			d++
			q = parent
		}
		if d > depth || (d == depth && deepest != nil && p.PID < deepest.PID) {
			depth, deepest = d, p
		}
	}
	sev, title := sweep.Low, fmt.Sprintf("%d Python processes running (threshold %d), in a shallow tree (deepest python→python chain %d)", len(py), ForkStormCount, depth)
	if depth >= ForkStormDepth {
		sev = sweep.High
		title = fmt.Sprintf("Python fork storm: %d Python processes (threshold %d), python→python chain %d deep (%s symptom)", len(py), ForkStormCount, depth, storm.Symptom)
	}
	f := s.processFinding(deepest, sev, CatProcess, title, nil)
	f.Collector = NameProcesses
	f.Indicator = &sweep.Indicator{ID: storm.ID, Kind: "behaviour", Confidence: string(storm.Provenance.Confidence),
		Sources: storm.Provenance.Sources}
	f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("python processes: %d", len(py)),
		fmt.Sprintf("deepest python chain: %d (pid %d)", depth, deepest.PID))
	out.Finding(f)
}

// matchConnections reports open sockets to the pack's IP indicators.
func (s *Source) matchConnections(conns []Connection, byPID map[int32]*Process, out sweep.Sink) {
	ips := map[string]*iocs.NetworkIOC{}
	for i := range s.Matcher.Pack().Network {
		n := &s.Matcher.Pack().Network[i]
		if n.Kind == "ip" {
			ips[n.Value] = n
		}
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].PID < conns[j].PID })
	for _, c := range conns {
		n, ok := ips[c.RemoteIP]
		if !ok {
			continue
		}
		title := fmt.Sprintf("Open connection to %s:%d (%s)", c.RemoteIP, c.RemotePort, n.Role)
		var f sweep.Finding
		if p, ok := byPID[c.PID]; ok && c.PID != 0 {
			f = s.processFinding(p, sweep.Critical, CatNetwork, title, []string{c.RemoteIP})
		} else {
			f = sweep.Finding{Severity: sweep.Critical, Category: CatNetwork, Title: title,
				Location: sweep.Location{PID: c.PID}}
		}
		f.Collector = NameNetwork
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("local %s, remote %s:%d, state %s", c.Local, c.RemoteIP, c.RemotePort, c.Status))
		f.Indicator = &sweep.Indicator{ID: n.ID, Kind: "network", Confidence: string(n.Provenance.Confidence),
			Sources: n.Provenance.Sources}
		out.Finding(f)
	}
}

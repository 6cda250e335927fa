package live

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/shirou/gopsutil/v3/net"
	"github.com/shirou/gopsutil/v3/process"
)

// Host is the Lister of the running system, backed by gopsutil. It reads
// each process's command line, executable, parent, user, start time and
// cgroup; it never calls Environ (another process's environment holds
// secrets).
type Host struct{}

// maxCgroup caps what is read of /proc/<pid>/cgroup.
const maxCgroup = 16 << 10

// Processes implements Lister. A process that exits while it is read is
// skipped; unreadable fields stay empty.
func (Host) Processes(ctx context.Context) ([]Process, error) {
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list pids: %w", err)
	}
	out := make([]Process, 0, len(pids))
	users := map[int32]string{}
	for _, pid := range pids {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		q, err := readProcess(ctx, pid, users)
		if err != nil {
			continue // gone
		}
		out = append(out, q)
	}
	return out, nil
}

// Process reads one process by pid, with the same fields as Processes
// (remediation re-reads a reported process this way right before it
// kills it). An error means the process is gone.
func (Host) Process(ctx context.Context, pid int32) (Process, error) {
	return readProcess(ctx, pid, map[int32]string{})
}

func readProcess(ctx context.Context, pid int32, users map[int32]string) (Process, error) {
	p, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return Process{}, err
	}
	q := Process{PID: pid, UID: -1}
	q.Argv, _ = p.CmdlineSliceWithContext(ctx)
	q.Exe, _ = p.ExeWithContext(ctx)
	q.PPID, _ = p.PpidWithContext(ctx)
	if uids, err := p.UidsWithContext(ctx); err == nil && len(uids) > 0 {
		q.UID = uids[0]
		name, ok := users[q.UID]
		if !ok {
			if u, err := user.LookupId(strconv.Itoa(int(q.UID))); err == nil {
				name = u.Username
			}
			users[q.UID] = name // a fork storm repeats a few uids thousands of times
		}
		q.User = name
	}
	if ms, err := p.CreateTimeWithContext(ctx); err == nil && ms > 0 {
		q.Started = time.UnixMilli(ms).UTC()
	}
	q.Cgroup = readCgroup(pid)
	return q, nil
}

func readCgroup(pid int32) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxCgroup))
	return string(b)
}

// Connections implements Lister with every inet (TCP and UDP, v4 and v6)
// socket and its owning pid.
func (Host) Connections(ctx context.Context) ([]Connection, error) {
	cs, err := net.ConnectionsWithContext(ctx, "inet")
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	out := make([]Connection, 0, len(cs))
	for _, c := range cs {
		if c.Raddr.IP == "" {
			continue // listening or unconnected
		}
		out = append(out, Connection{PID: c.Pid, Local: fmt.Sprintf("%s:%d", c.Laddr.IP, c.Laddr.Port),
			RemoteIP: c.Raddr.IP, RemotePort: c.Raddr.Port, Status: c.Status})
	}
	return out, nil
}

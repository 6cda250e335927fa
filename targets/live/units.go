package live

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// unitIOCs maps a unit name (NAME.service) to the pack's persistence
// indicators of kind unit that name it.
func (s *Source) unitIOCs() map[string][]*iocs.PathIOC {
	out := map[string][]*iocs.PathIOC{}
	for i := range s.Matcher.Pack().Persistence {
		p := &s.Matcher.Pack().Persistence[i]
		if p.Kind != "unit" {
			continue
		}
		n := path.Base(p.Path)
		out[n] = append(out[n], p)
	}
	return out
}

// pick prefers the per-user indicator (~/...) for a user manager's unit and
// the absolute one for a system unit.
func pick(cands []*iocs.PathIOC, userUnit bool) *iocs.PathIOC {
	for _, c := range cands {
		if strings.HasPrefix(c.Path, "~/") == userUnit {
			return c
		}
	}
	return cands[0]
}

// CgroupUnits returns the systemd units named in /proc/<pid>/cgroup
// content, e.g. "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service"
// gives x.service (user unit); "0::/system.slice/x.service" gives
// a system unit. The user manager itself (user@1000.service) and slices
// are not units of interest and are skipped.
func CgroupUnits(cgroup string) []CgroupUnit {
	var out []CgroupUnit
	seen := map[string]bool{}
	for _, line := range strings.Split(cgroup, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		p := parts[2]
		segs := strings.Split(p, "/")
		inUser, uid := false, ""
		for _, seg := range segs {
			if strings.HasPrefix(seg, "user@") && strings.HasSuffix(seg, ".service") {
				inUser, uid = true, strings.TrimSuffix(strings.TrimPrefix(seg, "user@"), ".service")
				continue
			}
			if strings.HasSuffix(seg, ".service") || strings.HasSuffix(seg, ".scope") {
				if !seen[p+"\x00"+seg] {
					seen[p+"\x00"+seg] = true
					out = append(out, CgroupUnit{Name: seg, Path: p, User: inUser, UID: uid})
				}
			}
		}
	}
	return out
}

// CgroupUnit is a unit a process runs in.
type CgroupUnit struct {
	Name string
	Path string // the cgroup path
	User bool   // under a user manager (user@UID.service)
	UID  string // the user manager's uid
}

func (c CgroupUnit) scope() string {
	if c.User {
		return "user:" + c.UID
	}
	return "system"
}

// units reports the pack's units that are active (a process runs in their
// cgroup) or loaded (systemd keeps runtime state for them under /run).
func (s *Source) units(procs []Process, out sweep.Sink) {
	names := s.unitIOCs()
	if len(names) == 0 {
		return
	}
	type activeUnit struct {
		cu   CgroupUnit
		pids []int32
		p    *Process
	}
	active := map[string]bool{}
	act := map[string]*activeUnit{}
	byPID := map[int32]*Process{}
	for i := range procs {
		p := &procs[i]
		byPID[p.PID] = p
		for _, cu := range CgroupUnits(p.Cgroup) {
			if _, ok := names[cu.Name]; !ok {
				continue
			}
			a := act[cu.Path]
			if a == nil {
				a = &activeUnit{cu: cu, p: p}
				act[cu.Path] = a
			}
			a.pids = append(a.pids, p.PID)
			if p.PID < a.p.PID {
				a.p = p
			}
		}
	}
	// The pack's units all run a Python script. A unit of the same name
	// whose processes are not Python is likely a namesake (a vendor's
	// system monitor may install a unit of that name running a native
	// binary): it is reported as low, and its runtime state is not
	// reported again.
	namesake := map[string]bool{}
	keys := make([]string, 0, len(act))
	for k := range act {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := act[k]
		ind := pick(names[a.cu.Name], a.cu.User)
		scope := "system"
		if a.cu.User {
			scope = "user"
		}
		sort.Slice(a.pids, func(i, j int) bool { return a.pids[i] < a.pids[j] })
		sev := sweep.Severity(ind.Severity)
		title := fmt.Sprintf("systemd %s unit %s is active (%d process(es) in its cgroup)", scope, a.cu.Name, len(a.pids))
		python := false
		for _, pid := range a.pids {
			if p := byPID[pid]; p != nil && isPython(p) {
				python = true
			}
		}
		if !python {
			sev = sweep.Low
			title += "; none of them is Python, so it may be a legitimate unit of the same name"
			namesake[a.cu.scope()+"\x00"+a.cu.Name] = true
		} else {
			active[a.cu.scope()+"\x00"+a.cu.Name] = true
		}
		f := s.processFinding(a.p, sev, CatUnit, title, nil)
		f.Collector = NameUnits
		f.Indicator = pathIndicator(ind)
		f.Evidence.Details = append(f.Evidence.Details, "cgroup: "+a.cu.Path, "pids: "+joinPIDs(a.pids))
		out.Finding(f)
	}
	s.runtimeUnits(names, namesake, active, out)
}

func joinPIDs(p []int32) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strconv.Itoa(int(v))
	}
	return strings.Join(s, ",")
}

func pathIndicator(p *iocs.PathIOC) *sweep.Indicator {
	return &sweep.Indicator{ID: p.ID, Kind: "persistence", Confidence: string(p.Provenance.Confidence), Sources: p.Provenance.Sources}
}

// runtimeUnits looks for systemd's runtime state of the pack's units:
// <run>/systemd/units/invocation:NAME (system manager) and
// <run>/user/UID/systemd/units/invocation:NAME (user managers), which
// systemd writes while a unit is loaded with an invocation, plus transient
// unit files under .../systemd/transient/NAME.
// A unit already reported as active, or as a namesake, in the same manager
// is not reported again.
func (s *Source) runtimeUnits(names map[string][]*iocs.PathIOC, namesake, active map[string]bool, out sweep.Sink) {
	if s.RunDir == "" {
		return
	}
	type mgr struct {
		dir  string
		uid  string
		user bool
	}
	mgrs := []mgr{{dir: filepath.Join(s.RunDir, "systemd")}}
	if ents, err := os.ReadDir(filepath.Join(s.RunDir, "user")); err == nil {
		for _, e := range ents {
			if _, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() {
				mgrs = append(mgrs, mgr{dir: filepath.Join(s.RunDir, "user", e.Name(), "systemd"), uid: e.Name(), user: true})
			}
		}
	} else if !os.IsNotExist(err) {
		out.Error(sweep.Error{Location: sweep.Location{Path: filepath.ToSlash(filepath.Join(s.RunDir, "user"))}, Collector: NameUnits,
			Message: fmt.Sprintf("read user runtime dirs: %v", err), Kind: sweep.ErrKindError})
	}
	done := map[string]bool{}
	for _, m := range mgrs {
		for _, sub := range []string{"units", "transient"} {
			dir := filepath.Join(m.dir, sub)
			ents, err := os.ReadDir(dir)
			if err != nil {
				if !os.IsNotExist(err) && !isNotDir(err) {
					out.Error(sweep.Error{Location: sweep.Location{Path: filepath.ToSlash(dir)}, Collector: NameUnits,
						Message: fmt.Sprintf("read systemd runtime state: %v", err), Kind: sweep.ErrKindError})
				}
				continue
			}
			for _, e := range ents {
				n := e.Name()
				if i := strings.LastIndexByte(n, ':'); i >= 0 {
					n = n[i+1:]
				}
				cands, ok := names[n]
				if !ok {
					continue
				}
				key := "system"
				if m.user {
					key = "user:" + m.uid
				}
				if namesake[key+"\x00"+n] || active[key+"\x00"+n] || done[key+"\x00"+n] {
					continue
				}
				done[key+"\x00"+n] = true
				ind := pick(cands, m.user)
				scope, who := "system", ""
				if m.user {
					scope = "user"
					who = lookupUser(m.uid)
				}
				p := filepath.ToSlash(filepath.Join(dir, e.Name()))
				f := sweep.Finding{Severity: sweep.Severity(ind.Severity), Category: CatUnit, Collector: NameUnits,
					Title:    fmt.Sprintf("systemd %s unit %s is loaded (runtime state %s)", scope, n, e.Name()),
					Location: sweep.Location{Path: p}, User: who, Indicator: pathIndicator(ind)}
				if fi, err := e.Info(); err == nil {
					t := fi.ModTime().UTC()
					f.Evidence.ModTime = &t
				}
				if m.uid != "" {
					f.Evidence.Details = append(f.Evidence.Details, "uid: "+m.uid)
				}
				out.Finding(f)
			}
		}
	}
}

func isNotDir(err error) bool {
	pe, ok := err.(*fs.PathError)
	return ok && strings.Contains(pe.Err.Error(), "not a directory")
}

func lookupUser(uid string) string {
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}

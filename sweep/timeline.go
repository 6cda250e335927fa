package sweep

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Verdicts of one Python environment or one user (Environment.Verdict),
// worst first.
const (
	EnvExecuted   = "payload present and executed"
	EnvPresent    = "payload present"
	EnvRemoved    = "installed earlier, since removed"
	EnvWould      = "would install it"
	EnvIncomplete = "incomplete"
	EnvClean      = "clean"
)

// envRank orders environment verdicts; unknown strings rank 0.
func envRank(v string) int {
	switch v {
	case EnvExecuted:
		return 6
	case EnvPresent:
		return 5
	case EnvRemoved:
		return 4
	case EnvWould:
		return 3
	case EnvIncomplete:
		return 2
	case EnvClean:
		return 1
	}
	return 0
}

// EnvKindUser is the Environment.Kind of a per-user verdict.
const EnvKindUser = "user"

// BuildTimeline puts every dated finding on one timeline and states a
// verdict per Python environment and per user. Call it once after a host
// sweep, before Finalize (it assigns the same stable ids Finalize does).
//
// Timeline (the function of that name, shared by every target): every
// finding above info with Evidence.Time (when it happened: install,
// download, command, process start) or, failing that, Evidence.ModTime
// (marked "(mtime)") becomes a TimelineEvent, sorted by time then finding
// id, with InWindow set when the time is inside r.Scan.Window.
//
// Attribution: a finding belongs to the environment named by
// Finding.Environment; a finding without one belongs to the environment
// whose site directory (or, for non-system environments, whose root) is
// the longest prefix of its path. An Environment named by a file finding
// but never recorded is added (kind "unrecorded"); a process or network
// finding (a category declared Runtime) names an environment guessed from
// the interpreter path, which only attaches to a recorded one. A finding
// belongs to a user by Finding.User, by its environment's user, or by
// lying under a home in homes.
//
// Evidence classes, from the categories' declarations in cat (a category
// cat does not declare is neither ran nor runtime evidence):
//   - ran: a category declared Ran (a running process, connection or unit,
//     a module an interpreter imported);
//   - present: severity critical (malicious code, persistence or staging);
//   - earlier: severity high (cache entries, history, install logs, orphan
//     metadata: it was downloaded or installed);
//   - would: severity medium (a manifest or lockfile admits a bad version);
//   - low and info findings do not change a verdict.
//
// Verdict, first rule that holds:
//   - payload present and executed: present, and ran evidence (for example
//     litellm_init.pth with a running launcher child, or the tampered
//     proxy_server.py with bytecode an import wrote), or critical ran
//     evidence by itself (a running payload process, an active backdoor unit);
//   - payload present: present;
//   - installed earlier, since removed: earlier or non-critical ran
//     evidence, without a current payload;
//   - would install it: would;
//   - incomplete: nothing found, but an error at a path inside the
//     environment (or home) left something unchecked;
//   - clean.
//
// A verdict a collector already recorded is kept when it is worse. The
// reason names the deciding findings by id. Users are every home in homes
// and every user named by a finding or an environment; a user's verdict is
// the worst of their own findings and their environments'.
func BuildTimeline(r *Report, homes []Home, cat Catalog) {
	SortFindings(r.Findings)
	for i := range r.Findings {
		r.Findings[i].SetID()
	}
	envs := map[string]*Environment{}
	var order []string
	for i := range r.Environments {
		e := r.Environments[i]
		envs[e.Path] = &e
		order = append(order, e.Path)
	}
	// Explicitly named, unrecorded environments of file findings.
	for _, f := range r.Findings {
		if f.Environment == "" || envs[f.Environment] != nil || cat.Runtime(f.Category) {
			continue
		}
		envs[f.Environment] = &Environment{Path: f.Environment, Kind: "unrecorded", User: f.User}
		order = append(order, f.Environment)
	}
	sort.Strings(order)

	homeOf := map[string]Home{}
	for _, h := range homes {
		homeOf[h.User] = h
	}
	envFindings := map[string][]*Finding{}
	userFindings := map[string][]*Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		env := attach(f, envs, order)
		if env != "" {
			envFindings[env] = append(envFindings[env], f)
		}
		u := f.User
		if u == "" && env != "" {
			u = envs[env].User
		}
		if u == "" && f.Location.Image == "" {
			// Image paths are inside the image, not this host's homes.
			u = homeUser(f.Location.Path, homes)
		}
		if u != "" {
			userFindings[u] = append(userFindings[u], f)
		}
		// Record the attribution on the finding (ids do not depend on it).
		if f.Environment == "" {
			f.Environment = env
		}
		if f.User == "" {
			f.User = u
		}
	}
	if w := r.Scan.Window; w != nil {
		r.Timeline = Timeline(r.Findings, *w)
	} else {
		r.Timeline = Timeline(r.Findings)
	}

	out := make([]Environment, 0, len(order))
	for _, p := range order {
		e := envs[p]
		roots := append([]string{e.Path}, e.SiteDirs...)
		v, reason := decide(envFindings[p], errorsUnder(r.Errors, roots), cat)
		e.Findings = ids(envFindings[p])
		if envRank(e.Verdict) <= envRank(v) || e.Reason == "" {
			e.Verdict, e.Reason = v, reason
		}
		out = append(out, *e)
	}

	// Users: homes, plus anyone a finding or an environment names.
	users := map[string]bool{}
	for _, h := range homes {
		users[h.User] = true
	}
	for u := range userFindings {
		users[u] = true
	}
	for _, e := range out {
		if e.User != "" {
			users[e.User] = true
		}
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		h, known := homeOf[u]
		p := "~" + u
		if known {
			p = h.Dir
		}
		var roots []string
		if known {
			roots = []string{h.Dir}
		}
		v, reason := decide(userFindings[u], errorsUnder(r.Errors, roots), cat)
		// A user is at least as bad as their worst environment.
		for _, e := range out {
			if e.User == u && e.Kind != EnvKindUser && envRank(e.Verdict) > envRank(v) {
				v, reason = e.Verdict, "environment "+e.Path+": "+e.Reason
			}
		}
		out = append(out, Environment{Path: p, Kind: EnvKindUser, User: u, Verdict: v, Reason: reason,
			Findings: ids(userFindings[u])})
	}
	r.Environments = out
}

// attach returns the environment a finding belongs to ("" for none).
func attach(f *Finding, envs map[string]*Environment, order []string) string {
	if f.Environment != "" {
		if envs[f.Environment] != nil {
			return f.Environment
		}
		return ""
	}
	p := f.Location.Path
	if p == "" {
		return ""
	}
	best, bestLen := "", 0
	for _, k := range order {
		e := envs[k]
		for _, d := range e.SiteDirs {
			if under(p, d) && len(d) > bestLen {
				best, bestLen = k, len(d)
			}
		}
	}
	if best != "" {
		return best
	}
	for _, k := range order {
		e := envs[k]
		if e.Kind == "system" || e.Kind == EnvKindUser {
			continue
		}
		if under(p, e.Path) && len(e.Path) > bestLen {
			best, bestLen = k, len(e.Path)
		}
	}
	return best
}

// under reports whether p is dir or inside it (slash paths).
func under(p, dir string) bool {
	if dir == "" {
		return false
	}
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	dir = strings.TrimSuffix(dir, "/")
	return p == dir || strings.HasPrefix(p, dir+"/")
}

func homeUser(p string, homes []Home) string {
	best, bestLen := "", 0
	for _, h := range homes {
		if h.Dir != "/" && under(p, h.Dir) && len(h.Dir) > bestLen {
			best, bestLen = h.User, len(h.Dir)
		}
	}
	return best
}

func errorsUnder(errs []Error, roots []string) int {
	n := 0
	for _, e := range errs {
		if e.Kind == ErrKindSkipped || e.Location.Path == "" {
			continue
		}
		for _, r := range roots {
			if under(e.Location.Path, r) {
				n++
				break
			}
		}
	}
	return n
}

// decide applies the verdict rules of BuildTimeline to one unit's findings.
func decide(fs []*Finding, errs int, cat Catalog) (string, string) {
	var present, ran, earlier, would []*Finding
	for _, f := range fs {
		switch {
		case cat.Ran(f.Category) && f.Severity.Rank() >= Medium.Rank():
			ran = append(ran, f)
			if f.Severity == Critical {
				present = append(present, f)
			}
		case f.Severity == Critical:
			present = append(present, f)
		case f.Severity == High:
			earlier = append(earlier, f)
		case f.Severity == Medium:
			would = append(would, f)
		}
	}
	incomplete := ""
	if errs > 0 {
		incomplete = fmt.Sprintf("; %d path(s) inside could not be checked", errs)
	}
	switch {
	case len(present) > 0 && len(ran) > 0:
		if len(ran) == len(present) && ran[0] == present[0] {
			return EnvExecuted, "running payload: " + cite(ran) + incomplete
		}
		return EnvExecuted, "present: " + cite(present) + "; ran: " + cite(ran) + incomplete
	case len(present) > 0:
		return EnvPresent, "present: " + cite(present) + "; no evidence found that it ran" + incomplete
	case len(earlier) > 0 || len(ran) > 0:
		s := "evidence: " + cite(append(earlier, ran...))
		if len(ran) > 0 {
			s += "; it ran: " + cite(ran)
		}
		return EnvRemoved, s + "; no bad version installed now" + incomplete
	case len(would) > 0:
		return EnvWould, "a manifest or lockfile admits a bad version: " + cite(would) + incomplete
	case errs > 0:
		return EnvIncomplete, fmt.Sprintf("nothing found, but %d path(s) inside could not be checked", errs)
	}
	return EnvClean, ""
}

// cite names up to three findings: "title (ID), ... and N more".
func cite(fs []*Finding) string {
	var parts []string
	for i, f := range fs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-3))
			break
		}
		parts = append(parts, f.Title+" ("+f.ID+")")
	}
	return strings.Join(parts, ", ")
}

func ids(fs []*Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

// Timeline is the one place findings become timeline events, for every
// target (hosts, images, GitHub): every finding above info with
// Evidence.Time (when it happened) or, failing that, Evidence.ModTime
// (marked "(mtime)") is an event "<title> at <location>", sorted by time
// then finding id, with InWindow set when the time lies inside one of
// windows (bounds included). Findings without an id get the one Finalize
// will give them; the slice is not modified.
func Timeline(findings []Finding, windows ...Window) []TimelineEvent {
	var out []TimelineEvent
	for _, f := range findings {
		if f.Severity == Info {
			continue // inventory (credentials present), not an event of the incident
		}
		var t time.Time
		label := ""
		switch {
		case f.Evidence.Time != nil:
			t = *f.Evidence.Time
		case f.Evidence.ModTime != nil:
			t, label = *f.Evidence.ModTime, " (mtime)"
		default:
			continue
		}
		if f.ID == "" {
			f.SetID() // f is a copy
		}
		ev := f.Title
		if loc := f.Location.String(); loc != "" {
			ev += " at " + loc
		}
		te := TimelineEvent{Time: t.UTC(), Event: ev + label, Finding: f.ID, Environment: f.Environment, User: f.User}
		for _, w := range windows {
			if w.Contains(t) {
				te.InWindow = true
			}
		}
		out = append(out, te)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Finding < out[j].Finding
	})
	return out
}

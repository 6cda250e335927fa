package ghorg

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/sweep"
)

// installCmd is one Python install command of a run: step, reduced to
// what decides the installed versions. Its display form is built only from
// allow-listed parts (the tool words, manifest paths of a safe shape, the
// specifiers of tracked packages), never from the script's raw text.
type installCmd struct {
	Tool     string   // canonical tool words: "pip install", "uv sync", ...
	Lines    []string // a synthetic requirements file: "-r X", "-c Y", specifiers
	Projects []string // project directories installed (pip install . / -e .)
	Locks    []lockfile.Kind
	Shown    []string // allow-listed arguments for the display form
}

func (c installCmd) String() string {
	return strings.TrimSpace(c.Tool + " " + strings.Join(c.Shown, " "))
}

// otherPackages stands for the requirements of untracked packages in the
// display form: a positional word could be anything, so only tracked
// distributions are shown by name.
const otherPackages = "…"

// parseInstalls finds the Python install commands of a run: script (read
// by the one install-command parser, installcmd); tracked says which
// distribution names the display form may show. A script the shell parser
// cannot read as a whole is read line by line.
func parseInstalls(script string, tracked func(string) bool) []installCmd {
	cmds, err := installcmd.Parse(script, installcmd.POSIX)
	if err != nil {
		cmds = nil
		for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
			cs, err := installcmd.Parse(line, installcmd.POSIX)
			if err != nil {
				cs = installcmd.Lenient(line)
			}
			cmds = append(cmds, cs...)
		}
	}
	var out []installCmd
	for _, cmd := range cmds {
		inv, ok := installcmd.Recognize(cmd.Words)
		if !ok || inv.Ecosystem != installcmd.PyPI {
			continue
		}
		if c, ok := installOf(inv, tracked); ok {
			out = append(out, c)
		}
	}
	return out
}

// installOf reduces an install command to what decides the installed
// versions: a synthetic requirements file (its -r/-c files and PEP 508
// arguments), the projects it installs and the lock a sync reads.
func installOf(inv installcmd.Invocation, tracked func(string) bool) (installCmd, bool) {
	c := installCmd{Tool: inv.Tool, Locks: inv.Locks}
	if inv.Module {
		c.Tool = "python -m " + inv.Tool
	}
	if len(inv.Locks) > 0 {
		return c, true
	}
	sync := strings.HasSuffix(inv.Tool, " sync") // uv pip sync FILE...: the files are the requirements
	for _, a := range inv.Args {
		switch a.Kind {
		case installcmd.File:
			if !installcmd.SafePath(a.Value) {
				continue
			}
			flag := "-r"
			if a.Constraint {
				flag = "-c"
			}
			c.Lines = append(c.Lines, flag+" "+a.Value)
			if sync {
				c.Shown = append(c.Shown, a.Value)
			} else {
				c.Shown = append(c.Shown, flag+" "+a.Value)
			}
		case installcmd.Project:
			c.Projects = append(c.Projects, a.Value)
			if a.Opt != "" {
				c.Shown = append(c.Shown, "-e "+a.Value)
			} else {
				c.Shown = append(c.Shown, a.Value)
			}
		case installcmd.Package:
			if strings.Contains(a.Value, "$") {
				continue // an expression or a variable: its value is unknown here
			}
			q, err := lockfile.ParseRequirement(a.Value)
			if err != nil {
				continue
			}
			c.Lines = append(c.Lines, a.Value)
			switch {
			case tracked(q.Name):
				c.Shown = append(c.Shown, requirementText(q))
			case len(c.Shown) == 0 || c.Shown[len(c.Shown)-1] != otherPackages:
				c.Shown = append(c.Shown, otherPackages)
			}
		}
	}
	return c, len(c.Lines)+len(c.Projects) > 0
}

// requirementText rebuilds a requirement from its parsed parts.
func requirementText(q lockfile.Requirement) string {
	s := q.Name
	if len(q.Extras) > 0 {
		s += "[" + strings.Join(q.Extras, ",") + "]"
	}
	if q.URL != "" {
		return s + " @ …"
	}
	return s + strings.ReplaceAll(q.Specifier, " ", "")
}

// gradeInstalls grades the Python installs of one job whose log is gone,
// from its run: steps and the manifests they install from at the run's
// commit. It returns one finding for the job when an install pinned a bad
// version, or admitted one while it was the newest release on PyPI.
func (rs *repoSweep) gradeInstalls(ctx context.Context, run *github.WorkflowRun, wf *Workflow, jobKey, apiName string) []sweep.Finding {
	var wj *WorkflowJob
	for _, j := range wf.Jobs {
		if j.Key == jobKey {
			wj = j
		}
	}
	if wj == nil {
		return nil
	}
	m := rs.s.m
	sha := run.GetHeadSHA()
	type evidence struct {
		step string
		line int
		cmd  installCmd
		hit  lockfile.Hit
	}
	var found []evidence
	for si, st := range wj.Runs {
		for ci, cmd := range parseInstalls(st.Script, func(n string) bool { _, ok := m.Tracked(n); return ok }) {
			dir := path.Clean(strings.TrimPrefix(st.WorkDir, "./"))
			if dir == "." || strings.HasPrefix(dir, "..") || strings.HasPrefix(dir, "/") || strings.Contains(dir, "$") {
				dir = ""
			}
			results := rs.installResults(ctx, run, cmd, dir, fmt.Sprintf("%s#%s-step%d-cmd%d", path.Base(wf.Path), jobKey, si, ci))
			if rs.cur.transient {
				return nil
			}
			for _, h := range lockfile.Evaluate(m, results) {
				if !rs.installedInWindow(h, run) {
					continue
				}
				found = append(found, evidence{step: stepLabel(st), line: st.Line, cmd: cmd, hit: h})
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	first := found[0]
	pk := first.hit.Package
	ver := ""
	if len(first.hit.Versions) > 0 {
		ver = first.hit.Versions[0]
	}
	t := run.GetCreatedAt().UTC()
	f := sweep.Finding{Severity: sweep.High, Category: CatWorkflow, Collector: CollectorName,
		Title: fmt.Sprintf("likely exposed: logs expired; job %s ran %q, which installs %s (%s) during the window",
			apiName, first.cmd.String(), pk.Name, strings.Join(first.hit.Versions, " or ")),
		Location: sweep.Location{Repo: rs.ri.FullName, RunID: run.GetID(), RunAttempt: run.GetRunAttempt(), URL: run.GetHTMLURL(),
			Job: apiName, Step: first.step, Path: wf.Path, Line: first.line},
		Evidence:  sweep.Evidence{Package: pk.Name, Version: ver, Time: &t, Text: first.cmd.String()},
		Indicator: &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources}}
	for _, e := range found {
		q := e.hit.Requirement
		where := "command line"
		if !strings.Contains(q.File, "#") {
			where = fmt.Sprintf("%s:%d at %s", q.File, q.Line, short(sha))
		}
		f.Evidence.Details = append(f.Evidence.Details, fmt.Sprintf("step %q (%s:%d): %s; %s: %s (%s)",
			e.step, wf.Path, e.line, e.cmd.String(), where, manifestText(q), strings.Join(e.hit.Versions, ", ")))
	}
	f.Evidence.Details = append(f.Evidence.Details,
		"the job log is gone (expired or deleted): graded from the workflow and manifests at the run's commit; unconfirmed",
		first.hit.Why)
	f.Evidence.Details = append(f.Evidence.Details, runDetails(run)...)
	return []sweep.Finding{f}
}

// installedInWindow: a pin or lock of a bad version counts when the run
// overlapped or followed the package's window start (it could resolve);
// a range counts only when the run overlapped the window, when the bad
// release was the newest.
func (rs *repoSweep) installedInWindow(h lockfile.Hit, run *github.WorkflowRun) bool {
	w, ok := rs.s.m.Window(h.Package.Window)
	if !ok {
		return h.Severity.Rank() >= sweep.High.Rank()
	}
	created, updated := run.GetCreatedAt().Time, run.GetUpdatedAt().Time
	if updated.Before(created) {
		updated = created
	}
	if h.Severity.Rank() >= sweep.High.Rank() {
		return !updated.Before(w.Start)
	}
	return !created.After(w.End) && !updated.Before(w.Start)
}

// installResults parses what one install command installs: its command
// line (as a synthetic requirements file whose -r/-c includes are read at
// the run's commit), the pyproject.toml of projects it installs, and the
// lockfile a sync installs.
func (rs *repoSweep) installResults(ctx context.Context, run *github.WorkflowRun, cmd installCmd, dir, synthetic string) []lockfile.Result {
	sha := run.GetHeadSHA()
	m := rs.s.m
	read := func(p string) ([]byte, bool) {
		data, err := rs.fileAt(ctx, p, sha)
		if err != nil {
			if statusOf(err) == http.StatusNotFound {
				return nil, false
			}
			if ctx.Err() == nil {
				rs.addErrFor(err, sweep.ErrKindUnverified, sweep.Location{Path: p, RunID: run.GetID()}, describe(err, "read "+p+" at "+short(sha))+"; the installs of this run could not be fully graded")
			}
			return nil, false
		}
		return data, true
	}
	resolve := func(from, ref string) (string, []byte, error) {
		if strings.Contains(ref, "://") || path.IsAbs(ref) {
			return "", nil, fmt.Errorf("include %q is not a file of the repository", ref)
		}
		base := path.Dir(from)
		if strings.Contains(from, "#") {
			base = dir
		}
		p := path.Clean(path.Join(base, ref))
		if p == ".." || strings.HasPrefix(p, "../") {
			return "", nil, fmt.Errorf("include %q leaves the repository", ref)
		}
		data, ok := read(p)
		if !ok {
			return "", nil, fmt.Errorf("include %q: not readable at %s", ref, short(sha))
		}
		return p, data, nil
	}
	var results []lockfile.Result
	if len(cmd.Lines) > 0 {
		r, _ := lockfile.ParseKind(lockfile.Requirements, path.Join(dir, synthetic), []byte(strings.Join(cmd.Lines, "\n")+"\n"), resolve)
		results = append(results, lockfile.Relevant(m, r))
	}
	for _, p := range cmd.Projects {
		p, _, _ = strings.Cut(p, "[")
		pp := path.Join(dir, p, "pyproject.toml")
		if data, ok := read(pp); ok {
			if r, err := lockfile.ParseKind(lockfile.PyProject, pp, data, nil); err == nil {
				results = append(results, lockfile.Relevant(m, r))
			}
		}
	}
	for _, k := range cmd.Locks {
		name := string(k)
		if k == lockfile.PyProject {
			name = "pyproject.toml"
		}
		p := path.Join(dir, name)
		data, ok := read(p)
		if !ok {
			continue
		}
		if r, err := lockfile.ParseKind(k, p, data, nil); err == nil {
			results = append(results, lockfile.Relevant(m, r))
			break // the lock decides; the pyproject only without one
		}
	}
	return results
}

// stepLabel names a run: step by its name, else by its command's first
// allow-listed words.
func stepLabel(st RunStep) string {
	if st.Name != "" {
		return safeStepName(st.Name)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(st.Script), "\n")
	return safeStepName("Run " + first)
}

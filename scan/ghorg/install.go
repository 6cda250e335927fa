package ghorg

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/google/go-github/v60/github"

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

var (
	pipProg     = regexp.MustCompile(`^(?:.*/)?pip[0-9.]*$`)
	pythonProg  = regexp.MustCompile(`^(?:.*/)?python[0-9.]*$`)
	safePath    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./-]*$`)
	envAssign   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	shellSplit  = regexp.MustCompile(`\s*(?:&&|\|\||;|\|)\s*`)
	valueOption = map[string]bool{
		"-i": true, "--index-url": true, "--extra-index-url": true, "-f": true, "--find-links": true, "-t": true, "--target": true,
		"--prefix": true, "--root": true, "--python": true, "-p": true, "--python-version": true, "--platform": true,
		"--implementation": true, "--abi": true, "--src": true, "--upgrade-strategy": true, "--cache-dir": true, "--log": true,
		"--timeout": true, "--retries": true, "--proxy": true, "--trusted-host": true, "--progress-bar": true, "-C": true,
		"--config-settings": true, "--global-option": true, "--install-option": true, "--report": true, "--only-binary": true,
		"--no-binary": true, "--exists-action": true, "--keyring-provider": true, "--cert": true, "--client-cert": true,
		"--group": true, "--extra": true, "--index": true, "--default-index": true, "--resolution": true, "--prerelease": true,
		"--exclude-newer": true, "--index-strategy": true, "--python-platform": true, "--link-mode": true, "--override": true,
		"-E": true, "--extras": true, "--with": true, "--only": true, "--without": true, "--directory": true, "--project": true,
		"--package": true, "-G": true, "--dev-group": true,
	}
)

// parseInstalls finds the Python install commands of a run: script;
// tracked says which distribution names the display form may show.
func parseInstalls(script string, tracked func(string) bool) []installCmd {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out []installCmd
	for _, line := range strings.Split(script, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		for _, cmd := range shellSplit.Split(strings.TrimSpace(line), -1) {
			if c, ok := parseInstall(shellWords(cmd), tracked); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// shellWords splits a command into words with simple quote handling; an
// expression ${{ ... }} stays one opaque word.
func shellWords(s string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	flush := func() {
		if in {
			out = append(out, cur.String())
			cur.Reset()
			in = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case strings.HasPrefix(s[i:], "${{"):
			end := strings.Index(s[i:], "}}")
			if end < 0 {
				end = len(s) - i - 2
			}
			cur.WriteString("${{}}")
			in = true
			i += end + 1
		case c == ' ' || c == '\t':
			flush()
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	flush()
	return out
}

// parseInstall recognises pip, python -m pip, uv pip, uv add/sync, pipx,
// uv tool, poetry, pipenv and pdm installs.
func parseInstall(w []string, tracked func(string) bool) (installCmd, bool) {
	for len(w) > 0 && (w[0] == "sudo" || w[0] == "env" || w[0] == "time" || envAssign.MatchString(w[0]) || strings.HasPrefix(w[0], "-") && len(w) > 0 && w[0] != "-m") {
		w = w[1:]
	}
	if len(w) < 2 {
		return installCmd{}, false
	}
	var c installCmd
	var args []string
	switch {
	case pipProg.MatchString(w[0]) && w[1] == "install":
		c.Tool, args = "pip install", w[2:]
	case pythonProg.MatchString(w[0]) && len(w) >= 4 && w[1] == "-m" && w[2] == "pip" && w[3] == "install":
		c.Tool, args = "python -m pip install", w[4:]
	case w[0] == "uv" && len(w) >= 3 && w[1] == "pip" && w[2] == "install":
		c.Tool, args = "uv pip install", w[3:]
	case w[0] == "uv" && len(w) >= 3 && w[1] == "pip" && w[2] == "sync":
		c.Tool = "uv pip sync"
		for _, a := range w[3:] {
			if !strings.HasPrefix(a, "-") && safePath.MatchString(a) {
				c.Lines = append(c.Lines, "-r "+a)
				c.Shown = append(c.Shown, a)
			}
		}
		return c, len(c.Lines) > 0
	case w[0] == "pipx" && w[1] == "install", w[0] == "uv" && len(w) >= 3 && w[1] == "tool" && w[2] == "install":
		c.Tool = strings.Join(w[:len(w)-len(w[2:])], " ")
		if w[0] == "uv" {
			c.Tool, args = "uv tool install", w[3:]
		} else {
			args = w[2:]
		}
	case w[0] == "uv" && w[1] == "add", w[0] == "poetry" && w[1] == "add", w[0] == "pdm" && w[1] == "add":
		c.Tool, args = w[0]+" add", w[2:]
	case w[0] == "uv" && w[1] == "sync":
		c.Tool, c.Locks = "uv sync", []lockfile.Kind{lockfile.UVLock, lockfile.PyProject}
		return c, true
	case w[0] == "poetry" && w[1] == "install":
		c.Tool, c.Locks = "poetry install", []lockfile.Kind{lockfile.PoetryLock, lockfile.PyProject}
		return c, true
	case w[0] == "pipenv" && (w[1] == "install" || w[1] == "sync") && len(w) == 2:
		c.Tool, c.Locks = "pipenv "+w[1], []lockfile.Kind{lockfile.PipfileLock, lockfile.Pipfile}
		return c, true
	case w[0] == "pdm" && (w[1] == "install" || w[1] == "sync"):
		c.Tool, c.Locks = "pdm "+w[1], []lockfile.Kind{lockfile.PDMLock, lockfile.PyProject}
		return c, true
	default:
		return installCmd{}, false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case a == "-r" || a == "--requirement" || a == "-c" || a == "--constraint":
			flag := a[:2]
			if strings.HasPrefix(a, "--c") {
				flag = "-c"
			} else if strings.HasPrefix(a, "--r") {
				flag = "-r"
			}
			if v := val(); safePath.MatchString(v) {
				c.Lines = append(c.Lines, flag+" "+v)
				c.Shown = append(c.Shown, flag+" "+v)
			}
		case strings.HasPrefix(a, "--requirement=") || strings.HasPrefix(a, "--constraint="):
			k, v, _ := strings.Cut(a, "=")
			if safePath.MatchString(v) {
				c.Lines = append(c.Lines, k[1:3]+" "+v)
				c.Shown = append(c.Shown, k[1:3]+" "+v)
			}
		case (strings.HasPrefix(a, "-r") || strings.HasPrefix(a, "-c")) && len(a) > 2 && !strings.HasPrefix(a, "--"):
			if v := a[2:]; safePath.MatchString(v) {
				c.Lines = append(c.Lines, a[:2]+" "+v)
				c.Shown = append(c.Shown, a[:2]+" "+v)
			}
		case a == "-e" || a == "--editable":
			if v := val(); isLocalDir(v) {
				c.Projects = append(c.Projects, v)
				c.Shown = append(c.Shown, "-e "+v)
			}
		case strings.HasPrefix(a, "-"):
			if valueOption[a] {
				val()
			}
		case strings.Contains(a, "$"):
			// an expression or a variable: its value is unknown here
		case isLocalDir(a):
			c.Projects = append(c.Projects, a)
			c.Shown = append(c.Shown, a)
		default:
			q, err := lockfile.ParseRequirement(a)
			if err != nil {
				continue
			}
			c.Lines = append(c.Lines, a)
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

// isLocalDir: ".", "./x", "x/" or "../x" (a project directory to install).
func isLocalDir(a string) bool {
	base, _, _ := strings.Cut(a, "[") // ".[dev]"
	if !(base == "." || strings.HasPrefix(base, "./") || strings.HasPrefix(base, "../") || strings.HasSuffix(base, "/")) || strings.HasSuffix(base, ".whl") {
		return false
	}
	rest := base
	for strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
		rest = rest[strings.Index(rest, "/")+1:]
	}
	return rest == "" || rest == "." || safePath.MatchString(rest)
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

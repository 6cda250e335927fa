package ghorg

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/litesweep/litesweep/sweep"
)

// secretListings are the secret names the token may list for one repository.
type secretListings struct {
	repo, org     map[string]bool
	repoOK, orgOK bool
	env           map[string]map[string]bool
	envOK         map[string]bool
}

func (rs *repoSweep) secretNames(ctx context.Context, envs []string) *secretListings {
	s := rs.s
	if rs.listings == nil {
		l := &secretListings{repo: map[string]bool{}, org: map[string]bool{}, env: map[string]map[string]bool{}, envOK: map[string]bool{}}
		rs.listings = l
		l.repoOK = listAll(ctx, func(o *github.ListOptions) (*github.Secrets, *github.Response, error) {
			return s.client.Actions.ListRepoSecrets(ctx, rs.ri.Owner, rs.ri.Name, o)
		}, l.repo, func(err error) {
			rs.addErrFor(err, sweep.ErrKindSkipped, sweep.Location{}, describe(err, "list repository secrets")+"; the scope of secrets referenced by exposed runs is unresolved")
		})
		l.orgOK = listAll(ctx, func(o *github.ListOptions) (*github.Secrets, *github.Response, error) {
			return s.client.Actions.ListRepoOrgSecrets(ctx, rs.ri.Owner, rs.ri.Name, o)
		}, l.org, func(err error) {
			rs.addErrFor(err, sweep.ErrKindSkipped, sweep.Location{}, describe(err, "list organization secrets visible to this repository")+"; organization-level secrets are named from the workflow only")
		})
		if rs.cur.transient {
			rs.listings = nil // retried by the next run that needs it
			return l
		}
	}
	l := rs.listings
	for _, env := range envs {
		if env == "" || l.env[env] != nil {
			continue
		}
		l.env[env] = map[string]bool{}
		l.envOK[env] = listAll(ctx, func(o *github.ListOptions) (*github.Secrets, *github.Response, error) {
			return s.client.Actions.ListEnvSecrets(ctx, int(rs.ri.ID), env, o)
		}, l.env[env], func(err error) {
			rs.addErrFor(err, sweep.ErrKindSkipped, sweep.Location{}, describe(err, "list secrets of environment "+env))
		})
	}
	return l
}

func listAll(ctx context.Context, list func(*github.ListOptions) (*github.Secrets, *github.Response, error), into map[string]bool, fail func(error)) bool {
	opt := &github.ListOptions{PerPage: 100}
	for {
		ss, resp, err := list(opt)
		if err != nil {
			if ctx.Err() == nil {
				fail(err)
			}
			return false
		}
		for _, sec := range ss.Secrets {
			into[sec.Name] = true
		}
		if resp.NextPage == 0 {
			return true
		}
		opt.Page = resp.NextPage
	}
}

// expose records what the given jobs of a run could read, as one exposure
// finding per job. jobs empty means every job of the workflow.
func (rs *repoSweep) expose(ctx context.Context, run *github.WorkflowRun, wf *Workflow, werr error, jobs []string, level sweep.ExposureLevel, perms map[string][]string) {
	// exp is one credential a job (its API name, "" for the whole run)
	// could read; a secret's Scope holds its environment until resolved.
	type exp struct {
		job string
		c   sweep.ExposedCredential
	}
	var out []exp
	add := func(job string, c sweep.ExposedCredential) { out = append(out, exp{job, c}) }
	if wf == nil {
		why := "workflow file could not be read"
		if werr != nil {
			why += " (" + werr.Error() + ")"
		}
		for _, j := range orAll(jobs) {
			add(j, sweep.ExposedCredential{Kind: sweep.ExposedAllCISecrets, Name: "*",
				Note: why + ": assume every secret available to the run was exposed"})
			tok := sweep.ExposedCredential{Kind: sweep.ExposedCIJobToken, Name: "GITHUB_TOKEN", Note: "permissions unknown (" + why + ")"}
			if p := perms[j]; len(p) > 0 {
				tok.Note = "permissions (job log): " + strings.Join(p, ", ")
			}
			add(j, tok)
		}
	} else {
		type pair struct {
			api string
			wj  *WorkflowJob
		}
		var pairs []pair
		for _, j := range jobs {
			if wj := wf.JobFor(j); wj != nil {
				pairs = append(pairs, pair{j, wj})
			} else {
				for _, wj := range wf.Jobs {
					pairs = append(pairs, pair{j, wj})
				}
			}
		}
		if len(jobs) == 0 {
			for _, wj := range wf.Jobs {
				pairs = append(pairs, pair{wj.Name, wj})
			}
		}
		for _, p := range pairs {
			wj := p.wj
			envOf := map[string]string{}
			for env, sec := range wj.EnvSecrets {
				if envOf[sec] == "" || env < envOf[sec] {
					envOf[sec] = env
				}
			}
			for _, name := range wj.Secrets {
				c := sweep.ExposedCredential{Kind: sweep.ExposedCISecret, Name: name, Scope: wj.Environment}
				if as := envOf[name]; as != name {
					c.As = as
				}
				add(p.api, c)
			}
			for _, name := range wj.Vars {
				add(p.api, sweep.ExposedCredential{Kind: sweep.ExposedCIVariable, Name: name, Scope: wj.Environment})
			}
			for _, name := range wj.CredEnv {
				add(p.api, sweep.ExposedCredential{Kind: sweep.ExposedCILiteral, Name: name, Scope: "workflow-file", Note: "literal value in " + wf.Path})
			}
			if wj.AllSecrets {
				add(p.api, sweep.ExposedCredential{Kind: sweep.ExposedAllCISecrets, Name: "*", Scope: wj.Environment, Note: wj.AllReason})
			}
			tok := sweep.ExposedCredential{Kind: sweep.ExposedCIJobToken, Name: "GITHUB_TOKEN", Note: "permissions (workflow): " + wj.Permissions}
			if p := perms[p.api]; len(p) > 0 {
				tok.Note = "permissions (job log): " + strings.Join(p, ", ")
			}
			add(p.api, tok)
		}
	}
	// Resolve where each secret is defined (environment > repository >
	// organization), from the names the token may list.
	var envs []string
	for _, e := range out {
		if e.c.Kind == sweep.ExposedCISecret || e.c.Kind == sweep.ExposedAllCISecrets {
			envs = append(envs, e.c.Scope)
		}
	}
	l := rs.secretNames(ctx, envs)
	byJob := map[string][]sweep.ExposedCredential{}
	var order []string
	keep := func(job string, c sweep.ExposedCredential) {
		if _, ok := byJob[job]; !ok {
			order = append(order, job)
		}
		byJob[job] = append(byJob[job], c)
	}
	for _, e := range out {
		c := e.c
		switch c.Kind {
		case sweep.ExposedCISecret:
			c.Scope = l.scopeOf(c.Scope, c.Name)
			keep(e.job, c)
		case sweep.ExposedCIVariable:
			if c.Scope != "" {
				c.Scope = "environment:" + c.Scope + " or repository/organization"
			} else {
				c.Scope = "repository or organization"
			}
			keep(e.job, c)
		case sweep.ExposedAllCISecrets:
			env := c.Scope
			complete := l.repoOK && l.orgOK && (env == "" || l.envOK[env])
			for _, n := range l.names(env) {
				keep(e.job, sweep.ExposedCredential{Kind: sweep.ExposedCISecret, Name: n, Scope: l.scopeOf(env, n), Note: c.Note})
			}
			if !complete {
				c.Scope = "unresolved"
				keep(e.job, c)
			}
		default:
			keep(e.job, c)
		}
	}
	for _, job := range order {
		rs.cur.Findings = append(rs.cur.Findings, exposureFinding(rs.ri.FullName, run, job, level, byJob[job]))
	}
}

// exposureFinding is the info finding naming what one job of a run could
// read (names and scopes only).
func exposureFinding(repo string, run *github.WorkflowRun, job string, level sweep.ExposureLevel, creds []sweep.ExposedCredential) sweep.Finding {
	loc := runLoc(repo, run)
	loc.Job = job
	who := "a compromised job"
	switch level {
	case sweep.ExposureUnverified:
		who = "an unverified job that used a compromised action in its window"
	case sweep.ExposurePrecautionary:
		who = "a job whose logs expired and whose workflow likely installed a bad version"
	}
	if job == "" {
		who = strings.Replace(who, "job", "run", 1)
	}
	var secrets, vars, literals int
	var all, token bool
	details := make([]string, 0, len(creds))
	for _, c := range creds {
		switch c.Kind {
		case sweep.ExposedCISecret:
			secrets++
			d := "secret " + c.Name + " (" + c.Scope + ")"
			if c.As != "" {
				d += " as env " + c.As
			}
			details = append(details, d)
		case sweep.ExposedAllCISecrets:
			all = true
			details = append(details, "every secret available to it, names not all listable ("+c.Note+")")
		case sweep.ExposedCIVariable:
			vars++
			details = append(details, "variable "+c.Name+" ("+c.Scope+")")
		case sweep.ExposedCILiteral:
			literals++
			details = append(details, "credential-like env "+c.Name+" ("+c.Note+")")
		case sweep.ExposedCIJobToken:
			token = true
			details = append(details, "GITHUB_TOKEN: "+c.Note)
		}
	}
	var what []string
	if all {
		what = append(what, "every Actions secret available to it")
	}
	if secrets > 0 {
		what = append(what, plural(secrets, "Actions secret", "Actions secrets"))
	}
	if literals > 0 {
		what = append(what, plural(literals, "credential written in the workflow", "credentials written in the workflow"))
	}
	if vars > 0 {
		what = append(what, plural(vars, "variable", "variables"))
	}
	if token {
		what = append(what, "its GITHUB_TOKEN")
	}
	var names []string
	for _, c := range creds {
		n := c.Name
		if c.Kind == sweep.ExposedAllCISecrets {
			n = "every secret"
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	details = append([]string{"names: " + clip(strings.Join(names, ", "), 300)}, details...)
	title := "credentials readable by " + who + ": " + strings.Join(what, ", ")
	return sweep.Finding{Severity: sweep.Info, Category: CatExposure, Title: title, Location: loc, Collector: CollectorName,
		Evidence: sweep.Evidence{Details: details},
		Exposure: &sweep.Exposure{Level: level, Readers: []sweep.Reader{{Name: runRef(repo, run, job)}}, Credentials: creds}}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func orAll(jobs []string) []string {
	if len(jobs) == 0 {
		return []string{""}
	}
	return jobs
}

func (l *secretListings) scopeOf(env, name string) string {
	switch {
	case env != "" && l.env[env][name]:
		return "environment:" + env
	case l.repo[name]:
		return "repository"
	case l.org[name]:
		return "organization"
	case l.repoOK && l.orgOK && (env == "" || l.envOK[env]):
		return "not-listed"
	}
	return "unresolved"
}

func (l *secretListings) names(env string) []string {
	set := map[string]bool{}
	for n := range l.repo {
		set[n] = true
	}
	for n := range l.org {
		set[n] = true
	}
	for n := range l.env[env] {
		set[n] = true
	}
	return keys(set)
}

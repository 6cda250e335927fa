package ghorg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Exposure is one credential name an exposed (or unverifiable) run could
// read. Names only, never values.
type Exposure struct {
	Kind      string `json:"kind"` // secret, variable, github-token, workflow-env, all-secrets
	Name      string `json:"name"`
	Scope     string `json:"scope"` // repository, organization, environment:NAME, unresolved, not-listed
	Repo      string `json:"repo"`
	Owner     string `json:"owner"`
	Run       string `json:"run"`
	EnvName   string `json:"env_name,omitempty"` // the env var it was exposed as
	Note      string `json:"note,omitempty"`
	Confirmed bool   `json:"confirmed"` // log evidence, not only "could not verify"
	// Precautionary: the log is gone and the workflow at the run's commit
	// installed a bad version (or a range admitting one) in the window:
	// likely, but unconfirmed.
	Precautionary bool `json:"precautionary,omitempty"`
}

// exposureLevel is how sure an exposure is.
type exposureLevel int

const (
	exposureConfirmed     exposureLevel = iota // the job log shows the compromise
	exposureUnverified                         // log gone; a compromised action ran in its window
	exposurePrecautionary                      // log gone; the workflow installed a bad version in the window
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

// expose records what the given jobs of a run could read. jobs empty means
// every job of the workflow.
func (rs *repoSweep) expose(ctx context.Context, run *github.WorkflowRun, wf *Workflow, werr error, jobs []string, level exposureLevel, perms map[string][]string) {
	base := Exposure{Repo: rs.ri.FullName, Owner: rs.ri.Owner, Confirmed: level == exposureConfirmed, Precautionary: level == exposurePrecautionary}
	var out []Exposure
	add := func(e Exposure) { out = append(out, e) }
	if wf == nil {
		why := "workflow file could not be read"
		if werr != nil {
			why += " (" + werr.Error() + ")"
		}
		for _, j := range orAll(jobs) {
			e := base
			e.Run = runRef(rs.ri.FullName, run, j)
			e.Kind, e.Name, e.Note = "all-secrets", "*", why+": assume every secret available to the run was exposed"
			add(e)
			e.Kind, e.Name, e.Note = "github-token", "GITHUB_TOKEN", "permissions unknown ("+why+")"
			if p := perms[j]; len(p) > 0 {
				e.Note = "permissions (job log): " + strings.Join(p, ", ")
			}
			add(e)
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
			e := base
			e.Run = runRef(rs.ri.FullName, run, p.api)
			envOf := map[string]string{}
			for env, sec := range wj.EnvSecrets {
				if envOf[sec] == "" || env < envOf[sec] {
					envOf[sec] = env
				}
			}
			for _, name := range wj.Secrets {
				x := e
				x.Kind, x.Name, x.EnvName, x.Scope = "secret", name, envOf[name], wj.Environment
				add(x)
			}
			for _, name := range wj.Vars {
				x := e
				x.Kind, x.Name, x.Scope = "variable", name, wj.Environment
				add(x)
			}
			for _, name := range wj.CredEnv {
				x := e
				x.Kind, x.Name, x.Scope, x.Note = "workflow-env", name, "workflow-file", "literal value in "+wf.Path
				add(x)
			}
			if wj.AllSecrets {
				x := e
				x.Kind, x.Name, x.Scope, x.Note = "all-secrets", "*", wj.Environment, wj.AllReason
				add(x)
			}
			x := e
			x.Kind, x.Name, x.Note = "github-token", "GITHUB_TOKEN", "permissions (workflow): "+wj.Permissions
			if p := perms[p.api]; len(p) > 0 {
				x.Note = "permissions (job log): " + strings.Join(p, ", ")
			}
			add(x)
		}
	}
	// Resolve where each secret is defined (environment > repository >
	// organization), from the names the token may list.
	var envs []string
	for _, e := range out {
		if e.Kind == "secret" || e.Kind == "all-secrets" {
			envs = append(envs, e.Scope)
		}
	}
	l := rs.secretNames(ctx, envs)
	for _, e := range out {
		switch e.Kind {
		case "secret":
			e.Scope = l.scopeOf(e.Scope, e.Name)
			rs.cur.Exposures = append(rs.cur.Exposures, e)
		case "variable":
			if e.Scope != "" {
				e.Scope = "environment:" + e.Scope + " or repository/organization"
			} else {
				e.Scope = "repository or organization"
			}
			rs.cur.Exposures = append(rs.cur.Exposures, e)
		case "all-secrets":
			env := e.Scope
			complete := l.repoOK && l.orgOK && (env == "" || l.envOK[env])
			for _, n := range l.names(env) {
				x := e
				x.Kind, x.Name = "secret", n
				x.Scope = l.scopeOf(env, n)
				rs.cur.Exposures = append(rs.cur.Exposures, x)
			}
			if !complete {
				e.Scope = "unresolved"
				rs.cur.Exposures = append(rs.cur.Exposures, e)
			}
		default:
			rs.cur.Exposures = append(rs.cur.Exposures, e)
		}
	}
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

// BuildRotation joins exposures into one rotation item per credential
// (kind, scope and name), each listing every run that exposed it.
func BuildRotation(exps []Exposure, pack *iocs.Loaded) []sweep.RotationItem {
	var cred *iocs.CredentialKind
	for i := range pack.Credentials {
		if pack.Credentials[i].Kind == "ci" && pack.Credentials[i].Provider == "github-actions" {
			cred = &pack.Credentials[i]
		}
	}
	type acc struct {
		item          sweep.RotationItem
		runs          map[string]bool
		envs          map[string]bool
		notes         map[string]bool
		confirmed     int
		precautionary int
		total         int
	}
	byKey := map[string]*acc{}
	var order []string
	for _, e := range exps {
		where, title, kind, prio := describeExposure(e)
		key := strings.Join([]string{kind, where, e.Name}, "\x00")
		a := byKey[key]
		if a == nil {
			sum := sha256.Sum256([]byte(key))
			a = &acc{item: sweep.RotationItem{ID: "ROT-GH-" + strings.ToUpper(hex.EncodeToString(sum[:5])), Priority: prio, Kind: kind,
				Provider: "github-actions", Title: title, Where: where}, runs: map[string]bool{}, envs: map[string]bool{}, notes: map[string]bool{}}
			byKey[key] = a
			order = append(order, key)
		}
		a.runs[e.Run] = true
		if e.EnvName != "" && e.EnvName != e.Name {
			a.envs[e.EnvName] = true
		}
		if e.Note != "" {
			a.notes[e.Note] = true
		}
		a.total++
		switch {
		case e.Confirmed:
			a.confirmed++
		case e.Precautionary:
			a.precautionary++
		}
	}
	sort.Strings(order)
	var out []sweep.RotationItem
	for _, k := range order {
		a := byKey[k]
		it := a.item
		it.ExposedBy = keys(a.runs)
		it.Names = []string{strings.SplitN(k, "\x00", 3)[2]}
		for _, env := range keys(a.envs) {
			it.Names = append(it.Names, "env "+env)
		}
		n := len(it.ExposedBy)
		switch {
		case a.confirmed > 0:
			it.Why = fmt.Sprintf("readable by %d CI job(s) with evidence of the compromise in their logs", n)
		case a.precautionary > 0 && a.precautionary == a.total:
			// Only likely exposures: rotate as a precaution, after the
			// confirmed ones.
			it.Priority = precautionaryPriority(it.Priority)
			it.Title += " (precautionary, unconfirmed)"
			it.Why = fmt.Sprintf("UNCONFIRMED: readable by %d CI job(s) whose logs are gone and whose workflow installed a compromised version (or a range admitting one) during the window; rotate as a precaution", n)
		default:
			it.Why = fmt.Sprintf("readable by %d CI job(s) that could not be verified (logs expired or unreadable) and used a compromised action in its window", n)
		}
		if notes := keys(a.notes); len(notes) > 0 {
			it.Why += "; " + strings.Join(notes, "; ")
		}
		it.Steps, it.Verify = rotationSteps(it, cred)
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Priority != out[j].Priority {
			return out[i].Priority < out[j].Priority
		}
		return out[i].Title < out[j].Title
	})
	return out
}

// precautionaryPriority lowers a priority by one step (P1 -> P2 ...), so
// unconfirmed exposures come after every confirmed one of the same kind.
func precautionaryPriority(p string) string {
	switch p {
	case "P1":
		return "P2"
	case "P2":
		return "P3"
	}
	return p
}

func describeExposure(e Exposure) (where, title, kind, prio string) {
	switch e.Kind {
	case "secret":
		switch {
		case strings.HasPrefix(e.Scope, "environment:"):
			env := strings.TrimPrefix(e.Scope, "environment:")
			where = fmt.Sprintf("environment %s of %s", env, e.Repo)
		case e.Scope == "repository":
			where = "repository " + e.Repo
		case e.Scope == "organization":
			where = "organization " + e.Owner
		case e.Scope == "not-listed":
			where = fmt.Sprintf("referenced by %s workflows; not in the repository, organization or environment secrets the token listed (deleted since, or empty)", e.Repo)
		default:
			where = fmt.Sprintf("referenced by %s workflows; scope not listable with this token", e.Repo)
		}
		return where, fmt.Sprintf("Actions secret %s (%s)", e.Name, where), "ci-secret", "P1"
	case "all-secrets":
		where = "every secret available to " + e.Repo
		return where, "All Actions secrets available to " + e.Repo + " (names not listable with this token)", "ci-all-secrets", "P1"
	case "workflow-env":
		where = "workflow file in " + e.Repo
		return where, fmt.Sprintf("Credential-like env %s set literally in a workflow of %s", e.Name, e.Repo), "ci-workflow-literal", "P1"
	case "github-token":
		where = "repository " + e.Repo
		return where, "GITHUB_TOKEN of exposed jobs in " + e.Repo, "github-token", "P2"
	default: // variable
		where = fmt.Sprintf("%s (%s)", e.Repo, e.Scope)
		return where, fmt.Sprintf("Actions variable %s (%s)", e.Name, e.Repo), "ci-variable", "P3"
	}
}

func rotationSteps(it sweep.RotationItem, cred *iocs.CredentialKind) ([]string, string) {
	verify := "The old value is rejected by its provider; `gh secret list` shows a new updated date."
	if cred != nil && cred.Verify != "" {
		verify = cred.Verify
	}
	name := it.Names[0]
	switch it.Kind {
	case "ci-secret":
		set := "gh secret set " + name
		switch {
		case strings.HasPrefix(it.Where, "environment "):
			parts := strings.SplitN(strings.TrimPrefix(it.Where, "environment "), " of ", 2)
			if len(parts) == 2 {
				set += " --env " + parts[0] + " --repo " + parts[1]
			}
		case strings.HasPrefix(it.Where, "repository "):
			set += " --repo " + strings.TrimPrefix(it.Where, "repository ")
		case strings.HasPrefix(it.Where, "organization "):
			set += " --org " + strings.TrimPrefix(it.Where, "organization ")
		}
		return []string{"Revoke and re-issue the credential at the service it belongs to (the old value must stop working).",
			"Store the new value: " + set, "Review the service's access logs from the run time onwards for use of the old value."}, verify
	case "ci-all-secrets":
		return []string{"List the repository, environment and organization secrets with an admin token (gh secret list --repo/--env/--org).",
			"Revoke and re-issue every one at its provider, then gh secret set each name."}, verify
	case "ci-workflow-literal":
		return []string{"Revoke the credential that is written literally in the workflow file; move it to an Actions secret.",
			"Purge it from git history if the repository is shared."}, "The old value is rejected by its provider."
	case "github-token":
		return []string{"GITHUB_TOKEN expired when each job ended; nothing to rotate.",
			"Review the audit log and repository events (pushes, releases, workflow changes, new repositories such as tpcp-docs) by github-actions[bot] during the exposed runs.",
			"Set least-privilege `permissions:` in the workflow."}, "No unexpected writes by github-actions[bot] in the audit log for the run times."
	}
	return []string{"Variables are not secret by design: check none holds a credential; if one does, rotate it and move it to a secret."}, "No credential stored in Actions variables."
}

package ghorg

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/recipes"
	"github.com/litesweep/litesweep/iocs"
)

// Workflow is what the sweep needs from a workflow file: the actions it
// uses and, per job, the secrets, variables and token permissions a run of
// that job could read. Values are never kept, only names.
type Workflow struct {
	Path string
	Name string
	Uses []UseRef
	Jobs []*WorkflowJob
}

// UseRef is one `uses:` of a step or of a reusable-workflow job.
type UseRef struct {
	Job     string // job key
	Step    string // step name or index ("" for a job-level uses)
	Uses    string
	Repo    string // owner/repo[/path] (or docker://image)
	Ref     string
	Line    int
	Latest  bool // `with: version: latest`
	Pinned  bool // Ref is a full commit SHA
	Reusing bool // a reusable workflow (jobs.<id>.uses)
}

// WorkflowJob is one job's view of secrets and permissions.
type WorkflowJob struct {
	Key         string
	Name        string
	Environment string
	Permissions string            // effective GITHUB_TOKEN permissions
	Secrets     []string          // secrets.X referenced by the job or the workflow-level env
	Vars        []string          // vars.X
	EnvSecrets  map[string]string // env var name -> secret name
	CredEnv     []string          // env names with credential-like names set to literal values
	AllSecrets  bool              // secrets: inherit or toJSON(secrets)
	AllReason   string
	Runs        []RunStep // the job's run: steps
}

// RunStep is one `run:` step of a job.
type RunStep struct {
	Name    string // name: as written ("" when none)
	Script  string
	Line    int    // line of the run: key
	WorkDir string // working-directory (step, else job defaults), "" = repository root
}

var (
	secretRef  = regexp.MustCompile(`\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
	varRef     = regexp.MustCompile(`\bvars\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
	allSecrets = regexp.MustCompile(`(?i)tojson\(\s*secrets\s*\)`)
	credName   = regexp.MustCompile(`(?i)(token|secret|passw|api_?key|access_?key|private_?key|credential|auth)`)
)

// ParseWorkflow parses a workflow file. Invalid YAML is an error naming the
// file; the caller records it and goes on.
func ParseWorkflow(path string, data []byte) (*Workflow, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("workflow %s: invalid YAML: %w", path, err)
	}
	w := &Workflow{Path: path}
	if len(doc.Content) == 0 {
		return w, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("workflow %s: not a mapping at the top level", path)
	}
	w.Name = scalar(get(root, "name"))
	wfPerms := permissions(get(root, "permissions"))
	wfEnv := get(root, "env")
	jobs := get(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return w, nil
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		key, jn := jobs.Content[i].Value, jobs.Content[i+1]
		if jn.Kind != yaml.MappingNode {
			continue
		}
		j := &WorkflowJob{Key: key, Name: scalar(get(jn, "name")), EnvSecrets: map[string]string{}}
		if j.Name == "" {
			j.Name = key
		}
		if env := get(jn, "environment"); env != nil {
			if env.Kind == yaml.ScalarNode {
				j.Environment = env.Value
			} else {
				j.Environment = scalar(get(env, "name"))
			}
		}
		j.Permissions = wfPerms
		if p := get(jn, "permissions"); p != nil {
			j.Permissions = permissions(p)
		}
		if j.Permissions == "" {
			j.Permissions = "default (repository or organization setting)"
		}
		secrets, vars := map[string]bool{}, map[string]bool{}
		collectRefs(wfEnv, secrets, vars, j)
		collectRefs(jn, secrets, vars, j)
		envBlock(wfEnv, j)
		envBlock(get(jn, "env"), j)
		if u := get(jn, "uses"); u != nil {
			if s := get(jn, "secrets"); s != nil && s.Kind == yaml.ScalarNode && s.Value == "inherit" {
				j.AllSecrets, j.AllReason = true, "reusable workflow called with secrets: inherit"
			}
		}
		jobDir := scalar(get(get(get(jn, "defaults"), "run"), "working-directory"))
		if jobDir == "" {
			jobDir = scalar(get(get(get(root, "defaults"), "run"), "working-directory"))
		}
		if steps := get(jn, "steps"); steps != nil && steps.Kind == yaml.SequenceNode {
			for _, st := range steps.Content {
				if st.Kind != yaml.MappingNode {
					continue
				}
				envBlock(get(st, "env"), j)
				if rn := get(st, "run"); rn != nil && rn.Kind == yaml.ScalarNode {
					dir := scalar(get(st, "working-directory"))
					if dir == "" {
						dir = jobDir
					}
					j.Runs = append(j.Runs, RunStep{Name: scalar(get(st, "name")), Script: rn.Value, Line: rn.Line, WorkDir: dir})
				}
			}
		}
		delete(secrets, "GITHUB_TOKEN")
		j.Secrets, j.Vars = keys(secrets), keys(vars)
		sort.Strings(j.CredEnv)
		w.Jobs = append(w.Jobs, j)
	}
	for _, u := range recipes.WorkflowUses(root) {
		w.Uses = append(w.Uses, useRef(u.Job, stepName(u), u.Value, u.With))
	}
	return w, nil
}

// stepName names a step as written, else by its position ("" for a
// job-level uses).
func stepName(u recipes.Use) string {
	if u.Step == "" && u.Index > 0 {
		return fmt.Sprintf("step %d", u.Index)
	}
	return u.Step
}

func useRef(job, step string, u, with *yaml.Node) UseRef {
	r := UseRef{Job: job, Step: step, Uses: u.Value, Line: u.Line, Reusing: step == ""}
	if strings.HasPrefix(u.Value, "docker://") {
		r.Repo = u.Value
		return r
	}
	repo, ref, _ := strings.Cut(u.Value, "@")
	r.Repo, r.Ref = repo, ref
	r.Pinned = iocs.IsCommitSHA(ref)
	if with != nil && strings.EqualFold(scalar(get(with, "version")), "latest") {
		r.Latest = true
	}
	return r
}

// collectRefs finds secrets.X / vars.X / toJSON(secrets) in every scalar
// below n.
func collectRefs(n *yaml.Node, secrets, vars map[string]bool, j *WorkflowJob) {
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode {
		for _, sm := range secretRef.FindAllStringSubmatch(n.Value, -1) {
			secrets[sm[1]+sm[2]] = true
		}
		for _, sm := range varRef.FindAllStringSubmatch(n.Value, -1) {
			vars[sm[1]+sm[2]] = true
		}
		if allSecrets.MatchString(n.Value) {
			j.AllSecrets, j.AllReason = true, "the job serialises every secret with toJSON(secrets)"
		}
		return
	}
	for _, c := range n.Content {
		collectRefs(c, secrets, vars, j)
	}
}

// envBlock records env names fed from secrets, and credential-looking names
// given literal values in the file (names only).
func envBlock(env *yaml.Node, j *WorkflowJob) {
	if env == nil || env.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(env.Content); i += 2 {
		name, v := env.Content[i].Value, env.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		if sm := secretRef.FindStringSubmatch(v.Value); sm != nil {
			j.EnvSecrets[name] = sm[1] + sm[2]
			continue
		}
		if !strings.Contains(v.Value, "${{") && v.Value != "" && credName.MatchString(name) {
			if !contains(j.CredEnv, name) {
				j.CredEnv = append(j.CredEnv, name)
			}
		}
	}
}

// permissions renders a permissions block.
func permissions(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+n.Content[i+1].Value)
		}
		if len(parts) == 0 {
			return "none ({})"
		}
		sort.Strings(parts)
		return strings.Join(parts, ", ")
	}
	return ""
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// JobFor maps a job name from the API ("build", "build (3.11)",
// "call / inner") to the workflow job that produced it.
func (w *Workflow) JobFor(apiName string) *WorkflowJob {
	cands := []string{apiName}
	if i := strings.Index(apiName, " / "); i > 0 {
		cands = append(cands, apiName[:i])
	}
	if i := strings.Index(apiName, " ("); i > 0 {
		cands = append(cands, apiName[:i])
	}
	for _, c := range cands {
		for _, j := range w.Jobs {
			if j.Name == c || j.Key == c {
				return j
			}
		}
	}
	for _, j := range w.Jobs {
		// Names with expressions (matrix): compare the literal prefix.
		if i := strings.Index(j.Name, "${{"); i > 0 && strings.HasPrefix(apiName, strings.TrimSpace(j.Name[:i])) {
			return j
		}
	}
	return nil
}

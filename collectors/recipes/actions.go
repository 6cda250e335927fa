package recipes

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CatWorkflowAction: a GitHub workflow or composite action in a checkout
// uses a compromised action at an imposter commit or a hijacked tag.
const CatWorkflowAction sweep.Category = "workflow-action"

// Kinds of GitHub files whose `uses:` are read (ciKind's names, and an
// action metadata file anywhere in a checkout).
const (
	kindWorkflow = "GitHub workflow"
	kindAction   = "GitHub action"
)

var (
	// shownRef is a ref or path shown in evidence as written; anything
	// else is shown as "…".
	shownRef = regexp.MustCompile(`^[A-Za-z0-9._/+-]{1,100}$`)
	// shownStep is a step name shown as written (else "step N").
	shownStep = regexp.MustCompile(`^[A-Za-z0-9 ._:()/+-]{1,80}$`)
)

// isActionMetadata: action.yml or action.yaml, the metadata file GitHub
// reads for an action in a repository root or any subdirectory.
func isActionMetadata(p string) bool {
	b := path.Base(p)
	return b == "action.yml" || b == "action.yaml"
}

// Use is one `uses:` GitHub runs from a workflow or a composite action.
type Use struct {
	Job   string     // job key ("" in a composite action)
	Step  string     // the step's name as written ("" when it has none, and for a job-level uses)
	Index int        // the step's 1-based position (0 for a job-level uses)
	Value *yaml.Node // the uses: value, for its text and line
	With  *yaml.Node // the step's with: block (nil when none)
}

// WorkflowUses returns the `uses:` GitHub runs from a workflow (the
// parsed file's root mapping): a reusable workflow's jobs.<id>.uses and
// every jobs.<id>.steps[].uses, in file order, aliases followed. The
// GitHub sweep and the checkout collector both read workflows through it.
func WorkflowUses(root *yaml.Node) []Use {
	var out []Use
	jobs := mapGet(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		key, jn := jobs.Content[i].Value, deref(jobs.Content[i+1])
		if jn == nil || jn.Kind != yaml.MappingNode {
			continue
		}
		if u := mapGet(jn, "uses"); u != nil {
			out = append(out, Use{Job: key, Value: u})
		}
		out = append(out, stepUses(key, mapGet(jn, "steps"))...)
	}
	return out
}

// CompositeUses returns the runs.steps[].uses of a composite action
// (runs.using: composite); other actions (node, docker) run no steps.
func CompositeUses(root *yaml.Node) []Use {
	runs := mapGet(root, "runs")
	if u := mapGet(runs, "using"); u == nil || u.Kind != yaml.ScalarNode || !strings.EqualFold(u.Value, "composite") {
		return nil
	}
	return stepUses("", mapGet(runs, "steps"))
}

func stepUses(job string, steps *yaml.Node) []Use {
	if steps == nil || steps.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Use
	for si, st := range steps.Content {
		st = deref(st)
		if st == nil || st.Kind != yaml.MappingNode {
			continue
		}
		u := mapGet(st, "uses")
		if u == nil {
			continue
		}
		name := ""
		if n := mapGet(st, "name"); n != nil && n.Kind == yaml.ScalarNode {
			name = n.Value
		}
		out = append(out, Use{Job: job, Step: name, Index: si + 1, Value: u, With: mapGet(st, "with")})
	}
	return out
}

// deref follows a YAML alias (GitHub accepts anchors and aliases in
// workflows) to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// mapGet returns the value of key in a mapping (aliases followed), or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// actionUses reports the `uses:` of a GitHub workflow or composite action
// that name a pack action at an imposter commit (the pack entry's grade,
// critical: every run executes it) or at a hijacked tag (medium, at risk:
// a run inside the window executed it), judged by the one matcher
// (iocs.Matcher.Action), with the file and line.
func (c *Collector) actionUses(f *sweep.File, doc *yaml.Node, kind string, out sweep.Sink) {
	if len(c.o.Matcher.Pack().CI.Actions) == 0 || doc == nil || len(doc.Content) == 0 {
		return
	}
	root := deref(doc.Content[0])
	var uses []Use
	switch kind {
	case kindWorkflow:
		uses = WorkflowUses(root)
	case kindAction:
		uses = CompositeUses(root)
	}
	c.reportUses(f, uses, kind, out)
}

// reportUses reports the uses that name a pack action at a bad ref.
func (c *Collector) reportUses(f *sweep.File, uses []Use, kind string, out sweep.Sink) {
	user := sweep.UserOf(c.o.Homes, f.Path)
	n := 0
	for _, u := range uses {
		if u.Value.Kind != yaml.ScalarNode {
			continue
		}
		ref, ok := iocs.ParseActionUse(u.Value.Value)
		if !ok {
			continue
		}
		hs := c.o.Matcher.Action(ref.Repo, ref.Ref)
		if len(hs) == 0 {
			continue
		}
		if n >= maxPerFile {
			out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindSkipped,
				Message: fmt.Sprintf("more than %d uses of compromised actions: the rest are not reported", maxPerFile)})
			return
		}
		out.Finding(c.actionFinding(f, kind, u, ref, hs[0], user))
		n++
	}
}

func (c *Collector) actionFinding(f *sweep.File, kind string, u Use, ref iocs.ActionUse, h iocs.ActionHit, user string) sweep.Finding {
	a := h.Action
	shown := a.Repo
	if ref.Path != "" {
		p := "…"
		if shownRef.MatchString(ref.Path) {
			p = ref.Path
		}
		shown += "/" + p
	}
	at := "…"
	if shownRef.MatchString(ref.Ref) {
		at = ref.Ref
	}
	sev, err := sweep.ParseSeverity(h.Severity())
	if err != nil {
		sev = sweep.Critical
		if h.Kind == iocs.ActionBadRef {
			sev = sweep.Medium
		}
	}
	window := "while its tags were hijacked"
	if w, ok := c.o.Matcher.Window(a.Window); ok {
		window = fmt.Sprintf("during the window %s – %s UTC (%s)", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"), w.Title)
	}
	var title, why string
	if h.Kind == iocs.ActionBadCommit {
		title = fmt.Sprintf("%s pins %s to imposter commit %s", kind, shown, at[:min(12, len(at))])
		why = fmt.Sprintf("Commit %s is one of the campaign's imposter commits of %s: every run of this %s executes the malicious code, whenever it runs. Treat every secret and token the job could read as stolen.", at, a.Repo, strings.ToLower(kind))
	} else {
		title = fmt.Sprintf("%s uses %s@%s, a ref hijacked %s", kind, shown, at, window)
		why = fmt.Sprintf("%s@%s pointed to an imposter commit %s: a run in that window executed the malicious code; the file alone cannot say when it ran. Check the repository's runs in the window (litesweep github) and pin a reviewed commit SHA.", a.Repo, at, window)
	}
	loc := f.Location()
	loc.Line = u.Value.Line
	loc.Job = u.Job
	if u.Index > 0 {
		loc.Step = fmt.Sprintf("step %d", u.Index)
		if shownStep.MatchString(u.Step) {
			loc.Step = u.Step
		}
	}
	return sweep.Finding{Severity: sev, Category: CatWorkflowAction, Title: title, Location: loc, User: user, Collector: c.Name(),
		Evidence:  sweep.Evidence{Text: "uses: " + shown + "@" + at, Version: at, Details: []string{why, a.Description}},
		Indicator: &sweep.Indicator{ID: a.ID, Kind: "ci-action", Confidence: string(a.Provenance.Confidence), Sources: a.Provenance.Sources}}
}

// ActionMetadataUses parses an action metadata file (action.yml) and
// returns its composite steps' uses. One that is not readable YAML is not
// an action GitHub could run, so it is no error, unless it names one of
// the pack's actions, which it then cannot be cleared of: that is the
// error returned. The GitHub sweep and the checkout collector share it.
func ActionMetadataUses(b []byte, m *iocs.Matcher) ([]Use, error) {
	acts := m.Pack().CI.Actions
	if len(acts) == 0 || !bytes.Contains(b, []byte("uses")) {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		lower := bytes.ToLower(b)
		for _, a := range acts {
			if bytes.Contains(lower, []byte(strings.ToLower(a.Repo))) {
				return nil, fmt.Errorf("%s: names %s but is not readable YAML: %s", kindAction, a.Repo, err)
			}
		}
		return nil, nil
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return CompositeUses(deref(doc.Content[0])), nil
}

// compositeAction reads an action metadata file outside .github/ (a
// checkout of an action, or an action in a subdirectory).
func (c *Collector) compositeAction(f *sweep.File, b []byte, out sweep.Sink) {
	uses, err := ActionMetadataUses(b, c.o.Matcher)
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), c.Name(), err))
		return
	}
	c.reportUses(f, uses, kindAction, out)
}

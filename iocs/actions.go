package iocs

import "strings"

// ActionUse is a remote GitHub Action reference as a workflow step, a
// reusable-workflow job (jobs.<id>.uses) or a composite action's step
// writes it: owner/repo[/path]@ref.
type ActionUse struct {
	Repo string // owner/repo, as written
	Path string // a subdirectory action or a reusable workflow's file ("" for the repository root)
	Ref  string // tag, branch or commit SHA, as written
}

// ParseActionUse parses a `uses:` value. Local actions ("./path"),
// Docker images ("docker://image") and values without "@ref" or without
// owner/repo are not remote action references: ok is false.
func ParseActionUse(v string) (ActionUse, bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, "docker://") {
		return ActionUse{}, false
	}
	name, ref, ok := strings.Cut(v, "@")
	if !ok || ref == "" || strings.ContainsAny(ref, " \t") {
		return ActionUse{}, false
	}
	owner, rest, ok := strings.Cut(name, "/")
	if !ok || owner == "" {
		return ActionUse{}, false
	}
	repo, sub, _ := strings.Cut(rest, "/")
	if repo == "" {
		return ActionUse{}, false
	}
	return ActionUse{Repo: owner + "/" + repo, Path: sub, Ref: ref}, true
}

// IsCommitSHA reports whether GitHub resolves ref as a commit: a full
// 40-hex SHA (either case). GitHub has refused abbreviated SHAs in
// `uses:` since 2021-02-15 ("the provided ref … is the shortened version
// of a commit SHA, which is not supported"), so a shorter hex string is
// only ever a tag or branch name.
func IsCommitSHA(ref string) bool {
	if len(ref) != 40 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// BadCommit reports whether sha is one of the entry's imposter commits.
func (a *ActionIOC) BadCommit(sha string) bool {
	for _, b := range a.BadSHAs {
		if strings.EqualFold(b, sha) {
			return true
		}
	}
	return false
}

// Safe reports whether ref (a tag, branch or SHA) is one the entry says
// was never hijacked.
func (a *ActionIOC) Safe(ref string) bool {
	for _, s := range a.SafeRefs {
		if strings.EqualFold(s, ref) {
			return true
		}
	}
	return false
}

// BadRef reports whether the tag or branch ref pointed to malicious code
// while the entry's window was open: listed (or "*", every ref) and not
// safe. Tags are compared case-insensitively, the cautious side.
func (a *ActionIOC) BadRef(ref string) bool {
	if a.Safe(ref) {
		return false
	}
	for _, b := range a.BadRefs {
		if b == "*" || strings.EqualFold(b, ref) {
			return true
		}
	}
	return false
}

// ActionHitKind says how a reference matched an entry.
type ActionHitKind int

const (
	// ActionBadCommit: the reference is an imposter commit; every run
	// executes the malicious code, whenever it runs.
	ActionBadCommit ActionHitKind = iota + 1
	// ActionBadRef: the reference is a tag or branch that resolved to an
	// imposter commit while the entry's window was open, like a version
	// range that admitted a bad release.
	ActionBadRef
)

// ActionHit is one pack entry a reference matched.
type ActionHit struct {
	Action *ActionIOC
	Kind   ActionHitKind
}

// Severity is the one grade of a workflow file (or any reference with no
// run to place in time) that uses the action at the matched ref: an
// imposter commit is the entry's severity, critical when it gives none;
// a hijacked tag or branch is medium (at risk: it ran the malicious code
// only if it ran inside the window, which a file cannot say).
func (h ActionHit) Severity() string {
	if h.Kind == ActionBadCommit {
		if h.Action.Severity != "" {
			return h.Action.Severity
		}
		return "critical"
	}
	return "medium"
}

// ActionsFor returns every pack entry for an action's repository
// (owner/repo, or owner/repo/path for an action in a subdirectory or a
// reusable workflow), compared case-insensitively as GitHub compares
// owner and repository names. A repository hit in several waves has an
// entry per wave.
func (m *Matcher) ActionsFor(repo string) []*ActionIOC {
	owner, rest, ok := strings.Cut(repo, "/")
	if !ok {
		return nil
	}
	name, _, _ := strings.Cut(rest, "/")
	base := owner + "/" + name
	var out []*ActionIOC
	for i := range m.pack.CI.Actions {
		if strings.EqualFold(m.pack.CI.Actions[i].Repo, base) {
			out = append(out, &m.pack.CI.Actions[i])
		}
	}
	return out
}

// Action judges repo@ref as GitHub resolves it: a full commit SHA is a
// commit (a bad one of any entry is a hit; a clean one is not, even for
// an entry whose every tag was hijacked), anything else a tag or branch
// name. Hits come strongest first: imposter commits, then hijacked refs,
// each in pack order.
func (m *Matcher) Action(repo, ref string) []ActionHit {
	as := m.ActionsFor(repo)
	var out []ActionHit
	if IsCommitSHA(ref) {
		for _, a := range as {
			if a.BadCommit(ref) {
				out = append(out, ActionHit{Action: a, Kind: ActionBadCommit})
			}
		}
		return out
	}
	for _, a := range as {
		if a.BadRef(ref) {
			out = append(out, ActionHit{Action: a, Kind: ActionBadRef})
		}
	}
	return out
}

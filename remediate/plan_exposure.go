package remediate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Rotation item kinds and providers of exposed credentials.
const (
	kindCISecret      = "ci-secret"
	kindCIAllSecrets  = "ci-all-secrets"
	kindCIVariable    = "ci-variable"
	kindCILiteral     = "ci-workflow-literal"
	kindGitHubToken   = "github-token"
	kindKubeSecret    = "kubernetes-secret"
	kindKubeToken     = "kubernetes"
	providerActions   = "github-actions"
	providerKubernets = "kubernetes"
)

// hasExposures reports whether r holds exposure findings, from which its
// GitHub and Kubernetes items are planned.
func hasExposures(r *sweep.Report) bool {
	for i := range r.Findings {
		if r.Findings[i].Exposure != nil {
			return true
		}
	}
	return false
}

// planExposures turns the exposure findings of every report into rotation
// items: one per Actions credential (kind, scope and name) listing every
// run that exposed it, one per exposed service account token and one per
// namespace whose secrets an exposed account could list.
func planExposures(reports []*sweep.Report, p *iocs.Pack, acc *accumulator) {
	ci := newCIPlan(p)
	for _, r := range reports {
		if r == nil {
			continue
		}
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Exposure == nil {
				continue
			}
			for _, c := range f.Exposure.Credentials {
				switch c.Kind {
				case sweep.ExposedKubeSecrets:
					acc.add(kubeSecretsItem(f, c))
				case sweep.ExposedServiceAccountToken:
					acc.add(kubeTokenItem(f, c))
				default:
					ci.add(f, c)
				}
			}
		}
	}
	for _, it := range ci.items() {
		acc.add(it)
	}
}

// ciPlan joins Actions exposures into one item per credential.
type ciPlan struct {
	cred *iocs.CredentialKind // the pack's GitHub Actions credential (its verify step)
	// repoNames are the repositories the campaign's fallback
	// exfiltration creates (the pack's ci.repo_names), for the job
	// token's review step.
	repoNames []string
	byKey     map[string]*ciAcc
	order     []string
}

type ciAcc struct {
	item          sweep.RotationItem
	name          string
	runs          map[string]bool
	envs          map[string]bool
	notes         map[string]bool
	confirmed     int
	precautionary int
	total         int
}

func newCIPlan(p *iocs.Pack) *ciPlan {
	c := &ciPlan{byKey: map[string]*ciAcc{}}
	if p != nil {
		c.repoNames = p.CI.RepoNames
		for i := range p.Credentials {
			if p.Credentials[i].Kind == "ci" && p.Credentials[i].Provider == providerActions {
				c.cred = &p.Credentials[i]
			}
		}
	}
	return c
}

func (c *ciPlan) add(f *sweep.Finding, e sweep.ExposedCredential) {
	where, title, kind, prio := describeCI(f.Location.Repo, e)
	if kind == "" {
		return
	}
	key := strings.Join([]string{kind, where, e.Name}, "\x00")
	a := c.byKey[key]
	if a == nil {
		sum := sha256.Sum256([]byte(key))
		a = &ciAcc{item: sweep.RotationItem{ID: "ROT-GH-" + strings.ToUpper(hex.EncodeToString(sum[:5])), Priority: prio, Kind: kind,
			Provider: providerActions, Title: title, Where: where}, name: e.Name,
			runs: map[string]bool{}, envs: map[string]bool{}, notes: map[string]bool{}}
		c.byKey[key] = a
		c.order = append(c.order, key)
	}
	for _, r := range f.Exposure.Readers {
		a.runs[r.Name] = true
		if e.As != "" && e.As != e.Name {
			a.envs[e.As] = true
		}
		if e.Note != "" {
			a.notes[e.Note] = true
		}
		a.total++
		switch f.Exposure.Level {
		case sweep.ExposureConfirmed:
			a.confirmed++
		case sweep.ExposurePrecautionary:
			a.precautionary++
		}
	}
}

func (c *ciPlan) items() []sweep.RotationItem {
	sort.Strings(c.order)
	out := make([]sweep.RotationItem, 0, len(c.order))
	for _, k := range c.order {
		a := c.byKey[k]
		it := a.item
		it.ExposedBy = sortedKeys(a.runs)
		it.Names = []string{a.name}
		for _, env := range sortedKeys(a.envs) {
			it.Names = append(it.Names, "env "+env)
		}
		n := len(it.ExposedBy)
		switch {
		case a.confirmed > 0:
			it.Why = fmt.Sprintf("readable by %d CI job(s) with evidence of the compromise in their logs", n)
		case a.precautionary > 0 && a.precautionary == a.total:
			// Only likely exposures: rotate as a precaution, after the
			// confirmed ones.
			it.Priority = lower(it.Priority)
			it.Title += " (precautionary, unconfirmed)"
			it.Why = fmt.Sprintf("UNCONFIRMED: readable by %d CI job(s) whose logs are gone and whose workflow installed a compromised version (or a range admitting one) during the window; rotate as a precaution", n)
		default:
			it.Why = fmt.Sprintf("readable by %d CI job(s) that could not be verified (logs expired or unreadable) and used a compromised action in its window", n)
		}
		if notes := sortedKeys(a.notes); len(notes) > 0 {
			it.Why += "; " + strings.Join(notes, "; ")
		}
		it.Steps, it.Verify = ciSteps(it, a.name, c.cred, c.repoNames)
		out = append(out, it)
	}
	return out
}

// describeCI says where an Actions credential lives, how the checklist
// titles it, its item kind and priority.
func describeCI(repo string, e sweep.ExposedCredential) (where, title, kind, prio string) {
	owner, _, _ := strings.Cut(repo, "/")
	switch e.Kind {
	case sweep.ExposedCISecret:
		switch {
		case strings.HasPrefix(e.Scope, "environment:"):
			env := strings.TrimPrefix(e.Scope, "environment:")
			where = fmt.Sprintf("environment %s of %s", env, repo)
		case e.Scope == "repository":
			where = "repository " + repo
		case e.Scope == "organization":
			where = "organization " + owner
		case e.Scope == "not-listed":
			where = fmt.Sprintf("referenced by %s workflows; not in the repository, organization or environment secrets the token listed (deleted since, or empty)", repo)
		default:
			where = fmt.Sprintf("referenced by %s workflows; scope not listable with this token", repo)
		}
		return where, fmt.Sprintf("Actions secret %s (%s)", e.Name, where), kindCISecret, "P1"
	case sweep.ExposedAllCISecrets:
		where = "every secret available to " + repo
		return where, "All Actions secrets available to " + repo + " (names not listable with this token)", kindCIAllSecrets, "P1"
	case sweep.ExposedCILiteral:
		where = "workflow file in " + repo
		return where, fmt.Sprintf("Credential-like env %s set literally in a workflow of %s", e.Name, repo), kindCILiteral, "P1"
	case sweep.ExposedCIJobToken:
		where = "repository " + repo
		return where, "GITHUB_TOKEN of exposed jobs in " + repo, kindGitHubToken, "P2"
	case sweep.ExposedCIVariable:
		where = fmt.Sprintf("%s (%s)", repo, e.Scope)
		return where, fmt.Sprintf("Actions variable %s (%s)", e.Name, repo), kindCIVariable, "P3"
	}
	return "", "", "", ""
}

func ciSteps(it sweep.RotationItem, name string, cred *iocs.CredentialKind, repoNames []string) ([]string, string) {
	verify := "The old value is rejected by its provider; `gh secret list` shows a new updated date."
	if cred != nil && cred.Verify != "" {
		verify = cred.Verify
	}
	switch it.Kind {
	case kindCISecret:
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
	case kindCIAllSecrets:
		return []string{"List the repository, environment and organization secrets with an admin token (gh secret list --repo/--env/--org).",
			"Revoke and re-issue every one at its provider, then gh secret set each name."}, verify
	case kindCILiteral:
		return []string{"Revoke the credential that is written literally in the workflow file; move it to an Actions secret.",
			"Purge it from git history if the repository is shared."}, "The old value is rejected by its provider."
	case kindGitHubToken:
		return []string{"GITHUB_TOKEN expired when each job ended; nothing to rotate.",
			"Review the audit log and repository events (pushes, releases, workflow changes, new repositories" + suchAs(repoNames) + ") by github-actions[bot] during the exposed runs.",
			"Set least-privilege `permissions:` in the workflow."}, "No unexpected writes by github-actions[bot] in the audit log for the run times."
	}
	return []string{"Variables are not secret by design: check none holds a credential; if one does, rotate it and move it to a secret."}, "No credential stored in Actions variables."
}

// suchAs names examples: " such as a, b or c" ("" for none).
func suchAs(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return " such as " + names[0]
	}
	return " such as " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// kubeTokenItem is the token of a service account in scope. Its id is
// left to the accumulator (host, kind, provider, title, where, user).
func kubeTokenItem(f *sweep.Finding, e sweep.ExposedCredential) sweep.RotationItem {
	ns, name := e.Scope, e.Name
	sa := ns + "/" + name
	var why []string
	for _, r := range f.Exposure.Readers {
		why = append(why, r.Why...)
	}
	return sweep.RotationItem{
		Priority: "P1", Kind: kindKubeToken, Provider: providerKubernets,
		Title: "Service account token " + sa,
		Where: f.Location.Cluster + ": namespace " + ns + ", service account " + name,
		Names: []string{name},
		Why:   strings.Join(why, "; "),
		Steps: []string{
			"Delete and recreate every pod that ran with this service account (bound tokens die with their pod): kubectl -n " + ns + " rollout restart deployment/NAME",
			"Delete legacy long-lived token secrets of the account: kubectl -n " + ns + " get secrets --field-selector type=kubernetes.io/service-account-token",
			"Remove rights it does not need (create pods in kube-system, list secrets): kubectl auth can-i --list --as=system:serviceaccount:" + ns + ":" + name,
		},
		Verify: "kubectl --token=\"$(cat OLD_TOKEN_FILE)\" auth whoami must fail with Unauthorized",
	}
}

// kubeSecretsItem is the secrets of one namespace that accounts in scope
// could list.
func kubeSecretsItem(f *sweep.Finding, e sweep.ExposedCredential) sweep.RotationItem {
	ns := e.Scope
	var readers, whys []string
	for _, r := range f.Exposure.Readers {
		readers = append(readers, r.Name)
		whys = append(whys, r.Name+": "+strings.Join(r.Why, "; "))
	}
	why := "readable by " + strings.Join(readers, ", ") + " (" + strings.Join(whys, " | ") + "); the payload lists and dumps every secret its service account can read"
	if e.Note != "" {
		why += "; " + e.Note
	}
	return sweep.RotationItem{
		Priority: "P1", Kind: kindKubeSecret, Provider: providerKubernets,
		Title: fmt.Sprintf("Kubernetes secrets in namespace %s", ns),
		Where: f.Location.Cluster + ": namespace " + ns, Names: slices.Clone(e.Names),
		Why: why,
		Steps: []string{
			"For each secret named here, rotate the credential it holds at its issuer (database, cloud, registry, API provider), then update the secret: kubectl -n " + ns + " create secret ... --dry-run=client -o yaml | kubectl apply -f -",
			"Restart the workloads that mount it (kubectl -n " + ns + " rollout restart deployment/NAME) so they pick up the new value",
			"Review the audit log for list/get secrets by these service accounts (userAgent Python-urllib) to confirm the scope",
		},
		Verify: "Use the old value against its issuer: it must be rejected; kubectl -n " + ns + " get secret NAME -o jsonpath='{.metadata.resourceVersion}' changed after the rotation",
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

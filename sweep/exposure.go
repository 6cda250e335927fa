package sweep

// Exposure is what an exposure finding says: which credentials a
// compromised CI job or Kubernetes service account could read, by name
// and scope, never by value. The targets that can tell (targets/ghorg,
// targets/kube) report one per reader or per namespace as an info finding;
// the rotation planner (remediate.Plan) turns the exposures of every
// report into rotation items, so a saved report is enough to rebuild its
// checklist.
//
// Where the credentials live beyond Scope comes from the finding's
// Location: Repo for a forge's CI (on GitHub its owner is the
// organization), Cluster for Kubernetes.
type Exposure struct {
	// Level is how sure a CI exposure is; empty for Kubernetes, whose
	// readers are in scope by evidence (Readers[].Why).
	Level ExposureLevel `json:"level,omitempty"`
	// Readers are what could read the credentials, named as rotation items
	// cite them: a CI run reference ("acme/api run 101 job test") or a
	// Kubernetes service account ("ai/litellm").
	Readers []Reader `json:"readers"`
	// Credentials are what they could read.
	Credentials []ExposedCredential `json:"credentials"`
}

// Reader is one job or account that could read exposed credentials.
type Reader struct {
	Name string `json:"name"`
	// Why the reader is in scope, when its own findings do not say it
	// (a service account named with --service-account, one that may
	// create pods in kube-system).
	Why []string `json:"why,omitempty"`
}

// ExposureLevel grades a CI exposure.
type ExposureLevel string

const (
	// ExposureConfirmed: the job log shows the compromise.
	ExposureConfirmed ExposureLevel = "confirmed"
	// ExposureUnverified: the log is gone or unreadable, and a compromised
	// action ran in its window.
	ExposureUnverified ExposureLevel = "unverified"
	// ExposurePrecautionary: the log is gone, and the workflow at the
	// run's commit installed a bad version (or a range admitting one) in
	// the window: likely, but unconfirmed.
	ExposurePrecautionary ExposureLevel = "precautionary"
)

// ExposedCredential is one credential (or one set of them, such as the
// secrets of a namespace) an exposure finding names.
type ExposedCredential struct {
	Kind ExposedKind `json:"kind"`
	// Name is the secret, variable or service account name ("*" for every
	// secret of a repository whose secrets could not be listed).
	Name string `json:"name"`
	// Scope is where it is defined: for CI secrets environment:NAME,
	// repository, organization, not-listed (the token could list every
	// scope and it is in none) or unresolved; for variables where they
	// may be defined; for Kubernetes the namespace.
	Scope string `json:"scope,omitempty"`
	// As is the environment variable the job received it as, when that
	// differs from its name.
	As string `json:"as,omitempty"`
	// Names are the members of a set (the secret names of a namespace,
	// read as metadata only), capped with a final "... and N more".
	Names []string `json:"names,omitempty"`
	// Note qualifies it: the job token's permissions, the workflow file
	// holding a literal, why every secret is assumed exposed, why a
	// namespace's names are missing.
	Note string `json:"note,omitempty"`
}

// ExposedKind is what kind of credential an ExposedCredential is. The
// kinds are named for what they are, not for one CI service or forge: a
// target sweeping another forge's CI reports its secrets, variables, job
// tokens and literals as these kinds too (where they live is the finding's
// Location and the report's kind).
type ExposedKind string

const (
	// ExposedCISecret is a CI secret the job referenced (on GitHub, an
	// Actions secret).
	ExposedCISecret ExposedKind = "ci-secret"
	// ExposedAllCISecrets is every secret available to the job (on
	// GitHub: secrets: inherit, toJSON(secrets), or an unreadable
	// workflow) when their names could not all be listed.
	ExposedAllCISecrets ExposedKind = "ci-all-secrets"
	// ExposedCIVariable is a CI configuration variable.
	ExposedCIVariable ExposedKind = "ci-variable"
	// ExposedCILiteral is a credential-like environment variable whose
	// value is written in the CI configuration (a workflow file).
	ExposedCILiteral ExposedKind = "ci-literal"
	// ExposedCIJobToken is the token the CI service gives the job (on
	// GitHub, its GITHUB_TOKEN).
	ExposedCIJobToken ExposedKind = "ci-job-token"
	// ExposedKubeSecrets is the set of Secrets of one namespace.
	ExposedKubeSecrets ExposedKind = "kubernetes-secrets"
	// ExposedServiceAccountToken is a service account's own token.
	ExposedServiceAccountToken ExposedKind = "service-account-token"
)

// legacyExposedKinds are the names reports written before the kinds were
// forge-neutral used (they named GitHub Actions): read as today's kinds.
var legacyExposedKinds = map[string]ExposedKind{
	"actions-secret":      ExposedCISecret,
	"all-actions-secrets": ExposedAllCISecrets,
	"actions-variable":    ExposedCIVariable,
	"workflow-literal":    ExposedCILiteral,
	"github-token":        ExposedCIJobToken,
}

// UnmarshalText reads a kind, the names of older reports included, so
// merge, rotate and every other reader of saved reports plan them alike.
func (k *ExposedKind) UnmarshalText(b []byte) error {
	if now, ok := legacyExposedKinds[string(b)]; ok {
		*k = now
		return nil
	}
	*k = ExposedKind(b)
	return nil
}

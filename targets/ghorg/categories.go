package ghorg

import "github.com/litesweep/litesweep/sweep"

// Finding categories.
const (
	CatRepo     sweep.Category = "ci-repo"
	CatLog      sweep.Category = "ci-log"
	CatWorkflow sweep.Category = "ci-workflow"
	CatManifest sweep.Category = "manifest"
	// CatExposure is the category of exposure findings: the credentials
	// (names and scopes, never values) an exposed or unverifiable job could
	// read. They are info findings, so they never change a verdict; the
	// rotation planner (remediate.Plan) turns them into rotation items.
	CatExposure sweep.Category = "ci-secret-exposure"
)

// ciRotate is the CI categories' rotation step.
const ciRotate = "Rotate every secret the job could read (repository, environment and organisation secrets, the GITHUB_TOKEN's reach, cloud credentials obtained through OIDC) and the credentials on self-hosted runners: the report's rotation list names them."

// Categories declares the categories this target emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatRepo, Short: "A repository created by the campaign's exfiltration",
		Description: "A repository named like the campaign's fallback exfiltration repositories: the stealer creates it with a stolen token when it cannot reach its server, and uploads the stolen secrets to it.",
		Help: []string{
			"Do not delete it yet: keep its contents and audit log as evidence, make it private if it is public, then delete it once the incident is documented.",
			"The token that created it is stolen: find it in the organisation's audit log and revoke it.",
			ciRotate,
		}},
	{Category: CatLog, Short: "A CI job log shows a bad release or the campaign",
		Description: "A GitHub Actions job log inside the exposure window shows a bad release being installed, the payload's output, or contact with a campaign address: the job ran the stealer with the job's secrets in reach.",
		Help: []string{
			ciRotate,
			"Pin the dependency to a clean version with hashes (the package's last_clean or first_clean version in the pack) and clear the Actions caches that may hold the bad release.",
			"Pin every action to a full commit SHA, and check the repository for commits, releases and workflow runs made with the stolen tokens.",
		}},
	{Category: CatWorkflow, Short: "A workflow uses a compromised action or installs a bad release",
		Description: "A workflow file (at the default branch, or as a run in the exposure window used it) uses a hijacked action of the campaign (Trivy, KICS) at an affected ref, or a job whose log is gone ran a step that installs a bad release during the window.",
		Help: []string{
			"Pin actions to full commit SHAs of a known-good release, never to tags or branches, and review the workflow's permissions (least privilege for GITHUB_TOKEN).",
			ciRotate,
		}},
	{Category: CatManifest, Short: "A repository manifest pins or admits a bad version",
		Description: "A Python manifest or lockfile in a repository's default branch pins, locks or hashes a bad release (high), or has a range that would have resolved to one during the exposure window (medium): every CI run, build or deployment from it during the window installed it.",
		Help: []string{
			"Pin a clean version (the package's last_clean or first_clean version in the pack) and regenerate the lock with hashes.",
			"Check the CI runs, images and deployments built from the repository during the window: any that installed the bad release ran the stealer with their secrets.",
		}},
	{Category: CatExposure, Short: "Credentials a compromised CI job could read",
		Description: "Which credentials (names and scopes, never values) a job that ran the compromised code, or whose log is gone so it may have, could read: the repository, environment and organisation secrets it referenced or could list, and its GITHUB_TOKEN's permissions. Inventory (info): the job's evidence is another finding.",
		Help: []string{
			"Rotate the credentials named here: a job that could read them ran the compromised code (or may have).",
			"`litesweep rotate --report` on this report lists each once with how to rotate it and how to check the old one is dead.",
		}},
}

package recipes

import "github.com/litesweep/litesweep/sweep"

// Categories of build recipes and checkouts.
const (
	// CatRecipe: a build recipe or CI configuration installs a bad release.
	CatRecipe sweep.Category = "build-recipe"
	// CatGitRemote: a checkout's remote is a campaign exfiltration repository.
	CatGitRemote sweep.Category = "git-remote"
)

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatImageRef, Short: "A recipe or manifest names a bad image",
		Description: "A Compose file's `image:`, a Dockerfile or Containerfile `FROM` (build-argument defaults substituted, stages and unresolved arguments skipped), a Kubernetes manifest's container image, a CI job's image or a GitHub `container:`/`docker://` names one of the pack's bad images: a published digest, or a tag that only named the bad release (high: whatever ran it pulled the bad image), or a tag that named it only during a window (medium: it did if it ran then). The repository may be under another registry (a mirror). The finding names the file and line.",
		Help: []string{
			"Pin the clean release by digest in the file, and find out whether and when it ran (CI history, `docker compose` hosts, the cluster it was applied to): what ran the bad image exposed what it could read.",
			"Sweep the hosts and clusters that ran it (`litesweep images`, `litesweep kube`) for the image itself.",
		}},
	{Category: CatRecipe, Short: "A build recipe or CI file installs a bad version",
		Description: "A Dockerfile or Containerfile RUN line, a Makefile recipe, tox.ini deps or commands, a noxfile session, a Jenkinsfile sh step, or a CI configuration in a checkout (GitHub, GitLab, CircleCI, Azure, Bitbucket, Travis, Drone, Buildkite, CodeBuild) installs an exact bad release (high), or a range that would have resolved to one during the exposure window (medium); the finding names the file and line.",
		Help: []string{
			"Pin a clean version in the recipe and rebuild what it built (images, environments, artefacts) from a clean cache.",
			"Check whether the recipe ran during the exposure window (CI runs, image build times): if it did, treat what that build could read as exposed and rotate it.",
		}},
	{Category: CatGitRemote, Short: "A checkout's remote is a campaign exfiltration repository",
		Description: "A git checkout's .git/config has a remote whose repository name is one the campaign's fallback exfiltration creates in a victim's account to push stolen data: the account that owns it was used by the attacker.",
		Help: []string{
			"Do not push to or delete the repository yet: it is evidence. Record its owner, creation time and contents from the forge's audit log.",
			"Treat the owning account's tokens as stolen: revoke them, then remove the repository once it is preserved.",
		}},
	{Category: CatWorkflowAction, Short: "A workflow in a checkout uses a compromised GitHub Action",
		Description: "A GitHub workflow (jobs.<id>.uses, jobs.<id>.steps[].uses) or composite action (runs.steps[].uses) in a checkout uses one of the pack's compromised actions: pinned to an imposter commit (the pack entry's grade, critical: every run executes the stealer), or by a tag or branch that pointed to one during the window (medium: a run inside the window executed it). The owner and repository compare case-insensitively; a full 40-hex SHA is a commit (GitHub refuses abbreviated ones); docker:// and local ./ uses are not actions of the pack. The finding names the file and line.",
		Help: []string{
			"Pin a reviewed commit SHA of a clean release (the pack's safe refs), or remove the step.",
			"Find the runs of this workflow (`litesweep github` on the repository): a run that executed the imposter commit, or the hijacked tag inside the window, exposed every secret and token the job could read; rotate them.",
		}},
	{Category: CatKubeManifest, Short: "A Kubernetes manifest on disk is the campaign's object",
		Description: "A Kubernetes manifest on disk (YAML, one document or many, List items too) declares a Pod or DaemonSet with the name of one of the pack's Kubernetes patterns (the payload's node-setup-* pods, the host-provisioner-* DaemonSets): high when its spec has the pattern's shape (privileged, the node's root mounted), medium when only the name matches.",
		Help: []string{
			"Find out who wrote the file and whether it was applied: sweep the cluster with `litesweep kube` and the nodes it could run on with `litesweep host`.",
			"Keep the file as evidence; do not apply it.",
		}},
}

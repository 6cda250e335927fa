package kube

import "github.com/litesweep/litesweep/sweep"

// Finding categories.
const (
	CatCluster sweep.Category = "kubernetes"
	CatRBAC    sweep.Category = "kubernetes-rbac"
	// CatExposure is the category of exposure findings: the token of a
	// service account in scope (it ran a bad version or created the
	// payload's pods) and the secrets of each namespace such an account
	// could list, by name only. They are info findings, so they never
	// change a verdict; the rotation planner (remediate.Plan) turns them
	// into rotation items.
	CatExposure sweep.Category = "kubernetes-exposure"
)

// Categories declares the categories this target emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatCluster, Short: "A Kubernetes object of the campaign",
		Description: "A cluster object matching the pack's Kubernetes indicators: the payload's privileged node-setup-* pods in kube-system and host-provisioner-* DaemonSets that mount the node's root (or their shape under another name), the nodes they ran on, and workloads running an image tagged with or named after a bad release.",
		Help: []string{
			"Keep the object's manifest and logs as evidence (`kubectl get -o yaml`, `kubectl logs`), then delete the pods and DaemonSets of the campaign.",
			"Every node such a pod ran on had its root filesystem exposed: sweep each named node with `litesweep host` and treat its kubelet and node credentials as stolen.",
			"Rotate the service account tokens and the secrets the exposed service accounts could read: the report's rotation list names them.",
		}},
	{Category: CatRBAC, Short: "Secrets a service account could read",
		Description: "What a service account in scope (one that ran a matching pod, or could create pods in kube-system) could read: the namespaces whose secrets it could list, by name only. Inventory (info): the account's evidence, if any, is another finding.",
		Help: []string{
			"Where the account ran a bad version, rotate its token and every secret it could read (the report's rotation list names them), and check the audit log for its reads.",
			"Reduce the account's RBAC to what its workload needs; no workload should list secrets cluster-wide.",
		}},
	{Category: CatExposure, Short: "Credentials an exposed service account could read",
		Description: "The token of a service account in scope (it ran a bad version or created the payload's pods) and the secrets of each namespace such an account could list, by name only, never values. Inventory (info): the account's evidence is another finding.",
		Help: []string{
			"Rotate the service account token and the secrets named here: an account that could read them ran the compromised code (or created its pods).",
			"`litesweep rotate --report` on this report lists each once with how to rotate it and how to check the old one is dead.",
		}},
}

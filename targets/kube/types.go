package kube

import (
	"github.com/litesweep/litesweep/collectors/kubeobj"
)

// The subset of Kubernetes API objects the sweep reads, with the API's own
// JSON field names.

// The API objects the sweep reads are kubeobj's (shared with manifests
// on disk).
type (
	ObjectMeta      = kubeobj.ObjectMeta
	OwnerReference  = kubeobj.OwnerReference
	ManagedField    = kubeobj.ManagedField
	Pod             = kubeobj.Pod
	PodSpec         = kubeobj.PodSpec
	Container       = kubeobj.Container
	ContainerStatus = kubeobj.ContainerStatus
	Volume          = kubeobj.Volume
	DaemonSet       = kubeobj.DaemonSet
)

// objectName is metadata-only (namespaces, secrets as PartialObjectMetadata).
type objectName struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"metadata"`
}

type subjectAccessReview struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		User               string   `json:"user"`
		Groups             []string `json:"groups,omitempty"`
		ResourceAttributes struct {
			Namespace string `json:"namespace,omitempty"`
			Verb      string `json:"verb"`
			Resource  string `json:"resource"`
			Group     string `json:"group,omitempty"`
		} `json:"resourceAttributes"`
	} `json:"spec"`
	Status struct {
		Allowed bool   `json:"allowed"`
		Denied  bool   `json:"denied,omitempty"`
		Reason  string `json:"reason,omitempty"`
	} `json:"status"`
}

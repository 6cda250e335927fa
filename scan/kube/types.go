package kube

import "time"

// The subset of Kubernetes API objects the sweep reads, with the API's own
// JSON field names.

// ObjectMeta is metadata.
type ObjectMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	CreationTimestamp time.Time         `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels,omitempty"`
	OwnerReferences   []OwnerReference  `json:"ownerReferences,omitempty"`
	ManagedFields     []ManagedField    `json:"managedFields,omitempty"`
}

// OwnerReference names the controller of an object.
type OwnerReference struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// ManagedField records which client (manager, from its user agent) wrote
// an object: the litellm payload creates pods with Python-urllib.
type ManagedField struct {
	Manager   string     `json:"manager"`
	Operation string     `json:"operation"`
	Time      *time.Time `json:"time,omitempty"`
}

// Pod is a pod.
type Pod struct {
	Metadata ObjectMeta `json:"metadata"`
	Spec     PodSpec    `json:"spec"`
	Status   struct {
		Phase     string     `json:"phase"`
		StartTime *time.Time `json:"startTime,omitempty"`
	} `json:"status"`
}

// PodSpec is a pod's spec (also a DaemonSet's template spec).
type PodSpec struct {
	NodeName           string      `json:"nodeName,omitempty"`
	ServiceAccountName string      `json:"serviceAccountName,omitempty"`
	HostPID            bool        `json:"hostPID,omitempty"`
	HostNetwork        bool        `json:"hostNetwork,omitempty"`
	RestartPolicy      string      `json:"restartPolicy,omitempty"`
	Containers         []Container `json:"containers"`
	InitContainers     []Container `json:"initContainers,omitempty"`
	Volumes            []Volume    `json:"volumes,omitempty"`
	Tolerations        []struct {
		Operator string `json:"operator,omitempty"`
	} `json:"tolerations,omitempty"`
}

// Container is a container.
type Container struct {
	Name            string   `json:"name"`
	Image           string   `json:"image"`
	Command         []string `json:"command,omitempty"`
	Args            []string `json:"args,omitempty"`
	SecurityContext *struct {
		Privileged *bool `json:"privileged,omitempty"`
	} `json:"securityContext,omitempty"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts,omitempty"`
}

// Volume is a pod volume; only hostPath matters here.
type Volume struct {
	Name     string `json:"name"`
	HostPath *struct {
		Path string `json:"path"`
	} `json:"hostPath,omitempty"`
}

// DaemonSet is an apps/v1 DaemonSet.
type DaemonSet struct {
	Metadata ObjectMeta `json:"metadata"`
	Spec     struct {
		Template struct {
			Metadata ObjectMeta `json:"metadata"`
			Spec     PodSpec    `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
	Status struct {
		DesiredNumberScheduled int `json:"desiredNumberScheduled"`
		CurrentNumberScheduled int `json:"currentNumberScheduled"`
	} `json:"status"`
}

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

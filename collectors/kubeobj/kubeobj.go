// Package kubeobj holds the Kubernetes objects a sweep reads (the API's
// own JSON field names: from the API server or a manifest on disk) and
// the shape a pod spec has on its node (privileged, host paths, images),
// matched against the pack's Kubernetes patterns by Fits: one matcher for
// the cluster sweep and for manifests in checkouts.
package kubeobj

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
)

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
		// The image each container runs, as the kubelet resolved it.
		ContainerStatuses          []ContainerStatus `json:"containerStatuses,omitempty"`
		InitContainerStatuses      []ContainerStatus `json:"initContainerStatuses,omitempty"`
		EphemeralContainerStatuses []ContainerStatus `json:"ephemeralContainerStatuses,omitempty"`
	} `json:"status"`
}

// ContainerStatus is what the kubelet reports about a container's image:
// Image as it resolved the reference, ImageID the digest it runs
// ("docker.io/aquasec/trivy@sha256:…", or with the docker-pullable://
// prefix of the old dockershim).
type ContainerStatus struct {
	Name    string `json:"name"`
	Image   string `json:"image"`
	ImageID string `json:"imageID"`
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
	// EphemeralContainers (kubectl debug) have a name and an image here.
	EphemeralContainers []Container `json:"ephemeralContainers,omitempty"`
	Volumes             []Volume    `json:"volumes,omitempty"`
	Tolerations         []struct {
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

// Shape is what a pod spec does to its node.
type Shape struct {
	Privileged, HostPID, HostNetwork, TolerateAll bool
	HostPaths                                     []string // "path at mount"
	Images                                        []string
}

// ShapeOf reads the shape of a pod spec.
func ShapeOf(sp PodSpec) Shape {
	var sh Shape
	sh.HostPID, sh.HostNetwork = sp.HostPID, sp.HostNetwork
	mounts := map[string]string{}
	for _, c := range append(slices.Clone(sp.InitContainers), sp.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			sh.Privileged = true
		}
		if !slices.Contains(sh.Images, c.Image) {
			sh.Images = append(sh.Images, c.Image)
		}
		for _, m := range c.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
	}
	for _, v := range sp.Volumes {
		if v.HostPath != nil {
			p := path.Clean("/" + v.HostPath.Path)
			if at := mounts[v.Name]; at != "" {
				p += " at " + at
			}
			sh.HostPaths = append(sh.HostPaths, p)
		}
	}
	for _, t := range sp.Tolerations {
		if t.Operator == "Exists" {
			sh.TolerateAll = true
		}
	}
	return sh
}

// MountsHost reports whether the spec mounts host path p.
func (sh Shape) MountsHost(p string) bool {
	p = path.Clean("/" + p)
	for _, hp := range sh.HostPaths {
		if hp == p || strings.HasPrefix(hp, p+" at ") {
			return true
		}
	}
	return false
}

// Details lists the image and the node-facing settings, for evidence.
func (sh Shape) Details() []string {
	var flags []string
	if sh.Privileged {
		flags = append(flags, "privileged")
	}
	if sh.HostPID {
		flags = append(flags, "hostPID")
	}
	if sh.HostNetwork {
		flags = append(flags, "hostNetwork")
	}
	if sh.TolerateAll {
		flags = append(flags, "tolerates every taint")
	}
	for _, hp := range sh.HostPaths {
		flags = append(flags, "hostPath "+hp)
	}
	out := []string{"image: " + strings.Join(sh.Images, ", ")}
	if len(flags) > 0 {
		out = append(out, "security: "+strings.Join(flags, ", "))
	}
	return out
}

// Fits reports whether a spec has the indicator's shape, and what is missing.
func Fits(k iocs.KubeIOC, sh Shape) (bool, []string) {
	var missing []string
	if k.Privileged && !sh.Privileged {
		missing = append(missing, "not privileged")
	}
	if k.HostPath != "" && !sh.MountsHost(k.HostPath) {
		missing = append(missing, "does not mount hostPath "+k.HostPath)
	}
	return len(missing) == 0, missing
}

package kube

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// statusDigest returns the distribution digest of a container status's
// imageID ("docker.io/aquasec/trivy@sha256:…", with or without the
// docker-pullable:// prefix of the old dockershim); a bare "sha256:…" is
// the runtime's local image id (a config digest), not one a registry
// serves, and gives none.
func statusDigest(imageID string) string {
	id := strings.TrimPrefix(strings.TrimPrefix(imageID, "docker-pullable://"), "docker://")
	if !strings.Contains(id, "@") {
		return ""
	}
	r, err := iocs.ParseImageRef(id)
	if err != nil {
		return ""
	}
	return r.Digest
}

// podImages returns the evidence for each container of a pod (init,
// regular and ephemeral): the spec's reference, the reference and digest
// the kubelet resolved (status), and when the pod started.
func podImages(p Pod) []iocs.ImageEvidence {
	st := map[string]ContainerStatus{}
	for _, list := range [][]ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for _, c := range list {
			st[c.Name] = c
		}
	}
	when := p.Metadata.CreationTimestamp
	if p.Status.StartTime != nil {
		when = *p.Status.StartTime
	}
	var out []iocs.ImageEvidence
	for _, c := range slices.Concat(p.Spec.InitContainers, p.Spec.Containers, p.Spec.EphemeralContainers) {
		ev := iocs.ImageEvidence{Resolved: when}
		if r, err := iocs.ParseImageRef(c.Image); err == nil {
			ev.Refs = append(ev.Refs, r)
		}
		if s, ok := st[c.Name]; ok {
			if r, err := iocs.ParseImageRef(s.Image); err == nil && !slices.Contains(ev.Refs, r) {
				ev.Refs = append(ev.Refs, r)
			}
			if d := statusDigest(s.ImageID); d != "" {
				ev.Digests = append(ev.Digests, d)
			}
		}
		if len(ev.Refs)+len(ev.Digests) > 0 {
			out = append(out, ev)
		}
	}
	return out
}

// badImages reports the workloads whose pods run a bad image of the pack
// (iocs.Matcher.Images: a published digest in the status's imageID is
// critical, a bad tag high, a restored tag by the pod's start time), one
// finding per workload, image and entry; their service accounts ran the
// payload.
func (s *sweeper) badImages(pods []Pod) {
	type group struct {
		h    iocs.ImageHit
		pods []string
		sa   string
		ns   string
		obj  string
		t    time.Time
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range pods {
		obj := "Pod/" + p.Metadata.Name
		for _, o := range p.Metadata.OwnerReferences {
			obj = o.Kind + "/" + o.Name
		}
		for _, ev := range podImages(p) {
			for _, h := range s.o.Matcher.Images(ev) {
				key := p.Metadata.Namespace + "\x00" + obj + "\x00" + h.Image.ID + "\x00" + h.Ref.String()
				g, ok := groups[key]
				if !ok {
					g = &group{h: h, sa: saName(p), ns: p.Metadata.Namespace, obj: obj, t: ev.Resolved.UTC()}
					groups[key] = g
					order = append(order, key)
				}
				if !slices.Contains(g.pods, p.Metadata.Name) {
					g.pods = append(g.pods, p.Metadata.Name)
				}
			}
		}
	}
	for _, key := range order {
		g := groups[key]
		f := sweep.BadImageFinding(g.h, CollectorName, s.loc(g.ns, g.obj), CatCluster)
		f.Title = g.obj + " runs " + f.Title
		t := g.t
		f.Evidence.Time = &t
		f.Evidence.Details = append(f.Evidence.Details, "pods: "+clip(strings.Join(g.pods, ", "), 300), "service account: "+g.sa)
		s.res.Findings = append(s.res.Findings, f)
		if f.Severity.Rank() >= sweep.High.Rank() {
			s.addScope(g.sa, fmt.Sprintf("its pods run the bad image %s", g.h.Ref.String()), true)
		} else {
			s.addScope(g.sa, fmt.Sprintf("its pods run %s, which may be the bad image", g.h.Ref.String()), false)
		}
	}
}

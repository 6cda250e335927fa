package kube_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

// pod is a pod object in the API's JSON shape: one container (or an init
// container), with a status when imageID is set.
func pod(ns, name, owner, created, image, imageID string, init bool) string {
	skey := "containerStatuses"
	spec := fmt.Sprintf(`"containers": [{"name": "main", "image": %q}]`, image)
	if init {
		spec = fmt.Sprintf(`"initContainers": [{"name": "main", "image": %q}], "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.9"}]`, image)
		skey = "initContainerStatuses"
	}
	status := `{"phase": "Pending"}`
	if imageID != "" {
		status = fmt.Sprintf(`{"phase": "Running", "startTime": %q, %q: [{"name": "main", "image": %q, "imageID": %q, "ready": true, "restartCount": 0}]}`,
			created, skey, image, imageID)
	}
	owners := ""
	if owner != "" {
		kind, n, _ := strings.Cut(owner, "/")
		owners = fmt.Sprintf(`, "ownerReferences": [{"apiVersion": "apps/v1", "kind": %q, "name": %q, "uid": "u", "controller": true}]`, kind, n)
	}
	return fmt.Sprintf(`{"metadata": {"name": %q, "namespace": %q, "uid": "u-%s", "creationTimestamp": %q%s},
		"spec": {%s, "serviceAccountName": "scanner", "nodeName": "worker-2"}, "status": %s}`, name, ns, name, created, owners, spec, status)
}

// TestSweepBadImages: pod images against the pack's bad images, through
// the fake API server's pod list: the imageID the kubelet resolved decides
// (a published digest is critical even under a clean-looking tag; latest
// at a clean digest is nothing), a tag that only named the bad release is
// high, a restored tag is judged by when the pod started.
func TestSweepBadImages(t *testing.T) {
	const (
		bad   = "sha256:27f446230c60bbf0b70e008db798bd4f33b7826f9f76f756606f5417100beef3"
		clean = "sha256:3b2f8c1e0d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344"
	)
	srv := kubefake.New(token)
	defer srv.Close()
	srv.ExtraPods = []string{
		pod("ci", "scanner-5d4-x1", "ReplicaSet/scanner-5d4", "2026-03-19T19:10:00Z", "aquasec/trivy:latest", "docker.io/aquasec/trivy@"+bad, false),
		pod("ci", "scanner-5d4-x2", "ReplicaSet/scanner-5d4", "2026-03-19T19:11:00Z", "aquasec/trivy:latest", "docker-pullable://aquasec/trivy@"+bad, false),
		pod("ci", "trivy-scan-q", "Job/trivy-scan", "2026-03-19T19:00:00Z", "aquasec/trivy:0.69.4", "", false),
		pod("ci", "kics-run-1", "Job/kics-run", "2026-04-22T13:00:00Z", "checkmarx/kics:latest", "", true),
		// Decoys.
		pod("ci", "scanner-ok-1", "ReplicaSet/scanner-ok", "2026-03-19T19:10:00Z", "aquasec/trivy:latest", "docker.io/aquasec/trivy@"+clean, false),
		pod("ci", "trivy-0693", "", "2026-03-19T19:10:00Z", "aquasec/trivy:0.69.3", "", false),
		pod("ci", "other-trivy", "", "2026-03-19T19:10:00Z", "ghcr.io/someone/trivy:0.69.4", "", false),
		pod("ci", "kics-later", "", "2026-05-01T10:00:00Z", "checkmarx/kics:latest", "", false),
		pod("ci", "kics-local", "", "2026-04-22T13:00:00Z", "checkmarx/kics:latest", "sha256:"+strings.Repeat("ab", 32), false),
	}
	res := kube.Sweep(context.Background(), clientFor(t, srv), kube.Options{Matcher: sweeptest.Matcher(t)})
	var got []string
	for _, f := range res.Findings {
		if f.Indicator == nil || !strings.HasPrefix(f.Indicator.ID, "image-") {
			continue
		}
		got = append(got, f.Location.Namespace+" "+f.Location.Object+" "+string(f.Severity)+" "+f.Indicator.ID)
		if !slices.ContainsFunc(f.Evidence.Details, func(d string) bool { return strings.HasPrefix(d, "pods: ") }) || f.Evidence.Time == nil {
			t.Errorf("%s: no pods or time: %+v", f.Title, f.Evidence)
		}
	}
	sort.Strings(got)
	want := []string{
		"ci Job/kics-run high image-kics-2026-04",
		"ci Job/trivy-scan high image-trivy-0694",
		"ci Pod/kics-local high image-kics-2026-04",
		"ci ReplicaSet/scanner-5d4 critical image-trivy-0694",
	}
	if !slices.Equal(got, want) {
		t.Errorf("bad images\n got %q\nwant %q", got, want)
	}
	for _, f := range res.Findings {
		if f.Location.Object == "ReplicaSet/scanner-5d4" && f.Indicator != nil && f.Indicator.ID == "image-trivy-0694" {
			if !strings.Contains(f.Evidence.Details[len(f.Evidence.Details)-2], "scanner-5d4-x1, scanner-5d4-x2") {
				t.Errorf("one finding for the workload's pods: %+v", f.Evidence.Details)
			}
			if f.Category != kube.CatCluster || !strings.Contains(f.Title, "digest") {
				t.Errorf("%s %s", f.Category, f.Title)
			}
		}
	}
	// The service account that ran the bad image is in scope: its token
	// is an exposure.
	if !slices.ContainsFunc(res.Findings, func(f sweep.Finding) bool {
		return f.Exposure != nil && f.Location.Namespace == "ci" && strings.Contains(f.Location.Object, "scanner")
	}) {
		var objs []string
		for _, f := range res.Findings {
			objs = append(objs, f.Location.Namespace+" "+f.Location.Object)
		}
		t.Errorf("service account ci/scanner not exposed: %v", objs)
	}
}

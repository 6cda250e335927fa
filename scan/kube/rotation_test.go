package kube_test

import (
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/scan/kube"
	"github.com/litesweep/litesweep/scan/kube/kubefake"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// rotationScenarios are the cluster sweeps whose rotation items are pinned
// in testdata/rotation.
var rotationScenarios = []struct {
	name  string
	setup func(*kubefake.Server, *kube.Options)
}{
	// The payload's pods and a service account that may create pods in
	// kube-system: its token and the secrets it could list.
	{"cluster", func(*kubefake.Server, *kube.Options) {}},
	// RBAC cannot be evaluated: the named account's own namespace.
	{"restricted", func(s *kubefake.Server, o *kube.Options) {
		s.ForbidClusterWide, s.ForbidSAR = true, true
		o.ServiceAccounts = []string{"ai/litellm"}
	}},
	// Two accounts in scope read the same namespaces; names are capped.
	{"named-capped", func(s *kubefake.Server, o *kube.Options) {
		s.Allow["payments/billing list secrets payments"] = true
		o.ServiceAccounts = []string{"payments/billing", "web"}
		o.MaxSecretNames = 1
	}},
}

// TestRotationPinned pins the rotation items of each scenario.
// Regenerate with: go test ./scan/kube -run RotationPinned -update
func TestRotationPinned(t *testing.T) {
	for _, sc := range rotationScenarios {
		t.Run(sc.name, func(t *testing.T) {
			srv := kubefake.New(token)
			defer srv.Close()
			o := kube.Options{Matcher: sweeptest.Matcher(t)}
			sc.setup(srv, &o)
			res := kube.Sweep(context.Background(), clientFor(t, srv), o)
			got, err := json.MarshalIndent(res.Rotation, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			sweeptest.Golden(t, filepath.Join("testdata", "rotation", sc.name+".json"), got, *update)
		})
	}
}

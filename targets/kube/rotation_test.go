package kube_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
	"github.com/litesweep/litesweep/targets"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/kube/kubefake"
)

// planned is the rotation checklist the shared planner makes of a sweep's
// findings, as the report of `litesweep kube` carries it.
func planned(t testing.TB, res *kube.Result) []sweep.RotationItem {
	t.Helper()
	return remediate.Plan(&sweep.Report{Scan: sweep.Scan{Kind: "kube"}, Findings: res.Findings}, sweeptest.Matcher(t).Pack().Pack, remediate.PlanOptions{Exposing: targets.Exposing()})
}

func byID(items []sweep.RotationItem) []sweep.RotationItem {
	out := slices.Clone(items)
	slices.SortFunc(out, func(a, b sweep.RotationItem) int { return strings.Compare(a.ID, b.ID) })
	return out
}

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

// TestRotationPinned: the shared planner (remediate.Plan) makes, from the
// sweep's exposure findings, the items kube built itself before (captured
// from that code in testdata/rotation): same kinds, titles, places, names,
// reasons, steps and checks. One improvement: they carry ids, the very ids
// `litesweep rotate --report` gave those saved items (before, the report's
// own list had none), so `rotate --rotated ID` and merge name them alike.
// Regenerate with: go test ./targets/kube -run RotationPinned -update
func TestRotationPinned(t *testing.T) {
	pack := sweeptest.Matcher(t).Pack().Pack
	for _, sc := range rotationScenarios {
		t.Run(sc.name, func(t *testing.T) {
			srv := kubefake.New(token)
			defer srv.Close()
			o := kube.Options{Matcher: sweeptest.Matcher(t)}
			sc.setup(srv, &o)
			res := kube.Sweep(context.Background(), clientFor(t, srv), o)
			items := planned(t, res)
			// The exposure findings are info: the verdict and exit codes
			// are those of the sweep without them.
			with := &sweep.Report{Findings: slices.Clone(res.Findings)}
			without := &sweep.Report{Findings: slices.DeleteFunc(slices.Clone(res.Findings), func(f sweep.Finding) bool { return f.Exposure != nil })}
			with.Finalize()
			without.Finalize()
			if len(with.Findings) == len(without.Findings) || with.Verdict != without.Verdict ||
				with.ExitCode(sweep.Low) != without.ExitCode(sweep.Low) || with.ExitCode(sweep.Medium) != without.ExitCode(sweep.Medium) {
				t.Errorf("exposure findings changed the verdict: %s (%d findings) vs %s (%d)", with.Verdict, len(with.Findings), without.Verdict, len(without.Findings))
			}
			path := filepath.Join("testdata", "rotation", sc.name+".json")
			if *update {
				pinned := byID(items)
				for i := range pinned {
					pinned[i].ID = ""
				}
				b, _ := json.MarshalIndent(pinned, "", "  ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var pinned []sweep.RotationItem
			if err := json.Unmarshal(b, &pinned); err != nil || len(pinned) == 0 {
				t.Fatalf("%s: %v (%d items)", path, err, len(pinned))
			}
			// The ids rotate --report gives a saved report holding the
			// pinned items (a report written before exposure findings).
			want := remediate.Plan(&sweep.Report{Scan: sweep.Scan{Kind: "kube"}, Rotation: pinned}, pack, remediate.PlanOptions{Exposing: targets.Exposing()})
			for _, it := range items {
				if it.ID == "" {
					t.Errorf("item without id: %+v", it)
				}
			}
			if !reflect.DeepEqual(byID(items), byID(want)) {
				g, _ := json.MarshalIndent(byID(items), "", "  ")
				w, _ := json.MarshalIndent(byID(want), "", "  ")
				t.Errorf("items differ from %s: %s", path, sweeptest.FirstDiff(string(w), string(g)))
			}
		})
	}
}

// TestRotationNamesNotListable: a namespace an exposed account could read
// but whose secret names the sweep may not list is still a rotation item,
// without names and saying how to list them (before, it was dropped and
// only the error said "rotate what could be read there by other means").
func TestRotationNamesNotListable(t *testing.T) {
	srv := kubefake.New(token)
	defer srv.Close()
	srv.ForbidSecrets = map[string]bool{"payments": true}
	res := kube.Sweep(context.Background(), clientFor(t, srv), kube.Options{Matcher: sweeptest.Matcher(t)})
	var found bool
	for _, it := range planned(t, res) {
		if it.Kind != "kubernetes-secret" || !strings.HasSuffix(it.Where, "namespace payments") {
			continue
		}
		found = true
		if len(it.Names) != 0 || it.Priority != "P1" || !strings.Contains(it.Why, "readable by ai/litellm") ||
			!strings.Contains(it.Why, "kubectl -n payments get secrets") {
			t.Errorf("payments item %+v", it)
		}
	}
	if !found {
		t.Errorf("no item for the namespace whose names could not be listed")
	}
	var errored bool
	for _, e := range res.Errors {
		errored = errored || strings.Contains(e.Message, "cannot list secret names in payments") && strings.Contains(e.Message, "403")
	}
	if !errored {
		t.Errorf("the forbidden list is not an error: %+v", res.Errors)
	}
}

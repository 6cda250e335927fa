package kube

import (
	"context"

	"github.com/litesweep/litesweep/sweep"
)

// Kind is the Kubernetes target's report kind: one cluster.
const Kind sweep.ScanKind = "kube"

// Target is one Kubernetes sweep: which cluster and which service
// accounts are known to have run a bad version.
type Target struct {
	// Cluster is the API server and credentials (Discover, InCluster).
	Cluster *Config
	// ServiceAccounts ("namespace/name") known to have run a bad version:
	// the names of the secrets each could read are listed for rotation.
	ServiceAccounts []string
}

func (Target) Kind() sweep.ScanKind             { return Kind }
func (Target) Categories() []sweep.CategoryInfo { return Categories }

// Exposures: what an exposed service account could read.
func (Target) Exposures() []sweep.ExposedKind {
	return []sweep.ExposedKind{sweep.ExposedKubeSecrets, sweep.ExposedServiceAccountToken}
}

// Sweep lists the cluster's pods and DaemonSets for the pack's Kubernetes
// indicators.
func (t *Target) Sweep(ctx context.Context, env sweep.TargetEnv, out *sweep.TargetOut) error {
	if t.Cluster == nil {
		return sweep.Usagef("no cluster configuration")
	}
	client, err := NewClient(t.Cluster)
	if err != nil {
		return sweep.Usage(err)
	}
	r := out.Report
	r.Scan.Targets = []string{t.Cluster.String()}
	r.Scan.Options = []string{"credentials from " + t.Cluster.Source}
	env.Show("checking cluster " + t.Cluster.String())
	res := Sweep(ctx, client, Options{Matcher: env.Matcher, ServiceAccounts: t.ServiceAccounts})
	env.Show("")
	r.Findings, r.Errors = res.Findings, res.Errors
	r.Stats.APICalls = client.Calls()
	r.Scan.Finished = env.Now().UTC()
	if ws, we := env.Matcher.PackageWindow(); !ws.IsZero() {
		r.Scan.Window = &sweep.Window{Start: ws, End: we, Source: "pack"}
	}
	// Its exposure findings are planned into rotation items by the finish.
	return nil
}

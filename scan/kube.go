package scan

import (
	"context"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets/kube"
)

// KubeOptions say which cluster one Kubernetes sweep checks.
type KubeOptions struct {
	// Cluster is the API server and credentials (kube.Discover, kube.InCluster).
	Cluster *kube.Config
	// ServiceAccounts ("namespace/name") known to have run a bad version:
	// the names of the secrets each could read are listed for rotation.
	ServiceAccounts []string
}

// Kube lists the cluster's pods and DaemonSets for the pack's Kubernetes
// indicators and returns the finished report.
func Kube(ctx context.Context, env Env, o KubeOptions) (*sweep.Report, error) {
	if err := env.check(); err != nil {
		return nil, err
	}
	if o.Cluster == nil {
		return nil, usagef("no cluster configuration")
	}
	client, err := kube.NewClient(o.Cluster)
	if err != nil {
		return nil, &UsageError{err}
	}
	r := newReport(env, sweep.KindKube)
	r.Scan.Targets = []string{o.Cluster.String()}
	r.Scan.Options = []string{"credentials from " + o.Cluster.Source}
	env.show("checking cluster " + o.Cluster.String())
	res := kube.Sweep(ctx, client, kube.Options{Matcher: env.Matcher, ServiceAccounts: o.ServiceAccounts})
	env.show("")
	r.Findings, r.Errors = res.Findings, res.Errors
	r.Stats.APICalls = client.Calls()
	r.Scan.Finished = env.now()
	if ws, we := env.Matcher.PackageWindow(); !ws.IsZero() {
		r.Scan.Window = &sweep.Window{Start: ws, End: we, Source: "pack"}
	}
	// Its exposure findings are planned into rotation items by finish.
	return finish(ctx, env, r, finishing{}), nil
}

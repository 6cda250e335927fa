package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
)

func kubeCommand() *cli.Command {
	return &cli.Command{
		Name:  "kube",
		Usage: "check a Kubernetes cluster for the payload's node-setup-* pods and host-provisioner-* DaemonSets",
		Description: "Uses the current kubeconfig context ($KUBECONFIG or ~/.kube/config) or, inside a pod, the\n" +
			"mounted service account. Lists pods and DaemonSets and reports the pack's Kubernetes indicators\n" +
			"(privileged node-setup-* pods in kube-system mounting the node's root, host-provisioner-* DaemonSets),\n" +
			"the nodes they ran on (sweep those with `litesweep host`), workloads running images named after a\n" +
			"tracked package, and, for the service accounts in scope, the names of the secrets they could read\n" +
			"(RBAC via SubjectAccessReview; secrets are listed as metadata only, so no value is ever fetched).\n" +
			"Read-only: it creates nothing but access reviews, and never prints a token." + "\n\n" +
			examples(
				"litesweep kube                                   # the current kubeconfig context",
				"litesweep kube --context prod --service-account ml/litellm-proxy",
				"litesweep kube --in-cluster -f json              # from a Job in the cluster",
			),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", Usage: "read the cluster and credentials from `FILE` (default $KUBECONFIG, then ~/.kube/config)"},
			&cli.StringFlag{Name: "context", Usage: "use kubeconfig context `NAME` instead of the current one"},
			&cli.BoolFlag{Name: "in-cluster", Usage: "use the pod's service account (" + scan.KubeInClusterDir + ")"},
			&cli.StringFlag{Name: "token-file", Usage: "authenticate with the bearer token in `FILE` (for kubeconfigs that use an exec plugin)"},
			&cli.StringSliceFlag{Name: "service-account", Usage: "`NAMESPACE/NAME` of a service account known to have run a bad version (repeatable): list the secrets it could read for rotation"},
		}, reportFlags()...),
		Action: runKube,
	}
}

func runKube(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("kube takes no arguments (got %q)", c.Args().First())
	}
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	for _, sa := range c.StringSlice("service-account") {
		if ns, name, ok := strings.Cut(sa, "/"); !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return usagef("--service-account %q: want NAMESPACE/NAME", sa)
		}
	}
	o := scan.KubeOptions{InCluster: c.Bool("in-cluster"), Kubeconfig: c.String("kubeconfig"), Context: c.String("context"),
		ServiceAccounts: c.StringSlice("service-account")}
	if tf := c.String("token-file"); tf != "" {
		b, err := os.ReadFile(tf)
		if err != nil {
			return usagef("--token-file: %v", err)
		}
		o.Token = strings.TrimSpace(string(b))
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), o)
	if err != nil {
		return err
	}
	return emitReport(c, r, failOn)
}

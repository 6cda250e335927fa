package main

import "github.com/urfave/cli/v2"

// kubeCommand is filled in by its issue; until then it says so.
func kubeCommand() *cli.Command {
	return &cli.Command{
		Name:   "kube",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep kube is not available in this build yet") },
	}
}

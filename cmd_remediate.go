package main

import "github.com/urfave/cli/v2"

// remediateCommand is filled in by its issue; until then it says so.
func remediateCommand() *cli.Command {
	return &cli.Command{
		Name:   "remediate",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep remediate is not available in this build yet") },
	}
}

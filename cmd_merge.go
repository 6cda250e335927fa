package main

import "github.com/urfave/cli/v2"

// mergeCommand is filled in by its issue; until then it says so.
func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:   "merge",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep merge is not available in this build yet") },
	}
}

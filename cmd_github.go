package main

import "github.com/urfave/cli/v2"

// githubCommand is filled in by its issue; until then it says so.
func githubCommand() *cli.Command {
	return &cli.Command{
		Name:   "github",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep github is not available in this build yet") },
	}
}

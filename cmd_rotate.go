package main

import "github.com/urfave/cli/v2"

// rotateCommand is filled in by its issue; until then it says so.
func rotateCommand() *cli.Command {
	return &cli.Command{
		Name:   "rotate",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep rotate is not available in this build yet") },
	}
}

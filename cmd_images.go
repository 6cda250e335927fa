package main

import "github.com/urfave/cli/v2"

// imagesCommand is filled in by its issue; until then it says so.
func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:   "images",
		Usage:  "(not available in this build yet)",
		Hidden: true,
		Action: func(c *cli.Context) error { return usagef("litesweep images is not available in this build yet") },
	}
}

package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/iocs"
)

// printVersion writes the version, commit and built-in IOC pack identity
// (for `litesweep version` and `litesweep --version`).
func printVersion(w io.Writer) error {
	l, err := iocs.Builtin()
	if err != nil {
		return err
	}
	v, c := buildVersion()
	fmt.Fprintf(w, "litesweep %s", v)
	if c != "" {
		fmt.Fprintf(w, " (commit %s)", c)
	}
	fmt.Fprintln(w)
	for _, p := range l.Packs {
		fmt.Fprintf(w, "IOC pack %s %s (sha256 %s)\n", p.ID, p.Version, p.SHA256)
	}
	return nil
}

// buildVersion is the version and commit: what the release build stamped
// in with -ldflags, else what the Go toolchain recorded in the binary (the
// module version of `go install ...@v1.2.3`, the VCS revision of a build in
// a checkout, "+dirty" when it had changes). A build without either (go
// build -buildvcs=false, as GOFLAGS sets on some machines) says "dev".
func buildVersion() (v, c string) {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(version, commit, bi)
}

// versionFrom is buildVersion's rule: the stamped version and commit win,
// the build information fills what they leave empty.
func versionFrom(stampedVersion, stampedCommit string, bi *debug.BuildInfo) (v, c string) {
	v, c = stampedVersion, stampedCommit
	if bi == nil {
		return v, c
	}
	if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if c == "" {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			c = rev
			if modified == "true" {
				c += "+dirty"
			}
		}
	}
	return v, c
}

// versionCommand is `litesweep version`.
func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, commit and IOC pack version",
		Description: examples(
			"litesweep version                                # as litesweep --version",
		),
		Action: func(c *cli.Context) error { return printVersion(c.App.Writer) },
	}
}

// completionCommand prints a shell completion script, generated from the
// command definitions (cli_complete.go).
func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh, fish or PowerShell",
		ArgsUsage: strings.Join(shells, "|"),
		Description: examples(
			"source <(litesweep completion bash)                       # bash, this shell",
			"litesweep completion bash > /etc/bash_completion.d/litesweep",
			"litesweep completion zsh > \"${fpath[1]}/_litesweep\"",
			"litesweep completion fish > ~/.config/fish/completions/litesweep.fish",
			"litesweep completion powershell | Out-String | Invoke-Expression   # in $PROFILE",
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion takes one shell: %s", strings.Join(shells, ", "))
			}
			return writeCompletion(c.App.Writer, c.App, c.Args().First())
		},
	}
}

// manCommand prints the manual page, generated from the command definitions.
func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the manual page (roff), generated from the same definitions as --help",
		Description: examples(
			"litesweep man | man -l -",
			"litesweep man > /usr/local/share/man/man1/litesweep.1",
		),
		Action: func(c *cli.Context) error {
			v, _ := buildVersion()
			return writeMan(c.App.Writer, c.App, v)
		},
	}
}

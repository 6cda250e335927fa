// Command litesweep is an incident-response sweep for the March 2026
// litellm 1.82.7/1.82.8 PyPI compromise and the linked TeamPCP campaign:
// hosts and mounted disks, container images, GitHub organisations and
// Kubernetes clusters, ending in a credential-rotation checklist.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/sweep/render/escape"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with buffers.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &cli.App{
		Name:  "litesweep",
		Usage: "sweep hosts, images, GitHub organisations and clusters for the litellm 1.82.7/1.82.8 (TeamPCP) compromise",
		Description: "Answers three questions with evidence: was this machine or image exposed, was our GitHub\n" +
			"organisation exposed, and what must we rotate. Read-only by default; it never runs anything it finds.\n\n" +
			"Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error, 3 nothing found but\n" +
			"coverage incomplete, 130 interrupted (the partial report is still written).",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Exit codes are decided here, not by urfave/cli.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			hostCommand(),
			imagesCommand(),
			sbomCommand(),
			mirrorCommand(),
			githubCommand(),
			kubeCommand(),
			rotateCommand(),
			remediateCommand(),
			mergeCommand(),
			iocsCommand(),
			versionCommand(),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "litesweep: unknown command \"%s\" (see litesweep --help)\n", escape.Text(name))
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return usageErr(err) },
	}
	for _, cmd := range app.Commands {
		if cmd.OnUsageError == nil {
			cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return usageErr(err) }
		}
	}
	err := app.RunContext(ctx, args)
	var ec exitCode
	switch {
	case err == nil:
		if len(args) > 1 && app.Command(args[1]) == nil && args[1] != "" && args[1][0] != '-' {
			return 2 // unknown command
		}
		return 0
	case errors.As(err, &ec):
		return int(ec)
	default:
		fmt.Fprintf(stderr, "litesweep: %s\n", escape.Text(err.Error()))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		if ctx.Err() != nil {
			return 130
		}
		return 2
	}
}

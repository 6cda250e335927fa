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
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// Set by the release build (-ldflags "-X main.version=... -X main.commit=...").
var (
	version = "dev"
	commit  = ""
)

// hardStop is how long after SIGINT or SIGTERM the process may live: the
// sweep stops, writes its partial report (exit 130) well within it, and
// past it the process exits 130 whatever is still running (a worker stuck
// in a system call on a hung filesystem cannot keep it alive). A second
// signal exits at once.
const hardStop = 1900 * time.Millisecond

// softMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT says
// otherwise: above it the collector runs more often instead of letting the
// heap double, so a sweep with many findings or a merge of many reports
// stays bounded (docs/BENCHMARKS.md). It is soft: a sweep that needs more
// gets more, at some CPU.
const softMemoryLimit = 192 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel()
		fmt.Fprintf(os.Stderr, "\nlitesweep: %v: stopping and writing the partial report (again to quit now)\n", s)
		select {
		case <-sigs:
		case <-time.After(hardStop):
			fmt.Fprintln(os.Stderr, "litesweep: did not stop in time; exiting")
		}
		os.Exit(sweep.ExitInterrupted)
	}()
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

// exitCodesHelp is the one description of the exit codes, shown by --help
// and the man page.
const exitCodesHelp = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error (a bad flag or argument),\n" +
	"3 nothing found but coverage incomplete, 4 runtime failure (no report could be produced),\n" +
	"130 interrupted (the partial report is still written)."

// newApp declares the command line: every command, flag and help text.
func newApp(args []string, stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "litesweep",
		Usage: "sweep hosts, images, GitHub organisations and clusters for the litellm 1.82.7/1.82.8 (TeamPCP) compromise",
		Description: "Answers three questions with evidence: was this machine or image exposed, was our GitHub\n" +
			"organisation exposed, and what must we rotate. Read-only by default; it never runs anything it finds.\n\n" +
			exitCodesHelp + "\n\n" +
			examples(
				"litesweep host                                  # this machine, every local filesystem",
				"litesweep host --root /mnt/disk -f json -o r.json  # a mounted disk, saved as JSON",
				"litesweep github --org acme --state gh.state    # a GitHub organisation, resumable",
				"litesweep rotate -r r.json                      # the rotation checklist from a saved report",
				"litesweep merge reports/*.json -f html -o fleet.html",
			),
		Reader:                stdin,
		Writer:                stdout,
		ErrWriter:             stderr,
		HideHelpCommand:       true, // helpCommand: `help [COMMAND]` with a suggestion for a typo
		CustomAppHelpTemplate: appHelpTemplate,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version, commit and IOC pack version"},
			cli.HelpFlag, // urfave/cli adds it only when no command is called help
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				return printVersion(c.App.Writer)
			}
			if c.NArg() > 0 {
				return unknownCommand(c.App, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
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
			completionCommand(),
			manCommand(),
			helpCommand(),
		},
	}
	app.OnUsageError = func(c *cli.Context, err error, _ bool) error { return flagError("litesweep", app.Flags, err, args) }
	for _, cmd := range app.Commands {
		if cmd.CustomHelpTemplate == "" {
			cmd.CustomHelpTemplate = commandHelpTemplate
		}
		if cmd.OnUsageError == nil {
			name, flags := "litesweep "+cmd.Name, cmd.Flags
			cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return flagError(name, flags, err, args) }
		}
	}
	return app
}

// run is main without the process: tests call it with buffers.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(args, stdin, stdout, stderr)
	if len(args) == 3 && args[1] == "help" && findCommand(app.Commands, args[2]) != nil {
		args = []string{args[0], args[2], "--help"} // one rendering of a command's help
	}
	err := app.RunContext(ctx, intersperse(app, args))
	var ec exitCode
	switch {
	case err == nil:
		return sweep.ExitClean
	case errors.As(err, &ec):
		return int(ec)
	case sweep.IsUsage(err):
		if msg := err.Error(); strings.HasPrefix(msg, "litesweep") {
			fmt.Fprintln(stderr, escape.Text(msg))
		} else {
			fmt.Fprintf(stderr, "litesweep: %s\n", escape.Text(msg))
		}
		return sweep.ExitUsage
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "litesweep: interrupted: %s\n", escape.Text(err.Error()))
		return sweep.ExitInterrupted
	default:
		fmt.Fprintf(stderr, "litesweep: error: %s\n", escape.Text(err.Error()))
		return sweep.ExitFailure
	}
}

// flagError turns urfave/cli's flag-parsing error into a usage error that
// names the flag as the user typed it and points at the command's help.
// The standard library's message spells every flag with one dash
// ("flag provided but not defined: -bogus") whatever the user typed.
func flagError(cmd string, flags []cli.Flag, err error, args []string) error {
	msg := err.Error()
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		return usagef("%s: %s %s: %s (see '%s --help')", cmd, typedFlag(m[2], args), m[1], m[3], cmd)
	}
	i := strings.LastIndex(msg, ": -")
	if i < 0 {
		return usagef("%s: %s (see '%s --help')", cmd, msg, cmd)
	}
	what, name := msg[:i], msg[i+3:]
	typed := typedFlag(name, args)
	switch what {
	case "flag provided but not defined":
		return usagef("%s: unknown flag %s%s (see '%s --help')", cmd, typed, flagSuggestion(flags, typed), cmd)
	case "flag needs an argument":
		return usagef("%s: flag %s needs an argument (see '%s --help')", cmd, typed, cmd)
	}
	return usagef("%s: %s: %s (see '%s --help')", cmd, what, typed, cmd)
}

// invalidValue is the flag package's message for a value a flag refused.
var invalidValue = regexp.MustCompile(`^invalid value (".*") for flag -([A-Za-z0-9-]+): (.*)$`)

// typedFlag is flag name as the user typed it (-f or --format).
func typedFlag(name string, args []string) string {
	for _, a := range args {
		flag, _, _ := strings.Cut(a, "=")
		if strings.HasPrefix(flag, "-") && strings.TrimLeft(flag, "-") == name {
			return flag
		}
	}
	return dashed(name)
}

// examples formats an Examples: section for a command's description.
func examples(lines ...string) string {
	var b strings.Builder
	b.WriteString("Examples:\n")
	for _, l := range lines {
		b.WriteString("  ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

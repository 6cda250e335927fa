package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// intersperse moves every flag of the command line before its positional
// arguments, as gh, docker, kubectl and trivy accept them:
// `merge a.json b.json --format json` parses as `merge --format json --
// a.json b.json`. A flag that takes a value keeps the next argument as its
// value whatever it looks like, so a value is never read as an input; `--`
// ends the flags (everything after it is positional, as typed). urfave/cli
// v2's flag sets stop at the first positional argument; this is the one
// place that lifts that. Flags a command does not know stay where they are
// so the parser names them (with a suggestion).
func intersperse(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	// Application-level flags (--version, --help) up to the command name.
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") && rest[0] != "-" && rest[0] != "--" {
		out = append(out, rest[0])
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return out
	}
	cmd := findCommand(app.Commands, rest[0])
	if cmd == nil {
		return append(out, rest...)
	}
	out = append(out, rest[0])
	rest = rest[1:]
	for len(cmd.Subcommands) > 0 && len(rest) > 0 {
		sub := findCommand(cmd.Subcommands, rest[0])
		if sub == nil {
			break
		}
		cmd = sub
		out = append(out, rest[0])
		rest = rest[1:]
	}
	if cmd.SkipFlagParsing {
		return append(out, rest...)
	}

	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		tv := false
		if d, ok := f.(cli.DocGenerationFlag); ok {
			tv = d.TakesValue()
		}
		for _, n := range f.Names() {
			takesValue[n] = tv
		}
	}
	var flags, positional []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if takesValue[name] && !hasValue && i+1 < len(rest) {
			i++
			flags = append(flags, rest[i])
		}
	}
	out = append(out, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

// findCommand is the command named (or aliased) name, or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// suggest returns the candidate closest to typed when it is close enough to
// be what the user meant ("hots" → "host", "--fromat" → "--format"), else "".
// Close enough: at most one edit (two for longer words; a transposition
// is one), or typed is a prefix of exactly one candidate.
func suggest(typed string, candidates []string) string {
	best, bestD := "", 1<<30
	var prefixed []string
	for _, c := range candidates {
		if len(typed) >= 2 && strings.HasPrefix(c, typed) {
			prefixed = append(prefixed, c)
		}
		if d := editDistance(typed, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	if len(typed) > 5 {
		limit = 2
	}
	if bestD <= limit && bestD < len(typed) {
		return best
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent characters.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// commandNames lists every visible command name and alias of cmds.
func commandNames(cmds []*cli.Command) []string {
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	return names
}

// unknownCommand is the usage error for a command name that does not
// exist, with the closest existing one when there is one.
func unknownCommand(app *cli.App, name string) error {
	if s := suggest(name, commandNames(app.Commands)); s != "" {
		return usagef("unknown command %q: did you mean %s? (see 'litesweep help')", name, s)
	}
	return usagef("unknown command %q (see 'litesweep help')", name)
}

// flagSuggestion is " (did you mean --format?)" for a flag name close to
// one of flags, else "".
func flagSuggestion(flags []cli.Flag, typed string) string {
	name := strings.TrimLeft(typed, "-")
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	names = append(names, "help")
	s := suggest(name, names)
	if s == "" {
		return ""
	}
	return "; did you mean " + dashed(s) + "?"
}

// helpCommand is `litesweep help [COMMAND]`.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the commands, or one command's help",
		ArgsUsage: "[COMMAND]",
		Description: examples(
			"litesweep help                                   # the commands",
			"litesweep help host                              # as litesweep host --help",
		),
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return cli.ShowAppHelp(c)
			case 1:
				name := c.Args().First()
				if findCommand(c.App.Commands, name) == nil {
					return unknownCommand(c.App, name)
				}
				return cli.ShowCommandHelp(c, name)
			}
			return usagef("help takes at most one COMMAND")
		},
	}
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// The section-1 manual page, generated from the command definitions (the
// flagSpecs --help and completion read): a section per command with its
// options and its examples as written (no-fill, never reflowed), then
// EXIT STATUS and ENVIRONMENT.

// exitStatus is the one list of exit codes for the man page; exitCodesHelp
// says the same in --help.
var exitStatus = []struct{ code, meaning string }{
	{"0", "Clean: nothing at or above --fail-on was found and coverage was complete."},
	{"1", "Findings at or above --fail-on (default medium). A normal result of a sweep that found something, not a failure of litesweep."},
	{"2", "Usage error: a bad flag, argument, path or IOC pack; nothing was swept."},
	{"3", "Nothing was found but coverage is incomplete (verdict INCOMPLETE): the report lists what could not be read."},
	{"4", "Runtime failure: no report could be produced."},
	{"130", "Interrupted (SIGINT or SIGTERM): the partial report is still written."},
}

// environment is every variable litesweep reads.
var environment = []struct{ name, meaning string }{
	{"GITHUB_TOKEN", "The token litesweep github uses (Actions: read, Contents: read) unless --token-file is given. Never accepted as a flag value."},
	{"DOCKER_HOST", "The Docker engine address for litesweep images and host --images unless --docker-host is given (default unix:///var/run/docker.sock)."},
	{"KUBECONFIG", "The kubeconfig files litesweep kube reads unless --kubeconfig is given (default ~/.kube/config)."},
	{"NETRC", "The netrc file litesweep mirror reads credentials from unless --netrc is given (default ~/.netrc)."},
	{"NPM_CONFIG_USERCONFIG", "The .npmrc litesweep mirror reads npm registry credentials from unless --npmrc is given (default ~/.npmrc), as npm does."},
	{"NO_COLOR", "When set to anything, the table is not coloured on a terminal."},
	{"COLUMNS", "The width the table is laid out for (on a terminal its width by default, else 100)."},
	{"GOMEMLIMIT", "The Go heap's soft memory limit; when unset, litesweep sets 192 MiB (a sweep that needs more gets more, at some CPU)."},
}

// roff escapes text for a roff line: backslashes, minus signs (so a
// copied flag is an ASCII hyphen-minus), and a control character at the
// start of a line.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// splitDescription separates a description into its prose paragraphs and
// its example lines (the "Examples:" block examples() writes).
func splitDescription(d string) (prose []string, exampleLines []string) {
	d = strings.ReplaceAll(d, exitCodesHelp, "") // EXIT STATUS says it
	body, ex, found := strings.Cut(d, "Examples:\n")
	if found {
		for _, l := range strings.Split(ex, "\n") {
			if l = strings.TrimPrefix(l, "  "); strings.TrimSpace(l) != "" {
				exampleLines = append(exampleLines, l)
			}
		}
	}
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			prose = append(prose, p)
		}
	}
	return prose, exampleLines
}

// writeMan writes the manual page for app.
func writeMan(w io.Writer, app *cli.App, ver string) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH LITESWEEP 1 \"\" \"litesweep %s\" \"User Commands\"\n", roff(ver))
	b.WriteString(".SH NAME\nlitesweep \\- " + roff(app.Usage) + "\n")
	b.WriteString(".SH SYNOPSIS\n.B litesweep\n.I COMMAND\n.RI [ options ]\n.RI [ arguments ...]\n.br\n.B litesweep help\n.RI [ COMMAND ]\n")
	prose, ex := splitDescription(app.Description)
	b.WriteString(".SH DESCRIPTION\n")
	for i, p := range prose {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roff(p) + "\n")
	}
	b.WriteString(".PP\nFlags may come before or after arguments; \\fB\\-\\-\\fR ends them. " +
		"A flag that takes a value takes the next argument, whatever it looks like.\n")
	manOptions(&b, specsOf(app.Flags))
	manExamples(&b, ex)
	b.WriteString(".SH COMMANDS\n")
	for _, cmd := range app.Commands {
		if cmd.Hidden {
			continue
		}
		syn := "litesweep " + cmd.Name + " [options]"
		if a := strings.TrimSpace(cmd.ArgsUsage); a != "" {
			syn += " " + a
		}
		fmt.Fprintf(&b, ".SS \"%s\"\n%s\n", roff(syn), roff(cmd.Usage))
		prose, ex := splitDescription(cmd.Description)
		for _, p := range prose {
			b.WriteString(".PP\n" + roff(p) + "\n")
		}
		manOptions(&b, specsOf(cmd.Flags))
		manExamples(&b, ex)
	}
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range exitStatus {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", e.code, roff(e.meaning))
	}
	b.WriteString(".SH ENVIRONMENT\n")
	for _, e := range environment {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", e.name, roff(e.meaning))
	}
	b.WriteString(".SH SEE ALSO\n.BR pip (1),\n.BR docker (1),\n.BR kubectl (1),\n.BR gh (1)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// manOptions writes an options list: each flag's synopsis with its
// placeholder in italics, then its text.
func manOptions(b *strings.Builder, specs []flagSpec) {
	if len(specs) == 0 {
		return
	}
	b.WriteString(".PP\n.B Options:\n")
	for _, s := range specs {
		var names []string
		for _, n := range s.sortedNames() {
			names = append(names, `\fB`+roff(dashed(n))+`\fR`)
		}
		line := strings.Join(names, ", ")
		if s.Placeholder != "" {
			line += ` \fI` + roff(s.Placeholder) + `\fR`
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", line, roff(s.Text()))
	}
}

// manExamples writes example lines as written: no filling, no
// hyphenation, one command per line.
func manExamples(b *strings.Builder, lines []string) {
	if len(lines) == 0 {
		return
	}
	b.WriteString(".PP\n.B Examples:\n.PP\n.RS 4\n.nf\n")
	for _, l := range lines {
		b.WriteString(roff(l) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

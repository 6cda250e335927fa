package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// The command definitions (newApp) are the one source of --help, the man
// page and the completion scripts. This file reads them into flagSpecs:
// what each flag is called, what it takes and which values complete it.

// valueKind is what a flag's value is, for completion.
type valueKind int

const (
	valueNone valueKind = iota // a boolean flag
	valueWord                  // free text: nothing to complete
	valueEnum                  // one of flagSpec.Values
	valueFile                  // a file path
	valueDir                   // a directory path
)

// flagSpec is one flag as help, man and completion show it.
type flagSpec struct {
	Names       []string // long name first, then aliases
	Placeholder string   // FILE, DIR, FORMAT... ("" for a boolean)
	Usage       string   // the usage text without backquotes
	Default     string   // shown as (default: X); "" for none
	Kind        valueKind
	Values      []string // valueEnum: the accepted values
	Repeatable  bool
}

// enumList is the "PLACEHOLDER: a|b|c" convention of usage texts: the
// placeholder followed by the accepted values.
var enumList = regexp.MustCompile(`: ([a-z0-9-]+(?:\|[a-z0-9-]+)+)`)

// filePlaceholders and dirPlaceholders are the placeholders that name a
// path, so completion offers files or directories there.
var (
	filePlaceholders = map[string]bool{"FILE": true, "REPORT": true, "PATH": true}
	dirPlaceholders  = map[string]bool{"DIR": true}
)

// specOf reads one flag's definition.
func specOf(f cli.Flag) flagSpec {
	s := flagSpec{Names: f.Names()}
	d, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return s
	}
	s.Placeholder, s.Usage = unquoteUsage(d.GetUsage())
	if !d.TakesValue() {
		s.Placeholder = ""
		return s
	}
	if s.Placeholder == "" {
		s.Placeholder = "VALUE"
	}
	s.Kind = valueWord
	switch {
	case filePlaceholders[s.Placeholder]:
		s.Kind = valueFile
	case dirPlaceholders[s.Placeholder]:
		s.Kind = valueDir
	default:
		if m := enumList.FindStringSubmatch(s.Usage); m != nil && strings.Contains(s.Usage, s.Placeholder+": ") {
			s.Kind, s.Values = valueEnum, strings.Split(m[1], "|")
		}
	}
	switch v := f.(type) {
	case *cli.StringFlag:
		s.Default = v.Value
	case *cli.IntFlag:
		if v.Value != 0 {
			s.Default = strconv.Itoa(v.Value)
		}
	case *cli.Int64Flag:
		if v.Value != 0 {
			s.Default = strconv.FormatInt(v.Value, 10)
		}
	case *cli.DurationFlag:
		if v.Value != 0 {
			s.Default = v.Value.String()
		}
	case *cli.GenericFlag:
		if v.Value != nil {
			s.Default = v.Value.String()
		}
	case *cli.StringSliceFlag, *cli.IntSliceFlag, *cli.Int64SliceFlag:
		s.Repeatable = true
	}
	if dt := explicitDefaultText(f); dt != "" {
		s.Default = dt
	}
	if strings.Contains(s.Usage, "(default") {
		s.Default = "" // the usage text says it better
	}
	return s
}

// explicitDefaultText is the flag's DefaultText when it sets one.
func explicitDefaultText(f cli.Flag) string {
	switch v := f.(type) {
	case *cli.StringFlag:
		return v.DefaultText
	case *cli.IntFlag:
		return v.DefaultText
	case *cli.Int64Flag:
		return v.DefaultText
	case *cli.DurationFlag:
		return v.DefaultText
	case *cli.GenericFlag:
		return v.DefaultText
	}
	return ""
}

// Long is the flag's long name.
func (s flagSpec) Long() string { return s.Names[0] }

// dashed is name with its dashes: -f, --format.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// sortedNames is the names with one-letter aliases first: f, format.
func (s flagSpec) sortedNames() []string {
	var short, long []string
	for _, n := range s.Names {
		if len(n) == 1 {
			short = append(short, n)
		} else {
			long = append(long, n)
		}
	}
	return append(short, long...)
}

// Synopsis is "-f, --format FORMAT" (short aliases first).
func (s flagSpec) Synopsis() string {
	var names []string
	for _, n := range s.sortedNames() {
		names = append(names, dashed(n))
	}
	out := strings.Join(names, ", ")
	if s.Placeholder != "" {
		out += " " + s.Placeholder
	}
	return out
}

// Text is the usage with its default: what --help and the man page say.
func (s flagSpec) Text() string {
	t := s.Usage
	if s.Default != "" {
		t += " (default: " + s.Default + ")"
	}
	return t
}

// specsOf reads a command's flags.
func specsOf(flags []cli.Flag) []flagSpec {
	var out []flagSpec
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		out = append(out, specOf(f))
	}
	return out
}

// helpWidth is the width --help is laid out for, and helpColumn the widest
// flag column: a longer flag puts its description on the next line, so
// one long flag does not push every description to the right margin.
const (
	helpWidth  = 100
	helpColumn = 30
)

// optionsHelp is the OPTIONS block of --help: each flag's synopsis, then
// its description wrapped at helpWidth.
func optionsHelp(flags []cli.Flag) string {
	specs := specsOf(flags)
	col := 0
	for _, s := range specs {
		if n := len(s.Synopsis()); n <= helpColumn && n > col {
			col = n
		}
	}
	var b strings.Builder
	indent := strings.Repeat(" ", 3+col+2)
	for _, s := range specs {
		syn := s.Synopsis()
		b.WriteString("\n   ")
		b.WriteString(syn)
		lines := wrapWords(s.Text(), helpWidth-len(indent))
		if len(syn) > col {
			b.WriteString("\n" + indent)
		} else {
			b.WriteString(strings.Repeat(" ", col-len(syn)+2))
		}
		b.WriteString(strings.Join(lines, "\n"+indent))
	}
	return b.String()
}

// wrapWords breaks text into lines of at most width columns at spaces.
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	return append(lines, line)
}

// appHelpTemplate and commandHelpTemplate are urfave/cli's templates with
// the OPTIONS block from optionsHelp.
const appHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{.HelpName}} [--version] COMMAND [options] [ARGUMENTS...]{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}

COMMANDS:{{template "visibleCommandCategoryTemplate" .}}

GLOBAL OPTIONS:{{options .VisibleFlags}}

Flags may come before or after arguments; -- ends them. 'litesweep help COMMAND' shows one command.
`

const commandHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{.HelpName}} [options]{{if .ArgsUsage}}{{if ne (trim .ArgsUsage) ""}} {{.ArgsUsage}}{{end}}{{end}}{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}{{if .VisibleFlags}}

OPTIONS:{{options .VisibleFlags}}{{end}}
`

// printHelp is urfave/cli's help printer with the options function the
// templates above use.
func printHelp(w io.Writer, templ string, data any) {
	cli.HelpPrinterCustom(w, templ, data, map[string]any{"options": optionsHelp})
}

func init() {
	// urfave/cli v2's one hook for how help is printed.
	cli.HelpPrinter = printHelp
}

// checkSpecs fails when a flag's definition cannot be shown well: a value
// flag without a placeholder in its usage. Tests call it for every command.
func checkSpecs(app *cli.App) error {
	for _, cmd := range app.Commands {
		for _, s := range specsOf(cmd.Flags) {
			if s.Placeholder == "VALUE" {
				return fmt.Errorf("%s --%s: usage has no `PLACEHOLDER`", cmd.Name, s.Long())
			}
		}
	}
	return nil
}

// unquoteUsage splits a usage text into its `PLACEHOLDER` and the text
// without the backquotes (urfave/cli's convention; its own is unexported).
func unquoteUsage(usage string) (placeholder, text string) {
	i := strings.IndexByte(usage, '`')
	if i < 0 {
		return "", usage
	}
	j := strings.IndexByte(usage[i+1:], '`')
	if j < 0 {
		return "", usage
	}
	name := usage[i+1 : i+1+j]
	return name, usage[:i] + name + usage[i+2+j:]
}

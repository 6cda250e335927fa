package history

import (
	"strings"

	"github.com/litesweep/litesweep/collectors/installcmd"
)

// Ellipsis replaces every word of a command line that evidence does not
// keep.
const Ellipsis = installcmd.Ellipsis

// dialectOf is the shell language of a history format.
func dialectOf(f Format) installcmd.Dialect {
	switch f {
	case Fish:
		return installcmd.Fish
	case PowerShell:
		return installcmd.PowerShell
	}
	return installcmd.POSIX
}

// Evidence text for a history finding is built from allow-listed parts of
// the command line, never by deleting what looks secret: the package tool
// and subcommand, the specifiers naming an affected distribution (rebuilt
// from their parsed form), the options that change where a package comes
// from (-r FILE, --index-url reduced to scheme://host) and, for a C2
// mention, the indicator itself. Every other word, operator and command of
// the line is one Ellipsis. A line the shell parser cannot read gives
// "[unparsed command at LINE] NAME" and nothing else.

// evidenced is an install with the evidence text of its command line.
type evidenced struct {
	in   installcmd.Install
	text string
}

// unparsedText is the evidence of a line too odd to parse.
func unparsedText(line, name string) string {
	return "[unparsed command at " + line + "] " + name
}

// installEvidence finds the installs of tracked packages in a history
// entry and builds the evidence text of each.
func installEvidence(cmdline string, d installcmd.Dialect, line string, j *installcmd.Judge) []evidenced {
	var out []evidenced
	cmds, err := installcmd.Parse(cmdline, d)
	if err != nil {
		for _, c := range installcmd.Lenient(cmdline) {
			ins, _ := j.Analyze(c.Words)
			for _, in := range ins {
				out = append(out, evidenced{in: in, text: unparsedText(line, in.Package.Name)})
			}
		}
		return out
	}
	for ci, c := range cmds {
		ins, keep := j.Analyze(c.Words)
		if len(ins) == 0 {
			continue
		}
		text := join(ci > 0, installcmd.Render(c.Words, keep), ci < len(cmds)-1)
		for _, in := range ins {
			out = append(out, evidenced{in: in, text: text})
		}
	}
	return out
}

// mentionTools are commands shown by name in the evidence of a C2 mention.
var mentionTools = map[string]bool{"curl": true, "wget": true, "ping": true, "nc": true, "ncat": true, "netcat": true,
	"dig": true, "nslookup": true, "host": true, "ssh": true, "scp": true, "telnet": true, "traceroute": true,
	"openssl": true, "whois": true, "grep": true, "echo": true, "python": true, "python3": true, "iptables": true,
	"invoke-webrequest": true, "iwr": true, "invoke-restmethod": true, "irm": true, "test-netconnection": true,
	"resolve-dnsname": true, "start-process": true}

// mentionText shows a command naming a network indicator: the command's
// name when it is a known network tool, the indicator, and placeholders.
func mentionText(cmdline string, d installcmd.Dialect, line string, mn Mention) string {
	cmds, err := installcmd.Parse(cmdline, d)
	if err != nil {
		return unparsedText(line, mn.Value)
	}
	for ci, c := range cmds {
		keep := map[int]string{}
		for j, w := range c.Words {
			lw := strings.ToLower(w.Lit)
			switch {
			case lw == mn.Value:
				keep[j] = mn.Value
			case strings.Contains(lw, mn.Value):
				keep[j] = Ellipsis + mn.Value + Ellipsis
			}
		}
		if len(keep) == 0 {
			continue
		}
		if b := strings.ToLower(installcmd.Base(c.Words[0])); mentionTools[b] && !c.Words[0].Dynamic {
			keep[0] = b
		}
		return join(ci > 0, installcmd.Render(c.Words, keep), ci < len(cmds)-1)
	}
	return Ellipsis + " " + mn.Value + " " + Ellipsis
}

// join adds placeholders for the commands before and after, collapsing
// adjacent ones.
func join(before bool, s string, after bool) string {
	if before && !strings.HasPrefix(s, Ellipsis+" ") && s != Ellipsis {
		s = Ellipsis + " " + s
	}
	if after && !strings.HasSuffix(s, " "+Ellipsis) && s != Ellipsis {
		s += " " + Ellipsis
	}
	return s
}

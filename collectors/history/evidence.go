package history

import (
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

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
	in   Install
	text string
}

// unparsedText is the evidence of a line too odd to parse.
func unparsedText(line, name string) string {
	return "[unparsed command at " + line + "] " + name
}

// installEvidence finds the installs of tracked packages in a history
// entry and builds the evidence text of each.
func installEvidence(cmdline string, d dialect, line string, m *iocs.Matcher) []evidenced {
	var out []evidenced
	cmds, err := parseLine(cmdline, d)
	if err != nil {
		for _, c := range lenientWords(cmdline) {
			for _, in := range analyzeCommand(c.words, m).installs {
				out = append(out, evidenced{in: in, text: unparsedText(line, in.Package.Name)})
			}
		}
		return out
	}
	for ci, c := range cmds {
		a := analyzeCommand(c.words, m)
		if len(a.installs) == 0 {
			continue
		}
		text := join(ci > 0, render(c.words, a.keep), ci < len(cmds)-1)
		for _, in := range a.installs {
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
func mentionText(cmdline string, d dialect, line string, mn Mention) string {
	cmds, err := parseLine(cmdline, d)
	if err != nil {
		return unparsedText(line, mn.Value)
	}
	for ci, c := range cmds {
		keep := map[int]string{}
		for j, w := range c.words {
			lw := strings.ToLower(w.lit)
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
		if b := strings.ToLower(base(c.words[0])); mentionTools[b] && !c.words[0].dynamic {
			keep[0] = b
		}
		return join(ci > 0, render(c.words, keep), ci < len(cmds)-1)
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

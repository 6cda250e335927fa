package iocs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Section is a part of a pack some collector relies on. A pack without it
// halves what a sweep finds, silently, so a pack lacking one is refused
// unless the user says it is partial on purpose (--iocs-partial).
type Section struct {
	// Field is the pack field ("persistence", "ci.actions").
	Field string
	// What it is, for messages.
	What string
	// Users are the collectors that read it.
	Users string
	empty func(*Pack) bool
}

// Sections are the sections every collector relies on, in pack order.
var Sections = []Section{
	{"windows", "exposure windows", "timeline, github, history", func(p *Pack) bool { return len(p.Windows) == 0 }},
	{"packages", "affected releases", "python, lockfile, cache, history, image", func(p *Pack) bool { return len(p.Packages) == 0 }},
	{"files", "known payload files", "python, persistence, cache", func(p *Pack) bool { return len(p.Files) == 0 }},
	{"strings", "payload strings", "python, persistence, cache", func(p *Pack) bool { return len(p.Strings) == 0 }},
	{"persistence", "persistence paths", "persistence, live", func(p *Pack) bool { return len(p.Persistence) == 0 }},
	{"staging", "exfiltration staging names", "persistence", func(p *Pack) bool { return len(p.Staging) == 0 }},
	{"network", "network indicators", "live, history", func(p *Pack) bool { return len(p.Network) == 0 }},
	{"processes", "process command lines", "live", func(p *Pack) bool { return len(p.Processes) == 0 }},
	{"ci.install_pattern", "CI install-line pattern", "github, history", func(p *Pack) bool { return p.CI.InstallPattern == "" }},
	{"ci.actions", "compromised GitHub Actions", "github", func(p *Pack) bool { return len(p.CI.Actions) == 0 }},
	{"ci.log_strings", "CI log strings", "github", func(p *Pack) bool { return len(p.CI.LogStrings) == 0 }},
	{"ci.repo_names", "exfiltration repository names", "github", func(p *Pack) bool { return len(p.CI.RepoNames) == 0 }},
	{"kubernetes", "Kubernetes object patterns", "kube", func(p *Pack) bool { return len(p.Kubernetes) == 0 }},
	{"credentials", "credential targets", "creds, rotate", func(p *Pack) bool { return len(p.Credentials) == 0 }},
}

// Missing returns the sections the pack lacks ("field (what)").
func (p *Pack) Missing() []string {
	var out []string
	for _, s := range Sections {
		if s.empty(p) {
			out = append(out, s.Field+" ("+s.What+")")
		}
	}
	return out
}

// fieldPathRe splits "ci.actions[0].bad_shas[2]" into keys and indices.
var fieldPathRe = regexp.MustCompile(`[^.\[\]]+|\[\d+\]`)

// lineOf returns the line of the deepest node of a field path in the
// document (0 when the document is nil).
func lineOf(doc *yaml.Node, field string) int {
	n := doc
	if n == nil {
		return 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, seg := range fieldPathRe.FindAllString(field, -1) {
		var next *yaml.Node
		if strings.HasPrefix(seg, "[") {
			i, _ := strconv.Atoi(strings.Trim(seg, "[]"))
			if n.Kind == yaml.SequenceNode && i < len(n.Content) {
				next = n.Content[i]
			}
		} else if n.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == seg {
					next = n.Content[j+1]
					line = n.Content[j].Line
					break
				}
			}
		}
		if next == nil {
			break
		}
		n = next
		line = n.Line
	}
	return line
}

// checkTimes checks every windows[i].start/end scalar before decoding, so a
// bad time is reported with its field and line (the YAML decoder's own
// error names neither).
func checkTimes(doc *yaml.Node) []string {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var errs []string
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(root.Content); j += 2 {
		if root.Content[j].Value != "windows" || root.Content[j+1].Kind != yaml.SequenceNode {
			continue
		}
		for i, w := range root.Content[j+1].Content {
			if w.Kind != yaml.MappingNode {
				continue
			}
			for k := 0; k+1 < len(w.Content); k += 2 {
				key, val := w.Content[k].Value, w.Content[k+1]
				if key != "start" && key != "end" {
					continue
				}
				var t time.Time
				if err := val.Decode(&t); err != nil {
					errs = append(errs, fmt.Sprintf("line %d: windows[%d].%s: %q is not a time (want RFC 3339 in UTC, e.g. 2026-03-24T10:39:00Z)", val.Line, i, key, val.Value))
				}
			}
		}
	}
	return errs
}

// quotedRe finds the first quoted value in a decoder error.
var quotedRe = regexp.MustCompile(`"([^"]*)"`)

// locate adds a line to a decoder error that has none, by finding the
// scalar the error quotes.
func locate(doc *yaml.Node, err error) string {
	msg := err.Error()
	if strings.Contains(msg, "line ") || doc == nil {
		return msg
	}
	m := quotedRe.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	var find func(n *yaml.Node) int
	find = func(n *yaml.Node) int {
		if n.Kind == yaml.ScalarNode && n.Value == m[1] {
			return n.Line
		}
		for _, c := range n.Content {
			if l := find(c); l > 0 {
				return l
			}
		}
		return 0
	}
	if l := find(doc); l > 0 {
		return fmt.Sprintf("line %d: %s", l, msg)
	}
	return msg
}

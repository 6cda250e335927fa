package history

import (
	"strings"

	"github.com/litesweep/litesweep/iocs"
)

// Mention is a command line naming a network indicator.
type Mention struct {
	ID, Value, Role string
}

// networkNeedles are the pack's domains, URLs and IPs, matched in command lines.
type needle struct {
	id, value, role string
	ip              bool
}

func needles(m *iocs.Matcher) []needle {
	var out []needle
	for _, n := range m.Pack().Network {
		out = append(out, needle{id: n.ID, value: strings.ToLower(n.Value), role: n.Role, ip: n.Kind == "ip"})
	}
	return out
}

// mentions finds network indicators in a command line (IPs on octet
// boundaries, so 83.142.209.11 does not match 83.142.209.110). A match
// inside a longer one names nothing of its own: the parent domain
// litellm.cloud inside models.litellm.cloud is that one host, one mention.
func mentions(cmd string, ns []needle) []Mention {
	lc := strings.ToLower(cmd)
	type span struct{ start, end int }
	found := make([][]span, len(ns))
	for k, n := range ns {
		for i := strings.Index(lc, n.value); i >= 0; {
			end := i + len(n.value)
			// A subdomain of a C2 domain is still the C2 ("x.checkmarx.zone").
			okStart := i == 0 || !isHostChar(lc[i-1], n.ip) || (!n.ip && lc[i-1] == '.')
			okEnd := end == len(lc) || !isHostChar(lc[end], n.ip)
			if okStart && okEnd {
				found[k] = append(found[k], span{i, end})
			}
			j := strings.Index(lc[end:], n.value)
			if j < 0 {
				break
			}
			i = end + j
		}
	}
	inside := func(s span, self int) bool {
		for k, ss := range found {
			for _, o := range ss {
				if k != self && o.start <= s.start && s.end <= o.end && o.end-o.start > s.end-s.start {
					return true
				}
			}
		}
		return false
	}
	var out []Mention
	for k, n := range ns {
		for _, s := range found[k] {
			if !inside(s, k) {
				out = append(out, Mention{ID: n.id, Value: n.value, Role: n.role})
				break
			}
		}
	}
	return out
}

func isHostChar(c byte, ip bool) bool {
	if c >= '0' && c <= '9' || c == '.' {
		return true
	}
	if ip {
		return false
	}
	return c >= 'a' && c <= 'z' || c == '-'
}

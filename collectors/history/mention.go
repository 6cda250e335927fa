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
// boundaries, so 83.142.209.11 does not match 83.142.209.110).
func mentions(cmd string, ns []needle) []Mention {
	lc := strings.ToLower(cmd)
	var out []Mention
	for _, n := range ns {
		i := strings.Index(lc, n.value)
		for i >= 0 {
			end := i + len(n.value)
			// A subdomain of a C2 domain is still the C2 ("x.checkmarx.zone").
			okStart := i == 0 || !isHostChar(lc[i-1], n.ip) || (!n.ip && lc[i-1] == '.')
			okEnd := end == len(lc) || !isHostChar(lc[end], n.ip)
			if okStart && okEnd {
				out = append(out, Mention{ID: n.id, Value: n.value, Role: n.role})
				break
			}
			j := strings.Index(lc[end:], n.value)
			if j < 0 {
				break
			}
			i = end + j
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

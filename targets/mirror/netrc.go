package mirror

import (
	"bufio"
	"bytes"
	"os"
	"strings"

	"github.com/litesweep/litesweep/sweep"
)

// Netrc holds ~/.netrc credentials by host (the format curl, pip and
// requests read: machine/default entries with login and password tokens;
// macdef bodies are skipped).
type Netrc struct {
	machines map[string][2]string
	def      *[2]string
}

// maxNetrc caps the file read.
const maxNetrc = 1 << 20

// ReadNetrc reads a netrc file; a missing file is an empty Netrc.
func ReadNetrc(path string) (*Netrc, error) {
	b, err := sweep.ReadInputLimit(path, maxNetrc)
	if os.IsNotExist(err) {
		return &Netrc{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseNetrc(b), nil
}

// ParseNetrc parses netrc text.
func ParseNetrc(b []byte) *Netrc {
	n := &Netrc{machines: map[string][2]string{}}
	var (
		host    string
		isDef   bool
		cur     [2]string
		inEntry bool
	)
	flush := func() {
		if !inEntry {
			return
		}
		if isDef {
			c := cur
			n.def = &c
		} else if _, dup := n.machines[host]; !dup {
			n.machines[host] = cur
		}
		inEntry, isDef, cur = false, false, [2]string{}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), maxNetrc)
	inMacro := false
	var toks []string
	for sc.Scan() {
		line := sc.Text()
		if inMacro {
			if strings.TrimSpace(line) == "" {
				inMacro = false
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		fs := strings.Fields(line)
		for i := 0; i < len(fs); i++ {
			if fs[i] == "macdef" {
				toks = append(toks, fs[:i]...)
				inMacro = true
				fs = nil
				break
			}
		}
		toks = append(toks, fs...)
	}
	for i := 0; i < len(toks); i++ {
		next := func() string {
			if i+1 < len(toks) {
				i++
				return toks[i]
			}
			return ""
		}
		switch toks[i] {
		case "machine":
			flush()
			host, inEntry = strings.ToLower(next()), true
		case "default":
			flush()
			isDef, inEntry = true, true
		case "login":
			cur[0] = next()
		case "password":
			cur[1] = next()
		case "account":
			next()
		}
	}
	flush()
	return n
}

// Lookup returns the login and password for a host name (no port).
func (n *Netrc) Lookup(host string) (login, password string, ok bool) {
	if n == nil {
		return "", "", false
	}
	if c, ok := n.machines[strings.ToLower(host)]; ok {
		return c[0], c[1], true
	}
	if n.def != nil {
		return n.def[0], n.def[1], true
	}
	return "", "", false
}

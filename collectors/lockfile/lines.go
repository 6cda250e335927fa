package lockfile

import (
	"regexp"
	"sort"
	"strings"
)

// lineIndex answers the line-number questions of one file (where is this
// quoted string, this key, the next `name = "..."`) from indexes built in
// one pass, so a file of N entries costs O(size), not O(N*size).
type lineIndex struct {
	lines   []string
	quoted  map[string]int   // quoted literal -> first 1-based line
	keys    map[string][]int // assigned key -> lines, ascending
	headers map[string]int   // "[table]" header (spaces removed) -> first line
	names   map[string][]int // value of a `name = "..."` line -> lines, ascending
}

func newLineIndex(data []byte) *lineIndex {
	return &lineIndex{lines: strings.Split(string(data), "\n")}
}

// quotedLine is the first line holding "s" or 's' as a whole literal (0 if none).
func (ix *lineIndex) quotedLine(s string) int {
	if ix.quoted == nil {
		ix.quoted = map[string]int{}
		for n, l := range ix.lines {
			for i := 0; i < len(l); i++ {
				q := l[i]
				if q != '"' && q != '\'' {
					continue
				}
				j := strings.IndexByte(l[i+1:], q)
				if j < 0 {
					break
				}
				lit := l[i+1 : i+1+j]
				if _, ok := ix.quoted[lit]; !ok {
					ix.quoted[lit] = n + 1
				}
				i += j + 1
			}
		}
	}
	return ix.quoted[s]
}

var (
	keyRe  = regexp.MustCompile(`^\s*["']?([^"'\s=]+)["']?\s*=`)
	nameRe = regexp.MustCompile(`^\s*name\s*=\s*["']([^"']*)["']`)
)

// keyLine finds the line where a key named name is assigned, in the table
// whose header is header ("[tool.poetry.dependencies]") when it is found,
// else anywhere.
func (ix *lineIndex) keyLine(header, name string) int {
	if ix.keys == nil {
		ix.keys, ix.headers = map[string][]int{}, map[string]int{}
		for n, l := range ix.lines {
			if m := keyRe.FindStringSubmatch(l); m != nil {
				ix.keys[m[1]] = append(ix.keys[m[1]], n+1)
			}
			if h := strings.ReplaceAll(strings.TrimSpace(l), " ", ""); strings.HasPrefix(h, "[") {
				if _, ok := ix.headers[h]; !ok {
					ix.headers[h] = n + 1
				}
			}
		}
	}
	ls := ix.keys[name]
	if len(ls) == 0 {
		return 0
	}
	if h := ix.headers[header]; header != "" && h > 0 {
		if i := sort.SearchInts(ls, h+1); i < len(ls) {
			return ls[i]
		}
	}
	return ls[0]
}

// nameLine finds the first `name = "name"` line after line after (0 if none).
func (ix *lineIndex) nameLine(name string, after int) int {
	if ix.names == nil {
		ix.names = map[string][]int{}
		for n, l := range ix.lines {
			if m := nameRe.FindStringSubmatch(l); m != nil {
				ix.names[m[1]] = append(ix.names[m[1]], n+1)
			}
		}
	}
	ls := ix.names[name]
	if i := sort.SearchInts(ls, after+1); i < len(ls) {
		return ls[i]
	}
	return 0
}

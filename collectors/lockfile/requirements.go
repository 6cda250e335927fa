package lockfile

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// reqState carries include handling across nested requirement files.
type reqState struct {
	resolve Resolver
	seen    map[string]bool
}

// logicalLine is a requirements line after joining "\" continuations.
type logicalLine struct {
	text string
	line int
}

func logicalLines(data []byte) []logicalLine {
	var out []logicalLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, start := 0, 0
	var cur strings.Builder
	for sc.Scan() {
		n++
		l := strings.TrimRight(sc.Text(), "\r")
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(l)
		out = append(out, logicalLine{cur.String(), start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, logicalLine{cur.String(), start})
	}
	return out
}

// stripComment removes a "#" comment (at the start or after whitespace).
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

func (st *reqState) parse(r *Result, file string, data []byte, constraint bool, depth int) {
	for _, ll := range logicalLines(data) {
		st.parseLine(r, file, ll, constraint, depth)
	}
}

// parseLine parses one logical requirements line.
func (st *reqState) parseLine(r *Result, file string, ll logicalLine, constraint bool, depth int) {
	s := strings.TrimSpace(stripComment(ll.text))
	if s == "" {
		return
	}
	fields := strings.Fields(s)
	if strings.HasPrefix(s, "-") {
		opt, val, hasVal := strings.Cut(fields[0], "=")
		if !hasVal && len(fields) > 1 {
			val = fields[1]
		}
		switch opt {
		case "-r", "--requirement", "-c", "--constraint":
			if val == "" {
				r.Problems = append(r.Problems, Problem{File: file, Line: ll.line, Message: opt + " without a file"})
				return
			}
			st.include(r, file, ll.line, val, constraint || opt == "-c" || opt == "--constraint", depth)
		case "-e", "--editable":
			if req, ok := editableReq(val); ok {
				req.File, req.Line, req.Constraint = file, ll.line, constraint
				r.Requirements = append(r.Requirements, req)
			}
		}
		// Other options (-i, --pre, --require-hashes, ...) carry no
		// requirement.
		return
	}
	// The requirement is everything before the first per-requirement
	// option (--hash, --global-option, --config-settings).
	reqText := s
	var hashes []string
	if i := indexOption(s); i >= 0 {
		reqText = strings.TrimSpace(s[:i])
		opts := strings.Fields(s[i:])
		for j := 0; j < len(opts); j++ {
			o, v, has := strings.Cut(opts[j], "=")
			if !has && j+1 < len(opts) && !strings.HasPrefix(opts[j+1], "-") {
				v = opts[j+1]
				j++
			}
			if o == "--hash" {
				hashes = append(hashes, strings.ToLower(v))
			}
		}
	}
	req, err := parseReqLine(reqText)
	if err != nil {
		r.Problems = append(r.Problems, Problem{File: file, Line: ll.line, Message: err.Error()})
		return
	}
	req.Hashes = hashes
	req.File, req.Line, req.Constraint = file, ll.line, constraint
	r.Requirements = append(r.Requirements, req)
}

// indexOption finds the first per-requirement option after the requirement text.
func indexOption(s string) int {
	best := -1
	for _, o := range []string{" --hash", "\t--hash", " --global-option", " --config-settings", " --install-option"} {
		if j := strings.Index(s, o); j >= 0 && (best < 0 || j < best) {
			best = j
		}
	}
	return best
}

// parseReqLine parses a requirement line: PEP 508, or a bare URL or path to
// a wheel or sdist.
func parseReqLine(s string) (Requirement, error) {
	if looksLikePath(s) {
		u, marker, _ := strings.Cut(s, " ;")
		u = strings.TrimSpace(u)
		if i := strings.Index(u, "#egg="); i >= 0 {
			name := u[i+5:]
			if j := strings.IndexAny(name, "&["); j >= 0 {
				name = name[:j]
			}
			if name == "" {
				return Requirement{}, fmt.Errorf("direct reference with an empty #egg= name: %q", clip(StripUserinfo(u)))
			}
			return Requirement{Name: name, URL: StripUserinfo(u), Marker: strings.TrimSpace(marker)}, nil
		}
		n, v, ok := DistFromFilename(urlBase(u))
		if !ok {
			return Requirement{}, fmt.Errorf("direct reference without a distribution name: %q", clip(StripUserinfo(u)))
		}
		return Requirement{Name: n, Version: v, URL: StripUserinfo(u), Marker: strings.TrimSpace(marker)}, nil
	}
	return ParseRequirement(s)
}

func looksLikePath(s string) bool {
	if strings.Contains(s, "://") && !strings.Contains(strings.SplitN(s, "://", 2)[0], "@") {
		return true
	}
	return strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") ||
		strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip")
}

// editableReq reads "-e git+https://...#egg=name" or "-e ./path".
func editableReq(v string) (Requirement, bool) {
	i := strings.Index(v, "#egg=")
	if i < 0 {
		return Requirement{}, false
	}
	name := v[i+5:]
	if j := strings.IndexAny(name, "&["); j >= 0 {
		name = name[:j]
	}
	if name == "" {
		return Requirement{}, false
	}
	return Requirement{Name: name, URL: StripUserinfo(v), Group: "editable"}, true
}

func (st *reqState) include(r *Result, from string, line int, ref string, constraint bool, depth int) {
	if st.resolve == nil {
		r.Problems = append(r.Problems, Problem{File: from, Line: line, Message: fmt.Sprintf("include %q: %v", clip(StripUserinfo(ref)), ErrNoResolver)})
		return
	}
	if depth >= MaxIncludeDepth {
		r.Problems = append(r.Problems, Problem{File: from, Line: line, Message: fmt.Sprintf("include %q: nested deeper than %d", clip(ref), MaxIncludeDepth)})
		return
	}
	p, data, err := st.resolve(from, ref)
	if err != nil {
		r.Problems = append(r.Problems, Problem{File: from, Line: line, Message: fmt.Sprintf("include %q: %v", clip(StripUserinfo(ref)), err)})
		return
	}
	if st.seen[p] {
		return // include cycle or repeated include: already read
	}
	st.seen[p] = true
	st.parse(r, p, data, constraint, depth+1)
}

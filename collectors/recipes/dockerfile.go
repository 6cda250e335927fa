package recipes

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/litesweep/litesweep/collectors/installcmd"
)

// script is shell text of a recipe with the source line of each of its
// parts: without starts, script line i is source line lines[i]; with
// starts (an instruction whose lines were joined), the text from byte
// starts[i] on came from source line lines[i].
type script struct {
	text    string
	lines   []int
	starts  []int
	dialect installcmd.Dialect
	// words, when set, is an exec-form command (no shell).
	words []string
	// what names the construct for titles ("Dockerfile RUN", "Makefile recipe").
	what string
}

// lineAt is the source line of a byte offset of the script.
func (s script) lineAt(off int) int {
	i := strings.Count(s.text[:min(max(off, 0), len(s.text))], "\n")
	if s.starts != nil {
		i = max(sort.SearchInts(s.starts, off+1)-1, 0)
	}
	if i < len(s.lines) {
		return s.lines[i]
	}
	if len(s.lines) > 0 {
		return s.lines[len(s.lines)-1]
	}
	return 0
}

var (
	// directiveRe is a parser directive line (BuildKit's DirectiveParser);
	// directives are read until the first line that is not one.
	directiveRe = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)
	// heredocWord is a word of a RUN line that opens a here-document
	// (BuildKit's reHeredoc): optional fd, <<, optional -, the name.
	heredocWord = regexp.MustCompile(`^(\d*)<<(-?)(.+)$`)
	shellNames  = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true}
	psNames     = map[string]bool{"powershell": true, "powershell.exe": true, "pwsh": true, "pwsh.exe": true}
)

// isDockerfile: Dockerfile, Containerfile, Dockerfile.x, x.Dockerfile.
func isDockerfile(p string) bool {
	b := strings.ToLower(path.Base(p))
	for _, n := range []string{"dockerfile", "containerfile"} {
		if b == n || strings.HasPrefix(b, n+".") || strings.HasSuffix(b, "."+n) {
			return true
		}
	}
	return false
}

// dockerfileScripts returns the RUN instructions of a Dockerfile as
// scripts, read as BuildKit's Dockerfile parser reads them
// (frontend/dockerfile/parser): parser directives only at the top (the
// escape directive honoured), an instruction's lines joined where a line
// ends with the escape character (then spaces or tabs, and not itself
// escaped) by removing it and the line break, comment lines and blank
// lines inside an instruction dropped, the builder flags (--mount=...,
// --network=...) skipped; heredoc bodies read as the script when the
// heredoc is what runs (a body with a #! line runs under that
// interpreter) or feeds a shell; exec form ["pip", "install", ...] as
// words (["sh", "-c", "..."] as a script). The shell is the stage's SHELL
// (PowerShell when it names powershell or pwsh), POSIX otherwise.
// ONBUILD RUN is read as well: it runs in every image built FROM this one.
func dockerfileScripts(data string) []script {
	out, _ := parseDockerfile(data)
	return out
}

// dockerInstruction is an ARG or FROM instruction of a Dockerfile: its
// keyword (upper case), its text after the builder flags, and the line it
// starts on.
type dockerInstruction struct {
	instr, text string
	line        int
}

// parseDockerfile reads a Dockerfile as dockerfileScripts describes and
// returns its RUN scripts and its ARG and FROM instructions, in order.
func parseDockerfile(data string) ([]script, []dockerInstruction) {
	var instrs []dockerInstruction
	lines := strings.Split(data, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r\n")
	}
	lines[0] = strings.TrimPrefix(lines[0], "\ufeff")
	escape := byte('\\')
	for _, l := range lines {
		m := directiveRe.FindStringSubmatch(strings.TrimLeftFunc(l, unicode.IsSpace))
		if m == nil {
			break
		}
		k := strings.ToLower(m[1])
		if k != "syntax" && k != "escape" && k != "check" {
			break
		}
		if k == "escape" && (m[2] == "`" || m[2] == `\`) {
			escape = m[2][0]
		}
	}
	// continued: the line ends with the escape character, then blanks, and
	// that character is not itself escaped; it returns the line without them.
	continued := func(l string) (string, bool) {
		t := strings.TrimRight(l, " \t")
		if !strings.HasSuffix(t, string(escape)) {
			return l, false
		}
		t = t[:len(t)-1]
		if t != "" && t[len(t)-1] == escape {
			return l, false
		}
		return t, true
	}
	isComment := func(l string) bool { return strings.HasPrefix(strings.TrimLeftFunc(l, unicode.IsSpace), "#") }
	dialect := installcmd.POSIX
	var out []script
	for i := 0; i < len(lines); i++ {
		first := strings.TrimLeftFunc(lines[i], unicode.IsSpace)
		if isComment(first) {
			continue
		}
		text, more := continued(first)
		if !more && text == "" {
			continue
		}
		var b strings.Builder
		b.WriteString(text)
		starts, src := []int{0}, []int{i + 1}
		for more && i+1 < len(lines) {
			i++
			l := lines[i]
			if isComment(l) || strings.TrimLeftFunc(l, unicode.IsSpace) == "" {
				continue
			}
			starts, src = append(starts, b.Len()), append(src, i+1)
			l, more = continued(l)
			b.WriteString(l)
		}
		line := b.String()
		instr, off := line, len(line)
		if k := strings.IndexAny(line, " \t\v\f\r"); k >= 0 {
			instr, off = line[:k], k
		}
		what := "Dockerfile RUN"
		if strings.EqualFold(instr, "ONBUILD") {
			// ONBUILD RUN runs in every image built FROM this one.
			sub := strings.TrimLeft(line[off:], " \t\v\f\r")
			off = len(line) - len(sub)
			instr = sub
			if k := strings.IndexAny(sub, " \t\v\f\r"); k >= 0 {
				instr, off = sub[:k], off+k
			}
			if !strings.EqualFold(instr, "RUN") {
				continue
			}
			what = "Dockerfile ONBUILD RUN"
		}
		off = skipBuilderFlags(line, off)
		body := strings.TrimRight(line[off:], " \t\v\f\r")
		at := func(s script) script {
			// the source lines of body[0:], from those of line[off:]
			for k := range starts {
				s.starts = append(s.starts, max(starts[k]-off, 0))
			}
			s.lines = src
			return s
		}
		switch strings.ToUpper(instr) {
		case "ARG":
			instrs = append(instrs, dockerInstruction{instr: "ARG", text: body, line: src[0]})
			continue
		case "FROM":
			instrs = append(instrs, dockerInstruction{instr: "FROM", text: body, line: src[0]})
			dialect = installcmd.POSIX // each stage starts with the default shell
			continue
		case "SHELL":
			var argv []string
			if json.Unmarshal([]byte(body), &argv) == nil && len(argv) > 0 {
				dialect = installcmd.POSIX
				if psNames[strings.ToLower(path.Base(strings.ReplaceAll(argv[0], `\`, "/")))] {
					dialect = installcmd.PowerShell
				}
			}
			continue
		case "RUN":
		default:
			continue
		}
		if strings.HasPrefix(body, "[") {
			var argv []string
			if json.Unmarshal([]byte(body), &argv) == nil && len(argv) > 0 {
				base := strings.ToLower(path.Base(strings.ReplaceAll(argv[0], `\`, "/")))
				switch {
				case shellNames[base] && len(argv) >= 3 && argv[1] == "-c":
					out = append(out, script{text: argv[2], lines: src[:1], dialect: installcmd.POSIX, what: what})
				case psNames[base] && len(argv) >= 3 && strings.EqualFold(argv[1], "-Command"):
					out = append(out, script{text: strings.Join(argv[2:], " "), lines: src[:1], dialect: installcmd.PowerShell, what: what})
				default:
					out = append(out, script{words: argv, lines: src[:1], what: what})
				}
				continue
			}
		}
		var docs []heredoc
		if strings.Contains(body, "<<") {
			docs = heredocsOf(body)
		}
		if len(docs) == 0 {
			out = append(out, at(script{text: body, dialect: dialect, what: what}))
			continue
		}
		// Heredoc bodies follow the instruction's last line, in order.
		for d := range docs {
			var btext []string
			for i++; i < len(lines); i++ {
				l := lines[i]
				if docs[d].chomp {
					l = strings.TrimLeft(l, "\t")
				}
				if l == docs[d].name {
					break
				}
				btext = append(btext, l)
				docs[d].lines = append(docs[d].lines, i+1)
			}
			docs[d].body = strings.Join(btext, "\n")
		}
		if len(docs) == 1 && docs[0].word == body {
			// The heredoc alone: BuildKit runs its body, with the
			// interpreter of its #! line when it has one, else with the shell.
			d := docs[0]
			interp, isScript := strings.CutPrefix(d.body, "#!")
			if isScript {
				f := strings.Fields(strings.SplitN(interp, "\n", 2)[0])
				if len(f) > 1 && path.Base(f[0]) == "env" {
					f = f[1:]
				}
				if len(f) == 0 || !shellNames[path.Base(f[0])] {
					continue // Python, Node...: not shell text
				}
			}
			out = append(out, script{text: d.body, lines: d.lines, dialect: dialect, what: what})
			continue
		}
		// A command with heredocs: the shell runs the command line; a body
		// is shell text when the command it is the input of is a shell
		// (sh <<EOF, bash <<-EOF), else data (cat <<EOF >file, python3 <<EOF).
		out = append(out, at(script{text: body, dialect: dialect, what: what}))
		marked := body
		for d := range docs {
			marked = strings.Replace(marked, docs[d].word, " "+heredocMark+strconv.Itoa(d)+" ", 1)
		}
		cmds, _ := installcmd.Parse(marked, dialect)
		for _, c := range cmds {
			if len(c.Words) == 0 || !shellNames[path.Base(c.Words[0].Lit)] {
				continue
			}
			if slices.ContainsFunc(c.Words, func(w installcmd.Word) bool { return w.Lit == "-c" }) {
				continue // sh -c TEXT: the input is not its script
			}
			for _, w := range c.Words {
				if n, ok := strings.CutPrefix(w.Lit, heredocMark); ok {
					if d, err := strconv.Atoi(n); err == nil && d < len(docs) {
						out = append(out, script{text: docs[d].body, lines: docs[d].lines, dialect: dialect, what: what})
					}
				}
			}
		}
	}
	return out, instrs
}

// heredocMark stands for a heredoc word while the command line is parsed.
const heredocMark = "litesweep-heredoc-"

// heredoc is a here-document of a RUN instruction.
type heredoc struct {
	word  string // the word that opens it (<<-"EOF")
	name  string // its terminator
	chomp bool   // <<-: leading tabs dropped
	body  string
	lines []int
}

// heredocsOf returns the here-documents a RUN line opens, in order: its
// blank-separated words (quotes kept together) of the form [n]<<[-]NAME.
func heredocsOf(body string) []heredoc {
	var out []heredoc
	for _, w := range shellishWords(body) {
		m := heredocWord.FindStringSubmatch(w)
		if m == nil || strings.HasPrefix(m[3], "<") {
			continue
		}
		name := m[3]
		if len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0] {
			name = name[1 : len(name)-1]
		}
		if name == "" || strings.ContainsAny(name, "'\"") {
			continue
		}
		out = append(out, heredoc{word: w, name: name, chomp: m[2] == "-"})
	}
	return out
}

// shellishWords splits a line on blanks outside quotes.
func shellishWords(s string) []string {
	var out []string
	var q byte
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || q == 0 && (s[i] == ' ' || s[i] == '\t') {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
		switch {
		case q == 0 && (s[i] == '"' || s[i] == '\''):
			q = s[i]
		case q != 0 && s[i] == q:
			q = 0
		case q != '\'' && s[i] == '\\' && i+1 < len(s):
			i++
		}
	}
	return out
}

// skipBuilderFlags returns the offset of line where the builder flags
// after off end (BuildKit's extractBuilderFlags): words that start with
// "--", quotes and backslashes inside them, a lone "--" ending them.
func skipBuilderFlags(line string, off int) int {
	for {
		p := off
		for p < len(line) && unicode.IsSpace(rune(line[p])) {
			p++
		}
		if !strings.HasPrefix(line[p:], "--") {
			return p
		}
		var q byte
		e := p
		for ; e < len(line); e++ {
			c := line[e]
			switch {
			case q == 0 && unicode.IsSpace(rune(c)):
			case q == 0 && (c == '"' || c == '\''):
				q = c
				continue
			case q != 0 && c == q:
				q = 0
				continue
			case c == '\\' && e+1 < len(line):
				e++
				continue
			default:
				continue
			}
			break
		}
		off = e
		if line[p:e] == "--" {
			return e
		}
	}
}

package recipes

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/collectors/installcmd"
)

// script is shell text of a recipe with the source line of each of its
// lines (script line i is source line lines[i]).
type script struct {
	text    string
	lines   []int
	dialect installcmd.Dialect
	// words, when set, is an exec-form command (no shell).
	words []string
	// what names the construct for titles ("Dockerfile RUN", "Makefile recipe").
	what string
}

// lineAt is the source line of a byte offset of the script.
func (s script) lineAt(off int) int {
	i := strings.Count(s.text[:min(off, len(s.text))], "\n")
	if i < len(s.lines) {
		return s.lines[i]
	}
	if len(s.lines) > 0 {
		return s.lines[len(s.lines)-1]
	}
	return 0
}

var (
	escapeDirective = regexp.MustCompile(`(?i)^#\s*escape\s*=\s*([\\` + "`" + `])\s*$`)
	heredocRe       = regexp.MustCompile(`<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)(["']?)`)
	shellNames      = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true}
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
// scripts: continuation lines joined as the builder joins them (comment
// lines inside an instruction dropped), the escape directive honoured,
// heredoc bodies read as the script when the heredoc feeds a shell, and
// exec form ["pip", "install", ...] as words (["sh", "-c", "..."] as a
// script).
func dockerfileScripts(data string) []script {
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	escape := byte('\\')
	dialect := installcmd.POSIX
	// Parser directives: leading comment lines.
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "#") {
			break
		}
		if m := escapeDirective.FindStringSubmatch(t); m != nil {
			escape = m[1][0]
		}
	}
	if escape == '`' {
		dialect = installcmd.PowerShell // Windows images: ` continues a line
	}
	var out []script
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		// The logical instruction: lines while the previous ends with the escape.
		var text []string
		var src []int
		j := i
		for ; j < len(lines); j++ {
			l := lines[j]
			if j > i && strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue // a comment inside an instruction is dropped
			}
			text = append(text, l)
			src = append(src, j+1)
			if !strings.HasSuffix(strings.TrimRight(l, " \t"), string(escape)) {
				break
			}
		}
		first := strings.TrimLeft(text[0], " \t")
		instr, rest, _ := strings.Cut(first, " ")
		if !strings.EqualFold(instr, "RUN") {
			i = j
			continue
		}
		text[0] = rest
		body := strings.Join(text, "\n")
		// RUN flags (--mount=..., --network=..., --security=...).
		for {
			b := strings.TrimLeft(body, " \t")
			if !strings.HasPrefix(b, "--") {
				break
			}
			_, after, ok := strings.Cut(b, " ")
			if !ok {
				after = ""
			}
			body = after
		}
		trimmed := strings.TrimSpace(body)
		if strings.HasPrefix(trimmed, "[") {
			var argv []string
			flat := strings.ReplaceAll(trimmed, string(escape)+"\n", "")
			if json.Unmarshal([]byte(flat), &argv) == nil && len(argv) > 0 {
				if shellNames[path.Base(argv[0])] && len(argv) >= 3 && argv[1] == "-c" {
					out = append(out, script{text: argv[2], lines: []int{src[0]}, dialect: installcmd.POSIX, what: "Dockerfile RUN"})
				} else {
					out = append(out, script{words: argv, lines: []int{src[0]}, what: "Dockerfile RUN"})
				}
				i = j
				continue
			}
		}
		// Heredocs: their bodies follow the instruction's last line.
		if hs := heredocRe.FindAllStringSubmatch(body, -1); len(hs) > 0 && dialect == installcmd.POSIX {
			k := j + 1
			cmd := strings.TrimSpace(heredocRe.ReplaceAllString(body, ""))
			feedsShell := cmd == "" || shellNames[path.Base(strings.Fields(cmd)[0])]
			if cmd != "" && !feedsShell {
				out = append(out, script{text: cmd, lines: src[:1], dialect: dialect, what: "Dockerfile RUN"})
			}
			for _, h := range hs {
				var btext []string
				var bsrc []int
				for ; k < len(lines); k++ {
					l := lines[k]
					if h[1] == "-" {
						l = strings.TrimLeft(l, "\t")
					}
					if l == h[3] {
						k++
						break
					}
					btext = append(btext, l)
					bsrc = append(bsrc, k+1)
				}
				if feedsShell {
					out = append(out, script{text: strings.Join(btext, "\n"), lines: bsrc, dialect: installcmd.POSIX, what: "Dockerfile RUN"})
				}
			}
			i = k - 1
			continue
		}
		out = append(out, script{text: body, lines: src, dialect: dialect, what: "Dockerfile RUN"})
		i = j
	}
	return out
}

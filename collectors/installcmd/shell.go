// Package installcmd is the one reader of package-install command lines:
// a bounded shell-word parser (POSIX sh/bash/zsh, fish, PowerShell) and the
// grammar of the installers (pip, uv, uvx, pipx, poetry, pdm, pipenv, rye,
// hatch, conda/mamba/micromamba; npm, npx, yarn, pnpm, bun, bunx). Shell
// history, CI run: steps, Dockerfile RUN lines, notebooks and build recipes
// all read commands through it, so one table of installer options decides
// which word is a package, a file or an option value everywhere.
//
// It holds mechanisms only: whether a requested package is bad is asked of
// the IOC pack through Judge (PyPI through iocs.Matcher; other ecosystems
// through the Versions seam).
package installcmd

import (
	"errors"
	"strings"
)

// Word is one shell word after quote removal. A word holding an expansion
// ($VAR, $(...), `...`, ${...}) is Dynamic: its value is not known from
// the text alone.
type Word struct {
	Lit     string
	Dynamic bool
}

// Command is one simple command: its words without redirections (the
// target of >, <, <<< and the body of a here-document are data, not words).
// Offset is the byte offset of its first word in the parsed text.
type Command struct {
	Words  []Word
	Offset int
}

// Dialect is a shell language.
type Dialect int

const (
	POSIX      Dialect = iota // sh, bash, zsh
	Fish                      // POSIX-like words; \' and \\ inside '...'
	PowerShell                // PowerShell: ` escapes, '' in '...', $(...), @(...), {...}, here-strings
)

// ErrUnparsed means a line is too odd to parse (unterminated quote or
// substitution, unbalanced parentheses, nesting too deep).
var ErrUnparsed = errors.New("unparsed command")

// maxDepth bounds nested substitutions and subshells.
const maxDepth = 32

// Parse splits a command text into simple commands. Commands inside
// substitutions, subshells, blocks and after &&, ||, ;, |, & and newlines
// are all returned, in the order their ends are met.
func Parse(s string, d Dialect) ([]Command, error) {
	p := &parser{s: s, d: d}
	if err := p.list(0); err != nil {
		return nil, err
	}
	return p.cmds, nil
}

type parser struct {
	s     string
	i     int
	d     Dialect
	depth int
	cmds  []Command
}

// list reads commands until closer (0 = end of input, ')' '}' or '`').
func (p *parser) list(closer byte) error {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return ErrUnparsed
	}
	var (
		cur         Command
		w           strings.Builder
		inWord      bool
		dyn         bool
		dropNext    bool     // the next word is a redirection target or here-string: data
		heredocNext bool     // the next word is a here-document delimiter
		heredocs    []string // delimiters whose bodies start after the next newline
		start       = p.i    // where the current word began
	)
	flush := func() {
		if !inWord {
			return
		}
		switch {
		case heredocNext:
			heredocs = append(heredocs, w.String())
			heredocNext = false
		case dropNext:
			dropNext = false
		default:
			if len(cur.Words) == 0 {
				cur.Offset = start
			}
			cur.Words = append(cur.Words, Word{Lit: w.String(), Dynamic: dyn})
		}
		w.Reset()
		inWord, dyn = false, false
	}
	end := func() {
		flush()
		if len(cur.Words) > 0 {
			p.cmds = append(p.cmds, cur)
		}
		cur = Command{}
	}
	// nested reads a substitution or group up to closer c (in its own
	// frame); the enclosing command and word continue after it.
	nested := func(c byte, inWordAfter bool) error {
		if err := p.list(c); err != nil {
			return err
		}
		if inWordAfter {
			inWord, dyn = true, true
		}
		return nil
	}
	s := p.s
	for p.i < len(s) {
		c := s[p.i]
		if !inWord {
			start = p.i
		}
		if closer != 0 && c == closer {
			p.i++
			end()
			return nil
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			flush()
			p.i++
		case c == '\n':
			end()
			p.i++
			if len(heredocs) > 0 {
				p.skipHeredocs(heredocs)
				heredocs = nil
			}
		case c == ';' || c == '|':
			end()
			p.i++
		case c == '&':
			if p.i+1 < len(s) && s[p.i+1] == '>' && p.d != PowerShell {
				flush()
				dropNext = true
				p.i += 2
				if p.i < len(s) && s[p.i] == '>' {
					p.i++
				}
				continue
			}
			end()
			p.i++
		case c == '(':
			p.i++
			// fish: (cmd) is a command substitution, a word of its command
			if err := nested(')', inWord || (p.d == Fish && len(cur.Words) > 0)); err != nil {
				return err
			}
		case c == '{' && p.d == PowerShell:
			p.i++
			if err := nested('}', inWord); err != nil {
				return err
			}
		case c == ')' || (c == '}' && p.d == PowerShell):
			return ErrUnparsed // closes nothing
		case c == '<' || c == '>':
			if inWord && allDigits(w.String()) {
				w.Reset()
				inWord, dyn = false, false // a file descriptor number
			} else {
				flush()
			}
			if err := p.redirect(&dropNext, &heredocNext, nested); err != nil {
				return err
			}
		case c == '#' && !inWord:
			for p.i < len(s) && s[p.i] != '\n' {
				p.i++
			}
		case c == '\'':
			inWord = true
			if err := p.single(&w); err != nil {
				return err
			}
		case c == '"':
			inWord = true
			d, err := p.double(&w)
			if err != nil {
				return err
			}
			dyn = dyn || d
		case c == '`' && p.d == PowerShell:
			// escape: `<newline> continues the line, `x is x
			p.i++
			if p.i < len(s) {
				if s[p.i] != '\n' {
					w.WriteByte(s[p.i])
					inWord = true
				}
				p.i++
			}
		case c == '`':
			p.i++
			if err := nested('`', true); err != nil {
				return err
			}
		case c == '\\' && p.d != PowerShell:
			p.i++
			if p.i < len(s) {
				if s[p.i] != '\n' {
					w.WriteByte(s[p.i])
					inWord = true
				}
				p.i++
			} else {
				w.WriteByte('\\')
				inWord = true
			}
		case c == '$' || (c == '@' && p.d == PowerShell && !inWord):
			d, err := p.dollar(&w, nested)
			if err != nil {
				return err
			}
			inWord = true
			dyn = dyn || d
		default:
			w.WriteByte(c)
			inWord = true
			p.i++
		}
	}
	if closer != 0 {
		return ErrUnparsed
	}
	end()
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if !(s[i] == '*' && len(s) == 1) { // PowerShell *> redirects every stream
				return false
			}
		}
	}
	return true
}

// redirect consumes a redirection operator at p.i.
func (p *parser) redirect(dropNext, heredocNext *bool, nested func(byte, bool) error) error {
	s := p.s
	c := s[p.i]
	p.i++
	if p.i < len(s) && s[p.i] == '(' && p.d != PowerShell {
		p.i++ // process substitution <(...) >(...)
		return nested(')', false)
	}
	if c == '<' && strings.HasPrefix(s[p.i:], "<<") {
		p.i += 2 // here-string: its word is data
		*dropNext = true
		return nil
	}
	if c == '<' && p.i < len(s) && s[p.i] == '<' && p.d != PowerShell {
		p.i++
		if p.i < len(s) && s[p.i] == '-' {
			p.i++
		}
		*heredocNext = true
		return nil
	}
	for p.i < len(s) && strings.IndexByte("<>|&", s[p.i]) >= 0 {
		p.i++
	}
	// >&2, 2>&1: the target is a descriptor, part of the operator.
	if p.i < len(s) && s[p.i-1] == '&' {
		j := p.i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '-') {
			j++
		}
		if j > p.i {
			p.i = j
			return nil
		}
	}
	*dropNext = true
	return nil
}

// skipHeredocs skips the bodies of here-documents: lines up to each
// delimiter in turn (leading tabs ignored, as for <<-).
func (p *parser) skipHeredocs(delims []string) {
	for _, d := range delims {
		for p.i < len(p.s) {
			j := strings.IndexByte(p.s[p.i:], '\n')
			line := p.s[p.i:]
			if j >= 0 {
				line = p.s[p.i : p.i+j]
				p.i += j + 1
			} else {
				p.i = len(p.s)
			}
			if strings.TrimLeft(line, "\t") == d {
				break
			}
		}
	}
}

// single reads a single-quoted string at p.i.
func (p *parser) single(w *strings.Builder) error {
	s := p.s
	p.i++
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '\'' && p.d == PowerShell && p.i+1 < len(s) && s[p.i+1] == '\'':
			w.WriteByte('\'')
			p.i += 2
		case c == '\'':
			p.i++
			return nil
		case c == '\\' && p.d == Fish && p.i+1 < len(s) && (s[p.i+1] == '\'' || s[p.i+1] == '\\'):
			w.WriteByte(s[p.i+1])
			p.i += 2
		default:
			w.WriteByte(c)
			p.i++
		}
	}
	return ErrUnparsed
}

// double reads a double-quoted string at p.i; dynamic when it expands.
func (p *parser) double(w *strings.Builder) (bool, error) {
	s := p.s
	dyn := false
	p.i++
	esc := byte('\\')
	if p.d == PowerShell {
		esc = '`'
	}
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"' && p.d == PowerShell && p.i+1 < len(s) && s[p.i+1] == '"':
			w.WriteByte('"')
			p.i += 2
		case c == '"':
			p.i++
			return dyn, nil
		case c == esc && p.i+1 < len(s):
			n := s[p.i+1]
			if p.d == PowerShell || strings.IndexByte("$`\"\\\n", n) >= 0 {
				if n != '\n' {
					w.WriteByte(n)
				}
			} else {
				w.WriteByte(c)
				w.WriteByte(n)
			}
			p.i += 2
		case c == '`' && p.d != PowerShell:
			p.i++
			if err := p.sub('`'); err != nil {
				return false, err
			}
			dyn = true
		case c == '$':
			d, err := p.dollar(w, func(cl byte, _ bool) error { return p.sub(cl) })
			if err != nil {
				return false, err
			}
			dyn = dyn || d
		default:
			w.WriteByte(c)
			p.i++
		}
	}
	return false, ErrUnparsed
}

// sub parses a substitution inside quotes; its commands are kept.
func (p *parser) sub(closer byte) error {
	return p.list(closer)
}

// dollar reads $..., ${...}, $(...), $((...)), $'...' (and PowerShell's
// @(...), $(...), ${...}, $name, @'..'@ here-strings) at p.i.
func (p *parser) dollar(w *strings.Builder, nested func(byte, bool) error) (bool, error) {
	s := p.s
	sigil := s[p.i]
	p.i++
	if p.i >= len(s) {
		w.WriteByte(sigil)
		return false, nil
	}
	c := s[p.i]
	switch {
	case sigil == '@' && (c == '\'' || c == '"'):
		// PowerShell here-string: data up to a line starting with '@ or "@.
		end := "\n" + string(c) + "@"
		j := strings.Index(s[p.i:], end)
		if j < 0 {
			return false, ErrUnparsed
		}
		body := s[p.i+1 : p.i+j]
		w.WriteString(strings.TrimPrefix(strings.TrimPrefix(body, "\r"), "\n"))
		p.i += j + len(end)
		return false, nil
	case sigil == '@' && c != '(' && c != '{':
		w.WriteByte('@') // splatting (@args) or a literal @
		return c == '_' || isNameByte(c), nil
	case c == '(' && strings.HasPrefix(s[p.i:], "((") && p.d != PowerShell:
		// arithmetic: skip to the matching ))
		return p.skipBalanced(s, '(', ')')
	case c == '(':
		p.i++
		if err := nested(')', true); err != nil {
			return false, err
		}
		return true, nil
	case c == '{':
		return p.skipBalanced(s, '{', '}')
	case c == '\'' && p.d != PowerShell && sigil == '$':
		// $'...' ANSI-C quoting: \' does not end it.
		p.i++
		for p.i < len(s) {
			switch s[p.i] {
			case '\\':
				if p.i+1 < len(s) {
					w.WriteByte(s[p.i+1])
				}
				p.i += 2
				continue
			case '\'':
				p.i++
				return false, nil
			}
			w.WriteByte(s[p.i])
			p.i++
		}
		return false, ErrUnparsed
	case isNameByte(c) || strings.IndexByte("?#@*!$-", c) >= 0 || (c == ':' && p.d == PowerShell):
		w.WriteByte('$')
		return true, nil
	}
	w.WriteByte(sigil)
	return false, nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Lenient splits a line that could not be parsed into rough commands:
// blanks separate words, ; & | ( ) and newlines separate commands, quote
// characters are dropped. It serves only to name the package of an
// "[unparsed command at LINE]" finding.
func Lenient(s string) []Command {
	var out []Command
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(";&|()\n`{}", r) }) {
		var c Command
		for _, f := range strings.Fields(part) {
			f = strings.Trim(f, `"'$`)
			if f != "" {
				c.Words = append(c.Words, Word{Lit: f})
			}
		}
		if len(c.Words) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// skipBalanced moves past the group opening at s[p.i] (an arithmetic
// ((...)) or a ${...} expansion) to just after its matching close; an
// unclosed group is unparsed.
func (p *parser) skipBalanced(s string, open, close byte) (bool, error) {
	depth := 0
	for ; p.i < len(s); p.i++ {
		switch s[p.i] {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				p.i++
				return true, nil
			}
		}
	}
	return false, ErrUnparsed
}

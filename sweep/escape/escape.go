// Package escape turns untrusted text (paths, file names, image and job
// names, evidence lines: anything that comes from a swept system or an API)
// into text that is safe in one output medium. There is one function per
// medium and every renderer sends untrusted strings through it:
//
//   - Text: terminal and plain text (the table, progress and stderr
//     messages). Control characters (C0, DEL, C1), bidirectional and
//     invisible formatting characters (U+200B..U+200F, U+2028..U+202E,
//     U+2060..U+2069, U+FEFF, U+061C) and bytes that are not UTF-8 are shown
//     as visible escapes (\x1b, \n, \u202e, \xff), so a name can neither
//     move the cursor, start a new row, reorder what is shown nor look like
//     a different name. The mapping is injective: a literal backslash is
//     doubled where it could be read as the start of an escape.
//   - Markdown and CodeSpan: Text, then the characters that would change
//     Markdown's structure are backslash-escaped (no HTML entities appear in
//     the text), or the text is put into a code span.
//   - CSV: Text, then a cell that a spreadsheet would read as a formula is
//     prefixed with an apostrophe.
//   - HTML: Text, then html/template's contextual escaping (the renderer
//     copies the report with Copy(v, Text) before executing the template).
//
// JSON and SARIF keep the exact strings: encoding/json escapes controls.
package escape

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Text escapes s for a terminal or plain text.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteByte('\\')
			if i+1 < len(s) && backslashNeedsDouble(s[i+1:]) {
				b.WriteByte('\\')
			}
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether Text(s) == s.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// backslashNeedsDouble reports whether a literal backslash followed by rest
// must be doubled so it is not read as (or glued to) an escape.
func backslashNeedsDouble(rest string) bool {
	r, size := utf8.DecodeRuneInString(rest)
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case strings.ContainsRune(`\xunrt`, r):
		return true
	case r < 0x20 || r == 0x7f || hidden(r):
		return true
	}
	return false
}

// hidden reports whether r is a C1 control or a formatting character that
// reorders or hides text (bidirectional overrides and isolates, marks,
// zero-width characters, line and paragraph separators, BOM).
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x180e, r == 0xfeff:
		return true
	case r >= 0x200b && r <= 0x200f:
		return true
	case r >= 0x2028 && r <= 0x202e:
		return true
	case r >= 0x2060 && r <= 0x2069:
		return true
	case r >= 0xfff9 && r <= 0xfffb:
		return true
	}
	return false
}

// mdSpecial are the ASCII characters that can change Markdown (GFM) or HTML
// structure inside a line: emphasis, code, links and images, raw HTML,
// entities, table cells, headings, strikethrough.
const mdSpecial = "\\`*_[]<>|#~&!"

// Markdown escapes s for a line of Markdown text or a table cell: Text,
// then a backslash before every character of mdSpecial (CommonMark shows a
// backslash-escaped ASCII punctuation character literally, so neither
// structure nor an HTML entity can appear).
func Markdown(s string) string {
	s = Text(s)
	if !strings.ContainsAny(s, mdSpecial) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(mdSpecial, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// CodeSpan puts Text(s) into a Markdown code span whose fence is longer
// than any backtick run in s. In a table cell (inTable) pipes are escaped,
// which GFM undoes inside code spans in tables. "" stays "".
func CodeSpan(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	s = Text(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.HasPrefix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// CSV escapes s for a CSV cell a spreadsheet will open: Text, then an
// apostrophe before a leading =, +, -, @ (a formula).
func CSV(s string) string {
	s = Text(s)
	if s != "" && strings.IndexByte("=+-@", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Copy returns a deep copy of v in which every string reachable through
// exported fields, pointers, slices, arrays, maps (keys and values) and
// interfaces has been replaced by fn(string). Unexported fields are copied
// as they are. A renderer applies it once to the whole report, so a field
// added later is escaped without anyone remembering to.
func Copy[T any](v T, fn func(string) string) T {
	rv := reflect.ValueOf(&v).Elem()
	out := reflect.New(rv.Type()).Elem()
	copyValue(out, rv, fn)
	return out.Interface().(T)
}

func copyValue(dst, src reflect.Value, fn func(string) string) {
	switch src.Kind() {
	case reflect.String:
		dst.SetString(fn(src.String()))
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem(), fn)
		dst.Set(p)
	case reflect.Struct:
		dst.Set(src)
		for i := 0; i < src.NumField(); i++ {
			if !src.Type().Field(i).IsExported() {
				continue
			}
			copyValue(dst.Field(i), src.Field(i), fn)
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(s.Index(i), src.Index(i), fn)
		}
		dst.Set(s)
	case reflect.Array:
		for i := 0; i < src.Len(); i++ {
			copyValue(dst.Index(i), src.Index(i), fn)
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			copyValue(k, it.Key(), fn)
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, it.Value(), fn)
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		copyValue(e, src.Elem(), fn)
		dst.Set(e)
	default:
		dst.Set(src)
	}
}

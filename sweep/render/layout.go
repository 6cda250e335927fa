package render

import (
	"strings"

	"github.com/mattn/go-runewidth"
)

// Terminal layout helpers: display widths (wide runes count two columns),
// middle-shortened paths and word wrapping. They measure text that has
// already been escaped for the terminal, so no control character is left to
// miscount.

// DefaultWidth is the table width when the output is not a terminal and
// COLUMNS is not set: piped output is stable whatever window it came from.
const DefaultWidth = 100

// MinWidth is the narrowest layout; a narrower terminal still gets 80.
const MinWidth = 80

// width is the number of terminal columns s takes.
func width(s string) int { return runewidth.StringWidth(s) }

// ShortenMiddle fits a path into max columns by dropping whole directories
// from its middle: /home/alice/…/site-packages/litellm_init.pth. The first
// directory and the file name are kept as long as they fit; a file name
// longer than max is itself cut in the middle.
func ShortenMiddle(p string, max int) string {
	if max < 5 || width(p) <= max {
		return p
	}
	segs := strings.Split(p, "/")
	last := segs[len(segs)-1]
	if width(last)+2 > max {
		return cutMiddle(p, max)
	}
	// Take segments from the end, then from the start, alternately, while
	// they fit beside the ellipsis.
	head, tail := []string{}, []string{last}
	i, j := 0, len(segs)-2
	used := width(last) + 2 // "…/" before the tail
	for fromStart := true; i <= j; fromStart = !fromStart {
		var s string
		if fromStart {
			s = segs[i]
		} else {
			s = segs[j]
		}
		if used+width(s)+1 > max {
			if fromStart {
				break
			}
			continue
		}
		used += width(s) + 1
		if fromStart {
			head = append(head, s)
			i++
		} else {
			tail = append([]string{s}, tail...)
			j--
		}
	}
	if i > j { // everything fitted after all
		return p
	}
	if len(head) == 0 { // a name rather than a path: keep both of its ends
		return cutMiddle(p, max)
	}
	return strings.Join(append(head, "…"), "/") + "/" + strings.Join(tail, "/")
}

// cutMiddle keeps the start and end of s around an ellipsis.
func cutMiddle(s string, max int) string {
	if width(s) <= max {
		return s
	}
	r := []rune(s)
	keep := max - 1
	front := keep / 2
	back := keep - front
	a := runewidth.Truncate(string(r), front, "")
	var b strings.Builder
	w := 0
	k := len(r)
	for k > 0 && w+runewidth.RuneWidth(r[k-1]) <= back {
		k--
		w += runewidth.RuneWidth(r[k])
	}
	b.WriteString(string(r[k:]))
	return a + "…" + b.String()
}

// Wrap breaks s into lines of at most max columns at spaces; a word longer
// than a line is broken where it must be.
func Wrap(s string, max int) []string {
	if max < 1 || width(s) <= max {
		return []string{s}
	}
	var lines []string
	var cur strings.Builder
	cw := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		cw = 0
	}
	for _, word := range strings.Fields(s) {
		ww := width(word)
		if cw > 0 && cw+1+ww > max {
			flush()
		}
		for ww > max { // hard-break a word longer than a line
			if cw > 0 {
				flush()
			}
			part := runewidth.Truncate(word, max, "")
			if part == "" {
				part = string([]rune(word)[:1])
			}
			lines = append(lines, part)
			word = word[len(part):]
			ww = width(word)
		}
		if word == "" {
			continue
		}
		if cw > 0 {
			cur.WriteByte(' ')
			cw++
		}
		cur.WriteString(word)
		cw += ww
	}
	if cw > 0 {
		flush()
	}
	return lines
}

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

// pathSet is the paths shown together in one table. Shortened alone, two
// of them can read the same (eight Python versions' site-packages all
// become /root/…/site-packages/x.pth:2); fit keeps the directories that
// tell them apart.
type pathSet []string

// fit shortens p to max columns (unless o.Wide) keeping what distinguishes
// it from the other paths of the set with the same file name: the
// directories those paths share at the start and at the end are what is
// dropped, so /root/…/3.10.13/lib/python3.10/…/x.pth:2 and
// /root/…/3.9.18/lib/python3.9/…/x.pth:2 stay apart.
func (ps pathSet) fit(p string, max int, o Options) string {
	short := fit(p, max, o)
	if short == p {
		return p
	}
	base := p[strings.LastIndex(p, "/")+1:]
	var same [][]string
	for _, q := range ps {
		if q != p && q[strings.LastIndex(q, "/")+1:] == base {
			same = append(same, strings.Split(q, "/"))
		}
	}
	if len(same) == 0 {
		return short
	}
	segs := strings.Split(p, "/")
	n := len(segs)
	pre, suf := n-1, n-1 // common leading and trailing segments with every colliding path
	for _, q := range same {
		i := 0
		for i < min(len(q), n) && q[i] == segs[i] {
			i++
		}
		j := 0
		for j < min(len(q), n) && q[len(q)-1-j] == segs[n-1-j] {
			j++
		}
		pre, suf = min(pre, i), min(suf, j)
	}
	if pre+suf >= n {
		return short
	}
	middle := segs[pre : n-suf]
	var head, tail []string
	switch {
	case pre > 2:
		head = append(append(head, segs[:2]...), "…")
	default:
		head = segs[:pre]
	}
	switch {
	case suf > 1:
		tail = []string{"…", segs[n-1]}
	default:
		tail = segs[n-suf:]
	}
	for _, cand := range []string{
		strings.Join(append(append(append([]string{}, head...), middle...), tail...), "/"),
		strings.Join(append(append([]string{"…"}, middle...), tail...), "/"),
	} {
		if width(cand) <= max {
			return cand
		}
	}
	return cutMiddle(strings.Join(append(append([]string{"…"}, middle...), tail...), "/"), max)
}

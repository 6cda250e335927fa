package python

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// fileFacts are the stat facts of a file recorded as evidence.
type fileFacts struct {
	size    int64
	mode    fs.FileMode
	mtime   time.Time
	ctime   time.Time
	owner   string
	symlink string // link text when the entry itself is a symlink
}

func factsOf(fi fs.FileInfo, homes []sweep.Home) fileFacts {
	if fi == nil {
		return fileFacts{}
	}
	ff := fileFacts{size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime().UTC()}
	if ct, ok := sweep.ChangeTime(fi); ok {
		ff.ctime = ct.UTC()
	}
	if uid, ok := sweep.Owner(fi); ok {
		ff.owner = sweep.OwnerName(uid, homes)
	}
	return ff
}

// apply copies the facts into evidence.
func (ff fileFacts) apply(ev *sweep.Evidence) {
	if ev.Size == 0 {
		ev.Size = ff.size
	}
	if ff.mode != 0 {
		ev.Mode = ff.mode.String()
	}
	ev.Owner = ff.owner
	if !ff.mtime.IsZero() {
		t := ff.mtime
		ev.ModTime = &t
	}
	if !ff.ctime.IsZero() {
		ev.Details = append(ev.Details, "ctime "+ff.ctime.Format(time.RFC3339))
	}
	if ff.symlink != "" {
		ev.Details = append(ev.Details, "symlink to "+ff.symlink)
	}
}

// indicatorOf builds a report indicator.
func indicatorOf(id, kind string, p iocs.Provenance) *sweep.Indicator {
	return &sweep.Indicator{ID: id, Kind: kind, Confidence: string(p.Confidence), Sources: p.Sources}
}

func severityOf(s string, def sweep.Severity) sweep.Severity {
	if v, err := sweep.ParseSeverity(s); err == nil {
		return v
	}
	return def
}

// hashReader hashes r with the RECORD algorithm algo ("sha256", "sha384",
// "sha512"), reading at most limit bytes, and returns the RECORD form and
// the hex digest.
func hashReader(r io.Reader, algo string, limit int64) (record, hexsum string, n int64, err error) {
	var h hash.Hash
	switch algo {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return "", "", 0, fmt.Errorf("unsupported hash algorithm %q", algo)
	}
	n, err = io.Copy(h, io.LimitReader(r, limit+1))
	if err != nil {
		return "", "", n, err
	}
	if n > limit {
		return "", "", n, fmt.Errorf("%w: larger than %d bytes", sweep.ErrTooLarge, limit)
	}
	sum := h.Sum(nil)
	return algo + "=" + base64.RawURLEncoding.EncodeToString(sum), hex.EncodeToString(sum), n, nil
}

// textLine makes a line of code from the swept system safe to show (see
// CodeShape).
func textLine(s string) string { return CodeShape(s) }

const (
	maxShape      = 240 // bytes of a shaped line
	maxShapeWord  = 32  // longest identifier, number or blob kept
	maxShapeQuote = 4   // longest string literal kept
	placeholder   = "…"
)

// CodeShape builds evidence from a line of code found on the swept system
// (a .pth line, a tampered module's line) from allow-listed parts only: the
// code's shape is kept (identifiers, keywords, numbers up to 32 characters,
// ASCII punctuation, single spaces, string literals of up to 4 plain
// characters), and every other part (longer literals, base64-like runs,
// comments, control and non-ASCII characters) becomes "…". The raw line
// never reaches a report: a secret in a literal is not there to leak.
func CodeShape(s string) string {
	var b strings.Builder
	last := ""
	put := func(t string) {
		if t == placeholder && last == placeholder {
			return
		}
		b.WriteString(t)
		last = t
	}
	for i := 0; i < len(s) && b.Len() < maxShape; {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			if last != " " {
				put(" ")
			}
		case c == '#':
			put("#")
			put(placeholder)
			i = len(s)
		case c == '\'' || c == '"':
			i = shapeQuote(s, i, put)
		case isWordByte(c):
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] == '+' || s[j] == '/' || s[j] == '=') {
				j++
			}
			blob := s[i:j]
			// a string prefix (b'', rb"", f'') belongs to the literal
			if k := wordEnd(s, i); k < len(s) && (s[k] == '\'' || s[k] == '"') && k-i <= 2 && strings.Trim(strings.ToLower(s[i:k]), "rbuf") == "" {
				put(s[i:k])
				i = shapeQuote(s, k, put)
				continue
			}
			if len(blob) > maxShapeWord {
				put(placeholder)
				i = j
				continue
			}
			k := wordEnd(s, i)
			put(s[i:k])
			i = k
		case c > 0x20 && c < 0x7f:
			put(string(c))
			i++
		default:
			put(placeholder)
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
	}
	out := b.String()
	if len(out) >= maxShape {
		out = truncate(out, maxShape)
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func wordEnd(s string, i int) int {
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return i
}

// shapeQuote consumes the string literal starting at s[i] (a quote) and
// puts its shape; it returns the index after it.
func shapeQuote(s string, i int, put func(string)) int {
	q := s[i : i+1]
	if strings.HasPrefix(s[i:], q+q+q) {
		q = q + q + q
	}
	j := i + len(q)
	for j < len(s) && !strings.HasPrefix(s[j:], q) {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	body := s[i+len(q) : min(j, len(s))]
	end := min(j+len(q), len(s))
	plain := len(body) <= maxShapeQuote
	for k := 0; k < len(body) && plain; k++ {
		plain = isWordByte(body[k]) || body[k] == '.' || body[k] == '-'
	}
	if plain {
		put(q + body + q)
	} else {
		put(q)
		put(placeholder)
		put(q)
	}
	return end
}

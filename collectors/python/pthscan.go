package python

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// PthModel is one way a CPython site.py reads a .pth file (a bit set).
// Checked against the real interpreters in TestPthAgainstInterpreters.
//
//   - 3.6-3.12 open the file in text mode with the locale encoding and
//     universal newlines (\n, \r, \r\n end a line; \v, \f stay inside),
//     decoding 8192-byte chunks as lines are read: a chunk that does not
//     decode raises out of addpackage, so only lines ended in earlier
//     chunks ran.
//   - 3.13+ read the whole file, decode it as utf-8-sig (a leading BOM is
//     dropped) or, failing that, with the locale encoding, and split it with
//     str.splitlines() (\v, \f, \x1c-\x1e, U+0085, U+2028, U+2029 also end
//     a line). A file that decodes with neither runs nothing.
//   - Every version skips lines starting with "#", exec()s lines starting
//     with "import " or "import\t", and stops at the first line that raises:
//     an executed line holding a NUL always does; in 3.6-3.7 a path line
//     holding a NUL does too (os.path.exists raised ValueError until 3.8).
//
// The locale is the victim's: each version is modelled under a UTF-8 locale
// and under a single-byte one (latin-1-like, where every byte decodes). A
// line's verdict is the union: it is executed if any model executes it.
type PthModel uint8

const (
	Py36UTF8 PthModel = 1 << iota
	Py38UTF8
	Py313UTF8
	Py36Byte
	Py38Byte
	Py313Byte
)

// AllPthModels is every model.
const AllPthModels = Py36UTF8 | Py38UTF8 | Py313UTF8 | Py36Byte | Py38Byte | Py313Byte

// ModelFor returns the UTF-8-locale model of a Python "3.X" version.
func ModelFor(version string) PthModel {
	var minor int
	if _, err := fmt.Sscanf(version, "3.%d", &minor); err != nil {
		return 0
	}
	switch {
	case minor <= 7:
		return Py36UTF8
	case minor <= 12:
		return Py38UTF8
	}
	return Py313UTF8
}

const (
	pthChunk   = 8192     // CPython's TextIOWrapper chunk size
	maxPthLine = 64 << 10 // bytes of one line kept for classification
)

// PthLine is a line of a .pth file that site.py executes.
type PthLine struct {
	// N is the 1-based line number (text-mode numbering when the line is
	// one there, else str.splitlines() numbering).
	N int
	// Offset and Len locate the line in the file (bytes, terminator excluded).
	Offset, Len int64
	// Text is the line as passed to exec(), at most maxPthLine bytes of it.
	Text string
	// Truncated: Text holds only the first maxPthLine bytes.
	Truncated bool
	// Models that execute it (for Py313UTF8: provided the whole file is
	// valid UTF-8, see PthStats.ValidUTF8).
	Models PthModel
}

// PthStats describes a scanned file.
type PthStats struct {
	Bytes     int64
	ValidUTF8 bool
	NUL       bool
}

// ErrPthTooLarge: the file was read up to the limit only.
var ErrPthTooLarge = errors.New(".pth larger than the scan limit")

// ScanPth reads a .pth file to its end (at most limit bytes; then it
// returns ErrPthTooLarge with what it saw so far reported) and calls fn for
// every line some model executes, in file order per splitting. With start
// set the file is a PEP 829 .start file: every line that is not blank and
// not a comment is an entry point (reported with Py313UTF8).
func ScanPth(r io.Reader, limit int64, start bool, fn func(PthLine)) (PthStats, error) {
	s := &pthScanner{fn: fn, start: start, validUTF8: true}
	s.text = splitter{kind: splitText, s: s}
	s.u8 = splitter{kind: splitUTF8, s: s}
	s.b1 = splitter{kind: splitByte, s: s}
	buf := make([]byte, pthChunk)
	var err error
	for {
		if s.off >= limit {
			// Is there more?
			var one [1]byte
			if n, _ := io.ReadFull(r, one[:]); n > 0 {
				err = ErrPthTooLarge
			}
			break
		}
		want := min(int64(len(buf)), limit-s.off)
		n, rerr := io.ReadFull(r, buf[:want])
		if n > 0 {
			s.chunk(buf[:n])
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	s.eof(err == nil)
	return PthStats{Bytes: s.off, ValidUTF8: s.validUTF8, NUL: s.nul}, err
}

type pthScanner struct {
	fn          func(PthLine)
	start       bool
	off         int64
	text        splitter // universal newlines (3.6-3.12)
	u8          splitter // str.splitlines() of UTF-8 text (3.13+)
	b1          splitter // str.splitlines() of latin-1 text (3.13+ fallback)
	validUTF8   bool
	textDead    bool // a UTF-8 text-mode read has raised (3.6-3.12 under a UTF-8 locale)
	carry       []byte
	stopped     PthModel // models that stopped processing the file
	pending     []PthLine
	nul         bool
	bomChecked  bool
	bom         bool
	utf8Pending int // bytes of an incomplete sequence at the end of the last chunk
}

// chunk processes one 8192-byte read, as TextIOWrapper would decode it.
func (s *pthScanner) chunk(b []byte) {
	if bytes.IndexByte(b, 0) >= 0 {
		s.nul = true
	}
	if s.validUTF8 {
		s.checkUTF8(b)
	}
	for i, c := range b {
		at := s.off + int64(i)
		if !s.start {
			s.text.byte(c, at)
			s.b1.byte(c, at)
		}
		s.u8.byte(c, at)
	}
	s.off += int64(len(b))
	s.flush()
}

// checkUTF8 validates the chunk as an incremental decoder would, carrying
// an incomplete sequence to the next chunk. An invalid chunk kills the
// text-mode UTF-8 models for every line not ended before it.
func (s *pthScanner) checkUTF8(b []byte) {
	d := append(s.carry, b...)
	s.carry = s.carry[:0]
	for i := 0; i < len(d); {
		if d[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, w := utf8.DecodeRune(d[i:])
		if r == utf8.RuneError && w == 1 {
			if !utf8.FullRune(d[i:]) && len(d)-i < 4 && incompletePrefix(d[i:]) {
				s.carry = append(s.carry, d[i:]...)
				break
			}
			s.validUTF8 = false
			s.textDead = true
			return
		}
		i += w
	}
}

// incompletePrefix: b starts a multi-byte sequence whose continuation
// bytes so far are well-formed (CPython carries such a tail to the next
// chunk instead of raising).
func incompletePrefix(b []byte) bool {
	if b[0] < 0xc2 || b[0] > 0xf4 {
		return false
	}
	for _, c := range b[1:] {
		if c&0xc0 != 0x80 {
			return false
		}
	}
	return true
}

func (s *pthScanner) eof(complete bool) {
	if len(s.carry) > 0 && complete {
		// The final decode raises: the unterminated last line never runs.
		s.validUTF8 = false
		s.textDead = true
	}
	if !s.start {
		s.text.end(s.off)
		s.b1.end(s.off)
	}
	s.u8.end(s.off)
	s.flush()
}

// flush merges the lines the splitters ended in this chunk (the same line
// found by several splittings is reported once, with all their models).
func (s *pthScanner) flush() {
	p := s.pending
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].Offset != p[j].Offset {
			return p[i].Offset < p[j].Offset
		}
		return p[i].Len > p[j].Len
	})
	for i := range p {
		if p[i].Models == 0 {
			continue
		}
		for j := i + 1; j < len(p); j++ {
			if p[j].Models != 0 && p[j].Offset == p[i].Offset && p[j].Len == p[i].Len {
				p[i].Models |= p[j].Models
				if p[j].N > 0 {
					p[i].N = p[j].N
				}
				p[j].Models = 0
			}
		}
		if p[i].N < 0 {
			p[i].N = -p[i].N
		}
		s.fn(p[i])
	}
	s.pending = s.pending[:0]
}

const (
	splitText = iota
	splitUTF8
	splitByte
)

// splitter assembles the lines of one splitting.
type splitter struct {
	kind   int
	s      *pthScanner
	lineNo int
	start  int64  // offset of the current line
	n      int64  // its length so far
	held   []byte // its first maxPthLine bytes
	nul    bool
	skipLF bool // last byte was \r: a \n now is part of that terminator
	prev   [2]byte
}

func (sp *splitter) byte(c byte, at int64) {
	if sp.skipLF {
		sp.skipLF = false
		if c == '\n' {
			sp.start = at + 1
			return
		}
	}
	trim := -1 // >= 0: this byte ends the line, dropping trim bytes already held
	switch c {
	case '\n':
		trim = 0
	case '\r':
		trim = 0
		sp.skipLF = true
	case '\v', '\f', 0x1c, 0x1d, 0x1e:
		if sp.kind != splitText {
			trim = 0
		}
	case 0x85:
		switch {
		case sp.kind == splitByte:
			trim = 0
		case sp.kind == splitUTF8 && sp.n >= 1 && sp.prev[1] == 0xc2:
			trim = 1
		}
	case 0xa8, 0xa9:
		if sp.kind == splitUTF8 && sp.n >= 2 && sp.prev[0] == 0xe2 && sp.prev[1] == 0x80 {
			trim = 2
		}
	}
	if trim < 0 {
		if c == 0 {
			sp.nul = true
		}
		if len(sp.held) < maxPthLine {
			sp.held = append(sp.held, c)
		}
		sp.n++
		sp.prev[0], sp.prev[1] = sp.prev[1], c
		return
	}
	sp.n -= int64(trim)
	if int64(len(sp.held)) > sp.n {
		sp.held = sp.held[:sp.n]
	}
	sp.line()
	sp.start = at + 1
}

func (sp *splitter) end(at int64) {
	if sp.n > 0 {
		sp.line()
	}
	sp.start = at
}

// line ends the current line and decides which models execute it.
func (sp *splitter) line() {
	s := sp.s
	sp.lineNo++
	held := sp.held
	if sp.kind == splitUTF8 && sp.lineNo == 1 && bytes.HasPrefix(held, []byte("\ufeff")) {
		held = held[3:]
	}
	models := PthModel(0)
	switch sp.kind {
	case splitText:
		models = Py36UTF8 | Py38UTF8 | Py36Byte | Py38Byte
		if s.textDead {
			models &^= Py36UTF8 | Py38UTF8
		}
	case splitUTF8:
		models = Py313UTF8
	case splitByte:
		models = Py313Byte
	}
	models &^= s.stopped
	isImport := bytes.HasPrefix(held, []byte("import ")) || bytes.HasPrefix(held, []byte("import\t"))
	comment := len(held) > 0 && held[0] == '#'
	switch {
	case s.start:
		t := strings.TrimSpace(string(held))
		if models != 0 && t != "" && !comment {
			s.emit(sp, held, models)
		}
	case comment:
	case isImport && sp.nul:
		// exec() refuses a NUL: the line raises, the rest of the file is ignored.
		s.stopped |= models
	case isImport:
		if models != 0 {
			s.emit(sp, held, models)
		}
	case sp.nul:
		// A path line with a NUL raised in os.path.exists before 3.8.
		s.stopped |= models & (Py36UTF8 | Py36Byte)
	}
	sp.held = sp.held[:0]
	sp.n = 0
	sp.nul = false
	sp.prev = [2]byte{}
}

func (s *pthScanner) emit(sp *splitter, held []byte, models PthModel) {
	l := PthLine{Offset: sp.start, Len: sp.n, Text: strings.TrimRight(string(held), " \t"), Truncated: sp.n > int64(len(sp.held)), Models: models}
	if sp.kind == splitText {
		l.N = sp.lineNo
	} else {
		l.N = -sp.lineNo // replaced by the text-mode number when merged
	}
	s.pending = append(s.pending, l)
}

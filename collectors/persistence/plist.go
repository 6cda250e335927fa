package persistence

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"
)

// Limits of the property-list readers: a launchd job is a few dozen
// objects; anything deeper or larger is refused, never followed.
const (
	plistMaxDepth   = 32
	plistMaxObjects = 1 << 16
)

var errPlist = errors.New("not a property list launchd would load")

// launchdJob is what launchd runs for a job: its Label, and Program or
// ProgramArguments (Program wins as the executable; without it,
// ProgramArguments[0] is). strs are every string of the plist (for the
// pack's markers).
type launchdJob struct {
	label   string
	program string
	args    []string
	strs    []string
}

// readPlist decodes an XML or binary (bplist00) property list whose top
// object is a dictionary.
func readPlist(b []byte) (map[string]any, []string, error) {
	var v any
	var strs []string
	var err error
	if bytes.HasPrefix(b, []byte("bplist00")) {
		v, strs, err = readBplist(b)
	} else {
		v, strs, err = readXMLPlist(b)
	}
	if err != nil {
		return nil, nil, err
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%w: top object is not a dictionary", errPlist)
	}
	return d, strs, nil
}

// launchd reads a launchd job plist.
func launchd(b []byte) (launchdJob, error) {
	d, strs, err := readPlist(b)
	if err != nil {
		return launchdJob{}, err
	}
	j := launchdJob{strs: strs}
	j.label, _ = d["Label"].(string)
	j.program, _ = d["Program"].(string)
	if a, ok := d["ProgramArguments"].([]any); ok {
		for _, x := range a {
			if s, ok := x.(string); ok {
				j.args = append(j.args, s)
			}
		}
	}
	return j, nil
}

// argv is the job's command line as launchd starts it.
func (j launchdJob) argv() []string {
	switch {
	case j.program != "" && len(j.args) > 0:
		return append([]string{j.program}, j.args[1:]...)
	case j.program != "":
		return []string{j.program}
	}
	return j.args
}

// readXMLPlist decodes an XML property list (Apple's DTD): plist > one
// value; dict of key/value pairs, array, string, integer, real, true,
// false, date, data.
func readXMLPlist(b []byte) (any, []string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q", label)
	}
	p := &xmlPlist{d: d}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", errPlist, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, nil, fmt.Errorf("%w: root element <%s>", errPlist, se.Name.Local)
			}
			break
		}
	}
	v, end, err := p.value(0)
	if err != nil {
		return nil, nil, err
	}
	if end {
		return nil, nil, fmt.Errorf("%w: empty <plist>", errPlist)
	}
	return v, p.strs, nil
}

type xmlPlist struct {
	d     *xml.Decoder
	n     int
	strs  []string
	strsN int
}

// value reads the next value; end reports the enclosing element's end.
func (p *xmlPlist) value(depth int) (v any, end bool, err error) {
	if depth > plistMaxDepth {
		return nil, false, fmt.Errorf("%w: nested deeper than %d", errPlist, plistMaxDepth)
	}
	if p.n++; p.n > plistMaxObjects {
		return nil, false, fmt.Errorf("%w: more than %d objects", errPlist, plistMaxObjects)
	}
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, false, fmt.Errorf("%w: %v", errPlist, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil, true, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "dict":
				m := map[string]any{}
				for {
					k, end, err := p.text("key")
					if err != nil {
						return nil, false, err
					}
					if end {
						return m, false, nil
					}
					v, end, err := p.value(depth + 1)
					if err != nil {
						return nil, false, err
					}
					if end {
						return nil, false, fmt.Errorf("%w: key %q without a value", errPlist, k)
					}
					m[k] = v
				}
			case "array":
				var a []any
				for {
					v, end, err := p.value(depth + 1)
					if err != nil {
						return nil, false, err
					}
					if end {
						return a, false, nil
					}
					a = append(a, v)
				}
			case "string", "integer", "real", "date", "data":
				var s string
				if err := p.d.DecodeElement(&s, &t); err != nil {
					return nil, false, fmt.Errorf("%w: %v", errPlist, err)
				}
				if t.Name.Local == "string" {
					p.keep(s)
				}
				return s, false, nil
			case "true", "false":
				if err := p.d.Skip(); err != nil {
					return nil, false, fmt.Errorf("%w: %v", errPlist, err)
				}
				return t.Name.Local == "true", false, nil
			default:
				return nil, false, fmt.Errorf("%w: element <%s>", errPlist, t.Name.Local)
			}
		}
	}
}

// text reads <name>text</name>, or reports the enclosing element's end.
func (p *xmlPlist) text(name string) (string, bool, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return "", false, fmt.Errorf("%w: %v", errPlist, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return "", true, nil
		case xml.StartElement:
			if t.Name.Local != name {
				return "", false, fmt.Errorf("%w: <%s> where <%s> belongs", errPlist, t.Name.Local, name)
			}
			var s string
			if err := p.d.DecodeElement(&s, &t); err != nil {
				return "", false, fmt.Errorf("%w: %v", errPlist, err)
			}
			p.keep(s)
			return s, false, nil
		}
	}
}

func (p *xmlPlist) keep(s string) {
	if p.strsN += len(s); p.strsN <= maxUnit {
		p.strs = append(p.strs, s)
	}
}

// readBplist decodes a binary property list (bplist00, as CoreFoundation
// writes it): the 32-byte trailer gives the offset table, the object
// reference size and the top object; objects are decoded from the top,
// each reference checked against the table, with a depth limit and a
// guard against reference cycles.
func readBplist(b []byte) (any, []string, error) {
	if len(b) < 8+32 {
		return nil, nil, fmt.Errorf("%w: too short", errPlist)
	}
	tr := b[len(b)-32:]
	offSize, refSize := int(tr[6]), int(tr[7])
	numObj, top, tableAt := binary.BigEndian.Uint64(tr[8:]), binary.BigEndian.Uint64(tr[16:]), binary.BigEndian.Uint64(tr[24:])
	body := uint64(len(b) - 32)
	if offSize < 1 || offSize > 8 || refSize < 1 || refSize > 8 || numObj == 0 || numObj > plistMaxObjects ||
		top >= numObj || tableAt < 8 || tableAt >= body || (body-tableAt)/uint64(offSize) < numObj {
		return nil, nil, fmt.Errorf("%w: bad trailer", errPlist)
	}
	bp := &bplist{b: b[:body], off: make([]uint64, numObj), ref: refSize, busy: map[uint64]bool{}}
	for i := uint64(0); i < numObj; i++ {
		o := uintN(b[tableAt+i*uint64(offSize):], offSize)
		if o < 8 || o >= tableAt {
			return nil, nil, fmt.Errorf("%w: object %d at offset %d outside the object area", errPlist, i, o)
		}
		bp.off[i] = o
	}
	v, err := bp.object(top, 0)
	if err != nil {
		return nil, nil, err
	}
	return v, bp.strs, nil
}

type bplist struct {
	b     []byte
	off   []uint64
	ref   int
	busy  map[uint64]bool
	n     int
	strs  []string
	strsN int
}

func uintN(b []byte, n int) uint64 {
	var v uint64
	for i := 0; i < n && i < len(b); i++ {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// count reads an object's length: the marker's low nibble, or, when it is
// 0xF, the integer object that follows; it returns the length and where
// the object's data starts.
func (p *bplist) count(at uint64) (uint64, uint64, error) {
	n := uint64(p.b[at] & 0x0f)
	at++
	if n != 0x0f {
		return n, at, nil
	}
	if at >= uint64(len(p.b)) || p.b[at]&0xf0 != 0x10 {
		return 0, 0, fmt.Errorf("%w: bad length", errPlist)
	}
	w := uint64(1) << (p.b[at] & 0x0f)
	if w > 8 || at+1+w > uint64(len(p.b)) {
		return 0, 0, fmt.Errorf("%w: bad length", errPlist)
	}
	return uintN(p.b[at+1:], int(w)), at + 1 + w, nil
}

func (p *bplist) object(i uint64, depth int) (any, error) {
	if i >= uint64(len(p.off)) {
		return nil, fmt.Errorf("%w: reference %d out of range", errPlist, i)
	}
	if depth > plistMaxDepth || p.busy[i] {
		return nil, fmt.Errorf("%w: nested deeper than %d or cyclic", errPlist, plistMaxDepth)
	}
	if p.n++; p.n > plistMaxObjects {
		return nil, fmt.Errorf("%w: more than %d objects", errPlist, plistMaxObjects)
	}
	at := p.off[i]
	m := p.b[at]
	size := uint64(len(p.b))
	switch m >> 4 {
	case 0x0:
		switch m {
		case 0x08:
			return false, nil
		case 0x09:
			return true, nil
		}
		return nil, nil
	case 0x1:
		w := uint64(1) << (m & 0x0f)
		if w > 16 || at+1+w > size {
			return nil, fmt.Errorf("%w: bad integer", errPlist)
		}
		return int64(uintN(p.b[at+1:], int(min(w, 8)))), nil
	case 0x2:
		w := uint64(1) << (m & 0x0f)
		if at+1+w > size {
			return nil, fmt.Errorf("%w: bad real", errPlist)
		}
		if w == 8 {
			return math.Float64frombits(uintN(p.b[at+1:], 8)), nil
		}
		return nil, nil
	case 0x3:
		return nil, nil // date
	case 0x4, 0x5, 0x6:
		n, data, err := p.count(at)
		if err != nil {
			return nil, err
		}
		if m>>4 == 0x6 {
			if n > size || data+2*n > size {
				return nil, fmt.Errorf("%w: string beyond the object area", errPlist)
			}
			u := make([]uint16, n)
			for k := range u {
				u[k] = binary.BigEndian.Uint16(p.b[data+2*uint64(k):])
			}
			return p.keep(string(utf16.Decode(u))), nil
		}
		if n > size || data+n > size {
			return nil, fmt.Errorf("%w: data beyond the object area", errPlist)
		}
		if m>>4 == 0x4 {
			return nil, nil
		}
		return p.keep(string(p.b[data : data+n])), nil
	case 0x8:
		return nil, nil // UID
	case 0xA, 0xC, 0xD:
		n, refs, err := p.count(at)
		if err != nil {
			return nil, err
		}
		k := n
		if m>>4 == 0xD {
			k = 2 * n
		}
		if k > uint64(len(p.off))*2 || refs+k*uint64(p.ref) > size {
			return nil, fmt.Errorf("%w: references beyond the object area", errPlist)
		}
		ref := func(j uint64) uint64 { return uintN(p.b[refs+j*uint64(p.ref):], p.ref) }
		p.busy[i] = true
		defer delete(p.busy, i)
		if m>>4 != 0xD {
			a := make([]any, 0, n)
			for j := uint64(0); j < n; j++ {
				v, err := p.object(ref(j), depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			return a, nil
		}
		d := make(map[string]any, n)
		for j := uint64(0); j < n; j++ {
			kv, err := p.object(ref(j), depth+1)
			if err != nil {
				return nil, err
			}
			key, ok := kv.(string)
			if !ok {
				return nil, fmt.Errorf("%w: dictionary key is not a string", errPlist)
			}
			v, err := p.object(ref(n+j), depth+1)
			if err != nil {
				return nil, err
			}
			d[key] = v
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: object type 0x%x", errPlist, m>>4)
}

func (p *bplist) keep(s string) string {
	if p.strsN += len(s); p.strsN <= maxUnit {
		p.strs = append(p.strs, s)
	}
	return s
}

// scheduledTask reads a Windows Task Scheduler task file (XML, UTF-16
// with a byte-order mark as Windows writes it, or UTF-8): each Exec
// action's Command and Arguments.
func scheduledTask(b []byte) ([]entry, string, error) {
	text, err := decodeUTF16(b)
	if err != nil {
		return nil, "", err
	}
	d := xml.NewDecoder(strings.NewReader(text))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil } // already decoded
	var doc struct {
		Actions struct {
			Exec []struct {
				Command   string `xml:"Command"`
				Arguments string `xml:"Arguments"`
			} `xml:"Exec"`
		} `xml:"Actions"`
	}
	if err := d.Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("not a task file the Task Scheduler would load: %v", err)
	}
	var out []entry
	for _, x := range doc.Actions.Exec {
		c := strings.TrimSpace(x.Command)
		if c == "" {
			continue
		}
		// the Command is one program path (spaces included); Arguments
		// is a command line
		argv := append([]string{c}, words(x.Arguments)...)
		out = append(out, entry{where: "task Exec action", cmd: x.Arguments, argv: argv})
	}
	return out, text, nil
}

// decodeUTF16 turns UTF-16 text with a byte-order mark into UTF-8; other
// text is returned as it is (without a UTF-8 BOM).
func decodeUTF16(b []byte) (string, error) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		order = binary.LittleEndian
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		order = binary.BigEndian
	default:
		return string(bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})), nil
	}
	b = b[2:]
	if len(b)%2 != 0 {
		return "", errors.New("UTF-16 text of odd length")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// Package sqlitefile reads the rows of a table from the bytes of an SQLite
// 3 database file: the file format (header, table B-trees, overflow
// chains, records) and nothing else, without SQLite. Reading never writes:
// no journal, no WAL, no shared-memory file, no lock, and the file's times
// are untouched (the sweep's opener reads it like any file). A write-ahead
// log beside the database is read as SQLite would read it (committed
// frames whose checksums hold overlay the database's pages), so recent
// rows not yet checkpointed are seen too.
//
// Every read is bounded: pages are read at most once per traversal (a
// cycle or a page shared by two parents is an error, as is a tree deeper
// than 64), a record is read to at most Limits.MaxRecord bytes, and a table
// to at most Limits.MaxPages pages. A malformed file is an error, never a
// panic or a hang.
package sqlitefile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"
)

// Limits bound one database.
type Limits struct {
	// MaxPages caps the pages one table traversal reads (default 1<<20).
	MaxPages int
	// MaxRecord caps the bytes of one record read (default 1 MiB); the
	// values past it are cut (Value.Cut).
	MaxRecord int
}

// ErrMalformed wraps every error about the file's content.
var ErrMalformed = errors.New("malformed SQLite file")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// DB is an open database file.
type DB struct {
	r        io.ReaderAt
	size     int64
	pageSize int
	usable   int
	pages    uint32
	utf16    binary.ByteOrder // nil for UTF-8
	lim      Limits
	wal      map[uint32]int64 // page → offset of its newest committed frame's data
	walR     io.ReaderAt
}

// Kind is a value's storage class.
type Kind int

const (
	Null Kind = iota
	Int
	Float
	Text
	Blob
)

// Value is one column of a record.
type Value struct {
	Kind  Kind
	Int   int64
	Float float64
	// Bytes holds Text (UTF-8) and Blob values.
	Bytes []byte
	// Cut marks a value the record limit cut short.
	Cut bool
}

// String returns a Text value (or "" for anything else).
func (v Value) String() string {
	if v.Kind == Text {
		return string(v.Bytes)
	}
	return ""
}

const headerMagic = "SQLite format 3\x00"

// Open reads the database header. wal, when not nil, is the database's
// write-ahead log (the "-wal" file) with its size.
func Open(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, lim Limits) (*DB, error) {
	if lim.MaxPages <= 0 {
		lim.MaxPages = 1 << 20
	}
	if lim.MaxRecord <= 0 {
		lim.MaxRecord = 1 << 20
	}
	var h [100]byte
	if size < 100 {
		return nil, malformed("%d bytes: shorter than the header", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if string(h[:16]) != headerMagic {
		return nil, malformed("not an SQLite 3 database")
	}
	ps := int(binary.BigEndian.Uint16(h[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, malformed("page size %d", ps)
	}
	db := &DB{r: r, size: size, pageSize: ps, usable: ps - int(h[20]), lim: lim}
	if db.usable < 480 {
		return nil, malformed("usable page size %d", db.usable)
	}
	switch binary.BigEndian.Uint32(h[56:]) {
	case 0, 1:
	case 2:
		db.utf16 = binary.LittleEndian
	case 3:
		db.utf16 = binary.BigEndian
	default:
		return nil, malformed("text encoding %d", binary.BigEndian.Uint32(h[56:]))
	}
	db.pages = uint32(size / int64(ps))
	if n := binary.BigEndian.Uint32(h[28:]); n > 0 && binary.BigEndian.Uint32(h[24:]) == binary.BigEndian.Uint32(h[92:]) && n < db.pages {
		db.pages = n
	}
	if wal != nil && walSize > 0 {
		if err := db.readWAL(wal, walSize); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// readWAL indexes the committed frames of a write-ahead log: frames are
// valid while their salts match the header and their cumulative checksum
// holds; those up to the last commit frame count, newest first.
func (db *DB) readWAL(r io.ReaderAt, size int64) error {
	var h [32]byte
	if size < 32 {
		return nil // an empty or reset log holds nothing
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return fmt.Errorf("read WAL header: %w", err)
	}
	magic := binary.BigEndian.Uint32(h[0:])
	if magic != 0x377f0682 && magic != 0x377f0683 {
		return malformed("WAL magic %#x", magic)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	if int(binary.BigEndian.Uint32(h[8:])) != db.pageSize && !(db.pageSize == 65536 && binary.BigEndian.Uint32(h[8:]) == 1) {
		return nil // a log for another page size is not this database's: SQLite ignores it
	}
	s1, s2 := wsum(order, 0, 0, h[:24])
	if s1 != binary.BigEndian.Uint32(h[24:]) || s2 != binary.BigEndian.Uint32(h[28:]) {
		return nil // an invalid header: SQLite ignores the log
	}
	salt := h[16:24]
	frame := int64(24 + db.pageSize)
	pending := map[uint32]int64{}
	committed := map[uint32]int64{}
	buf := make([]byte, frame)
	var commitPages uint32
	for off := int64(32); off+frame <= size; off += frame {
		if _, err := r.ReadAt(buf, off); err != nil {
			return fmt.Errorf("read WAL frame at %d: %w", off, err)
		}
		if string(buf[8:16]) != string(salt) {
			break
		}
		s1, s2 = wsum(order, s1, s2, buf[:8])
		s1, s2 = wsum(order, s1, s2, buf[24:])
		if s1 != binary.BigEndian.Uint32(buf[16:]) || s2 != binary.BigEndian.Uint32(buf[20:]) {
			break
		}
		pg := binary.BigEndian.Uint32(buf[0:])
		pending[pg] = off + 24
		if n := binary.BigEndian.Uint32(buf[4:]); n > 0 { // a commit frame
			for p, o := range pending {
				committed[p] = o
			}
			clear(pending)
			commitPages = n
		}
	}
	if len(committed) > 0 {
		db.wal, db.walR, db.pages = committed, r, commitPages
	}
	return nil
}

// wsum is the WAL checksum over b (a multiple of 8 bytes).
func wsum(order binary.ByteOrder, s1, s2 uint32, b []byte) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s1 += order.Uint32(b[i:]) + s2
		s2 += order.Uint32(b[i+4:]) + s1
	}
	return s1, s2
}

// page reads page n (1-based).
func (db *DB) page(n uint32) ([]byte, error) {
	if n == 0 || n > db.pages {
		return nil, malformed("page %d out of range (1..%d)", n, db.pages)
	}
	b := make([]byte, db.pageSize)
	if off, ok := db.wal[n]; ok {
		if _, err := db.walR.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("read page %d from the WAL: %w", n, err)
		}
		return b, nil
	}
	if _, err := db.r.ReadAt(b, int64(n-1)*int64(db.pageSize)); err != nil {
		return nil, fmt.Errorf("read page %d: %w", n, err)
	}
	return b, nil
}

// varint decodes an SQLite varint.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 8; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// Table is a table of the schema.
type Table struct {
	Name    string
	Root    uint32
	Columns []string
	// RowidColumn is the index of the INTEGER PRIMARY KEY column (its
	// value is the rowid; the record holds NULL), or -1.
	RowidColumn int
}

// Column returns the index of a column by name (case-insensitive), or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// Table finds a table by name in the schema (page 1).
func (db *DB) Table(ctx context.Context, name string) (*Table, error) {
	var found *Table
	var perr error
	err := db.rows(ctx, 1, func(_ int64, v []Value) error {
		if len(v) < 5 || v[0].String() != "table" || !strings.EqualFold(v[1].String(), name) {
			return nil
		}
		if v[3].Kind != Int || v[3].Int <= 0 || v[3].Int > int64(db.pages) {
			perr = malformed("table %s: root page %d", name, v[3].Int)
			return errStop
		}
		t := &Table{Name: v[1].String(), Root: uint32(v[3].Int)}
		t.Columns, t.RowidColumn = columns(v[4].String())
		found = t
		return errStop
	})
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	return found, nil
}

var errStop = errors.New("stop")

// Rows calls fn with the rowid and values of every row of t, in rowid
// order; fn's error stops the traversal and is returned.
func (db *DB) Rows(ctx context.Context, t *Table, fn func(rowid int64, vals []Value) error) error {
	return db.rows(ctx, t.Root, func(rowid int64, v []Value) error {
		if t.RowidColumn >= 0 && t.RowidColumn < len(v) && v[t.RowidColumn].Kind == Null {
			v[t.RowidColumn] = Value{Kind: Int, Int: rowid}
		}
		return fn(rowid, v)
	})
}

func (db *DB) rows(ctx context.Context, root uint32, fn func(int64, []Value) error) error {
	seen := map[uint32]bool{}
	type frame struct {
		pg    uint32
		depth int
	}
	stack := []frame{{root, 0}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[f.pg] {
			return malformed("page %d is reached twice (a cycle)", f.pg)
		}
		if f.depth > 64 {
			return malformed("B-tree deeper than 64")
		}
		if len(seen) >= db.lim.MaxPages {
			return fmt.Errorf("table larger than %d pages: the rest was not read", db.lim.MaxPages)
		}
		seen[f.pg] = true
		b, err := db.page(f.pg)
		if err != nil {
			return err
		}
		hdr := 0
		if f.pg == 1 {
			hdr = 100
		}
		if len(b) < hdr+12 {
			return malformed("page %d too short", f.pg)
		}
		typ := b[hdr]
		n := int(binary.BigEndian.Uint16(b[hdr+3:]))
		switch typ {
		case 0x05: // interior table page: push children so the leftmost is read first
			ptrs := hdr + 12
			if ptrs+2*n > db.usable {
				return malformed("page %d: %d cells", f.pg, n)
			}
			stack = append(stack, frame{binary.BigEndian.Uint32(b[hdr+8:]), f.depth + 1})
			for i := n - 1; i >= 0; i-- {
				off := int(binary.BigEndian.Uint16(b[ptrs+2*i:]))
				if off+4 > db.usable {
					return malformed("page %d: cell offset %d", f.pg, off)
				}
				stack = append(stack, frame{binary.BigEndian.Uint32(b[off:]), f.depth + 1})
			}
		case 0x0d: // leaf table page
			ptrs := hdr + 8
			if ptrs+2*n > db.usable {
				return malformed("page %d: %d cells", f.pg, n)
			}
			for i := 0; i < n; i++ {
				off := int(binary.BigEndian.Uint16(b[ptrs+2*i:]))
				rowid, vals, err := db.cell(b, off, f.pg)
				if err != nil {
					return err
				}
				if err := fn(rowid, vals); err != nil {
					if errors.Is(err, errStop) {
						return nil
					}
					return err
				}
			}
		default:
			return malformed("page %d: type %#x is not a table B-tree page", f.pg, typ)
		}
	}
	return nil
}

// cell reads the table leaf cell at off of page b.
func (db *DB) cell(b []byte, off int, pg uint32) (int64, []Value, error) {
	if off < 8 || off >= db.usable {
		return 0, nil, malformed("page %d: cell offset %d", pg, off)
	}
	c := b[off:db.usable]
	psize, n1 := varint(c)
	if n1 == 0 {
		return 0, nil, malformed("page %d: cell size", pg)
	}
	rowid, n2 := varint(c[n1:])
	if n2 == 0 {
		return 0, nil, malformed("page %d: rowid", pg)
	}
	c = c[n1+n2:]
	if psize > 1<<31 {
		return 0, nil, malformed("page %d: payload of %d bytes", pg, psize)
	}
	p := int(psize)
	local := db.localSize(p)
	if local > len(c) {
		return 0, nil, malformed("page %d: payload beyond the page", pg)
	}
	want := min(p, db.lim.MaxRecord)
	payload := make([]byte, 0, want)
	payload = append(payload, c[:min(local, want)]...)
	if p > local && len(payload) < want {
		if local+4 > len(c) {
			return 0, nil, malformed("page %d: overflow pointer beyond the page", pg)
		}
		next := binary.BigEndian.Uint32(c[local:])
		seen := map[uint32]bool{}
		for len(payload) < want {
			if next == 0 || seen[next] || len(seen) > int(db.pages) {
				return 0, nil, malformed("page %d: overflow chain broken at %d", pg, next)
			}
			seen[next] = true
			ob, err := db.page(next)
			if err != nil {
				return 0, nil, err
			}
			next = binary.BigEndian.Uint32(ob)
			payload = append(payload, ob[4:min(db.usable, 4+want-len(payload))]...)
		}
	}
	vals, err := db.record(payload, p > len(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("page %d row %d: %w", pg, int64(rowid), err)
	}
	return int64(rowid), vals, nil
}

// localSize is how much of a table leaf payload of p bytes is on the page.
func (db *DB) localSize(p int) int {
	u := db.usable
	x := u - 35
	if p <= x {
		return p
	}
	m := ((u-12)*32)/255 - 23
	k := m + (p-m)%(u-4)
	if k <= x {
		return k
	}
	return m
}

// record decodes a record; cut says the payload was cut at MaxRecord.
func (db *DB) record(p []byte, cut bool) ([]Value, error) {
	hs, n := varint(p)
	if n == 0 || hs > uint64(len(p)) || int(hs) < n {
		if cut {
			return nil, fmt.Errorf("record header longer than the %d bytes read", len(p))
		}
		return nil, malformed("record header size %d", hs)
	}
	var types []uint64
	for i := n; i < int(hs); {
		t, k := varint(p[i:hs])
		if k == 0 {
			return nil, malformed("record header")
		}
		types = append(types, t)
		i += k
	}
	body := p[hs:]
	vals := make([]Value, 0, len(types))
	for _, t := range types {
		var v Value
		size := 0
		switch {
		case t == 0:
		case t >= 1 && t <= 6:
			size = []int{0, 1, 2, 3, 4, 6, 8}[t]
		case t == 7:
			size = 8
		case t == 8 || t == 9:
			v = Value{Kind: Int, Int: int64(t - 8)}
		case t >= 12:
			size = int((t - 12) / 2)
		default:
			return nil, malformed("serial type %d", t)
		}
		if size > len(body) {
			if !cut {
				return nil, malformed("value beyond the record")
			}
			if t >= 12 {
				v.Cut = true
				size = len(body)
			} else {
				vals = append(vals, Value{Kind: Null, Cut: true})
				body = nil
				continue
			}
		}
		d := body[:size]
		body = body[size:]
		switch {
		case t >= 1 && t <= 6:
			var x int64
			for _, c := range d {
				x = x<<8 | int64(c)
			}
			shift := 64 - 8*uint(size)
			v = Value{Kind: Int, Int: x << shift >> shift}
		case t == 7:
			v = Value{Kind: Float, Float: math.Float64frombits(binary.BigEndian.Uint64(d))}
		case t >= 12 && t%2 == 0:
			v = Value{Kind: Blob, Bytes: d, Cut: v.Cut}
		case t >= 13:
			v = Value{Kind: Text, Bytes: db.text(d), Cut: v.Cut}
		}
		vals = append(vals, v)
	}
	return vals, nil
}

// text converts a text value to UTF-8.
func (db *DB) text(d []byte) []byte {
	if db.utf16 == nil {
		return d
	}
	u := make([]uint16, len(d)/2)
	for i := range u {
		u[i] = db.utf16.Uint16(d[2*i:])
	}
	return []byte(string(utf16.Decode(u)))
}

// columns reads the column names of a CREATE TABLE statement and which
// one, if any, is an INTEGER PRIMARY KEY (the rowid).
func columns(sql string) ([]string, int) {
	open := strings.IndexByte(sql, '(')
	end := strings.LastIndexByte(sql, ')')
	if open < 0 || end <= open {
		return nil, -1
	}
	var defs []string
	depth, start := 0, open+1
	for i := open + 1; i < end; i++ {
		switch sql[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				defs = append(defs, sql[start:i])
				start = i + 1
			}
		}
	}
	defs = append(defs, sql[start:end])
	var cols []string
	rowid := -1
	for _, d := range defs {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT":
			continue
		}
		name := strings.Trim(f[0], "\"`[]'")
		up := strings.ToUpper(strings.Join(f[1:], " "))
		if len(f) > 1 && strings.ToUpper(f[1]) == "INTEGER" && strings.Contains(up, "PRIMARY KEY") {
			rowid = len(cols)
		}
		cols = append(cols, name)
	}
	return cols, rowid
}

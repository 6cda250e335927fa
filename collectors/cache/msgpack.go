package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// A minimal msgpack reader over an io.ReaderAt. Unlike a general decoder it
// never reads a large str/bin value: it returns its offset and length
// (Blob), so a cached wheel inlined in a legacy pip cache entry is located,
// not loaded. Every length is checked against the bytes left, and the
// number of values and the bytes copied out are budgeted (a real pip entry
// holds a few dozen values), so a hostile or truncated entry fails with an
// error instead of a huge allocation or a long loop: memory stays a small
// multiple of the header actually read.

// Blob is a str or bin value left in place.
type Blob struct {
	Off, Len int64
	Str      bool
}

// ErrTruncated marks msgpack data that ends inside a value.
var ErrTruncated = errors.New("truncated msgpack")

const (
	maxDepth  = 32
	inlineMax = 64 << 10 // str/bin up to this size are read, larger ones are Blobs
	// maxValues caps the values one entry may hold (pip writes ~50).
	maxValues = 1 << 14
	// maxInline caps the bytes of str/bin values copied out of one entry;
	// beyond it they are left in place as Blobs.
	maxInline = 1 << 20
)

// ErrTooManyValues marks an entry holding more values than any real one.
var ErrTooManyValues = fmt.Errorf("msgpack holds more than %d values: not a pip cache entry", maxValues)

type mpReader struct {
	r        io.ReaderAt
	off, end int64
	// a one-page cache: headers are read a few bytes at a time
	page    [4096]byte
	pageOff int64
	pageLen int
	// budgets
	values int
	inline int64
}

func newMP(r io.ReaderAt, off, end int64) *mpReader {
	return &mpReader{r: r, off: off, end: end, pageOff: -1}
}

func (d *mpReader) read(n int64) ([]byte, error) {
	if n < 0 || d.off+n > d.end {
		return nil, ErrTruncated
	}
	if n <= 64 {
		if d.pageOff < 0 || d.off < d.pageOff || d.off+n > d.pageOff+int64(d.pageLen) {
			d.pageOff = d.off
			k, err := d.r.ReadAt(d.page[:min(int64(len(d.page)), d.end-d.off)], d.off)
			d.pageLen = k
			if int64(k) < n {
				if err == nil || errors.Is(err, io.EOF) {
					err = ErrTruncated
				}
				return nil, err
			}
		}
		b := d.page[d.off-d.pageOff : d.off-d.pageOff+n]
		d.off += n
		return b, nil
	}
	b := make([]byte, n)
	k, err := d.r.ReadAt(b, d.off)
	if int64(k) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = ErrTruncated
		}
		return nil, err
	}
	d.off += n
	return b, nil
}

func (d *mpReader) uint(n int) (uint64, error) {
	b, err := d.read(int64(n))
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

// value decodes one value: nil, bool, int64, uint64, float64, string,
// []byte, Blob, []any or map[string]any (non-string keys are rendered with %v).
func (d *mpReader) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("msgpack nested deeper than %d", maxDepth)
	}
	if d.values++; d.values > maxValues {
		return nil, fmt.Errorf("%w (at offset %d)", ErrTooManyValues, d.off)
	}
	b, err := d.read(1)
	if err != nil {
		return nil, err
	}
	c := b[0]
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c&0xf0 == 0x80:
		return d.mapN(int64(c&0x0f), depth)
	case c&0xf0 == 0x90:
		return d.arrayN(int64(c&0x0f), depth)
	case c&0xe0 == 0xa0:
		return d.bytesN(int64(c&0x1f), true)
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb:
		w := map[byte]int{0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4}[c]
		n, err := d.uint(w)
		if err != nil {
			return nil, err
		}
		return d.bytesN(int64(n), c >= 0xd9)
	case 0xc7, 0xc8, 0xc9:
		w := map[byte]int{0xc7: 1, 0xc8: 2, 0xc9: 4}[c]
		n, err := d.uint(w)
		if err != nil {
			return nil, err
		}
		return nil, d.skip(int64(n) + 1)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return nil, d.skip(int64(1<<(c-0xd4)) + 1)
	case 0xca:
		n, err := d.uint(4)
		return float64(math.Float32frombits(uint32(n))), err
	case 0xcb:
		n, err := d.uint(8)
		return math.Float64frombits(n), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		n, err := d.uint(1 << (c - 0xcc))
		if n <= math.MaxInt64 {
			return int64(n), err
		}
		return n, err
	case 0xd0, 0xd1, 0xd2, 0xd3:
		w := 1 << (c - 0xd0)
		n, err := d.uint(w)
		switch w {
		case 1:
			return int64(int8(n)), err
		case 2:
			return int64(int16(n)), err
		case 4:
			return int64(int32(n)), err
		}
		return int64(n), err
	case 0xdc, 0xdd:
		n, err := d.uint(map[byte]int{0xdc: 2, 0xdd: 4}[c])
		if err != nil {
			return nil, err
		}
		return d.arrayN(int64(n), depth)
	case 0xde, 0xdf:
		n, err := d.uint(map[byte]int{0xde: 2, 0xdf: 4}[c])
		if err != nil {
			return nil, err
		}
		return d.mapN(int64(n), depth)
	}
	return nil, fmt.Errorf("invalid msgpack type byte 0x%02x at offset %d", c, d.off-1)
}

func (d *mpReader) skip(n int64) error {
	if n < 0 || d.off+n > d.end {
		return ErrTruncated
	}
	d.off += n
	return nil
}

func (d *mpReader) bytesN(n int64, isStr bool) (any, error) {
	if n > d.end-d.off {
		return nil, ErrTruncated
	}
	if n > inlineMax || d.inline+n > maxInline {
		bl := Blob{Off: d.off, Len: n, Str: isStr}
		d.off += n
		return bl, nil
	}
	d.inline += n
	b, err := d.read(n)
	if err != nil {
		return nil, err
	}
	if isStr {
		return string(b), nil
	}
	return append([]byte(nil), b...), nil
}

func (d *mpReader) arrayN(n int64, depth int) (any, error) {
	if n > d.end-d.off { // every element takes at least one byte
		return nil, ErrTruncated
	}
	if n > maxValues {
		return nil, fmt.Errorf("%w (an array of %d at offset %d)", ErrTooManyValues, n, d.off)
	}
	out := make([]any, 0, min(n, 1024))
	for i := int64(0); i < n; i++ {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *mpReader) mapN(n int64, depth int) (any, error) {
	if 2*n > d.end-d.off {
		return nil, ErrTruncated
	}
	if 2*n > maxValues {
		return nil, fmt.Errorf("%w (a map of %d at offset %d)", ErrTooManyValues, n, d.off)
	}
	out := make(map[string]any, min(n, 1024))
	for i := int64(0); i < n; i++ {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch ks := k.(type) {
		case string:
			out[ks] = v
		case []byte:
			out[string(ks)] = v
		default:
			out[fmt.Sprint(ks)] = v
		}
	}
	return out, nil
}

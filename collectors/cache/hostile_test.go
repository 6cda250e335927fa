package cache

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

// hostileEntries are cc=4 entries of about size bytes built to make a
// naive msgpack decoder allocate or loop far beyond their size.
func hostileEntries(size int) map[string][]byte {
	u32 := func(c byte, n int) []byte {
		b := []byte{c, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		return b
	}
	out := map[string][]byte{}
	n := size - 16
	// {"response": [nil x n]}
	out["array-of-nils"] = append(append([]byte("cc=4,\x81\xa8response"), u32(0xdd, n)...), bytes.Repeat([]byte{0xc0}, n)...)
	// {"response": {"headers": ["" x n]}}
	out["array-of-empty-strings"] = append(append([]byte("cc=4,\x81\xa8response\x81\xa7headers"), u32(0xdd, n)...), bytes.Repeat([]byte{0xa0}, n)...)
	// {"response": {int: int x n/2}}: a map of n/2 entries
	m := append([]byte("cc=4,\x81\xa8response"), u32(0xdf, n/2)...)
	for i := 0; i < n/2; i++ {
		m = append(m, byte(i&0x7f), 0xc0)
	}
	out["map-of-ints"] = m
	// nested arrays, 15 wide, as deep as allowed, repeated
	var nest []byte
	for len(nest) < n {
		nest = append(nest, 0x9f)
	}
	out["nested-fixarrays"] = append(append([]byte("cc=4,\x81\xa8response"), u32(0xdd, n)...), nest...)
	// n/3 strings of 2 bytes: {"response": {"headers": {"ab": "cd", ...}}}
	h := append([]byte("cc=4,\x81\xa8response\x81\xa7headers"), u32(0xdf, n/6)...)
	for i := 0; len(h) < size; i++ {
		h = append(h, 0xa2, byte('a'+i%26), byte('a'+i/26%26), 0xa2, 'c', 'd')
	}
	out["map-of-short-strings"] = h
	// an array of 15-wide fixarrays of nils (no single length is large)
	w := append([]byte("cc=4,\x81\xa8response"), u32(0xdd, 1100)...)
	for len(w) < size {
		w = append(w, 0x9f)
		w = append(w, bytes.Repeat([]byte{0xc0}, 15)...)
	}
	out["wide-fixarrays"] = w
	// a map of 64 KiB strings: each may be read, together they may not
	big := append([]byte("cc=4,\x81\xa8response"), u32(0xdf, n/(2<<16))...)
	for i := 0; len(big) < size; i++ {
		big = append(big, 0xa2, byte('a'+i%26), byte('a'+i/26%26), 0xda, 0xff, 0xff)
		big = append(big, bytes.Repeat([]byte{'x'}, 0xffff)...)
	}
	out["map-of-64k-strings"] = big
	return out
}

// TestMsgpackHostileBounded: every hostile entry is refused (or parsed)
// with allocation a small multiple of its size, in linear time.
func TestMsgpackHostileBounded(t *testing.T) {
	const size = 8 << 20
	for name, b := range hostileEntries(size) {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := ParseHTTPEntry(bytes.NewReader(b), int64(len(b)))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d bytes in, %d bytes allocated (%.1fx), %v, err=%v", name, len(b), alloc, float64(alloc)/float64(len(b)), took, err)
			if alloc > 4*uint64(len(b)) {
				t.Errorf("allocated %d bytes for a %d-byte entry", alloc, len(b))
			}
			if err == nil && name != "map-of-64k-strings" {
				t.Errorf("hostile entry accepted")
			}
		})
	}
}

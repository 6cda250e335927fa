package cache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPEntry is a CacheControl cache entry as pip (http-v2/, legacy http/)
// and poetry (cache/repositories/<repo>/_http/) write it: "cc=4," then a
// msgpack map {"response": {"body", "headers", "status", "version",
// "reason", "decode_content"}, "vary": {...}}.
type HTTPEntry struct {
	// Serde is the CacheControl serialisation version (the N of "cc=N,").
	Serde  int
	Status int
	// Headers are the response headers with lower-cased names.
	Headers map[string]string
	// BodyOff and BodyLen locate an inline body (legacy http/) inside the
	// entry file; BodyLen is 0 when the body is stored in "<entry>.body"
	// (http-v2) or empty.
	BodyOff, BodyLen int64
	inline           []byte // a small inline body (read by the decoder)
}

// ErrNotCacheControl marks a file that is not a CacheControl entry.
var ErrNotCacheControl = errors.New("not a CacheControl cache entry (no cc=N, prefix)")

// ErrUnsupportedSerde marks pre-msgpack CacheControl entries (cc=0..3).
var ErrUnsupportedSerde = errors.New("CacheControl serialisation older than cc=4 (pickle/json) is not read")

// ParseHTTPEntry reads the header of a CacheControl entry of size bytes.
// Only the prefix, the response map and the headers are read: an inline
// body is located (BodyOff/BodyLen), not loaded.
func ParseHTTPEntry(r io.ReaderAt, size int64) (*HTTPEntry, error) {
	var pre [8]byte
	n, _ := r.ReadAt(pre[:], 0)
	p := pre[:n]
	comma := bytes.IndexByte(p, ',')
	if !bytes.HasPrefix(p, []byte("cc=")) || comma < 4 {
		return nil, ErrNotCacheControl
	}
	serde, err := strconv.Atoi(string(p[3:comma]))
	if err != nil {
		return nil, ErrNotCacheControl
	}
	if serde != 4 {
		return nil, fmt.Errorf("cc=%d: %w", serde, ErrUnsupportedSerde)
	}
	d := newMP(r, int64(comma+1), size)
	v, err := d.value(0)
	if err != nil {
		return nil, fmt.Errorf("cc=4 msgpack: %w", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("cc=4 msgpack: top level is not a map")
	}
	resp, ok := top["response"].(map[string]any)
	if !ok {
		return nil, errors.New("cc=4 msgpack: no response map")
	}
	e := &HTTPEntry{Serde: serde, Headers: map[string]string{}}
	switch s := resp["status"].(type) {
	case int64:
		e.Status = int(s)
	case uint64:
		e.Status = int(min(s, 999))
	}
	if hs, ok := resp["headers"].(map[string]any); ok {
		for k, v := range hs {
			switch x := v.(type) {
			case string:
				e.Headers[strings.ToLower(k)] = x
			case []byte:
				e.Headers[strings.ToLower(k)] = string(x)
			}
		}
	}
	switch b := resp["body"].(type) {
	case Blob:
		e.BodyOff, e.BodyLen = b.Off, b.Len
	case []byte:
		if len(b) > 0 {
			e.BodyOff, e.BodyLen = -1, int64(len(b))
			e.inline = b
		}
	case string:
		if len(b) > 0 {
			e.BodyOff, e.BodyLen = -1, int64(len(b))
			e.inline = []byte(b)
		}
	}
	return e, nil
}

// Body returns a reader over the inline body (legacy entries), or nil.
func (e *HTTPEntry) Body(r io.ReaderAt) *io.SectionReader {
	if e.BodyLen == 0 {
		return nil
	}
	if e.BodyOff < 0 {
		return io.NewSectionReader(bytes.NewReader(e.inline), 0, int64(len(e.inline)))
	}
	return io.NewSectionReader(r, e.BodyOff, e.BodyLen)
}

// Date is the response's Date header, or the zero time.
func (e *HTTPEntry) Date() time.Time {
	t, err := http.ParseTime(e.Headers["date"])
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// IsPage reports whether the response is an index page or API document
// rather than a distribution file.
func (e *HTTPEntry) IsPage() bool {
	ct := strings.ToLower(e.Headers["content-type"])
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "html")
}

// ClaimsFile reports whether the headers say the body is a distribution
// file (PyPI's x-pypi-file-* headers or a binary content type).
func (e *HTTPEntry) ClaimsFile() bool {
	if e.Headers["x-pypi-file-package-type"] != "" || e.Headers["x-pypi-file-project"] != "" {
		return true
	}
	ct := strings.ToLower(e.Headers["content-type"])
	return strings.Contains(ct, "octet-stream") || strings.Contains(ct, "zip") || strings.Contains(ct, "x-wheel") ||
		strings.Contains(ct, "x-tar") || strings.Contains(ct, "gzip")
}

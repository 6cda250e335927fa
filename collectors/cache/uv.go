package cache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// UVPointer is uv's wheels-v*/…/<version>-<tags>.http pointer to an
// unzipped wheel in archive-v*/<id>/. The file is data ‖ rkyv(CachePolicy)
// ‖ u64-LE length of the policy; data is msgpack (a map with "id" and
// "filename", or the same fields as an array).
type UVPointer struct {
	ArchiveID string
	Filename  string
}

// ParseUVPointer reads a .http pointer. It tolerates a pointer without the
// policy trailer (plain msgpack).
func ParseUVPointer(b []byte) (*UVPointer, error) {
	data := b
	if len(b) >= 8 {
		n := binary.LittleEndian.Uint64(b[len(b)-8:])
		if n <= uint64(len(b)-8) {
			data = b[:len(b)-8-int(n)]
		}
	}
	p, err := decodeUVData(data)
	if err != nil && len(data) != len(b) {
		if p2, err2 := decodeUVData(b); err2 == nil {
			return p2, nil
		}
	}
	return p, err
}

func decodeUVData(data []byte) (*UVPointer, error) {
	if len(data) == 0 {
		return nil, errors.New("empty uv pointer")
	}
	v, err := newMP(bytes.NewReader(data), 0, int64(len(data))).value(0)
	if err != nil {
		return nil, fmt.Errorf("uv pointer msgpack: %w", err)
	}
	p := &UVPointer{}
	switch x := v.(type) {
	case map[string]any:
		p.ArchiveID = asString(x["id"])
		p.Filename = filenameOf(x["filename"])
	case []any:
		for _, it := range x {
			s := filenameOf(it)
			switch {
			case p.ArchiveID == "" && s != "" && !strings.HasSuffix(s, ".whl"):
				p.ArchiveID = s
			case strings.HasSuffix(s, ".whl"):
				p.Filename = s
			}
		}
	default:
		return nil, errors.New("uv pointer: msgpack is neither a map nor an array")
	}
	if p.ArchiveID == "" || strings.ContainsAny(p.ArchiveID, "/\\") || p.ArchiveID == ".." || p.ArchiveID == "." {
		return p, fmt.Errorf("uv pointer: no usable archive id (%q)", clip(p.ArchiveID))
	}
	return p, nil
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// filenameOf accepts a wheel file name as a string or as a map of its parts.
func filenameOf(v any) string {
	if s := asString(v); s != "" {
		return s
	}
	if m, ok := v.(map[string]any); ok {
		n, ver := asString(m["name"]), asString(m["version"])
		if n != "" && ver != "" {
			return n + "-" + ver + ".whl"
		}
	}
	return ""
}

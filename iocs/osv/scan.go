package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// kept are the top-level fields a sweep reads, in the order trim writes
// them; the rest of a record (details, references, credits, the
// per-source origins) is most of its bytes and, decoded by the bindings as
// protobuf Structs, most of its cost.
var kept = [...]string{"schema_version", "id", "aliases", "summary", "published", "modified", "withdrawn", "affected"}

// maxDepth bounds nesting as encoding/json does.
const maxDepth = 10000

// trim checks that b is one JSON value, an object (or null), in one pass
// and returns it with only the kept fields (the last of a repeated key
// wins, as with encoding/json), and whether its database_specific names
// malicious-packages origins (the one thing read from the fields left
// out). The bindings decode what it returns: trim only validates the
// syntax of the fields it drops and finds where the kept ones are.
func trim(b []byte) ([]byte, bool, error) {
	s := scanner{b: b}
	var vals [len(kept)][]byte
	origins := false
	s.ws()
	if s.lit("null") {
		if s.ws(); s.i != len(b) {
			return nil, false, s.errorf("data after the top-level value")
		}
		return []byte("{}"), false, nil
	}
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, false, s.errorf("not a JSON object")
	}
	err := s.object(func(key []byte) error {
		for k, name := range kept {
			if string(key) == name {
				start := s.i
				if err := s.value(1); err != nil {
					return err
				}
				vals[k] = b[start:s.i]
				return nil
			}
		}
		if string(key) != "database_specific" {
			return s.value(1)
		}
		switch {
		case s.lit("null"): // leaves what an earlier database_specific said
			return nil
		case s.i < len(b) && b[s.i] == '{':
			return s.object(func(key []byte) error {
				if string(key) != "malicious-packages-origins" {
					return s.value(2)
				}
				if s.lit("null") {
					origins = false
					return nil
				}
				origins = true
				return s.value(2)
			})
		default:
			return s.errorf("database_specific is not an object")
		}
	})
	if err != nil {
		return nil, false, err
	}
	if s.ws(); s.i != len(b) {
		return nil, false, s.errorf("data after the top-level value")
	}
	n := 2
	for _, v := range vals {
		n += len(v) + 20
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for k, v := range vals {
		if len(v) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, kept[k]...)
		out = append(out, '"', ':')
		out = append(out, v...)
	}
	return append(out, '}'), origins, nil
}

// scanner validates JSON syntax (RFC 8259, as encoding/json.Valid) in one
// pass over a record's bytes.
type scanner struct {
	b []byte
	i int
}

var errSyntax = errors.New("invalid JSON")

func (s *scanner) errorf(format string, a ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, s.i, fmt.Sprintf(format, a...))
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit consumes the literal w if it is next.
func (s *scanner) lit(w string) bool {
	if bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		s.i += len(w)
		return true
	}
	return false
}

// object reads an object at s.i, calling member for each key with s.i at
// its value (after the colon and whitespace); member must consume the value.
func (s *scanner) object(member func(key []byte) error) error {
	s.i++ // '{'
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.errorf("want an object key")
		}
		start := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.b[start+1 : s.i-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if err := json.Unmarshal(s.b[start:s.i], &k); err != nil {
				return s.errorf("object key: %v", err)
			}
			key = []byte(k)
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.errorf("want ':' after an object key")
		}
		s.i++
		s.ws()
		if err := member(key); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.errorf("unexpected end of an object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or '}' in an object")
		}
	}
}

// value skips one value at s.i (leading whitespace already read).
func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return s.errorf("nested too deeply")
	}
	if s.i >= len(s.b) {
		return s.errorf("unexpected end of input")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(func([]byte) error { return s.value(depth + 1) })
	case c == '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.errorf("unexpected end of an array")
			}
			switch s.b[s.i] {
			case ',':
				s.i++
				s.ws()
			case ']':
				s.i++
				return nil
			default:
				return s.errorf("want ',' or ']' in an array")
			}
		}
	case c == '"':
		return s.str()
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case s.lit("true"), s.lit("false"), s.lit("null"):
		return nil
	default:
		return s.errorf("unexpected character %q", c)
	}
}

// str skips a string at s.i: no raw control characters, only JSON's
// escapes. (Like encoding/json's validation, it does not check UTF-8:
// the bindings do, for the fields they decode.)
func (s *scanner) str() error {
	s.i++ // '"'
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return s.errorf("unexpected end of a string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return s.errorf("unexpected end of a string")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return s.errorf("invalid \\u escape")
					}
				}
				s.i += 6
			default:
				return s.errorf("invalid escape in a string")
			}
		case c < 0x20:
			return s.errorf("control character in a string")
		default:
			s.i++
		}
	}
	return s.errorf("unexpected end of a string")
}

// number skips a number at s.i: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		return s.errorf("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.errorf("invalid number")
		}
	}
	return nil
}

package fleet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// spool holds what the fleet report lists per system but does not need
// while merging (findings, errors, environments) as JSON lines, on disk
// (an unlinked temporary file) for merges and in memory for a single
// report, so merge memory grows with the number of systems, not findings.
type spool struct {
	f   *os.File
	w   *bufio.Writer
	mem bytes.Buffer
	off int64
	err error
}

// seg is a run of records in the spool.
type seg struct {
	Off, Len int64
	N        int
}

func newFileSpool() (*spool, error) {
	f, err := os.CreateTemp("", "litesweep-merge-*.spool")
	if err != nil {
		return nil, fmt.Errorf("merge spool: %w", err)
	}
	// Unlinked at once: the file goes away with the process, however it ends.
	os.Remove(f.Name())
	return &spool{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *spool) writer() io.Writer {
	if s.f != nil {
		return s.w
	}
	return &s.mem
}

// add appends one record (one JSON line) to the segment being built.
func (s *spool) add(sg *seg, v any) {
	if s.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		s.err = err
		return
	}
	data = append(data, '\n')
	if sg.N == 0 {
		sg.Off = s.off
	}
	if _, err := s.writer().Write(data); err != nil {
		s.err = err
		return
	}
	s.off += int64(len(data))
	sg.Len += int64(len(data))
	sg.N++
}

// each calls fn with every record of sg, in order.
func (s *spool) each(sg seg, fn func(line []byte) error) error {
	if sg.N == 0 {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	var r io.Reader
	if s.f != nil {
		if err := s.w.Flush(); err != nil {
			return err
		}
		r = io.NewSectionReader(s.f, sg.Off, sg.Len)
	} else {
		r = bytes.NewReader(s.mem.Bytes()[sg.Off : sg.Off+sg.Len])
	}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A record longer than the buffer: collect it whole.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) > 0 {
			if ferr := fn(bytes.TrimSuffix(line, []byte("\n"))); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *spool) close() {
	if s != nil && s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

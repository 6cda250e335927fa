package python

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Meta is the identity a METADATA or PKG-INFO file declares.
type Meta struct {
	Name, Version string
	// VersionLine is the 1-based line of the Version header (0 when the
	// identity did not come from the metadata itself).
	VersionLine int
}

// ParseMetadata reads the RFC 822 header block of core metadata (METADATA,
// PKG-INFO) up to the first blank line and returns Name and Version. It
// fails when either is missing or the block is not header-shaped.
func ParseMetadata(b []byte) (Meta, error) {
	var m Meta
	if IsBinary(b[:min(len(b), 4096)]) {
		return m, errors.New("not a text file")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		n++
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' { // continuation
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return m, fmt.Errorf("line %d is not a header: %q", n, truncate(line, 80))
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "name":
			if m.Name == "" {
				m.Name = strings.TrimSpace(v)
			}
		case "version":
			if m.Version == "" {
				m.Version = strings.TrimSpace(v)
				m.VersionLine = n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("read headers: %w", err)
	}
	switch {
	case m.Name == "" && m.Version == "":
		return m, errors.New("no Name and no Version header")
	case m.Name == "":
		return m, errors.New("no Name header")
	case m.Version == "":
		return m, errors.New("no Version header")
	}
	return m, nil
}

// RecordRow is one row of a RECORD file.
type RecordRow struct {
	Line int
	Path string // as written (slash-normalised)
	Hash string // "sha256=..." or ""
	Size int64  // -1 when empty
}

// maxRecordRows caps the rows read from one RECORD (a real one lists a few
// thousand files; a hostile one of 32 MiB could list millions, each held
// and checked against the disk).
const maxRecordRows = 100_000

// ParseRecord parses RECORD (CSV, path,hash,size). Malformed rows are
// returned as errors next to the rows that parsed; rows beyond
// maxRecordRows are not read (an error says so).
func ParseRecord(b []byte) ([]RecordRow, []error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var rows []RecordRow
	var errs []error
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, fmt.Errorf("RECORD line %d: %w", line, err))
			if len(errs) > 20 {
				break
			}
			continue
		}
		line, _ := r.FieldPos(0)
		if len(rows) >= maxRecordRows {
			errs = append(errs, fmt.Errorf("RECORD line %d: more than %d rows; the rest were not read or verified", line, maxRecordRows))
			break
		}
		if len(rec) != 3 {
			errs = append(errs, fmt.Errorf("RECORD line %d: %d fields, want path,hash,size", line, len(rec)))
			continue
		}
		row := RecordRow{Line: line, Path: strings.ReplaceAll(rec[0], `\`, "/"), Hash: rec[1], Size: -1}
		if rec[2] != "" {
			n, err := strconv.ParseInt(rec[2], 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("RECORD line %d: bad size %q", line, truncate(rec[2], 40)))
				continue
			}
			row.Size = n
		}
		if row.Hash != "" && !strings.Contains(row.Hash, "=") {
			errs = append(errs, fmt.Errorf("RECORD line %d: bad hash field %q", line, truncate(row.Hash, 40)))
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// DistName returns the candidate distribution names of a .dist-info or
// .egg-info directory (or egg-info file) name: every prefix before a "-",
// since older tools did not escape "-" in names and egg-info names carry a
// "-pyX.Y" suffix. The caller keeps the ones the pack tracks.
func DistName(dir string) []string {
	stem := strings.TrimSuffix(strings.TrimSuffix(dir, ".dist-info"), ".egg-info")
	if stem == dir {
		return nil
	}
	var out []string
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && i > 0 {
			out = append(out, stem[:i])
		}
	}
	if len(out) == 0 {
		out = append(out, stem) // "litellm.egg-info" (develop install)
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// do not cut a UTF-8 sequence
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Package osv reads OSV malicious-package records (the ossf/malicious-packages
// repository, osv.dev's per-ecosystem zip exports) as a source of package
// indicators: every record that says a release is malicious becomes the
// releases it names, for the ecosystems litesweep sweeps.
//
// Records are decoded with the OSV schema's own Go bindings and streamed:
// each is handed to the caller as it is read, so memory holds one record at
// a time plus what the caller keeps. A malformed record is a located
// warning and a count, never a crash and never a silently smaller set.
package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Record is one affected package of one malicious-package record, in an
// ecosystem litesweep sweeps.
type Record struct {
	// ID is the record's id (MAL-2026-2144); Aliases its aliases.
	ID      string
	Aliases []string
	Summary string
	// Published is the record's publication time (zero when absent).
	Published time.Time
	// Ecosystem is the sweep's name for it: "pypi" or "npm".
	Ecosystem string
	// Name is the package name as the record spells it.
	Name string
	// Versions are the exact versions the record lists.
	Versions []string
	// Ranges are its ECOSYSTEM and SEMVER ranges (GIT ranges name commits,
	// not releases, and are left out).
	Ranges []Range
	// Where is the file (and zip member) the record came from.
	Where string
}

// Range is an OSV range: Type is "ECOSYSTEM" or "SEMVER", evaluated with
// the ecosystem's own version order.
type Range struct {
	Type   string
	Events []Event
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced, Fixed, LastAffected, Limit string
}

// AllVersions reports whether the record covers every version of the
// package: a range introduced at "0" with no fixed, last_affected or limit.
func (r Record) AllVersions() bool {
	for _, rg := range r.Ranges {
		open, zero := true, false
		for _, e := range rg.Events {
			switch {
			case e.Introduced == "0":
				zero = true
			case e.Fixed != "" || e.LastAffected != "" || e.Limit != "":
				open = false
			}
		}
		if zero && open {
			return true
		}
	}
	return false
}

// Source is what one --osv path held (iocs.RecordSource: the report
// records it).
type Source = iocs.RecordSource

// Warning is a located problem with one record or file.
type Warning = iocs.SourceWarning

// Options bound a load.
type Options struct {
	// Open opens a file the user named, refusing FIFOs and devices
	// (sweep.OpenInput). Required: this package never opens on its own.
	Open func(path string) (*os.File, error)
	// MaxRecordBytes caps one record's size (default 4 MiB).
	MaxRecordBytes int64
	// MaxFiles caps how many files or members are read (default 4,000,000).
	MaxFiles int
	// MaxWarnings caps the located warnings kept (default 50).
	MaxWarnings int
	// expect, when set, is told how many records a source holds before
	// they are read (a zip export's member count).
	expect func(n int)
}

const (
	defaultMaxRecordBytes = 4 << 20
	defaultMaxFiles       = 4_000_000
	defaultMaxWarnings    = 50
)

// swept maps OSV ecosystem names to the sweep's.
var swept = map[string]string{"PyPI": "pypi", "npm": "npm"}

// ErrTooMany is returned when a source holds more files than MaxFiles.
var ErrTooMany = errors.New("too many OSV records")

// Load reads every OSV record under path (a directory, read at any depth,
// or a zip export) and calls add for each affected package of each
// malicious, not withdrawn record in a swept ecosystem. It stops at ctx's
// end. Files that are not records (README, non-JSON) are passed over
// without a warning; a JSON file that does not decode is a warning.
func Load(ctx context.Context, path string, o Options, add func(Record)) (*Source, error) {
	if o.Open == nil {
		return nil, errors.New("osv: no opener")
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = defaultMaxRecordBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = defaultMaxFiles
	}
	if o.MaxWarnings <= 0 {
		o.MaxWarnings = defaultMaxWarnings
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("OSV source %s: %w", path, err)
	}
	l := &loader{o: o, add: add, src: &Source{RecordCounts: iocs.RecordCounts{Kind: "osv", Path: path, Unswept: map[string]int{}}}}
	if fi.IsDir() {
		err = l.dir(ctx, path)
	} else {
		err = l.zipFile(ctx, path)
	}
	if len(l.src.Unswept) == 0 {
		l.src.Unswept = nil
	}
	if err != nil {
		return l.src, err
	}
	return l.src, nil
}

type loader struct {
	o   Options
	add func(Record)
	src *Source
}

func (l *loader) warn(where, format string, a ...any) {
	if len(l.src.Warnings) >= l.o.MaxWarnings {
		l.src.WarningsOmitted++
		return
	}
	l.src.Warnings = append(l.src.Warnings, Warning{Where: where, Message: fmt.Sprintf(format, a...)})
}

// dir reads every *.json file below root in lexical order, never following
// a symlink, and digests the sorted (path, file digest) list.
func (l *loader) dir(ctx context.Context, root string) error {
	digest := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(root, p)
		if err != nil {
			l.src.Malformed++
			l.warn(rel, "not read: %v", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			l.src.Malformed++
			l.warn(rel, "a symbolic link: not followed")
			return nil
		}
		if l.src.Files >= l.o.MaxFiles {
			return fmt.Errorf("%w: more than %d files under %s", ErrTooMany, l.o.MaxFiles, root)
		}
		l.src.Files++
		b, err := l.readFile(p)
		if err != nil {
			l.src.Malformed++
			l.warn(rel, "not read: %v", err)
			return nil
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(digest, "%s\x00%x\n", filepath.ToSlash(rel), sum)
		l.record(rel, b)
		return nil
	})
	l.src.SHA256 = hex.EncodeToString(digest.Sum(nil))
	if err != nil {
		return fmt.Errorf("OSV source %s: %w", root, err)
	}
	return nil
}

func (l *loader) readFile(p string) ([]byte, error) {
	f, err := l.o.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimit(f, l.o.MaxRecordBytes)
}

func readLimit(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

// zipFile reads every *.json member of a zip export (osv.dev's
// <ecosystem>/all.zip), each bounded by MaxRecordBytes uncompressed.
func (l *loader) zipFile(ctx context.Context, p string) error {
	f, err := l.o.Open(p)
	if err != nil {
		return fmt.Errorf("OSV source %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("OSV source %s: %w", p, err)
	}
	h := sha256.New()
	if err := hashAll(ctx, h, f); err != nil {
		return fmt.Errorf("OSV source %s: %w", p, err)
	}
	l.src.SHA256 = hex.EncodeToString(h.Sum(nil))
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return fmt.Errorf("OSV source %s: not a directory or a zip export: %w", p, err)
	}
	members := make([]*zip.File, 0, len(zr.File))
	for _, m := range zr.File {
		if !m.FileInfo().IsDir() && strings.HasSuffix(m.Name, ".json") {
			members = append(members, m)
		}
	}
	sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })
	if len(members) > l.o.MaxFiles {
		return fmt.Errorf("OSV source %s: %w: %d members, at most %d", p, ErrTooMany, len(members), l.o.MaxFiles)
	}
	if l.o.expect != nil {
		l.o.expect(len(members))
	}
	var buf []byte
	for _, m := range members {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("OSV source %s: %w", p, err)
		}
		where := p + ":" + m.Name
		l.src.Files++
		if m.UncompressedSize64 > uint64(l.o.MaxRecordBytes) {
			l.src.Malformed++
			l.warn(where, "not read: larger than %d bytes", l.o.MaxRecordBytes)
			continue
		}
		rc, err := m.Open()
		if err != nil {
			l.src.Malformed++
			l.warn(where, "not read: %v", err)
			continue
		}
		// One buffer for every member, sized by its declared length;
		// the zip reader's checksum catches a member that lies about it.
		if n := int(m.UncompressedSize64) + 1; cap(buf) < n {
			buf = make([]byte, 0, max(n, 64<<10))
		}
		b, err := readInto(rc, buf[:0], l.o.MaxRecordBytes)
		rc.Close()
		if err != nil {
			l.src.Malformed++
			l.warn(where, "not read: %v", err)
			continue
		}
		l.record(where, b)
	}
	return nil
}

// readInto reads r to its end into buf (reused across records: nothing
// keeps a record's bytes after record returns), refusing more than limit.
func readInto(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	for {
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("larger than %d bytes", limit)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func hashAll(ctx context.Context, h hash.Hash, f *os.File) error {
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// record decodes one record and hands its swept affected packages to add.
func (l *loader) record(where string, b []byte) {
	if len(bytes.TrimSpace(b)) == 0 {
		l.src.Malformed++
		l.warn(where, "empty file")
		return
	}
	trimmed, originsMarked, err := trim(b)
	if err != nil {
		l.src.Malformed++
		l.warn(where, "not an OSV record: %v", err)
		return
	}
	var v osvschema.Vulnerability
	if err := unmarshal.Unmarshal(trimmed, &v); err != nil {
		l.src.Malformed++
		l.warn(where, "not an OSV record: %v", err)
		return
	}
	if v.GetId() == "" {
		l.src.Malformed++
		l.warn(where, "an OSV record without an id")
		return
	}
	if v.GetWithdrawn() != nil {
		l.src.Withdrawn++
		return
	}
	if !originsMarked && !Malicious(&v) {
		l.src.NotMalicious++
		return
	}
	used := false
	for _, a := range v.GetAffected() {
		eco := a.GetPackage().GetEcosystem()
		name := a.GetPackage().GetName()
		sweptAs, ok := swept[eco]
		if !ok {
			if eco == "" {
				eco = "(none)"
			}
			l.src.Unswept[eco]++
			continue
		}
		if name == "" {
			l.warn(where, "%s: an affected package without a name", v.GetId())
			continue
		}
		r := Record{ID: v.GetId(), Aliases: v.GetAliases(), Summary: v.GetSummary(), Ecosystem: sweptAs,
			Name: name, Versions: a.GetVersions(), Where: where}
		if t := v.GetPublished(); t != nil {
			r.Published = t.AsTime().UTC()
		}
		for _, rg := range a.GetRanges() {
			typ := rg.GetType()
			if typ != osvschema.Range_ECOSYSTEM && typ != osvschema.Range_SEMVER {
				continue
			}
			out := Range{Type: typ.String()}
			for _, e := range rg.GetEvents() {
				out.Events = append(out.Events, Event{Introduced: e.GetIntroduced(), Fixed: e.GetFixed(),
					LastAffected: e.GetLastAffected(), Limit: e.GetLimit()})
			}
			r.Ranges = append(r.Ranges, out)
		}
		if len(r.Versions) == 0 && len(r.Ranges) == 0 {
			l.warn(where, "%s: %s has neither versions nor ranges", v.GetId(), name)
			continue
		}
		l.add(r)
		used = true
	}
	if used {
		l.src.Used++
	}
}

// head holds the top-level fields a sweep uses; trim hands only these to
// the bindings. The rest (details, references, credits, the per-source
// origins) is most of a record's bytes and, decoded as protobuf Structs,
// most of its cost.
type head struct {
	SchemaVersion    json.RawMessage `json:"schema_version"`
	ID               json.RawMessage `json:"id"`
	Aliases          json.RawMessage `json:"aliases"`
	Summary          json.RawMessage `json:"summary"`
	Published        json.RawMessage `json:"published"`
	Modified         json.RawMessage `json:"modified"`
	Withdrawn        json.RawMessage `json:"withdrawn"`
	Affected         json.RawMessage `json:"affected"`
	DatabaseSpecific struct {
		Origins json.RawMessage `json:"malicious-packages-origins"`
	} `json:"database_specific"`
}

// trim checks b is one JSON object and returns it with only the fields in
// head, and whether its database_specific names malicious-packages origins
// (the one thing read from the fields left out).
func trim(b []byte) ([]byte, bool, error) {
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, false, err
	}
	var out bytes.Buffer
	out.Grow(len(h.ID) + len(h.Aliases) + len(h.Summary) + len(h.Affected) + 160)
	out.WriteByte('{')
	for _, f := range [...]struct {
		k string
		v json.RawMessage
	}{{"schema_version", h.SchemaVersion}, {"id", h.ID}, {"aliases", h.Aliases}, {"summary", h.Summary},
		{"published", h.Published}, {"modified", h.Modified}, {"withdrawn", h.Withdrawn}, {"affected", h.Affected}} {
		if len(f.v) == 0 {
			continue
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		out.WriteString(`"` + f.k + `":`)
		out.Write(f.v)
	}
	out.WriteByte('}')
	o := h.DatabaseSpecific.Origins
	return out.Bytes(), len(o) > 0 && string(o) != "null", nil
}

// Malicious reports whether a record says malicious code: an id of the
// malicious-packages database (MAL-), its origins in database_specific, or
// CWE-506 (embedded malicious code) on an affected package.
func Malicious(v *osvschema.Vulnerability) bool {
	if strings.HasPrefix(v.GetId(), "MAL-") {
		return true
	}
	if v.GetDatabaseSpecific().GetFields()["malicious-packages-origins"] != nil {
		return true
	}
	for _, a := range v.GetAffected() {
		if hasCWE506(a.GetDatabaseSpecific()) {
			return true
		}
	}
	return false
}

func hasCWE506(s *structpb.Struct) bool {
	for _, c := range s.GetFields()["cwes"].GetListValue().GetValues() {
		if c.GetStructValue().GetFields()["cweId"].GetStringValue() == "CWE-506" {
			return true
		}
	}
	for _, c := range s.GetFields()["cwe_ids"].GetListValue().GetValues() {
		if c.GetStringValue() == "CWE-506" {
			return true
		}
	}
	return false
}

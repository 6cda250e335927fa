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
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/flate"
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
	// Workers is how many records are read and decoded at once (default
	// GOMAXPROCS).
	Workers int
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
// malicious, not withdrawn record in a swept ecosystem, in the order of
// the records' names. It stops at ctx's end. Files that are not records
// (README, non-JSON) are passed over without a warning; a JSON file that
// does not decode is a warning. Records are read and decoded by
// Options.Workers goroutines, a batch at a time; what they give is
// counted and handed to add in order, so the result does not depend on
// the schedule.
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
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
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
	o      Options
	add    func(Record)
	src    *Source
	digest hash.Hash // a directory's digest of its files' digests
	bufs   [][]byte  // one read buffer per worker, reused across batches
}

func (l *loader) warn(where, format string, a ...any) {
	if len(l.src.Warnings) >= l.o.MaxWarnings {
		l.src.WarningsOmitted++
		return
	}
	l.src.Warnings = append(l.src.Warnings, Warning{Where: where, Message: fmt.Sprintf(format, a...)})
}

// batchSize is how many files or members are read before what they gave
// is counted: it bounds the outcomes held at once.
const batchSize = 512

// item is one record file or zip member to read.
type item struct {
	where string    // as warnings locate it
	rel   string    // a directory file's slash path below the root (digested)
	path  string    // a directory file to open
	m     *zip.File // or a zip member
	bad   string    // or why it is not read (found before reading)
}

// outcome is what one item gave, applied in order by apply.
type outcome struct {
	malformed string // why the item is not a record ("" when it is one)
	sum       [sha256.Size]byte
	summed    bool
	withdrawn bool
	notMal    bool
	unswept   []string
	warnings  []string // about affected packages of a record otherwise used
	recs      []Record
}

// run reads and decodes a batch of items with the pool of workers, then
// applies their outcomes in the items' order.
func (l *loader) run(ctx context.Context, items []item) error {
	out := make([]outcome, len(items))
	workers := min(l.o.Workers, len(items))
	for len(l.bufs) < workers {
		l.bufs = append(l.bufs, nil)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				out[i] = l.process(items[i], &l.bufs[w])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range items {
		l.apply(items[i].where, items[i].rel, &out[i])
	}
	return nil
}

// process reads one item into *buf (reused: nothing keeps a record's bytes
// after decode returns) and decodes it.
func (l *loader) process(it item, buf *[]byte) outcome {
	if it.bad != "" {
		return outcome{malformed: it.bad}
	}
	var b []byte
	var err error
	if it.m != nil {
		b, err = l.readMember(it.m, buf)
	} else {
		b, err = l.readFile(it.path, buf)
	}
	if err != nil {
		return outcome{malformed: fmt.Sprintf("not read: %v", err)}
	}
	*buf = b[:0]
	o := decode(b)
	if it.m == nil {
		o.sum, o.summed = sha256.Sum256(b), true
	}
	return o
}

// apply counts one item's outcome and hands its records to add.
func (l *loader) apply(where, rel string, o *outcome) {
	if o.summed {
		fmt.Fprintf(l.digest, "%s\x00%x\n", rel, o.sum)
	}
	switch {
	case o.malformed != "":
		l.src.Malformed++
		l.warn(where, "%s", o.malformed)
		return
	case o.withdrawn:
		l.src.Withdrawn++
		return
	case o.notMal:
		l.src.NotMalicious++
		return
	}
	for _, eco := range o.unswept {
		l.src.Unswept[eco]++
	}
	for _, w := range o.warnings {
		l.warn(where, "%s", w)
	}
	for _, r := range o.recs {
		r.Where = where
		l.add(r)
	}
	if len(o.recs) > 0 {
		l.src.Used++
	}
}

// dir reads every *.json file below root in lexical order, never following
// a symlink, and digests the sorted (path, file digest) list.
func (l *loader) dir(ctx context.Context, root string) error {
	l.digest = sha256.New()
	var batch []item
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(root, p)
		if err != nil {
			batch = append(batch, item{where: rel, bad: fmt.Sprintf("not read: %v", err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			batch = append(batch, item{where: rel, bad: "a symbolic link: not followed"})
			return nil
		}
		if l.src.Files >= l.o.MaxFiles {
			return fmt.Errorf("%w: more than %d files under %s", ErrTooMany, l.o.MaxFiles, root)
		}
		l.src.Files++
		batch = append(batch, item{where: rel, rel: filepath.ToSlash(rel), path: p})
		if len(batch) == batchSize {
			err := l.run(ctx, batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil || errors.Is(err, ErrTooMany) {
		if rerr := l.run(ctx, batch); err == nil {
			err = rerr
		}
	}
	l.src.SHA256 = hex.EncodeToString(l.digest.Sum(nil))
	if err != nil {
		return fmt.Errorf("OSV source %s: %w", root, err)
	}
	return nil
}

func (l *loader) readFile(p string, buf *[]byte) ([]byte, error) {
	f, err := l.o.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readInto(f, (*buf)[:0], l.o.MaxRecordBytes)
}

// readMember reads one zip member into buf, sized by its declared length;
// the zip reader's checksum catches a member that lies about it.
func (l *loader) readMember(m *zip.File, buf *[]byte) ([]byte, error) {
	if m.UncompressedSize64 > uint64(l.o.MaxRecordBytes) {
		return nil, fmt.Errorf("larger than %d bytes", l.o.MaxRecordBytes)
	}
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if n := int(m.UncompressedSize64) + 1; cap(*buf) < n {
		*buf = make([]byte, 0, max(n, 64<<10))
	}
	return readInto(rc, (*buf)[:0], l.o.MaxRecordBytes)
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
	zr.RegisterDecompressor(zip.Deflate, inflate)
	members := make([]*zip.File, 0, len(zr.File))
	for _, m := range zr.File {
		if !m.FileInfo().IsDir() && strings.HasSuffix(m.Name, ".json") {
			members = append(members, m)
		}
	}
	sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })
	// A member's header (name, extra fields, ...) is a few hundred bytes:
	// at 100,000 records the directory is as large as the table the
	// records make. Each is let go once read: members holds the only
	// references left.
	zr.File = nil
	if len(members) > l.o.MaxFiles {
		return fmt.Errorf("OSV source %s: %w: %d members, at most %d", p, ErrTooMany, len(members), l.o.MaxFiles)
	}
	if l.o.expect != nil {
		l.o.expect(len(members))
	}
	batch := make([]item, 0, batchSize)
	for len(members) > 0 {
		n := min(batchSize, len(members))
		batch = batch[:0]
		for i, m := range members[:n] {
			batch = append(batch, item{where: p + ":" + m.Name, m: m})
			members[i] = nil
		}
		members = members[n:]
		l.src.Files += n
		if err := l.run(ctx, batch); err != nil {
			return fmt.Errorf("OSV source %s: %w", p, err)
		}
	}
	return nil
}

// flatePool holds inflaters for reuse, as archive/zip pools its own.
var flatePool sync.Pool

// inflate is a zip export's deflate decompressor: klauspost/compress's
// flate (the images target reads gzip layers with it), which inflates
// records about twice as fast as compress/flate.
func inflate(r io.Reader) io.ReadCloser {
	if fr, ok := flatePool.Get().(io.ReadCloser); ok {
		if err := fr.(flate.Resetter).Reset(r, nil); err == nil {
			return &pooledInflater{fr: fr}
		}
	}
	return &pooledInflater{fr: flate.NewReader(r)}
}

type pooledInflater struct{ fr io.ReadCloser }

func (p *pooledInflater) Read(b []byte) (int, error) {
	if p.fr == nil {
		return 0, errors.New("read after close")
	}
	return p.fr.Read(b)
}

func (p *pooledInflater) Close() error {
	if p.fr == nil {
		return nil
	}
	err := p.fr.Close()
	flatePool.Put(p.fr)
	p.fr = nil
	return err
}

// readInto reads r to its end into buf, refusing more than limit.
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

// decode decodes one record with the bindings and returns what it gives:
// its swept affected packages (Where unset), or why it gives none.
func decode(b []byte) outcome {
	if len(bytes.TrimSpace(b)) == 0 {
		return outcome{malformed: "empty file"}
	}
	trimmed, originsMarked, err := trim(b)
	if err != nil {
		return outcome{malformed: fmt.Sprintf("not an OSV record: %v", err)}
	}
	var v osvschema.Vulnerability
	if err := unmarshal.Unmarshal(trimmed, &v); err != nil {
		return outcome{malformed: fmt.Sprintf("not an OSV record: %v", err)}
	}
	if v.GetId() == "" {
		return outcome{malformed: "an OSV record without an id"}
	}
	if v.GetWithdrawn() != nil {
		return outcome{withdrawn: true}
	}
	if !originsMarked && !Malicious(&v) {
		return outcome{notMal: true}
	}
	var o outcome
	for _, a := range v.GetAffected() {
		eco := a.GetPackage().GetEcosystem()
		name := a.GetPackage().GetName()
		sweptAs, ok := swept[eco]
		if !ok {
			if eco == "" {
				eco = "(none)"
			}
			o.unswept = append(o.unswept, eco)
			continue
		}
		if name == "" {
			o.warnings = append(o.warnings, fmt.Sprintf("%s: an affected package without a name", v.GetId()))
			continue
		}
		r := Record{ID: v.GetId(), Aliases: v.GetAliases(), Summary: v.GetSummary(), Ecosystem: sweptAs,
			Name: name, Versions: a.GetVersions()}
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
			o.warnings = append(o.warnings, fmt.Sprintf("%s: %s has neither versions nor ranges", v.GetId(), name))
			continue
		}
		o.recs = append(o.recs, r)
	}
	return o
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

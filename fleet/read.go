package fleet

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// reader decodes one input as a stream: the findings, errors and
// environments arrays are read one element at a time into the spool, so
// no input is ever held whole.
type reader struct {
	b    *Builder
	path string
	dir  string

	schema   *string
	kind     string
	tool     sweep.Tool
	scan     *sweep.Scan
	stats    sweep.Stats
	timeline []sweep.TimelineEvent
	rotation []sweep.RotationItem
	items    []sweep.RotationItem
	sources  []struct {
		Host string `json:"host"`
	}
	learned  []sweep.Learned
	guards   []sweep.Guard
	isFleet  bool
	hasItems bool

	d       digest
	sev     sevIndex  // finding id -> severity, for the timeline's events
	dated   eventHeap // the earliest dated findings, for a report without a timeline (at most MaxEventsPerSystem)
	undated int       // dated findings beyond those
	n       *countingReader
	hasher  hash.Hash
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// read decodes the input and returns its SHA-256; on error, the skip kind.
func (in *reader) read(r io.Reader) (string, string, error) {
	in.hasher = sha256.New()
	in.n = &countingReader{r: io.TeeReader(io.LimitReader(r, MaxReportSize+1), in.hasher)}
	in.sev = newSevIndex()
	in.d.summary = map[string]int{}
	dec := json.NewDecoder(bufio.NewReaderSize(in.n, 256<<10))
	kind, err := in.decode(dec)
	if in.n.n > MaxReportSize {
		return "", SkipTooLarge, fmt.Errorf("larger than %d MiB; not a litesweep report", MaxReportSize>>20)
	}
	if err != nil {
		if kind == "" {
			kind = SkipMalformed
			var ne notReport
			switch {
			case errors.As(err, &ne):
				kind = SkipNotReport
			case isReadError(err):
				kind = SkipUnreadable
				err = fmt.Errorf("cannot read: %v", unwrapPath(err))
			default:
				err = jsonError(in.n.n, err)
			}
		}
		return "", kind, err
	}
	if _, err := io.Copy(io.Discard, in.n); err != nil {
		return "", SkipUnreadable, fmt.Errorf("cannot read: %v", unwrapPath(err))
	}
	if in.n.n > MaxReportSize {
		return "", SkipTooLarge, fmt.Errorf("larger than %d MiB; not a litesweep report", MaxReportSize>>20)
	}
	return hex.EncodeToString(in.hasher.Sum(nil)), "", nil
}

type notReport struct{ error }

type readError struct{ error }

func (e readError) Unwrap() error { return e.error }

func isReadError(err error) bool {
	var re readError
	return errors.As(err, &re)
}

// decode walks the top-level object.
func (in *reader) decode(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		return SkipMalformed, errors.New("empty file: not a litesweep report")
	}
	if err != nil {
		return "", err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return SkipNotReport, errors.New("not a litesweep report: not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := tok.(string)
		switch key {
		case "schema_version":
			var v string
			if err := dec.Decode(&v); err != nil {
				return "", err
			}
			in.schema = &v
			// A newer major version is refused before its body is read.
			if err := checkSchema(v, true); err != nil {
				return SkipNewerSchema, err
			}
		case "kind":
			if err := dec.Decode(&in.kind); err != nil {
				return "", err
			}
		case "tool":
			if err := dec.Decode(&in.tool); err != nil {
				return "", err
			}
		case "scan":
			in.scan = &sweep.Scan{}
			if err := dec.Decode(in.scan); err != nil {
				return "", err
			}
		case "stats":
			if err := dec.Decode(&in.stats); err != nil {
				return "", err
			}
		case "timeline":
			if err := dec.Decode(&in.timeline); err != nil {
				return "", err
			}
		case "rotation":
			if err := dec.Decode(&in.rotation); err != nil {
				return "", err
			}
		case "learned":
			if err := dec.Decode(&in.learned); err != nil {
				return "", err
			}
		case "guards":
			if err := dec.Decode(&in.guards); err != nil {
				return "", err
			}
		case "sources":
			if err := dec.Decode(&in.sources); err != nil {
				return "", err
			}
		case "items":
			in.hasItems = true
			if err := dec.Decode(&in.items); err != nil {
				return "", err
			}
		case "findings":
			if err := eachElement(dec, func() error {
				var f sweep.Finding
				if err := dec.Decode(&f); err != nil {
					return err
				}
				in.finding(&f)
				return nil
			}); err != nil {
				return "", err
			}
		case "errors":
			if err := eachElement(dec, func() error {
				var e sweep.Error
				if err := dec.Decode(&e); err != nil {
					return err
				}
				if e.Kind == sweep.ErrKindSkipped {
					in.d.notWalked++
					return nil
				}
				in.d.incomplete++
				in.b.spool.add(&in.d.errors, e)
				return nil
			}); err != nil {
				return "", err
			}
		case "environments":
			if err := eachElement(dec, func() error {
				var e sweep.Environment
				if err := dec.Decode(&e); err != nil {
					return err
				}
				in.b.spool.add(&in.d.envs, e)
				return nil
			}); err != nil {
				return "", err
			}
		case "hosts":
			in.isFleet = true
			if err := eachElement(dec, func() error {
				var h fleetHostIn
				if err := dec.Decode(&h); err != nil {
					return err
				}
				in.fleetHost(h)
				return nil
			}); err != nil {
				return "", err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", err
	}
	return in.check()
}

// eachElement calls fn for each element of the array that comes next
// (null is an empty array).
func eachElement(dec *json.Decoder, fn func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return notReport{fmt.Errorf("not a litesweep report: expected an array, found %v", tok)}
	}
	for dec.More() {
		if err := fn(); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// check decides what the input was once it is read.
func (in *reader) check() (string, error) {
	if in.schema == nil {
		return SkipNotReport, errors.New("not a litesweep report: no schema_version")
	}
	if err := checkSchema(*in.schema, in.kind == Kind || in.isFleet); err != nil {
		return SkipNewerSchema, err
	}
	switch {
	case in.kind == Kind || in.isFleet:
		return "", nil
	case in.scan == nil && in.hasItems:
		return "", nil // a rotation checklist
	case in.scan == nil || in.scan.Kind == "":
		return SkipNotReport, errors.New("not a litesweep report: no scan.kind")
	}
	return "", nil
}

func (in *reader) finding(f *sweep.Finding) {
	if f.ID == "" {
		f.SetID()
	}
	d := &in.d
	d.ref.Findings++
	d.summary[string(f.Severity)]++
	if f.Severity.Rank() > d.worst.Rank() {
		d.worst = f.Severity
	}
	in.sev.set(f.ID, f.Severity)
	in.b.keepHash(d, f)
	if f.Evidence.Time != nil || f.Evidence.ModTime != nil {
		// The events a timeline would hold (sweep.Timeline's rules); the
		// window is applied once the report's scan section is known.
		for _, e := range sweep.Timeline([]sweep.Finding{*f}) {
			if in.dated.keep(Event{Severity: f.Severity, TimelineEvent: e}, MaxEventsPerSystem) {
				in.undated++
			}
		}
	}
	in.b.spool.add(&d.findings, f)
	in.b.ispool.add(&d.index, indexOf(f))
}

// sevIndex maps finding ids to severities in a few bytes a finding (a
// report's timeline names findings by id, after its findings array): the
// key is the id's 64-bit hash under a per-process random seed, the value
// one of the declared severities (no decoded string is kept unless a
// report uses an undeclared one).
type sevIndex struct {
	seed maphash.Seed
	m    map[uint64]sweep.Severity
}

func newSevIndex() sevIndex {
	return sevIndex{seed: maphash.MakeSeed(), m: map[uint64]sweep.Severity{}}
}

func (x sevIndex) set(id string, s sweep.Severity) {
	switch s {
	case sweep.Critical:
		s = sweep.Critical
	case sweep.High:
		s = sweep.High
	case sweep.Medium:
		s = sweep.Medium
	case sweep.Low:
		s = sweep.Low
	case sweep.Info:
		s = sweep.Info
	}
	x.m[maphash.String(x.seed, id)] = s
}

func (x sevIndex) get(id string) sweep.Severity { return x.m[maphash.String(x.seed, id)] }

func indexOf(f *sweep.Finding) FindingIndex {
	return FindingIndex{ID: f.ID, Severity: f.Severity, Category: f.Category, Title: f.Title,
		Location: f.Location.String(), Time: f.Evidence.Time}
}

// FindingIndex is one entry of a system's findings index in the fleet
// JSON: enough to find the finding in the referenced report.
type FindingIndex struct {
	ID       string         `json:"id"`
	Severity sweep.Severity `json:"severity"`
	Category sweep.Category `json:"category"`
	Title    string         `json:"title"`
	Location string         `json:"location,omitempty"`
	Time     *time.Time     `json:"time,omitempty"`
}

// commit adds what was read to the fleet.
func (in *reader) commit(sum string) {
	b := in.b
	if in.kind == Kind || in.isFleet {
		return // its systems were added as they were read
	}
	if in.scan == nil {
		// A rotation checklist: only its rotated marks count.
		b.checklists = append(b.checklists, in.path)
		for _, it := range in.items {
			// An item that names no system, in a checklist of one
			// system's report, is that system's duty.
			if it.Host == "" && len(in.sources) == 1 {
				it.Host = in.sources[0].Host
			}
			b.mark(it)
		}
		return
	}
	if first, dup := b.seen[sum]; dup && sum != "" {
		b.Skip(in.path, SkipDuplicate, "the same report as "+first)
		return
	}
	b.seen[sum] = in.path
	// A copy of its own: a pointer into the reader would keep the whole
	// reader (the report's id map, its timeline) alive with the system.
	d := new(digest)
	*d = in.d
	d.scan, d.tool, d.stats = *in.scan, in.tool, in.stats
	// The verdict is the one rule (sweep.Decide) over what was read,
	// whatever verdict the file states.
	d.ref = ReportRef{Path: in.path, SHA256: sum, Started: d.scan.Started, Finished: d.scan.Finished,
		Verdict: sweep.Decide(d.worst, d.incomplete > 0 || d.scan.Interrupted || !d.scan.Coverage.Complete()), Findings: d.ref.Findings}
	name := scanName(d.scan)
	d.learned, d.guards = in.learned, in.guards
	b.learnFrom(name, in.learned)
	if len(in.timeline) > 0 {
		tl := in.timeline // sorted by time: the earliest are kept
		if len(tl) > MaxEventsPerSystem {
			d.eventsOmitted = len(tl) - MaxEventsPerSystem
			tl = tl[:MaxEventsPerSystem]
		}
		for _, e := range tl {
			d.events = append(d.events, Event{Host: name, TimelineEvent: e, Severity: in.sev.get(e.Finding)})
		}
	} else {
		w := d.scan.Window
		d.eventsOmitted = in.undated
		for _, e := range in.dated.sorted() {
			e.Host = name
			if w != nil {
				e.InWindow = w.Contains(e.Time)
			}
			d.events = append(d.events, e)
		}
	}
	// Event texts recur across systems (the same install, the same
	// persistence path): one copy each.
	for i := range d.events {
		e := &d.events[i]
		e.Event, e.Finding, e.Environment, e.User = b.intern(e.Event), b.intern(e.Finding), b.intern(e.Environment), b.intern(e.User)
	}
	b.addDigest(d, in.rotation)
}

// fleetHostIn is one system of a fleet report being merged again.
type fleetHostIn struct {
	Name     string          `json:"name"`
	Source   string          `json:"source"`
	SHA256   string          `json:"sha256"`
	FirstBad *ReportRef      `json:"first_bad"`
	History  []ReportRef     `json:"history"`
	Report   json.RawMessage `json:"report"`
}

// refs are the reports of the system to read: its whole history when
// recorded, else its newest report.
func (h fleetHostIn) refs() []ReportRef {
	if len(h.History) > 0 {
		return h.History
	}
	var out []ReportRef
	if h.FirstBad != nil {
		out = append(out, *h.FirstBad)
	}
	if h.Source != "" {
		out = append(out, ReportRef{Path: h.Source, SHA256: h.SHA256})
	}
	return out
}

// fleetHost adds the reports of one system of a fleet report: the
// embedded report, or the referenced files, whose digests must match.
func (in *reader) fleetHost(h fleetHostIn) {
	if len(h.Report) > 0 && string(h.Report) != "null" {
		src := in.path + "#" + h.Name
		sub := &reader{b: in.b, path: src, dir: in.dir}
		sum, kind, err := sub.read(strings.NewReader(string(h.Report)))
		if err != nil {
			in.b.Skip(src, kind, err.Error())
			return
		}
		sub.commit(sum)
		return
	}
	for _, ref := range h.refs() {
		in.b.addFile(resolveRef(in.path, ref.Path), ref.SHA256)
	}
}

// eachFleetHost streams the systems of a fleet report.
func eachFleetHost(r io.Reader, fn func(fleetHostIn)) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok != "hosts" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if err := eachElement(dec, func() error {
			var h fleetHostIn
			if err := dec.Decode(&h); err != nil {
				return err
			}
			fn(h)
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// scanName is Name for a report's scan.
func scanName(s sweep.Scan) string {
	switch {
	case s.Hostname != "":
		return s.Hostname
	case len(s.Targets) > 0:
		return strings.Join(s.Targets, ", ")
	case s.Root != "":
		return s.Root
	}
	return "(unnamed " + string(s.Kind) + ")"
}

// fromReport is read for a report already in memory (a single sweep
// rendered as a fleet of one).
func (in *reader) fromReport(r *sweep.Report) {
	in.sev = newSevIndex()
	in.d.summary = map[string]int{}
	v := r.SchemaVersion
	in.schema, in.tool, in.stats, in.timeline, in.rotation, in.learned = &v, r.Tool, r.Stats, r.Timeline, r.Rotation, r.Learned
	in.guards = r.Guards
	scan := r.Scan
	in.scan = &scan
	for i := range r.Findings {
		in.finding(&r.Findings[i])
	}
	for _, e := range r.Errors {
		if e.Kind == sweep.ErrKindSkipped {
			in.d.notWalked++
			continue
		}
		in.d.incomplete++
		in.b.spool.add(&in.d.errors, e)
	}
	for _, e := range r.Environments {
		in.b.spool.add(&in.d.envs, e)
	}
	in.d.mem = r
	in.commit("")
}

// Package fleet merges many litesweep reports (hosts, images, GitHub
// organisations, clusters) into one fleet report: hosts by verdict, the union
// rotation checklist de-duplicated by credential, and every host's timeline
// side by side. A single report is a fleet of one, so every fleet renderer
// also renders one sweep.
package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// Kind is the scan kind of a fleet report ("kind" at the top of its JSON).
const Kind = "fleet"

// MaxReportSize caps how many bytes of one input report are read.
const MaxReportSize = 512 << 20

// Skip kinds: why an input did not become a host in the fleet.
const (
	SkipUnreadable  = "unreadable"   // could not be opened or read
	SkipMalformed   = "malformed"    // truncated or invalid JSON
	SkipNotReport   = "not-a-report" // JSON, but not a litesweep report
	SkipNewerSchema = "newer-schema" // written by a newer litesweep
	SkipTooLarge    = "too-large"
	SkipSuperseded  = "superseded" // an older report of a host that has a newer one
)

// Skip is an input that is not part of the fleet, with the reason.
type Skip struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Gap reports whether the skip leaves something unchecked. A superseded
// report does not: a newer report of the same host is in the fleet.
func (s Skip) Gap() bool { return s.Kind != SkipSuperseded }

// Host is one swept system (host, image set, GitHub organisation, cluster)
// with its full report.
type Host struct {
	Name    string        `json:"name"`
	Kind    string        `json:"kind"`
	Source  string        `json:"source,omitempty"` // input file
	Verdict sweep.Verdict `json:"verdict"`
	Report  *sweep.Report `json:"report"`
}

// Rotation is one credential to rotate, merged across hosts.
type Rotation struct {
	sweep.RotationItem
	Hosts []string `json:"hosts"`
}

// Event is one dated fact of one host.
type Event struct {
	Host string `json:"host"`
	sweep.TimelineEvent
	// Severity of the finding the event belongs to, when known.
	Severity sweep.Severity `json:"severity,omitempty"`
}

// Fleet is the merged report.
type Fleet struct {
	SchemaVersion string                     `json:"schema_version"`
	Kind          string                     `json:"kind"`
	Tool          sweep.Tool                 `json:"tool"`
	Generated     time.Time                  `json:"generated"`
	Verdict       sweep.Verdict              `json:"verdict"`
	ByVerdict     map[sweep.Verdict][]string `json:"hosts_by_verdict"`
	Summary       map[string]int             `json:"summary"` // findings by severity, all hosts
	Window        *sweep.Window              `json:"window,omitempty"`
	Hosts         []Host                     `json:"hosts"`
	Rotation      []Rotation                 `json:"rotation"`
	Timeline      []Event                    `json:"timeline"`
	Skipped       []Skip                     `json:"skipped"`
	// Learned are the payload hashes the systems learned by context; a
	// file with one of them on any system is critical (payload-copy).
	Learned []sweep.Learned `json:"learned,omitempty"`
}

// VerdictOrder lists verdicts worst first.
var VerdictOrder = []sweep.Verdict{sweep.Compromised, sweep.Exposed, sweep.AtRisk, sweep.Incomplete, sweep.Clean}

// VerdictRank orders verdicts; higher is worse.
func VerdictRank(v sweep.Verdict) int {
	if i := slices.Index(VerdictOrder, v); i >= 0 {
		return len(VerdictOrder) - i
	}
	return 0
}

// Builder collects reports and skipped inputs; Fleet() builds the result.
// The zero value is ready to use.
type Builder struct {
	hosts   map[string]*Host
	order   []string
	skipped []Skip
	// Tool identifies the merging litesweep.
	Tool sweep.Tool
	// Now is the clock for Generated (time.Now when nil).
	Now func() time.Time
}

// Skip records an input that is not part of the fleet.
func (b *Builder) Skip(path, kind, reason string) {
	b.skipped = append(b.skipped, Skip{Path: path, Kind: kind, Reason: reason})
}

// AddFile reads one JSON report (or a fleet report, whose hosts are added)
// and records a skip with the reason when it cannot be used.
func (b *Builder) AddFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Skip(path, SkipUnreadable, fmt.Sprintf("cannot open: %v", unwrapPath(err)))
		return
	}
	defer f.Close()
	b.AddReader(path, f)
}

// AddReader is AddFile for an open stream named path.
func (b *Builder) AddReader(path string, r io.Reader) {
	reports, kind, err := Read(r)
	if err != nil {
		b.Skip(path, kind, err.Error())
		return
	}
	for i, r := range reports {
		src := path
		if len(reports) > 1 {
			src = fmt.Sprintf("%s#%d", path, i+1)
		}
		b.AddReport(src, r)
	}
}

// ReadFile reads one saved report (or fleet report) from a file, with the
// same checks as merge: size cap, schema version, truncation. On error the
// skip kind says why.
func ReadFile(path string) ([]*sweep.Report, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("cannot open: %v", unwrapPath(err))
	}
	defer f.Close()
	return Read(f)
}

// Read is ReadFile for an open stream.
func Read(r io.Reader) ([]*sweep.Report, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportSize+1))
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("cannot read: %v", unwrapPath(err))
	}
	if len(data) > MaxReportSize {
		return nil, SkipTooLarge, fmt.Errorf("larger than %d MiB; not a litesweep report", MaxReportSize>>20)
	}
	return Decode(data)
}

// Decode parses one input: a litesweep report, or a fleet report whose
// hosts' reports are returned. On error the skip kind says why.
func Decode(data []byte) ([]*sweep.Report, string, error) {
	var probe struct {
		SchemaVersion *string `json:"schema_version"`
		Kind          string  `json:"kind"`
		Scan          *struct {
			Kind string `json:"kind"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, SkipMalformed, jsonError(data, err)
	}
	if probe.SchemaVersion == nil {
		return nil, SkipNotReport, errors.New("not a litesweep report: no schema_version")
	}
	if err := CheckSchema(*probe.SchemaVersion); err != nil {
		return nil, SkipNewerSchema, err
	}
	if probe.Kind == Kind {
		var f Fleet
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, SkipMalformed, jsonError(data, err)
		}
		var out []*sweep.Report
		for _, h := range f.Hosts {
			if h.Report != nil {
				out = append(out, h.Report)
			}
		}
		if len(out) == 0 {
			return nil, SkipNotReport, errors.New("fleet report without host reports")
		}
		return out, "", nil
	}
	if probe.Scan == nil || probe.Scan.Kind == "" {
		return nil, SkipNotReport, errors.New("not a litesweep report: no scan.kind")
	}
	var r sweep.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, SkipMalformed, jsonError(data, err)
	}
	return []*sweep.Report{&r}, "", nil
}

// CheckSchema accepts report schema versions this build reads: the same
// major version as sweep.ReportSchemaVersion (newer minor versions only add
// fields).
func CheckSchema(v string) error {
	major, err := schemaMajor(v)
	if err != nil {
		return fmt.Errorf("not a litesweep report: schema_version %q: %w", v, err)
	}
	mine, _ := schemaMajor(sweep.ReportSchemaVersion)
	if major > mine {
		return fmt.Errorf("written with report schema %s, newer than this litesweep reads (%d.x): read it with a newer litesweep", v, mine)
	}
	if major < 1 {
		return fmt.Errorf("unknown report schema %s", v)
	}
	return nil
}

func schemaMajor(v string) (int, error) {
	maj, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(maj)
	if err != nil {
		return 0, errors.New("not MAJOR.MINOR")
	}
	return n, nil
}

func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && se.Offset >= int64(len(data))):
		return fmt.Errorf("truncated JSON: the file ends after %d bytes (was the copy interrupted?)", len(data))
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		return fmt.Errorf("not a litesweep report: field %s has the wrong type (%s)", te.Field, te.Value)
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Name is how a report's system is called in the fleet: the host name, or
// the root, images, organisation or cluster that was swept.
func Name(r *sweep.Report) string {
	s := r.Scan
	switch {
	case s.Hostname != "":
		return s.Hostname
	case len(s.Targets) > 0:
		return strings.Join(s.Targets, ", ")
	case s.Root != "":
		return s.Root
	}
	return "(unnamed " + s.Kind + ")"
}

func hostKey(r *sweep.Report) string { return r.Scan.Kind + "\x00" + Name(r) }

// AddReport adds one report read from source. When the fleet already has a
// report of the same system, the one that finished last is kept and the
// other is recorded as superseded.
func (b *Builder) AddReport(source string, r *sweep.Report) {
	if b.hosts == nil {
		b.hosts = map[string]*Host{}
	}
	if VerdictRank(r.Verdict) == 0 || r.Summary == nil {
		r.Finalize()
	}
	h := &Host{Name: Name(r), Kind: r.Scan.Kind, Source: source, Verdict: r.Verdict, Report: r}
	key := hostKey(r)
	old, ok := b.hosts[key]
	if !ok {
		b.hosts[key] = h
		b.order = append(b.order, key)
		return
	}
	keep, drop := old, h
	if r.Scan.Finished.After(old.Report.Scan.Finished) {
		keep, drop = h, old
	}
	b.hosts[key] = keep
	b.Skip(drop.Source, SkipSuperseded, fmt.Sprintf("another report of %s %s: kept %s (finished %s), not this one (finished %s)",
		h.Kind, h.Name, sourceName(keep.Source), stamp(keep.Report.Scan.Finished), stamp(drop.Report.Scan.Finished)))
}

func sourceName(s string) string {
	if s == "" {
		return "(input)"
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}

// FromReport is the fleet of one report (for rendering a single sweep with
// the fleet renderers).
func FromReport(r *sweep.Report) *Fleet {
	b := &Builder{Tool: r.Tool, Now: func() time.Time { return r.Scan.Finished }}
	b.AddReport("", r)
	return b.Fleet()
}

// Fleet builds the merged report.
func (b *Builder) Fleet() *Fleet {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	f := &Fleet{
		SchemaVersion: sweep.ReportSchemaVersion,
		Kind:          Kind,
		Tool:          b.Tool,
		Generated:     now().UTC(),
		ByVerdict:     map[sweep.Verdict][]string{},
		Summary:       map[string]int{},
		Hosts:         []Host{},
		Rotation:      []Rotation{},
		Timeline:      []Event{},
		Skipped:       append([]Skip{}, b.skipped...),
	}
	for _, k := range b.order {
		f.Hosts = append(f.Hosts, *b.hosts[k])
	}
	f.Learned = applyLearned(f.Hosts)
	sort.SliceStable(f.Hosts, func(i, j int) bool {
		a, c := f.Hosts[i], f.Hosts[j]
		if ra, rc := VerdictRank(a.Verdict), VerdictRank(c.Verdict); ra != rc {
			return ra > rc
		}
		return a.Name < c.Name
	})
	sort.SliceStable(f.Skipped, func(i, j int) bool { return f.Skipped[i].Path < f.Skipped[j].Path })
	rot := map[string]*Rotation{}
	var rotOrder []string
	for _, h := range f.Hosts {
		r := h.Report
		f.ByVerdict[h.Verdict] = append(f.ByVerdict[h.Verdict], h.Name)
		for sev, n := range r.Summary {
			f.Summary[sev] += n
		}
		if w := r.Scan.Window; w != nil {
			if f.Window == nil {
				cp := *w
				f.Window = &cp
			} else {
				if w.Start.Before(f.Window.Start) {
					f.Window.Start = w.Start
				}
				if w.End.After(f.Window.End) {
					f.Window.End = w.End
				}
				if w.Source != f.Window.Source {
					f.Window.Source = "union of the reports' windows"
				}
			}
		}
		for _, it := range r.Rotation {
			host := it.Host
			if host == "" {
				host = h.Name
			}
			key := RotationKey(it)
			m, ok := rot[key]
			if !ok {
				m = &Rotation{RotationItem: it}
				m.Host = ""
				m.ID = "ROT-" + shortHash(key)
				m.Names = sortedUnique(it.Names)
				m.ExposedBy = nil
				rot[key] = m
				rotOrder = append(rotOrder, key)
			} else {
				if priorityRank(it.Priority) < priorityRank(m.Priority) {
					m.Priority = it.Priority
				}
				if it.Why != "" && !strings.Contains(m.Why, it.Why) {
					m.Why += "; " + it.Why
				}
				if it.User != "" && !slices.Contains(strings.Split(m.User, ", "), it.User) {
					m.User = strings.TrimPrefix(m.User+", "+it.User, ", ")
				}
			}
			if !slices.Contains(m.Hosts, host) {
				m.Hosts = append(m.Hosts, host)
			}
			for _, e := range it.ExposedBy {
				ref := e
				if len(f.Hosts) > 1 {
					ref = h.Name + ": " + e
				}
				if !slices.Contains(m.ExposedBy, ref) {
					m.ExposedBy = append(m.ExposedBy, ref)
				}
			}
		}
		f.Timeline = append(f.Timeline, hostEvents(h)...)
	}
	for _, k := range rotOrder {
		f.Rotation = append(f.Rotation, *rot[k])
	}
	sort.SliceStable(f.Rotation, func(i, j int) bool {
		a, c := f.Rotation[i], f.Rotation[j]
		if pa, pc := priorityRank(a.Priority), priorityRank(c.Priority); pa != pc {
			return pa < pc
		}
		if len(a.Hosts) != len(c.Hosts) {
			return len(a.Hosts) > len(c.Hosts)
		}
		return a.Title+a.Where < c.Title+c.Where
	})
	sort.SliceStable(f.Timeline, func(i, j int) bool {
		a, c := f.Timeline[i], f.Timeline[j]
		if !a.Time.Equal(c.Time) {
			return a.Time.Before(c.Time)
		}
		return a.Host < c.Host
	})
	f.Verdict = f.decide()
	return f
}

// hostEvents returns a host's timeline, or, when its report has none, one
// event per dated finding.
func hostEvents(h Host) []Event {
	r := h.Report
	sev := map[string]sweep.Severity{}
	for _, fd := range r.Findings {
		sev[fd.ID] = fd.Severity
	}
	var out []Event
	for _, e := range r.Timeline {
		out = append(out, Event{Host: h.Name, TimelineEvent: e, Severity: sev[e.Finding]})
	}
	if len(out) > 0 {
		return out
	}
	for _, fd := range r.Findings {
		t := fd.Evidence.Time
		if t == nil {
			continue
		}
		in := false
		if w := r.Scan.Window; w != nil {
			in = !t.Before(w.Start) && !t.After(w.End)
		}
		out = append(out, Event{Host: h.Name, Severity: fd.Severity, TimelineEvent: sweep.TimelineEvent{
			Time: t.UTC(), Event: fd.Title, Finding: fd.ID, Environment: fd.Environment, User: fd.User, InWindow: in}})
	}
	return out
}

// RotationKey identifies a credential across hosts: kind, provider, where it
// lives and the names it goes by.
func RotationKey(it sweep.RotationItem) string {
	return strings.Join([]string{it.Kind, it.Provider, it.Where, strings.Join(sortedUnique(it.Names), ",")}, "\x00")
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:5]))
}

func priorityRank(p string) int {
	if len(p) == 2 && (p[0] == 'P' || p[0] == 'p') && p[1] >= '0' && p[1] <= '9' {
		return int(p[1] - '0')
	}
	return 10
}

func (f *Fleet) decide() sweep.Verdict {
	worst := sweep.Clean
	for _, h := range f.Hosts {
		if VerdictRank(h.Verdict) > VerdictRank(worst) {
			worst = h.Verdict
		}
	}
	if VerdictRank(worst) > VerdictRank(sweep.Incomplete) {
		return worst
	}
	if len(f.Hosts) == 0 || f.Gaps() > 0 {
		return sweep.Incomplete
	}
	return worst
}

// Gaps counts skipped inputs that leave something unchecked.
func (f *Fleet) Gaps() int {
	n := 0
	for _, s := range f.Skipped {
		if s.Gap() {
			n++
		}
	}
	return n
}

// Worst is the highest finding severity across hosts ("" when none).
func (f *Fleet) Worst() sweep.Severity {
	var w sweep.Severity
	for _, h := range f.Hosts {
		if s := h.Report.Worst(); s.Rank() > w.Rank() {
			w = s
		}
	}
	return w
}

// ExitCode follows the per-report codes: 1 when any host has a finding at or
// above failOn, 3 when nothing was found but inputs were skipped, a host's
// coverage was incomplete or there were no usable reports, 0 otherwise.
func (f *Fleet) ExitCode(failOn sweep.Severity) int {
	if w := f.Worst(); w != "" && w.Rank() >= failOn.Rank() {
		return sweep.ExitFindings
	}
	if len(f.Hosts) == 0 || f.Gaps() > 0 {
		return sweep.ExitIncomplete
	}
	for _, h := range f.Hosts {
		if h.Report.Incomplete() > 0 || h.Report.Scan.Interrupted {
			return sweep.ExitIncomplete
		}
	}
	return sweep.ExitClean
}

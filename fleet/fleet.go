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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// Kind is the scan kind of a fleet report ("kind" at the top of its JSON).
const Kind = "fleet"

// MaxReportSize caps how many bytes of one input report are read.
const MaxReportSize = 512 << 20

// SchemaVersion is the version of the fleet document (docs/report-schema.md).
// 2.0: systems reference their reports by path and SHA-256 instead of
// embedding them, and carry their history.
const SchemaVersion = "2.0"

// Remediated is the fleet verdict of a system whose newest report is CLEAN
// after an earlier COMPROMISED or EXPOSED one: it was cleaned, but its
// history (and its credentials) still count.
const Remediated sweep.Verdict = "REMEDIATED"

// Skip kinds: why an input did not become a host in the fleet.
const (
	SkipUnreadable  = "unreadable"   // could not be opened or read
	SkipMalformed   = "malformed"    // truncated or invalid JSON
	SkipNotReport   = "not-a-report" // JSON, but not a litesweep report
	SkipNewerSchema = "newer-schema" // written by a newer litesweep
	SkipTooLarge    = "too-large"
	SkipDuplicate   = "duplicate" // the same bytes as another input
	SkipChanged     = "changed"   // a referenced report no longer matches its digest
)

// Skip is an input that is not part of the fleet, with the reason.
type Skip struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Gap reports whether the skip leaves something unchecked. A duplicate
// does not: the same report is in the fleet.
func (s Skip) Gap() bool { return s.Kind != SkipDuplicate }

// ReportRef names one report file of a system by path and digest.
type ReportRef struct {
	Path     string        `json:"path"`
	SHA256   string        `json:"sha256,omitempty"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Verdict  sweep.Verdict `json:"verdict"`
	Findings int           `json:"findings"`
}

// Host is one swept system (host, image set, GitHub organisation, cluster):
// what the fleet report shows of it, with its newest report referenced by
// path and digest. The findings, errors and environments are read with
// Fleet.Findings, Fleet.Errors and Fleet.Environments.
type Host struct {
	Name    string        `json:"name"`
	Kind    string        `json:"kind"`
	Source  string        `json:"source,omitempty"` // the newest report's file
	SHA256  string        `json:"sha256,omitempty"` // of that file
	Verdict sweep.Verdict `json:"verdict"`          // the newest report's, or REMEDIATED
	// ReportVerdict is the newest report's own verdict.
	ReportVerdict sweep.Verdict `json:"report_verdict"`
	// Guards are the dead-man switches the newest report found on the
	// system (sweep.Guard): armed until a newer report no longer shows
	// them. Every rendering names them before anything else.
	Guards []sweep.Guard `json:"guards,omitempty"`
	Scan   sweep.Scan    `json:"scan"`
	Tool   sweep.Tool    `json:"tool"`
	Stats  sweep.Stats   `json:"stats"`
	// Summary counts the shown findings by severity: the newest report's,
	// or for a REMEDIATED system the first bad report's.
	Summary map[string]int `json:"summary"`
	// Incomplete counts what the newest report could not check.
	Incomplete int `json:"could_not_check"`
	// NotWalked counts places deliberately not walked (errors of kind skipped).
	NotWalked int `json:"not_walked,omitempty"`
	// FirstBad is the earliest COMPROMISED or EXPOSED report when it is not
	// the newest one: for a REMEDIATED system, the findings shown are its.
	FirstBad *ReportRef `json:"first_bad,omitempty"`
	// History lists every report of this system, oldest first, when there
	// is more than one.
	History []ReportRef `json:"history,omitempty"`
	// TimelineOmitted counts this system's dated events left out of the
	// fleet timeline (which keeps its MaxEventsPerSystem earliest); the
	// system's own report has them all.
	TimelineOmitted int `json:"timeline_omitted,omitempty"`

	worst                   sweep.Severity // of the newest report
	findings, errors, envs  seg
	shownFindings, shownEnv seg
	shownIndex              seg
	mem, memShown           *sweep.Report
}

// Shown is the number of findings the fleet lists for h.
func (h *Host) Shown() int { return h.shownFindings.N }

// Rotation is one credential to rotate, merged across systems: the same
// kind and location with the same names. Each system's duty is tracked on
// its own (Systems): a credential path that recurs across systems is, in
// general, a different credential on each, unless Shared says it is
// provably the same one.
type Rotation struct {
	sweep.RotationItem
	// Hosts are the systems holding it, sorted.
	Hosts []string `json:"hosts"`
	// Systems is each system's duty, in the order of Hosts.
	Systems []RotationSystem `json:"systems"`
	// Pending counts the systems still to rotate it.
	Pending int `json:"pending"`
	// Shared, when set, says why the credential is the same on every
	// system (the same key id): a rotation marked on one closes it on all.
	Shared string `json:"shared,omitempty"`
	// Status is "rotated" when every system's duty is, else "pending".
	Status string `json:"status"`
}

// RotationSystem is one system's duty for a credential.
type RotationSystem struct {
	Host string `json:"host"`
	// ID is that system's item id (its report's): `litesweep rotate
	// --rotated ID` on its checklist marks this system only.
	ID     string `json:"id"`
	Status string `json:"status"`
	// RotatedAt is the mark that closed it, not older than the last report
	// of the system that exposed it.
	RotatedAt *time.Time `json:"rotated_at,omitempty"`
	// ExposedBy are the ids of the findings on this system that exposed it.
	ExposedBy []string `json:"exposed_by,omitempty"`
}

// Rotation statuses.
const (
	RotationPending = "pending"
	RotationDone    = "rotated"
)

// Event is one dated fact of one host.
type Event struct {
	Host string `json:"host"`
	sweep.TimelineEvent
	// Severity of the finding the event belongs to, when known.
	Severity sweep.Severity `json:"severity,omitempty"`
}

// Fleet is the merged report. Close releases its spool.
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
	// Checklists are the rotation checklists read for their rotated marks.
	Checklists []string `json:"checklists,omitempty"`
	// Learned are the payload hashes the systems learned by context.
	Learned []sweep.Learned `json:"learned,omitempty"`
	// Observations are the fleet's own facts (learned payloads seen on
	// other systems), made once for the fleet, never added to a system.
	Observations []Observation `json:"observations,omitempty"`

	spool, ispool *spool
}

// VerdictOrder lists verdicts worst first.
var VerdictOrder = []sweep.Verdict{sweep.Compromised, sweep.Exposed, sweep.AtRisk, sweep.Incomplete, Remediated, sweep.Clean}

// VerdictRank orders verdicts; higher is worse.
func VerdictRank(v sweep.Verdict) int {
	if i := slices.Index(VerdictOrder, v); i >= 0 {
		return len(VerdictOrder) - i
	}
	return 0
}

// bad reports whether a report's verdict obliges the system to keep its
// history: something was installed, downloaded or ran.
func bad(v sweep.Verdict) bool { return VerdictRank(v) >= VerdictRank(sweep.Exposed) }

// Builder reads reports one at a time and keeps only what the fleet report
// needs. The zero value is ready to use; call Fleet once, then Close the
// fleet.
type Builder struct {
	// Tool identifies the merging litesweep.
	Tool sweep.Tool
	// Now is the clock for Generated (time.Now when nil).
	Now func() time.Time

	hosts      map[string]*hostState
	order      []string
	skipped    []Skip
	seen       map[string]string // sha256 -> first path
	rot        map[string]*rotAcc
	rotOrder   []string
	marks      map[string]map[string]time.Time // credential key -> system ("": every system) -> rotated at
	strs       map[string]string
	lists      map[string][]string
	learned    map[string]sweep.Learned
	learners   map[string]map[string]struct{} // learned hash -> systems that learned it
	hashes     map[string]string              // interned file hashes
	checklists []string
	window     *sweep.Window
	spool      *spool // findings, errors, environments
	ispool     *spool // findings index entries (written interleaved with findings)
	memory     bool
	err        error
}

type hostState struct {
	name, kind    string
	cur, firstBad *digest
	history       []ReportRef
}

// digest is what one report contributes.
type digest struct {
	ref                    ReportRef
	scan                   sweep.Scan
	tool                   sweep.Tool
	stats                  sweep.Stats
	summary                map[string]int
	worst                  sweep.Severity
	incomplete, notWalked  int
	findings, errors, envs seg
	index                  seg
	events                 []Event
	eventsOmitted          int // dated events beyond MaxEventsPerSystem, left to the system's own report
	learned                []sweep.Learned
	guards                 []sweep.Guard
	hashes                 []string // distinct file hashes of its findings (interned)
	mem                    *sweep.Report
}

type rotAcc struct {
	r       Rotation
	users   map[string]struct{}
	whys    map[string]struct{}
	systems map[string]*duty
}

// Skip records an input that is not part of the fleet.
func (b *Builder) Skip(path, kind, reason string) {
	b.skipped = append(b.skipped, Skip{Path: path, Kind: kind, Reason: reason})
}

func (b *Builder) init() {
	if b.hosts != nil {
		return
	}
	b.hosts = map[string]*hostState{}
	b.seen = map[string]string{}
	b.rot = map[string]*rotAcc{}
	b.marks = map[string]map[string]time.Time{}
	b.strs = map[string]string{}
	b.lists = map[string][]string{}
	b.learned = map[string]sweep.Learned{}
	b.learners = map[string]map[string]struct{}{}
	b.hashes = map[string]string{}
	b.spool, b.ispool = &spool{}, &spool{}
	if b.memory {
		return
	}
	for _, sp := range []**spool{&b.spool, &b.ispool} {
		fsp, err := newFileSpool()
		if err != nil {
			b.err = err
			return
		}
		*sp = fsp
	}
}

// AddFile reads one JSON report, fleet report or rotation checklist and
// records a skip with the reason when it cannot be used.
func (b *Builder) AddFile(path string) {
	b.addFile(path, "")
}

func (b *Builder) addFile(path, wantSHA string) {
	f, err := sweep.OpenInput(path)
	if err != nil {
		b.Skip(path, SkipUnreadable, fmt.Sprintf("cannot open: %v", unwrapPath(err)))
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		b.Skip(path, SkipUnreadable, "cannot read: is a directory")
		return
	}
	b.addReader(path, f, wantSHA)
}

// AddReader is AddFile for an open stream named path.
func (b *Builder) AddReader(path string, r io.Reader) { b.addReader(path, r, "") }

func (b *Builder) addReader(path string, r io.Reader, wantSHA string) {
	b.init()
	in := &reader{b: b, path: path, dir: filepath.Dir(path)}
	sum, kind, err := in.read(r)
	if err != nil {
		b.Skip(path, kind, err.Error())
		return
	}
	if wantSHA != "" && sum != wantSHA {
		b.Skip(path, SkipChanged, fmt.Sprintf("SHA-256 %s, but the fleet report referencing it recorded %s: the file changed since", short(sum), short(wantSHA)))
		return
	}
	in.commit(sum)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// ReadFile reads one saved report (or the reports a fleet report names)
// from a file, with the same checks as merge: size cap, schema version,
// truncation, digests of referenced reports. On error the skip kind says
// why.
func ReadFile(path string) ([]*sweep.Report, string, error) {
	f, err := sweep.OpenInput(path)
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("cannot open: %v", unwrapPath(err))
	}
	defer f.Close()
	rs, kind, err := Read(f)
	if err != nil || rs != nil {
		return rs, kind, err
	}
	// A fleet report that references its systems' reports.
	return readRefs(path)
}

// Read is ReadFile for an open stream; a fleet report that references its
// reports by path (rather than embedding them) yields nil, nil.
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
// embedded reports are returned (nil when it only references them). On
// error the skip kind says why.
func Decode(data []byte) ([]*sweep.Report, string, error) {
	var probe struct {
		SchemaVersion *string           `json:"schema_version"`
		Kind          string            `json:"kind"`
		Items         json.RawMessage   `json:"items"`
		Hosts         []json.RawMessage `json:"hosts"`
		Scan          *struct {
			Kind string `json:"kind"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, SkipMalformed, jsonError(int64(len(data)), err)
	}
	if probe.SchemaVersion == nil {
		return nil, SkipNotReport, errors.New("not a litesweep report: no schema_version")
	}
	if err := checkSchema(*probe.SchemaVersion, probe.Kind == Kind); err != nil {
		return nil, SkipNewerSchema, err
	}
	if probe.Kind == Kind {
		var out []*sweep.Report
		for _, h := range probe.Hosts {
			var e struct {
				Report *sweep.Report `json:"report"`
			}
			if err := json.Unmarshal(h, &e); err != nil {
				return nil, SkipMalformed, jsonError(int64(len(data)), err)
			}
			if e.Report == nil {
				return nil, "", nil
			}
			out = append(out, e.Report)
		}
		if len(out) == 0 {
			return nil, SkipNotReport, errors.New("fleet report without systems")
		}
		return out, "", nil
	}
	if probe.Scan == nil || probe.Scan.Kind == "" {
		if probe.Items != nil {
			return nil, SkipNotReport, errors.New("a rotation checklist, not a report")
		}
		return nil, SkipNotReport, errors.New("not a litesweep report: no scan.kind")
	}
	var r sweep.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, SkipMalformed, jsonError(int64(len(data)), err)
	}
	return []*sweep.Report{&r}, "", nil
}

// readRefs reads the reports a fleet report references (the newest and
// first bad report of each system), checking each one's digest.
func readRefs(path string) ([]*sweep.Report, string, error) {
	f, err := sweep.OpenInput(path)
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("cannot open: %v", unwrapPath(err))
	}
	defer f.Close()
	var out []*sweep.Report
	var ferr error
	err = eachFleetHost(f, func(h fleetHostIn) {
		for _, ref := range h.refs() {
			p := resolveRef(path, ref.Path)
			data, err := sweep.ReadInputLimit(p, MaxReportSize)
			if err != nil {
				ferr = fmt.Errorf("system %s: report %s: %v", h.Name, ref.Path, unwrapPath(err))
				continue
			}
			if ref.SHA256 != "" && sha(data) != ref.SHA256 {
				ferr = fmt.Errorf("system %s: report %s changed since the fleet report was written (SHA-256 differs)", h.Name, ref.Path)
				continue
			}
			rs, _, err := Decode(data)
			if err != nil {
				ferr = fmt.Errorf("system %s: report %s: %v", h.Name, ref.Path, err)
				continue
			}
			out = append(out, rs...)
		}
	})
	if err != nil {
		return nil, SkipMalformed, err
	}
	if len(out) == 0 {
		if ferr != nil {
			return nil, SkipUnreadable, ferr
		}
		return nil, SkipNotReport, errors.New("fleet report without systems")
	}
	return out, "", ferr
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// resolveRef finds a referenced report: as recorded (relative to where the
// merge ran), else relative to the fleet report's directory.
func resolveRef(fleetPath, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return filepath.Join(filepath.Dir(fleetPath), p)
}

// CheckSchema accepts report schema versions this build reads: the same
// major version as sweep.ReportSchemaVersion (newer minor versions only add
// fields).
func CheckSchema(v string) error { return checkSchema(v, false) }

// checkSchema is CheckSchema for a report (fleet false) or a fleet report,
// whose document has its own version (SchemaVersion).
func checkSchema(v string, fleet bool) error {
	major, err := schemaMajor(v)
	if err != nil {
		return fmt.Errorf("not a litesweep report: schema_version %q: %w", v, err)
	}
	mine, _ := schemaMajor(sweep.ReportSchemaVersion)
	if fleet {
		mine, _ = schemaMajor(SchemaVersion)
	}
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

func jsonError(size int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && se.Offset >= size):
		return fmt.Errorf("truncated JSON: the file ends after %d bytes (was the copy interrupted?)", size)
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
func Name(r *sweep.Report) string { return scanName(r.Scan) }

// Package sweep holds the result model every litesweep command produces (a
// Report of Findings, Errors and Stats), the single parallel filesystem walk
// that host collectors subscribe to, and the atomic report writer.
package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/litesweep/litesweep/iocs"
)

// ReportSchemaVersion is the version of the JSON report schema
// (docs/report-schema.md). Readers reject a newer major version.
const ReportSchemaVersion = "1.0"

// Severity of a finding.
type Severity string

const (
	Critical Severity = "critical" // malicious code, persistence or staging present
	High     Severity = "high"     // evidence it was installed, downloaded or ran
	Medium   Severity = "medium"   // would install it
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities; higher is worse. Unknown severities rank 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// ParseSeverity parses a severity name (for --fail-on).
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
	}
	return v, nil
}

// Verdict summarises a report.
type Verdict string

const (
	Compromised Verdict = "COMPROMISED" // malicious code, persistence or staging present
	Exposed     Verdict = "EXPOSED"     // it was installed, downloaded or ran
	AtRisk      Verdict = "AT-RISK"     // something would install it
	Clean       Verdict = "CLEAN"
	Incomplete  Verdict = "INCOMPLETE" // nothing found, but something could not be checked
)

// Location says where a finding is. Files use Path (absolute inside the
// scanned root); images use Image/Layer/CreatedBy; CI uses Repo/RunID/Job/Line.
type Location struct {
	Path        string `json:"path,omitempty"`
	Line        int    `json:"line,omitempty"`
	Member      string `json:"member,omitempty"` // file inside an archive (wheel, log zip)
	Image       string `json:"image,omitempty"`
	ImageID     string `json:"image_id,omitempty"`
	Layer       *int   `json:"layer,omitempty"`
	LayerDigest string `json:"layer_digest,omitempty"`
	CreatedBy   string `json:"created_by,omitempty"`
	Visible     *bool  `json:"visible,omitempty"` // image: is the file in the final filesystem
	Repo        string `json:"repo,omitempty"`
	RunID       int64  `json:"run_id,omitempty"`
	RunAttempt  int    `json:"run_attempt,omitempty"`
	Job         string `json:"job,omitempty"`
	Step        string `json:"step,omitempty"`
	URL         string `json:"url,omitempty"`
	PID         int32  `json:"pid,omitempty"`
	// Exe is the resolved executable of the process PID when it was seen
	// (with its start time in Evidence.Time, the process's identity).
	Exe       string `json:"exe,omitempty"`
	Cluster   string `json:"cluster,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Object    string `json:"object,omitempty"` // Kubernetes kind/name
}

// locationJSON is Location without its JSON methods.
type locationJSON Location

// locationWire is the JSON form of a Location: encoding/json turns bytes
// that are not UTF-8 into U+FFFD, so a path or member that is not valid
// UTF-8 is also written exactly, base64-encoded, in path_bytes and
// member_bytes (docs/report-schema.md), and read back from there.
type locationWire struct {
	locationJSON
	PathBytes   []byte `json:"path_bytes,omitempty"`
	MemberBytes []byte `json:"member_bytes,omitempty"`
}

// MarshalJSON writes the location with the exact bytes of a path or member
// that is not valid UTF-8.
func (l Location) MarshalJSON() ([]byte, error) {
	w := locationWire{locationJSON: locationJSON(l)}
	if !utf8.ValidString(l.Path) {
		w.PathBytes = []byte(l.Path)
	}
	if !utf8.ValidString(l.Member) {
		w.MemberBytes = []byte(l.Member)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a location; path_bytes and member_bytes, when
// present, give the exact path and member.
func (l *Location) UnmarshalJSON(b []byte) error {
	var w locationWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = Location(w.locationJSON)
	if w.PathBytes != nil {
		l.Path = string(w.PathBytes)
	}
	if w.MemberBytes != nil {
		l.Member = string(w.MemberBytes)
	}
	return nil
}

// String renders the location on one line.
func (l Location) String() string {
	var parts []string
	if l.Image != "" {
		s := l.Image
		if l.Layer != nil {
			s += fmt.Sprintf(" layer %d", *l.Layer)
		}
		parts = append(parts, s)
	}
	if l.Repo != "" {
		s := l.Repo
		if l.RunID != 0 {
			s += fmt.Sprintf(" run %d", l.RunID)
		}
		if l.Job != "" {
			s += " job " + l.Job
		}
		if l.Step != "" {
			s += " step " + l.Step
		}
		parts = append(parts, s)
	}
	if l.Object != "" {
		parts = append(parts, strings.Trim(l.Namespace+"/"+l.Object, "/"))
	}
	if l.Path != "" {
		s := l.Path
		if l.Member != "" {
			s += "!" + l.Member
		}
		if l.Line > 0 {
			s += fmt.Sprintf(":%d", l.Line)
		}
		parts = append(parts, s)
	} else if l.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", l.Line))
	}
	if l.PID != 0 {
		parts = append(parts, fmt.Sprintf("pid %d", l.PID))
	}
	return strings.Join(parts, " ")
}

// Evidence is what was observed. It never holds a secret value: text fields
// are built from allow-listed parts of the victim's text (for a command
// line: the install tool, the affected package specifier, the source
// options), never produced by deleting what looks secret.
type Evidence struct {
	Package   string     `json:"package,omitempty"`
	Version   string     `json:"version,omitempty"`
	Installer string     `json:"installer,omitempty"`
	Size      int64      `json:"size,omitempty"`
	SHA256    string     `json:"sha256,omitempty"`
	Mode      string     `json:"mode,omitempty"`
	Owner     string     `json:"owner,omitempty"`
	ModTime   *time.Time `json:"mtime,omitempty"`
	Time      *time.Time `json:"time,omitempty"` // when the event happened (install, download, command, run)
	Text      string     `json:"text,omitempty"` // the matching line or excerpt
	Details   []string   `json:"details,omitempty"`
}

// Indicator is the pack indicator a finding matched, with its sources.
type Indicator struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Confidence string   `json:"confidence,omitempty"`
	Sources    []string `json:"sources,omitempty"`
}

// Finding is one piece of evidence.
type Finding struct {
	ID          string     `json:"id"`
	Severity    Severity   `json:"severity"`
	Category    Category   `json:"category"`
	Title       string     `json:"title"`
	Location    Location   `json:"location"`
	Evidence    Evidence   `json:"evidence"`
	Indicator   *Indicator `json:"indicator,omitempty"`
	Environment string     `json:"environment,omitempty"` // Python environment root
	User        string     `json:"user,omitempty"`
	Collector   string     `json:"collector"`
	// Exposure is set on exposure findings: the credentials a compromised
	// job or service account could read (names only), for the planner.
	Exposure *Exposure `json:"exposure,omitempty"`
}

// Key identifies a finding across runs: the indicator, category and location.
func (f *Finding) Key() string {
	ind := ""
	if f.Indicator != nil {
		ind = f.Indicator.ID
	}
	l := f.Location
	layer := ""
	if l.Layer != nil {
		layer = fmt.Sprint(*l.Layer)
	}
	return strings.Join([]string{string(f.Category), ind, f.Title, l.Path, l.Member, fmt.Sprint(l.Line), l.Image, layer,
		l.Repo, fmt.Sprint(l.RunID), l.Job, l.Step, fmt.Sprint(l.PID), l.Namespace, l.Object}, "\x00")
}

// SetID sets the stable id, derived from Key.
func (f *Finding) SetID() { f.ID = idOf(f.Key()) }

func idOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "LS-" + strings.ToUpper(hex.EncodeToString(sum[:6]))
}

// Error is something that could not be checked, at its location.
type Error struct {
	Location  Location `json:"location"`
	Collector string   `json:"collector,omitempty"`
	Message   string   `json:"message"`
	// Kind: ErrKindError (failed), ErrKindSkipped (deliberately not read,
	// with reason) or ErrKindUnverified (could not verify, e.g. an expired
	// CI log).
	Kind ErrorKind `json:"kind"`
}

// ScanKind is what a report swept: its target's kind. Each target
// declares its own (host.Kind, images.Kind, ...) and the registry
// (package targets) lists them.
type ScanKind string

// Scan describes what was swept.
type Scan struct {
	Kind        ScanKind  `json:"kind"`
	Root        string    `json:"root,omitempty"`
	Hostname    string    `json:"hostname,omitempty"`
	Targets     []string  `json:"targets,omitempty"`
	Window      *Window   `json:"window,omitempty"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Interrupted bool      `json:"interrupted,omitempty"`
	Options     []string  `json:"options,omitempty"`
	Coverage    *Coverage `json:"coverage,omitempty"`
}

// Coverage says how much of an API sweep's scope was checked (github:
// repositories and workflow runs). Anything not checked also has a located
// entry in errors.
type Coverage struct {
	Unit      string   `json:"unit"`                // what Total counts: "repositories"
	Total     int      `json:"total"`               // in scope
	Checked   int      `json:"checked"`             // swept to the end
	Unchecked []string `json:"unchecked,omitempty"` // not (fully) checked, by name
	Unlisted  []string `json:"unlisted,omitempty"`  // organisations whose repositories could not be listed
	// RunsTotal and RunsUnverified count workflow runs in the windows and
	// those with a job nobody could verify (log gone, nothing to grade).
	RunsTotal      int64 `json:"runs_total,omitempty"`
	RunsUnverified int64 `json:"runs_unverified,omitempty"`
	// ResumeAfter is set when a standing rate limit stopped the sweep: re-run
	// with the same --state after this time.
	ResumeAfter *time.Time `json:"resume_after,omitempty"`
}

// Complete reports whether everything in scope was checked.
func (c *Coverage) Complete() bool {
	return c == nil || (len(c.Unchecked) == 0 && len(c.Unlisted) == 0 && c.Checked >= c.Total && c.RunsUnverified == 0)
}

// String is the coverage clause of the verdict line, e.g. "203 of 300
// repositories could not be checked; 4 of 57 runs could not be verified"
// ("" when complete).
func (c *Coverage) String() string {
	if c.Complete() {
		return ""
	}
	var parts []string
	if n := max(len(c.Unchecked), c.Total-c.Checked); n > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d %s could not be checked", n, c.Total, c.Unit))
	}
	if len(c.Unlisted) > 0 {
		parts = append(parts, "the repositories of "+strings.Join(c.Unlisted, ", ")+" could not be listed")
	}
	if c.RunsUnverified > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d runs could not be verified", c.RunsUnverified, c.RunsTotal))
	}
	return strings.Join(parts, "; ")
}

// Window is the exposure window a sweep used.
type Window struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Source string    `json:"source"` // pack window id or "--window"
}

// Contains reports whether t lies inside the window, bounds included; a
// window without a start contains nothing.
func (w Window) Contains(t time.Time) bool {
	return !w.Start.IsZero() && !t.Before(w.Start) && !t.After(w.End)
}

// Tool identifies the producer and the IOC pack used.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// PackID .. PackFrom identify the set of IOC packs the sweep used as
	// one pack, as reports have always carried it: for one pack its own
	// id, version, SHA-256 and source; for a set, the id
	// "litesweep-packs", the newest version, the SHA-256 of the set and
	// "builtin + FILE ...". Packs names each.
	PackID      string `json:"pack_id"`
	PackVersion string `json:"pack_version"`
	PackSHA256  string `json:"pack_sha256"`
	PackFrom    string `json:"pack_from"`
	// PackPartial lists the sections the pack lacked (--iocs-partial):
	// what depends on them was not checked.
	PackPartial []string `json:"pack_partial,omitempty"`
	// Packs are the IOC packs the sweep used, in load order (absent from
	// reports written before packs composed: PackID .. PackFrom then name
	// the one pack).
	Packs []PackRef `json:"packs,omitempty"`
	// Records are the external record sources whose package indicators
	// the sweep used (--osv), with what each held.
	Records []iocs.RecordCounts `json:"record_sources,omitempty"`
}

// Guard is a dead-man switch the sweep found: persistence that destroys
// data when a credential it watches is revoked. A report that has one
// says so before anything else; the rotation checklist's item Item
// (disarm it) comes before every rotation it guards.
type Guard struct {
	ID     string `json:"id"` // the pack's guard id
	Name   string `json:"name"`
	Host   string `json:"host,omitempty"`
	Effect string `json:"effect"`
	// Running is true when a finding of the running system (a process or
	// an active unit) is the guard: it may fire at any moment.
	Running bool `json:"running,omitempty"`
	// Findings are the ids of the findings that are the guard, Paths
	// their locations.
	Findings []string `json:"findings"`
	Paths    []string `json:"paths,omitempty"`
	// Disarm are the steps, in order; Item is the rotation item that
	// carries them.
	Disarm []string `json:"disarm"`
	Item   string   `json:"item"`
}

// PackRef names one IOC pack a sweep used.
type PackRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	From    string `json:"from"`
}

// UsedPacks returns the packs the report names: Packs, or for a report
// written before packs composed, the one pack of PackID .. PackFrom.
func (t Tool) UsedPacks() []PackRef {
	if len(t.Packs) > 0 || t.PackID == "" {
		return t.Packs
	}
	return []PackRef{{ID: t.PackID, Version: t.PackVersion, SHA256: t.PackSHA256, From: t.PackFrom}}
}

// Stats are the sweep's counters.
type Stats struct {
	DirsRead      int64 `json:"dirs_read"`
	FilesSeen     int64 `json:"files_seen"`
	FilesRead     int64 `json:"files_read"`
	BytesRead     int64 `json:"bytes_read"`
	Skipped       int64 `json:"skipped"`
	Errors        int64 `json:"errors"`
	DurationMS    int64 `json:"duration_ms"`
	APICalls      int64 `json:"api_calls,omitempty"`
	RateLimitUsed int64 `json:"rate_limit_used,omitempty"`
	Images        int64 `json:"images,omitempty"`
	Layers        int64 `json:"layers,omitempty"`
	Repos         int64 `json:"repos,omitempty"`
	Runs          int64 `json:"runs,omitempty"`
	Logs          int64 `json:"logs,omitempty"`
}

// Report is the result of any sweep.
type Report struct {
	SchemaVersion string  `json:"schema_version"`
	Tool          Tool    `json:"tool"`
	Scan          Scan    `json:"scan"`
	Verdict       Verdict `json:"verdict"`
	// Guards are the dead-man switches found: a responder reads them
	// before anything else (see Guard).
	Guards       []Guard         `json:"guards,omitempty"`
	Summary      map[string]int  `json:"summary"`
	Findings     []Finding       `json:"findings"`
	Environments []Environment   `json:"environments,omitempty"`
	Timeline     []TimelineEvent `json:"timeline,omitempty"`
	Rotation     []RotationItem  `json:"rotation,omitempty"`
	// Learned are payload hashes proved malicious by context in this sweep
	// (see Learned); `litesweep iocs --from-report` prints them as a pack
	// fragment.
	Learned []Learned `json:"learned,omitempty"`
	Errors  []Error   `json:"errors"`
	Stats   Stats     `json:"stats"`
}

// Environment is a Python environment (or another unit of verdict, such as
// a user) with its own verdict.
type Environment struct {
	Path          string   `json:"path"`
	Kind          string   `json:"kind"` // venv, conda, system, user-site, pipx, uv, ...
	SiteDirs      []string `json:"site_dirs,omitempty"`
	Interpreter   string   `json:"interpreter,omitempty"`
	PythonVersion string   `json:"python_version,omitempty"`
	User          string   `json:"user,omitempty"`
	Verdict       string   `json:"verdict"`
	Reason        string   `json:"reason,omitempty"`
	Findings      []string `json:"findings,omitempty"` // finding ids
}

// TimelineEvent is one dated fact.
type TimelineEvent struct {
	Time        time.Time `json:"time"`
	Event       string    `json:"event"`
	Finding     string    `json:"finding,omitempty"`
	Environment string    `json:"environment,omitempty"`
	User        string    `json:"user,omitempty"`
	InWindow    bool      `json:"in_window,omitempty"`
}

// RotationItem is one credential to rotate. It names the credential by kind,
// location and variable name, never by value.
type RotationItem struct {
	ID        string   `json:"id"`
	Priority  string   `json:"priority"`
	Kind      string   `json:"kind"`
	Provider  string   `json:"provider"`
	Title     string   `json:"title"`
	Where     string   `json:"where"`
	Names     []string `json:"names,omitempty"` // profile, context, host or variable names
	User      string   `json:"user,omitempty"`
	Host      string   `json:"host,omitempty"`
	Why       string   `json:"why"`
	ExposedBy []string `json:"exposed_by,omitempty"` // finding ids or run references
	Steps     []string `json:"steps"`
	Verify    string   `json:"verify"`
	// After lists the items (a dead-man switch's disarm item) that must be
	// done before this one starts.
	After []string `json:"after,omitempty"`
	// RotatedAt, when set, records that the credential was rotated then
	// (litesweep rotate --rotated ID); merge takes it off the fleet
	// checklist unless a report finished later exposes it again.
	RotatedAt *time.Time `json:"rotated_at,omitempty"`
}

// Finalize sorts and de-duplicates findings, assigns ids, fills the summary
// and decides the verdict. Call it once, after the sweep.
func (r *Report) Finalize() {
	seen := make(map[string]struct{}, len(r.Findings))
	keys := make([]string, 0, len(r.Findings))
	out := r.Findings[:0]
	for i := range r.Findings {
		f := &r.Findings[i]
		key := f.Key()
		f.ID = idOf(key)
		if _, dup := seen[f.ID]; dup {
			continue
		}
		seen[f.ID] = struct{}{}
		out = append(out, *f)
		keys = append(keys, key)
	}
	clear(r.Findings[len(out):])
	r.Findings = out
	sortFindings(r.Findings, keys)
	errKeys := make([]string, len(r.Errors))
	for i := range r.Errors {
		errKeys[i] = r.Errors[i].Location.String()
	}
	sortBy(r.Errors, errKeys, func(a, b *Error) int { return strings.Compare(a.Message, b.Message) })
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Errors == nil {
		r.Errors = []Error{}
	}
	r.Summary = map[string]int{}
	for _, f := range r.Findings {
		r.Summary[string(f.Severity)]++
	}
	r.Stats.Errors = int64(r.Incomplete())
	r.Verdict = r.decide()
	r.SchemaVersion = ReportSchemaVersion
}

// SortFindings orders findings worst first, then by category, location,
// title and id, so that every derived list (reasons, timelines) is the same
// whatever order the parallel walk delivered them in.
//
// The keys (severity, category, location line, title, Key) are computed
// once per finding, not in every comparison.
func SortFindings(fs []Finding) {
	keys := make([]string, len(fs))
	for i := range fs {
		keys[i] = fs[i].Key()
	}
	sortFindings(fs, keys)
}

// sortFindings is SortFindings with each finding's Key given.
func sortFindings(fs []Finding, keys []string) {
	type sk struct {
		rank          int
		cat, loc, ttl string
		key           string
		i             int
	}
	ks := make([]sk, len(fs))
	for i := range fs {
		f := &fs[i]
		ks[i] = sk{f.Severity.Rank(), string(f.Category), f.Location.String(), f.Title, keys[i], i}
	}
	slices.SortStableFunc(ks, func(a, b sk) int {
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		if c := strings.Compare(a.cat, b.cat); c != 0 {
			return c
		}
		if c := strings.Compare(a.loc, b.loc); c != 0 {
			return c
		}
		if c := strings.Compare(a.ttl, b.ttl); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	permute(fs, ks, func(k sk) int { return k.i })
}

// sortBy sorts s stably by the precomputed keys, then by tie.
func sortBy[T any](s []T, keys []string, tie func(a, b *T) int) {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return tie(&s[a], &s[b])
	})
	permute(s, idx, func(i int) int { return i })
}

// permute reorders s so that s[k] becomes the old s[at(order[k])].
func permute[T, O any](s []T, order []O, at func(O) int) {
	tmp := make([]T, len(s))
	for k, o := range order {
		tmp[k] = s[at(o)]
	}
	copy(s, tmp)
}

// Incomplete counts errors that leave something unchecked ("skipped"
// entries are deliberate and do not count).
func (r *Report) Incomplete() int {
	n := 0
	for _, e := range r.Errors {
		if e.Kind != ErrKindSkipped {
			n++
		}
	}
	return n
}

func (r *Report) decide() Verdict {
	return Decide(r.Worst(), r.Incomplete() > 0 || r.Scan.Interrupted || !r.Scan.Coverage.Complete())
}

// Decide is the one verdict rule, for a report and for every system of a
// fleet: the worst finding decides (critical COMPROMISED, high EXPOSED,
// medium AT-RISK); with none of those, a sweep that left something
// unchecked (an error, an interruption, incomplete API coverage) is
// INCOMPLETE, never CLEAN.
func Decide(worst Severity, unchecked bool) Verdict {
	switch r := worst.Rank(); {
	case r >= Critical.Rank():
		return Compromised
	case r >= High.Rank():
		return Exposed
	case r >= Medium.Rank():
		return AtRisk
	case unchecked:
		return Incomplete
	}
	return Clean
}

// Worst returns the highest severity in the report ("" when none).
func (r *Report) Worst() Severity {
	var w Severity
	for _, f := range r.Findings {
		if f.Severity.Rank() > w.Rank() {
			w = f.Severity
		}
	}
	return w
}

// Exit codes shared by every command.
const (
	ExitClean      = 0
	ExitFindings   = 1
	ExitUsage      = 2
	ExitIncomplete = 3
	// ExitFailure is a runtime failure that left no verdict: the report
	// could not be written, the engine or API could not be reached at all.
	ExitFailure     = 4
	ExitInterrupted = 130
)

// ExitCode maps a finalised report to the process exit code: 130 when
// interrupted, 1 when a finding is at or above failOn, 3 when coverage is
// incomplete, 0 otherwise.
func (r *Report) ExitCode(failOn Severity) int {
	if r.Scan.Interrupted {
		return ExitInterrupted
	}
	if w := r.Worst(); w != "" && w.Rank() >= failOn.Rank() {
		return ExitFindings
	}
	if r.Incomplete() > 0 || !r.Scan.Coverage.Complete() {
		return ExitIncomplete
	}
	return ExitClean
}

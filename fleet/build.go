package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// addDigest files one report under its system: the newest report is the
// system's current state, the earliest COMPROMISED or EXPOSED one its first
// bad report; every report is in its history.
func (b *Builder) addDigest(d *digest, rotation []sweep.RotationItem) {
	name := scanName(d.scan)
	key := string(d.scan.Kind) + "\x00" + name
	h := b.hosts[key]
	if h == nil {
		h = &hostState{name: name, kind: string(d.scan.Kind)}
		b.hosts[key] = h
		b.order = append(b.order, key)
	}
	h.history = append(h.history, d.ref)
	if h.cur == nil || newerReport(d.ref, h.cur.ref) {
		h.cur = d
	}
	if bad(d.ref.Verdict) && (h.firstBad == nil || earlierBad(d.ref, h.firstBad.ref)) {
		h.firstBad = d
	}
	if w := d.scan.Window; w != nil {
		if b.window == nil {
			cp := *w
			b.window = &cp
		} else {
			if w.Start.Before(b.window.Start) {
				b.window.Start = w.Start
			}
			if w.End.After(b.window.End) {
				b.window.End = w.End
			}
			if w.Source != b.window.Source {
				b.window.Source = "union of the reports' windows"
			}
		}
	}
	for _, it := range rotation {
		b.addRotation(name, d.ref.Finished, it)
	}
	// Only the newest and the first bad report stay referenced.
}

// newerReport orders two reports of one system by when they finished; at equal
// times the worse verdict counts as the later (a tie never hides a bad
// report), then the digest and path decide, so the merge is a function of
// its inputs, not of their order.
func newerReport(a, b ReportRef) bool {
	if !a.Finished.Equal(b.Finished) {
		return a.Finished.After(b.Finished)
	}
	if ra, rb := VerdictRank(a.Verdict), VerdictRank(b.Verdict); ra != rb {
		return ra > rb
	}
	if a.SHA256 != b.SHA256 {
		return a.SHA256 > b.SHA256
	}
	return a.Path > b.Path
}

// earlierBad picks a system's first bad report: the earliest, and at equal
// times the worse verdict (the one newerReport also picks as the newest).
func earlierBad(a, b ReportRef) bool {
	if !a.Finished.Equal(b.Finished) {
		return a.Finished.Before(b.Finished)
	}
	return newerReport(a, b)
}

// addRotation merges one report's rotation item into the union checklist,
// keyed by credential: the item holds each system's duty (its own item id,
// the findings that exposed it there, when its last report did), so a
// rotation marked on one system closes that system only.
func (b *Builder) addRotation(system string, finished time.Time, it sweep.RotationItem) {
	host := it.Host
	if host == "" {
		host = system
	}
	key := RotationKey(it)
	a, ok := b.rot[key]
	if !ok {
		a = &rotAcc{users: map[string]struct{}{}, whys: map[string]struct{}{}, systems: map[string]*duty{}}
		a.setItem(it)
		b.rot[key] = a
		b.rotOrder = append(b.rotOrder, key)
	} else if preferItem(it, a.r.RotationItem) {
		a.setItem(it)
	}
	if it.Why != "" {
		a.whys[b.intern(it.Why)] = struct{}{}
	}
	if it.User != "" {
		a.users[b.intern(it.User)] = struct{}{}
	}
	d := a.systems[host]
	if d == nil {
		d = &duty{}
		a.systems[host] = d
	}
	if id := it.ID; id != "" && (d.id == "" || id < d.id) {
		d.id = id
	}
	if len(it.ExposedBy) > 0 {
		d.exposedBy = b.internList(sortedUnique(append(slices.Clone(d.exposedBy), it.ExposedBy...)))
	}
	if it.RotatedAt != nil {
		b.markHost(key, host, *it.RotatedAt)
	} else if finished.After(d.lastExposed) {
		d.lastExposed = finished
	}
}

// duty is one system's part of a credential to rotate.
type duty struct {
	id          string
	exposedBy   []string // interned: systems with the same exposing findings share one list
	lastExposed time.Time
}

// setItem takes it as the item's description (the fields every system
// shares); the per-system fields are kept in the duties.
func (a *rotAcc) setItem(it sweep.RotationItem) {
	prio := a.r.Priority
	a.r.RotationItem = it
	a.r.Host, a.r.User, a.r.Why, a.r.RotatedAt, a.r.ExposedBy = "", "", "", nil, nil
	a.r.ID = RotationID(it)
	a.r.Names = sortedUnique(it.Names)
	if prio != "" && priorityRank(prio) < priorityRank(it.Priority) {
		a.r.Priority = prio
	}
}

// preferItem decides which report's description of one credential the
// fleet shows, whatever the input order: the most urgent priority, then the
// least title, steps and check.
func preferItem(it, cur sweep.RotationItem) bool {
	if pi, pc := priorityRank(it.Priority), priorityRank(cur.Priority); pi != pc {
		return pi < pc
	}
	if it.Title != cur.Title {
		return it.Title < cur.Title
	}
	if c := slices.Compare(it.Steps, cur.Steps); c != 0 {
		return c < 0
	}
	return it.Verify < cur.Verify
}

// intern returns one shared copy of s.
func (b *Builder) intern(s string) string {
	if v, ok := b.strs[s]; ok {
		return v
	}
	b.strs[s] = s
	return s
}

// internList returns one shared copy of the list.
func (b *Builder) internList(l []string) []string {
	k := strings.Join(l, "\x00")
	if v, ok := b.lists[k]; ok {
		return v
	}
	for i := range l {
		l[i] = b.intern(l[i])
	}
	b.lists[k] = l
	return l
}

// mark records a rotated mark from a checklist: it.Host's duty for the
// credential, or, when the item names no system, every system's.
func (b *Builder) mark(it sweep.RotationItem) {
	if it.RotatedAt != nil {
		b.markHost(RotationKey(it), it.Host, *it.RotatedAt)
	}
}

func (b *Builder) markHost(key, host string, t time.Time) {
	m := b.marks[key]
	if m == nil {
		m = map[string]time.Time{}
		b.marks[key] = m
	}
	if t = t.UTC(); t.After(m[host]) {
		m[host] = t
	}
}

// sharedBy says why one credential is held by every system that lists it:
// its names include a key id (an AWS access key id, a GCP service-account
// key id, as the inventory records them, without the secret), and the
// fleet key includes the names. "" when each system's is its own.
func sharedBy(names []string) string {
	ids := sweep.KeyIDs(names)
	if len(ids) == 0 {
		return ""
	}
	return "the same " + strings.Join(ids, ", ") + " on every system: one rotation closes it everywhere"
}

// rotation builds the fleet item of one credential.
func (b *Builder) rotation(key string, many bool) Rotation {
	a := b.rot[key]
	r := a.r
	r.Why = strings.Join(slices.Sorted(maps.Keys(a.whys)), "; ")
	r.User = strings.Join(slices.Sorted(maps.Keys(a.users)), ", ")
	r.Hosts = slices.Sorted(maps.Keys(a.systems))
	r.Shared = sharedBy(r.Names)
	marks := b.marks[key]
	var anyMark time.Time
	for _, t := range marks {
		if t.After(anyMark) {
			anyMark = t
		}
	}
	r.Systems = make([]RotationSystem, 0, len(r.Hosts))
	var lastRotated time.Time
	for _, h := range r.Hosts {
		d := a.systems[h]
		s := RotationSystem{Host: h, ID: d.id, Status: RotationPending, ExposedBy: d.exposedBy}
		if s.ID == "" {
			s.ID = SystemRotationID(h, key)
		}
		t := marks[h]
		if all := marks[""]; all.After(t) {
			t = all
		}
		if r.Shared != "" && anyMark.After(t) {
			t = anyMark
		}
		if !t.IsZero() && !t.Before(d.lastExposed) {
			s.Status = RotationDone
			tt := t
			s.RotatedAt = &tt
			if t.After(lastRotated) {
				lastRotated = t
			}
		} else {
			r.Pending++
		}
		r.Systems = append(r.Systems, s)
	}
	if !many && len(r.Systems) == 1 {
		r.ExposedBy = r.Systems[0].ExposedBy
	}
	r.Status = RotationPending
	if r.Pending == 0 {
		r.Status = RotationDone
		r.RotatedAt = &lastRotated
	}
	return r
}

// FromReport is the fleet of one report (for rendering a single sweep with
// the fleet renderers).
func FromReport(r *sweep.Report) *Fleet {
	b := &Builder{Tool: r.Tool, Now: func() time.Time { return r.Scan.Finished }, memory: true}
	b.AddReport("", r)
	return b.Fleet()
}

// AddReport adds a finished report already in memory (scan.Run's, or one
// read from source): the merge reads its verdict and ids as saved and
// never finalises a report itself.
func (b *Builder) AddReport(source string, r *sweep.Report) {
	b.init()
	in := &reader{b: b, path: source}
	in.fromReport(r)
}

// Fleet builds the merged report. Call it once.
func (b *Builder) Fleet() *Fleet {
	b.init()
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	f := &Fleet{
		SchemaVersion: SchemaVersion,
		Kind:          Kind,
		Tool:          b.Tool,
		Generated:     now().UTC(),
		ByVerdict:     map[sweep.Verdict][]string{},
		Summary:       map[string]int{},
		Window:        b.window,
		Hosts:         make([]Host, 0, len(b.order)),
		Rotation:      []Rotation{},
		Timeline:      []Event{},
		Skipped:       append([]Skip{}, b.skipped...),
		Checklists:    b.checklists,
		Learned:       b.learnedList(),
		Observations:  b.observations(),
		spool:         b.spool,
		ispool:        b.ispool,
	}
	if b.err != nil {
		f.Skipped = append(f.Skipped, Skip{Path: "(merge)", Kind: SkipUnreadable, Reason: b.err.Error()})
	}
	for _, k := range b.order {
		st := b.hosts[k]
		cur := st.cur
		h := Host{Name: st.name, Kind: st.kind, Source: cur.ref.Path, SHA256: cur.ref.SHA256, Verdict: cur.ref.Verdict,
			ReportVerdict: cur.ref.Verdict, Guards: cur.guards, Scan: cur.scan, Tool: cur.tool, Stats: cur.stats, Incomplete: cur.incomplete,
			NotWalked: cur.notWalked, worst: cur.worst, errors: cur.errors, mem: cur.mem}
		shown := cur
		if st.firstBad != nil && st.firstBad != cur {
			ref := st.firstBad.ref
			h.FirstBad = &ref
			if cur.ref.Verdict == sweep.Clean {
				h.Verdict = Remediated
				shown = st.firstBad
			}
		}
		h.Summary, h.shownFindings, h.shownEnv, h.memShown = shown.summary, shown.findings, shown.envs, shown.mem
		h.shownIndex = shown.index
		h.TimelineOmitted = shown.eventsOmitted
		h.findings, h.envs = cur.findings, cur.envs
		if len(st.history) > 1 {
			h.History = slices.Clone(st.history)
			sort.SliceStable(h.History, func(i, j int) bool { return newerReport(h.History[j], h.History[i]) })
		}
		f.Hosts = append(f.Hosts, h)
		f.Timeline = append(f.Timeline, shown.events...)
		for sev, n := range h.Summary {
			f.Summary[sev] += n
		}
	}
	sort.SliceStable(f.Hosts, func(i, j int) bool {
		a, c := &f.Hosts[i], &f.Hosts[j]
		if ra, rc := VerdictRank(a.Verdict), VerdictRank(c.Verdict); ra != rc {
			return ra > rc
		}
		if a.Name != c.Name {
			return a.Name < c.Name
		}
		return a.Kind < c.Kind
	})
	for i := range f.Hosts {
		h := &f.Hosts[i]
		f.ByVerdict[h.Verdict] = append(f.ByVerdict[h.Verdict], h.Name)
	}
	sort.SliceStable(f.Skipped, func(i, j int) bool { return f.Skipped[i].Path < f.Skipped[j].Path })
	many := len(f.Hosts) > 1
	for _, k := range b.rotOrder {
		f.Rotation = append(f.Rotation, b.rotation(k, many))
	}
	sort.SliceStable(f.Rotation, func(i, j int) bool {
		a, c := &f.Rotation[i], &f.Rotation[j]
		if da, dc := a.Status == RotationDone, c.Status == RotationDone; da != dc {
			return dc
		}
		if pa, pc := priorityRank(a.Priority), priorityRank(c.Priority); pa != pc {
			return pa < pc
		}
		if len(a.Hosts) != len(c.Hosts) {
			return len(a.Hosts) > len(c.Hosts)
		}
		if a.Title != c.Title {
			return a.Title < c.Title
		}
		if a.Where != c.Where {
			return a.Where < c.Where
		}
		return a.ID < c.ID
	})
	sort.SliceStable(f.Timeline, func(i, j int) bool {
		a, c := &f.Timeline[i], &f.Timeline[j]
		if !a.Time.Equal(c.Time) {
			return a.Time.Before(c.Time)
		}
		if a.Host != c.Host {
			return a.Host < c.Host
		}
		if a.Finding != c.Finding {
			return a.Finding < c.Finding
		}
		return a.Event < c.Event
	})
	f.Verdict = f.decide()
	return f
}

// Close releases the fleet's spool.
func (f *Fleet) Close() {
	f.spool.close()
	f.ispool.close()
}

// Findings calls fn with each finding the fleet shows for h (the newest
// report's, or for a REMEDIATED system the first bad report's), in the
// report's order.
func (f *Fleet) Findings(h *Host, fn func(*sweep.Finding) error) error {
	if h.memShown != nil {
		for i := range h.memShown.Findings {
			if err := fn(&h.memShown.Findings[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return f.spool.each(h.shownFindings, func(line []byte) error {
		var fd sweep.Finding
		if err := json.Unmarshal(line, &fd); err != nil {
			return fmt.Errorf("merge spool: %w", err)
		}
		return fn(&fd)
	})
}

// Index calls fn with each entry of h's findings index (FindingIndex as
// one line of JSON), in the report's order, without decoding it.
func (f *Fleet) Index(h *Host, fn func(line []byte) error) error {
	return f.ispool.each(h.shownIndex, fn)
}

// Errors returns what h's newest report could not check (kind error or
// unverified).
func (f *Fleet) Errors(h *Host) ([]sweep.Error, error) {
	var out []sweep.Error
	err := f.spool.each(h.errors, func(line []byte) error {
		var e sweep.Error
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("merge spool: %w", err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Environments returns the environments of the report whose findings are
// shown for h.
func (f *Fleet) Environments(h *Host) ([]sweep.Environment, error) {
	var out []sweep.Environment
	err := f.spool.each(h.shownEnv, func(line []byte) error {
		var e sweep.Environment
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("merge spool: %w", err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Report reads h's newest report whole again from its file, checking that
// it is still the file that was merged (SARIF and --embed need every field).
func (f *Fleet) Report(h *Host) (*sweep.Report, error) {
	if h.mem != nil {
		return h.mem, nil
	}
	data, err := f.ReportBytes(h)
	if err != nil {
		return nil, err
	}
	var r sweep.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("report %s: %w", h.Source, err)
	}
	return &r, nil
}

// ReportBytes is h's newest report file, checked against its digest.
func (f *Fleet) ReportBytes(h *Host) ([]byte, error) {
	if h.mem != nil {
		return json.Marshal(h.mem)
	}
	data, err := sweep.ReadInputLimit(h.Source, MaxReportSize)
	if err != nil {
		return nil, fmt.Errorf("report %s: %v", h.Source, unwrapPath(err))
	}
	if sha(data) != h.SHA256 {
		return nil, fmt.Errorf("report %s changed since it was merged (SHA-256 differs)", h.Source)
	}
	return bytes.TrimSpace(data), nil
}

// RotationKey identifies a credential across hosts: kind, provider, where it
// lives and the names it goes by.
func RotationKey(it sweep.RotationItem) string {
	return strings.Join([]string{it.Kind, it.Provider, it.Where, strings.Join(sortedUnique(it.Names), ",")}, "\x00")
}

// SystemRotationID is the id of one system's duty for a credential whose
// report item carries no id of its own.
func SystemRotationID(system, key string) string { return "ROT-" + shortHash(system+"\x00"+key) }

// RotationID is the fleet id of a credential ("ROT-" and 10 hex digits of
// its RotationKey).
func RotationID(it sweep.RotationItem) string { return "ROT-" + shortHash(RotationKey(it)) }

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
	for i := range f.Hosts {
		if v := f.Hosts[i].Verdict; VerdictRank(v) > VerdictRank(worst) {
			worst = v
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

// Worst is the highest finding severity in the hosts' newest reports ("" when none).
func (f *Fleet) Worst() sweep.Severity {
	var w sweep.Severity
	for i := range f.Hosts {
		if s := f.Hosts[i].worst; s.Rank() > w.Rank() {
			w = s
		}
	}
	return w
}

// PendingRotation counts credentials still to rotate.
func (f *Fleet) PendingRotation() int {
	n := 0
	for _, r := range f.Rotation {
		if r.Status != RotationDone {
			n++
		}
	}
	return n
}

// ExitCode follows the per-report codes: 1 when any host's newest report
// has a finding at or above failOn, or a REMEDIATED system's credentials
// are still to rotate; 3 when nothing was found but inputs were skipped, a
// host's coverage was incomplete or there were no usable reports; 0
// otherwise.
func (f *Fleet) ExitCode(failOn sweep.Severity) int {
	if w := f.Worst(); w != "" && w.Rank() >= failOn.Rank() {
		return sweep.ExitFindings
	}
	if f.ByVerdict[Remediated] != nil && f.PendingRotation() > 0 {
		return sweep.ExitFindings
	}
	if len(f.Hosts) == 0 || f.Gaps() > 0 {
		return sweep.ExitIncomplete
	}
	for i := range f.Hosts {
		if h := &f.Hosts[i]; h.Incomplete > 0 || h.Scan.Interrupted || !h.Scan.Coverage.Complete() {
			return sweep.ExitIncomplete
		}
	}
	return sweep.ExitClean
}

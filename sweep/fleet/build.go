package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	if h.cur == nil || d.ref.Finished.After(h.cur.ref.Finished) {
		h.cur = d
	}
	if bad(d.ref.Verdict) && (h.firstBad == nil || d.ref.Finished.Before(h.firstBad.ref.Finished)) {
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

// addRotation merges one report's rotation item into the union checklist,
// keyed by credential, with sets for its systems, users, reasons and
// exposing findings.
func (b *Builder) addRotation(system string, finished time.Time, it sweep.RotationItem) {
	host := it.Host
	if host == "" {
		host = system
	}
	key := RotationKey(it)
	a, ok := b.rot[key]
	if !ok {
		a = &rotAcc{r: Rotation{RotationItem: it}, hosts: map[string]struct{}{}, users: map[string]struct{}{},
			whys: map[string]struct{}{}, exposed: map[[2]string]struct{}{}}
		a.r.Host, a.r.User, a.r.Why, a.r.RotatedAt = "", "", "", nil
		a.r.ID = RotationID(it)
		a.r.Names = sortedUnique(it.Names)
		a.r.ExposedBy = nil
		b.rot[key] = a
		b.rotOrder = append(b.rotOrder, key)
	} else if priorityRank(it.Priority) < priorityRank(a.r.Priority) {
		a.r.Priority = it.Priority
	}
	if it.Why != "" {
		if _, ok := a.whys[it.Why]; !ok {
			a.whys[it.Why] = struct{}{}
			a.r.Why = strings.TrimPrefix(a.r.Why+"; "+it.Why, "; ")
		}
	}
	if it.User != "" {
		if _, ok := a.users[it.User]; !ok {
			a.users[it.User] = struct{}{}
			a.r.User = strings.TrimPrefix(a.r.User+", "+it.User, ", ")
		}
	}
	if _, ok := a.hosts[host]; !ok {
		a.hosts[host] = struct{}{}
		a.r.Hosts = append(a.r.Hosts, host)
	}
	for _, e := range it.ExposedBy {
		k := [2]string{system, e}
		if _, ok := a.exposed[k]; !ok {
			a.exposed[k] = struct{}{}
			a.exposedList = append(a.exposedList, k)
		}
	}
	if it.RotatedAt != nil {
		b.mark(it)
	} else if finished.After(a.lastExposed) {
		a.lastExposed = finished
	}
}

// mark records that a credential was rotated at it.RotatedAt.
func (b *Builder) mark(it sweep.RotationItem) {
	if it.RotatedAt == nil {
		return
	}
	key := RotationKey(it)
	if t := it.RotatedAt.UTC(); t.After(b.marks[key]) {
		b.marks[key] = t
	}
}

// FromReport is the fleet of one report (for rendering a single sweep with
// the fleet renderers).
func FromReport(r *sweep.Report) *Fleet {
	b := &Builder{Tool: r.Tool, Now: func() time.Time { return r.Scan.Finished }, memory: true}
	b.AddReport("", r)
	return b.Fleet()
}

// AddReport adds a report already in memory, read from source.
func (b *Builder) AddReport(source string, r *sweep.Report) {
	b.init()
	if VerdictRank(r.Verdict) == 0 || r.Summary == nil {
		r.Finalize()
	}
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
			ReportVerdict: cur.ref.Verdict, Scan: cur.scan, Tool: cur.tool, Stats: cur.stats, Incomplete: cur.incomplete,
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
		b.applyLearned(&h, st, shown)
		if len(st.history) > 1 {
			h.History = slices.Clone(st.history)
			sort.SliceStable(h.History, func(i, j int) bool { return h.History[i].Finished.Before(h.History[j].Finished) })
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
		return a.Name < c.Name
	})
	for i := range f.Hosts {
		h := &f.Hosts[i]
		f.ByVerdict[h.Verdict] = append(f.ByVerdict[h.Verdict], h.Name)
	}
	sort.SliceStable(f.Skipped, func(i, j int) bool { return f.Skipped[i].Path < f.Skipped[j].Path })
	many := len(f.Hosts) > 1
	for _, k := range b.rotOrder {
		a := b.rot[k]
		r := a.r
		r.ExposedBy = make([]string, 0, len(a.exposedList))
		for _, e := range a.exposedList {
			ref := e[1]
			if many {
				ref = e[0] + ": " + e[1]
			}
			r.ExposedBy = append(r.ExposedBy, ref)
		}
		if len(r.ExposedBy) == 0 {
			r.ExposedBy = nil
		}
		r.Status = RotationPending
		if t, ok := b.marks[k]; ok && !t.Before(a.lastExposed) {
			r.Status = RotationDone
			tt := t
			r.RotatedAt = &tt
		}
		f.Rotation = append(f.Rotation, r)
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
		return a.Where < c.Where
	})
	sort.SliceStable(f.Timeline, func(i, j int) bool {
		a, c := &f.Timeline[i], &f.Timeline[j]
		if !a.Time.Equal(c.Time) {
			return a.Time.Before(c.Time)
		}
		return a.Host < c.Host
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
	for i := range h.extra {
		if err := fn(&h.extra[i]); err != nil {
			return err
		}
	}
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
	for i := range h.extra {
		x := &h.extra[i]
		line, err := json.Marshal(indexOf(x))
		if err != nil {
			return err
		}
		if err := fn(line); err != nil {
			return err
		}
	}
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

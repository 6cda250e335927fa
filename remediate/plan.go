// Package remediate turns sweep reports into action: the credential
// rotation checklist (Plan) and the evidence-preserving removal of the
// dropper, its persistence and staging files that a host sweep reported
// (FromReport, Apply).
package remediate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// PlanOptions tune Plan and PlanAll.
type PlanOptions struct {
	// All lists inventoried credentials even where nothing exposed them.
	All bool
	// Exposing are the kinds of report that name what they exposed in
	// exposure findings (their targets declare exposure kinds: the
	// registry's targets.Exposing); the findings of every other kind
	// expose the credential inventory of the systems swept.
	Exposing []sweep.ScanKind
}

// Plan returns the rotation checklist for one report of any kind, the one
// place rotation items are made: every inventoried credential a finding
// exposed (host and image sweeps), why (which finding, when), its
// priority, the pack's rotation steps and the step that proves the old one
// is dead; and every credential an exposure finding names (GitHub and
// Kubernetes sweeps: Actions secrets, variables and GITHUB_TOKEN of
// exposed jobs, service account tokens, the secrets of namespaces).
// Call it on a finalised report: host items cite the exposing findings'
// ids.
func Plan(r *sweep.Report, p *iocs.Pack, o PlanOptions) []sweep.RotationItem {
	return PlanAll([]*sweep.Report{r}, p, o)
}

// PlanAll builds one checklist from many reports, de-duplicated by
// credential; the exposures of all reports are joined, so a secret two
// GitHub reports name is one item listing every run that exposed it.
//
// A report's own rotation list is re-derived from its findings, not
// copied; only a report without exposure findings (a GitHub or Kubernetes
// report written before they existed) has its saved items taken as they
// are.
func PlanAll(reports []*sweep.Report, p *iocs.Pack, o PlanOptions) []sweep.RotationItem {
	creds := map[string]*iocs.CredentialKind{}
	if p != nil {
		for i := range p.Credentials {
			creds[p.Credentials[i].ID] = &p.Credentials[i]
		}
	}
	acc := newAccumulator()
	for _, r := range reports {
		if r == nil {
			continue
		}
		if !slices.Contains(o.Exposing, r.Scan.Kind) {
			planReport(r, creds, o, acc)
		}
		if !hasExposures(r) {
			for _, it := range r.Rotation {
				acc.add(it)
			}
		}
	}
	planExposures(reports, p, acc)
	return gate(acc.items(), Guards(reports, p), p)
}

// Inventoried counts the inventoried credentials (credential findings) of
// the reports, exposed or not: what a checklist without --all leaves out.
func Inventoried(reports []*sweep.Report) int {
	n := 0
	for _, r := range reports {
		if r == nil {
			continue
		}
		for i := range r.Findings {
			if r.Findings[i].Category == creds.CatCredential {
				n++
			}
		}
	}
	return n
}

// unit is a scope of exposure: the host, or one image in an images report.
type unit struct {
	triggers  []sweep.Finding
	inventory []sweep.Finding
}

// exposure is what every item of a unit says about its triggers, computed
// once per unit (not once per credential).
type exposure struct {
	findings []sweep.Finding
	ids      []string // sorted, unique
	desc     string   // describeTriggers
}

func newExposure(ts []sweep.Finding) *exposure {
	if len(ts) == 0 {
		return &exposure{}
	}
	return &exposure{findings: ts, ids: triggerIDs(ts), desc: describeTriggers(ts)}
}

func planReport(r *sweep.Report, kinds map[string]*iocs.CredentialKind, o PlanOptions, acc *accumulator) {
	host := r.Scan.Hostname
	units := map[string]*unit{}
	get := func(k string) *unit {
		if units[k] == nil {
			units[k] = &unit{}
		}
		return units[k]
	}
	for _, f := range r.Findings {
		switch {
		case f.Category == creds.CatCredential:
			u := get(f.Location.Image)
			u.inventory = append(u.inventory, f)
		case f.Severity.Rank() >= sweep.High.Rank():
			u := get(f.Location.Image)
			u.triggers = append(u.triggers, f)
		}
	}
	keys := make([]string, 0, len(units))
	for k := range units {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, image := range keys {
		u := units[image]
		hostName := host
		if image != "" {
			hostName = "image " + image
		}
		if len(u.triggers) == 0 && !o.All {
			continue
		}
		users, systemWide := triggerUsers(u.triggers)
		ex := newExposure(u.triggers)
		envByUser := map[string][]sweep.Finding{}
		for _, f := range u.inventory {
			if f.Location.PID != 0 {
				envByUser[f.User+"\x00"+indID(f)] = append(envByUser[f.User+"\x00"+indID(f)], f)
				continue
			}
			cr := kinds[indID(f)]
			it := baseItem(cr, f)
			it.Host = hostName
			it.User = f.User
			it.Where = f.Location.Path
			if f.Location.Image != "" {
				it.Where = f.Location.Image + ":" + f.Location.Path
			}
			it.Names = f.Evidence.Details
			scopeItem(&it, f, ex, users, systemWide)
			it.ID = itemID(hostName, indID(f), it.Where, it.User)
			acc.add(it)
		}
		// Environment variables: the stealer dumped the whole environment of
		// every Python process it ran in, so the environment is in scope for
		// every user a trigger ran as even when no process is running now.
		envKeys := make([]string, 0, len(envByUser))
		for k := range envByUser {
			envKeys = append(envKeys, k)
		}
		sort.Strings(envKeys)
		seenEnvUser := map[string]bool{}
		for _, k := range envKeys {
			fs := envByUser[k]
			f0 := fs[0]
			cr := kinds[indID(f0)]
			it := baseItem(cr, f0)
			it.Host, it.User, it.Kind = hostName, f0.User, "env"
			var pids []string
			for _, f := range fs {
				it.Names = appendUnique(it.Names, f.Evidence.Details...)
				pids = append(pids, fmt.Sprint(f.Location.PID))
			}
			sort.Strings(it.Names)
			it.Where = "environment of running processes (pid " + strings.Join(pids, ", ") + ")"
			scopeItem(&it, f0, ex, users, systemWide)
			it.ID = itemID(hostName, indID(f0), "environment", it.User)
			acc.add(it)
			seenEnvUser[f0.User] = true
		}
		if len(u.triggers) == 0 {
			continue
		}
		if cr := firstEnvCred(kinds); cr != nil {
			tu := slices.Sorted(func(yield func(string) bool) {
				for u := range users {
					if !yield(u) {
						return
					}
				}
			})
			if systemWide && len(tu) == 0 {
				tu = []string{"root"}
			}
			for _, user := range tu {
				it := baseItem(cr, sweep.Finding{})
				it.Host, it.User = hostName, user
				it.Where = "environment of every Python process run by " + user + " while the bad version was installed"
				it.Why = "exposed by " + ex.desc + ": the stealer dumps the whole environment of the Python process it runs in"
				it.ExposedBy = slices.Clone(ex.ids)
				it.ID = itemID(hostName, cr.ID, "python-environment", user)
				acc.add(it)
			}
		}
	}
}

func indID(f sweep.Finding) string {
	if f.Indicator == nil {
		return ""
	}
	return f.Indicator.ID
}

func firstEnvCred(creds map[string]*iocs.CredentialKind) *iocs.CredentialKind {
	var best *iocs.CredentialKind
	for _, c := range creds {
		if c.Kind == "env" && (best == nil || c.ID < best.ID) {
			best = c
		}
	}
	return best
}

// baseItem fills what the pack says about a credential family.
func baseItem(cr *iocs.CredentialKind, f sweep.Finding) sweep.RotationItem {
	if cr == nil {
		kind := ""
		if f.Indicator != nil {
			kind = f.Indicator.Kind
		}
		return sweep.RotationItem{Priority: "P2", Kind: kind, Provider: "unknown", Title: f.Title,
			Steps:  []string{"Revoke this credential at its provider and issue a new one."},
			Verify: "The old credential is rejected by its provider."}
	}
	return sweep.RotationItem{Priority: cr.Priority, Kind: cr.Kind, Provider: cr.Provider, Title: cr.Title,
		Steps: append([]string(nil), cr.Rotate...), Verify: cr.Verify}
}

// triggerUsers returns the users the exposing findings belong to, and
// whether one ran system-wide (root, a system environment, unknown user).
func triggerUsers(ts []sweep.Finding) (map[string]bool, bool) {
	users := map[string]bool{}
	system := false
	for _, t := range ts {
		switch t.User {
		case "", "root":
			system = true
		default:
			users[t.User] = true
		}
	}
	return users, system
}

// scopeItem sets Why, ExposedBy and the priority of an inventoried
// credential: directly in scope when a trigger ran as its owner, as root,
// system-wide, or the file is world-readable; otherwise in scope only if
// the triggering user could read it (priority lowered by one).
func scopeItem(it *sweep.RotationItem, f sweep.Finding, ex *exposure, users map[string]bool, system bool) {
	if len(ex.findings) == 0 {
		it.Why = "inventory only: nothing in this report exposed it"
		it.Priority = "P3"
		return
	}
	it.ExposedBy = slices.Clone(ex.ids)
	direct := system || users[f.User] || worldReadable(f.Evidence.Mode)
	if direct {
		who := f.User
		if who == "" {
			who = "the system"
		}
		it.Why = "exposed by " + ex.desc + "; readable by the user it ran as (" + who + ")"
		if worldReadable(f.Evidence.Mode) && !users[f.User] && !system {
			it.Why = "exposed by " + ex.desc + "; the file is world-readable (" + f.Evidence.Mode + ")"
		}
		return
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for u := range users {
			if !yield(u) {
				return
			}
		}
	})
	it.Why = "on the same host as " + ex.desc + " (ran as " + strings.Join(names, ", ") +
		"): in scope if that user could read it (mode " + orDash(f.Evidence.Mode) + ", owner " + orDash(f.Evidence.Owner) + ")"
	it.Priority = lower(it.Priority)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// worldReadable reads the "other read" bit of an fs.FileMode string.
func worldReadable(mode string) bool {
	return len(mode) >= 10 && mode[len(mode)-3] == 'r'
}

func lower(p string) string {
	switch p {
	case "P1":
		return "P2"
	case "P2":
		return "P3"
	}
	return p
}

// triggerIDs returns the findings' ids, sorted and de-duplicated.
func triggerIDs(ts []sweep.Finding) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.ID != "" {
			out = append(out, t.ID)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// describeTriggers names up to three exposing findings and when they
// happened; findings describing the same install (its dist-info, its .pth)
// are named once, with the install time when one is known.
func describeTriggers(ts []sweep.Finding) string {
	type keyed struct {
		rank    int
		base, w string
	}
	sorted := make([]keyed, len(ts))
	for i, t := range ts {
		base, w := describeTrigger(t)
		sorted[i] = keyed{t.Severity.Rank(), base, w}
	}
	slices.SortStableFunc(sorted, func(a, b keyed) int {
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		return strings.Compare(a.base, b.base)
	})
	var order []string
	when := map[string]string{}
	for _, t := range sorted {
		base, w := t.base, t.w
		old, seen := when[base]
		if !seen {
			order = append(order, base)
		}
		// An event time ("installed ...") beats a file time.
		if !seen || (old == "" || strings.HasPrefix(old, "file modified")) && w != "" && !strings.HasPrefix(w, "file modified") {
			when[base] = w
		}
	}
	var parts []string
	for _, b := range order {
		if w := when[b]; w != "" {
			b += " (" + w + ")"
		}
		parts = append(parts, b)
	}
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("%d more findings", len(parts)-3))
	}
	return strings.Join(parts, "; ")
}

// describeTrigger: "litellm 1.82.8 installed in /home/alice/.venv" and
// "installed 2026-03-24 11:02Z", or the finding's title and location.
func describeTrigger(f sweep.Finding) (string, string) {
	var s string
	verb := "at"
	if f.Evidence.Package != "" && f.Evidence.Version != "" && f.Environment != "" {
		s = fmt.Sprintf("%s %s installed in %s", f.Evidence.Package, f.Evidence.Version, f.Environment)
		verb = "installed"
	} else {
		s = f.Title
		if loc := f.Location.String(); loc != "" {
			s += " (" + loc + ")"
		}
	}
	switch {
	case f.Evidence.Time != nil:
		return s, verb + " " + f.Evidence.Time.UTC().Format("2006-01-02 15:04Z")
	case f.Evidence.ModTime != nil:
		return s, "file modified " + f.Evidence.ModTime.UTC().Format("2006-01-02 15:04Z")
	}
	return s, ""
}

func itemID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "ROT-" + strings.ToUpper(hex.EncodeToString(sum[:5]))
}

// appendUnique appends the strings of b not already in a (or earlier in
// b), in order: a set lookup per string, not a scan of a.
func appendUnique(a []string, b ...string) []string {
	if len(b) == 0 {
		return a
	}
	seen := make(map[string]struct{}, len(a)+len(b))
	for _, x := range a {
		seen[x] = struct{}{}
	}
	for _, x := range b {
		if _, ok := seen[x]; !ok {
			seen[x] = struct{}{}
			a = append(a, x)
		}
	}
	return a
}

// accumulator de-duplicates items by ID, merging names, reasons and sources.
type accumulator struct {
	byID  map[string]*sweep.RotationItem
	order []string
}

func newAccumulator() *accumulator { return &accumulator{byID: map[string]*sweep.RotationItem{}} }

func (a *accumulator) add(it sweep.RotationItem) {
	if it.ID == "" {
		it.ID = itemID(it.Host, it.Kind, it.Provider, it.Title, it.Where, it.User)
	}
	old, ok := a.byID[it.ID]
	if !ok {
		cp := it
		cp.Names = append([]string(nil), it.Names...)
		cp.ExposedBy = append([]string(nil), it.ExposedBy...)
		a.byID[it.ID] = &cp
		a.order = append(a.order, it.ID)
		return
	}
	old.Names = appendUnique(old.Names, it.Names...)
	sort.Strings(old.Names)
	old.ExposedBy = appendUnique(old.ExposedBy, it.ExposedBy...)
	sort.Strings(old.ExposedBy)
	if rank(it.Priority) < rank(old.Priority) {
		old.Priority = it.Priority
	}
	if it.Why != "" && !strings.Contains(old.Why, it.Why) {
		if old.Why == "" || strings.HasPrefix(old.Why, "inventory only") {
			old.Why = it.Why
		} else if !strings.HasPrefix(it.Why, "inventory only") {
			old.Why += "; also " + it.Why
		}
	}
}

func rank(p string) int {
	switch p {
	case "P0":
		return 0
	case "P1":
		return 1
	case "P2":
		return 2
	case "P3":
		return 3
	}
	return 4
}

func (a *accumulator) items() []sweep.RotationItem {
	out := make([]sweep.RotationItem, 0, len(a.order))
	for _, id := range a.order {
		out = append(out, *a.byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if rank(x.Priority) != rank(y.Priority) {
			return rank(x.Priority) < rank(y.Priority)
		}
		for _, c := range [][2]string{{x.Host, y.Host}, {x.User, y.User}, {x.Kind, y.Kind}, {x.Provider, y.Provider}, {x.Where, y.Where}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return x.ID < y.ID
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

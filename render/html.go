package render

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// HTML writes one sweep as a self-contained HTML page: a single report is
// rendered as a fleet of one.
func HTML(w io.Writer, r *sweep.Report, o Options) error {
	return writeHTML(w, fleet.FromReport(r), true)
}

// FleetHTML writes a fleet report as a self-contained HTML page: summary,
// chart of dated events over the exposure window, rotation checklist,
// per-system drill-down, merged timeline and skipped inputs. The page loads
// nothing: CSS, script and the SVG chart are inline, and a Content Security
// Policy forbids any fetch.
func FleetHTML(w io.Writer, f *fleet.Fleet, o Options) error {
	return writeHTML(w, f, false)
}

// writeHTML copies the fleet with escape.Text (controls, bidirectional
// overrides and invalid UTF-8 made visible) before html/template escapes it
// for its context, so every string from a report takes the same two steps.
func writeHTML(w io.Writer, f *fleet.Fleet, single bool) error {
	return writeHTMLProbe(w, f, single, "")
}

// writeHTMLProbe is writeHTML with probe appended to the page's script
// (and to the hash its Content Security Policy allows): tests use it to
// measure the laid-out page from inside.
//
// The fleet is copied with escape.Text (controls, bidirectional overrides
// and invalid UTF-8 made visible) before html/template escapes it for its
// context, and so is every finding, error and environment read back from
// the merge's spool: every string from a report takes the same two steps.
func writeHTMLProbe(w io.Writer, f *fleet.Fleet, single bool, probe string) error {
	// The two lists that grow with the fleet (each credential's systems,
	// every event) are escaped item by item as the page takes them, not
	// copied whole.
	g := *f
	g.Rotation, g.Timeline = nil, nil
	e := escape.Copy(&g, escape.Text)
	e.Rotation, e.Timeline = f.Rotation, f.Timeline
	v, err := buildView(e, single, htmlScript+probe)
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, v)
}

// pageSize is how many systems the systems table shows per page.
const pageSize = 20

// maxDrill caps the systems drilled into on the page (worst first): the
// page of a 10,000-system fleet stays a page; the systems table lists
// every system, and each one's report has its findings.
const maxDrill = 250

// maxTimeline caps the timeline table's rows on the page.
const maxTimeline = 2000

// listCap caps per-credential lists (systems, exposing findings) on the
// page; the JSON report has them whole.
const listCap = 100

type htmlView struct {
	Title string
	// Guard says first which systems carry an armed dead-man switch
	// (GuardHosts links to each; MoreGuards counts those beyond listCap).
	Guard      string
	GuardHosts []guardHostView
	MoreGuards int
	Single     bool
	Verdict    string
	VClass     string
	Sentence   string
	Generated  string
	Tool       string
	Window     string
	HostCounts []countView
	SevCounts  []countView
	Systems    []systemRow
	NeedAction int
	PageSize   int
	Chart      *chartView
	Rotation   []rotationView
	Pending    int
	Observed   []string
	Hosts      []hostView
	Timeline   []eventView
	Skipped    []fleet.Skip
	Findings   int
	MoreDrill  int // systems not drilled into (maxDrill)
	// TimelineMore counts the fleet's events beyond the page's table
	// (maxTimeline, the earliest kept); the chart has them all.
	TimelineMore  int
	TimelineTotal int
	Script        template.JS
	CSS           template.CSS
	CSP           string
}

type guardHostView struct {
	Name, Anchor, Guards string
	Running              bool
}

type countView struct {
	Label string
	Class string
	N     int
}

type systemRow struct {
	Anchor, Name, Kind, Verdict, Finished, Source string
	Crit, High, Med, Unchecked                    int
	Action                                        bool   // needs action (needsAction)
	Guard                                         string // its armed dead-man switches
	Off                                           bool   // not on the first page
}

type rotationView struct {
	ID, Priority, Title, Where, Names, Why, Verify, User, Status, RotatedAt string
	Shared                                                                  string
	Hosts                                                                   []string
	HostCount, MoreHosts                                                    int
	// Systems are the per-system boxes (at most listCap; the rest are
	// counted in MoreSystems and MorePending).
	Systems                   []systemDutyView
	Pending                   int
	MoreSystems, MorePending  int
	Steps                     []string
	ExposedBy                 []string
	ExposedCount, MoreExposed int
	Done                      bool
}

type systemDutyView struct {
	Host, ID, RotatedAt string
	Done                bool
}

type hostView struct {
	Anchor     string
	Name       string
	Kind       string
	Verdict    string
	Sentence   string
	Source     string
	Target     string
	Scanned    string
	Open       bool
	Findings   []findingView
	Info       int
	Errors     []sweep.Error
	Skips      int
	Envs       []sweep.Environment
	Stats      string
	Incomplete int
	History    string
}

type findingView struct {
	ID, Severity, Category, Title, Location, Evidence, User, Indicator, Confidence string
	Details                                                                        []string
	Sources                                                                        []linkView
}

type linkView struct {
	N   int
	URL string
}

type eventView struct {
	Time, Host, Event, Finding, Severity string
	InWindow                             bool
}

type chartView struct {
	Width, Height   int
	Left, PlotRight float64
	Top, AxisY      float64
	PlotH           float64
	WindowX         float64
	WindowW         float64
	HasWindow       bool
	WindowLabel     string
	Points          []chartPoint
	Ticks           []chartTick
	Outside         int
	Events          int
	MaxStack        int
	Span            string
}

type chartPoint struct {
	X, Y  float64
	R     float64
	Class string
	Title string
}

type chartTick struct {
	X     float64
	Label string
	Major bool
}

func verdictClass(v sweep.Verdict) string {
	switch v {
	case sweep.Compromised:
		return "compromised"
	case sweep.Exposed:
		return "exposed"
	case sweep.AtRisk:
		return "at-risk"
	case sweep.Incomplete:
		return "incomplete"
	case fleet.Remediated:
		return "remediated"
	}
	return "clean"
}

// needsAction: the systems the first screen lists: every verdict but CLEAN
// and REMEDIATED, and a REMEDIATED system with a credential still to
// rotate (merge exits 1 for each of them).
func needsAction(v sweep.Verdict, pendingRotation bool) bool {
	switch v {
	case sweep.Clean:
		return false
	case fleet.Remediated:
		return pendingRotation
	}
	return true
}

func buildView(f *fleet.Fleet, single bool, script string) (*htmlView, error) {
	v := &htmlView{
		Single:    single,
		Verdict:   string(f.Verdict),
		VClass:    verdictClass(f.Verdict),
		Generated: f.Generated.UTC().Format("2006-01-02 15:04 UTC"),
		Tool:      strings.TrimSpace(fmt.Sprintf("%s %s, IOC pack %s %s", f.Tool.Name, f.Tool.Version, f.Tool.PackID, f.Tool.PackVersion)),
		Skipped:   f.Skipped,
		PageSize:  pageSize,
		Script:    template.JS(script),
		CSS:       template.CSS(htmlCSS),
	}
	sum := sha256.Sum256([]byte(script))
	v.CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
	if single && len(f.Hosts) == 1 {
		h := &f.Hosts[0]
		v.Title = fmt.Sprintf("litesweep %s sweep of %s: %s", h.Scan.Kind, scanTarget(&sweep.Report{Scan: h.Scan}), h.Verdict)
		v.Guard = guardsSentence(h.Guards)
		v.Sentence = HostSentence(h)
		if c := h.Scan.Coverage.String(); c != "" {
			v.Title += "; " + c
			v.Sentence += " Coverage: " + c + "."
		}
	} else {
		v.Title = fmt.Sprintf("litesweep fleet report (%d systems): %s", len(f.Hosts), f.Verdict)
		v.Guard = FleetGuardSentence(f)
		v.Sentence = FleetSentence(f)
		for _, vd := range fleet.VerdictOrder {
			v.HostCounts = append(v.HostCounts, countView{Label: string(vd), Class: verdictClass(vd), N: len(f.ByVerdict[vd])})
		}
	}
	for _, s := range []sweep.Severity{sweep.Critical, sweep.High, sweep.Medium, sweep.Low, sweep.Info} {
		v.SevCounts = append(v.SevCounts, countView{Label: string(s), Class: "sev-" + string(s), N: f.Summary[string(s)]})
	}
	if f.Window != nil {
		v.Window = fmt.Sprintf("%s .. %s (%s)", f.Window.Start.UTC().Format("2006-01-02 15:04Z"), f.Window.End.UTC().Format("2006-01-02 15:04Z"), f.Window.Source)
	}
	for _, o := range f.Observations {
		v.Observed = append(v.Observed, observationLine(o))
	}
	pendingOn := map[string]bool{} // systems with a credential still to rotate
	for _, raw := range f.Rotation {
		it := escape.Copy(raw, escape.Text)
		rv := rotationView{ID: it.ID, Priority: it.Priority, Title: it.Title, Where: it.Where,
			Names: strings.Join(it.Names, ", "), Why: it.Why, Verify: it.Verify, User: it.User, Steps: it.Steps, Shared: it.Shared,
			Status: it.Status, Done: it.Status == fleet.RotationDone, HostCount: len(it.Hosts), Pending: it.Pending}
		rv.Hosts, rv.MoreHosts = capList(it.Hosts)
		var exposed []string
		for i, sd := range it.Systems {
			if sd.Status != fleet.RotationDone {
				pendingOn[sd.Host] = true
			}
			for _, id := range sd.ExposedBy {
				if len(exposed) < listCap {
					if len(it.Systems) > 1 {
						id = sd.Host + ": " + id
					}
					exposed = append(exposed, id)
				}
				rv.ExposedCount++
			}
			if i >= listCap {
				rv.MoreSystems++
				if sd.Status != fleet.RotationDone {
					rv.MorePending++
				}
				continue
			}
			dv := systemDutyView{Host: sd.Host, ID: sd.ID, Done: sd.Status == fleet.RotationDone}
			if sd.RotatedAt != nil {
				dv.RotatedAt = sd.RotatedAt.UTC().Format("2006-01-02 15:04Z")
			}
			rv.Systems = append(rv.Systems, dv)
		}
		rv.ExposedBy, rv.MoreExposed = exposed, rv.ExposedCount-len(exposed)
		if it.RotatedAt != nil {
			rv.RotatedAt = it.RotatedAt.UTC().Format("2006-01-02 15:04Z")
		}
		if !rv.Done {
			v.Pending++
		}
		v.Rotation = append(v.Rotation, rv)
	}
	drill := 0
	for i := range f.Hosts {
		h := &f.Hosts[i]
		row := systemRow{Name: h.Name, Kind: h.Kind, Verdict: string(h.Verdict), Source: h.Source,
			Crit: h.Summary["critical"], High: h.Summary["high"], Med: h.Summary["medium"], Unchecked: h.Incomplete}
		if !h.Scan.Finished.IsZero() {
			row.Finished = h.Scan.Finished.UTC().Format("2006-01-02 15:04Z")
		}
		if len(h.Guards) > 0 {
			var names []string
			running := false
			for _, g := range h.Guards {
				names = append(names, g.Name)
				running = running || g.Running
			}
			row.Guard = strings.Join(names, ", ")
			if len(v.GuardHosts) < listCap {
				v.GuardHosts = append(v.GuardHosts, guardHostView{Name: h.Name, Guards: row.Guard, Running: running})
			} else {
				v.MoreGuards++
			}
		}
		if needsAction(h.Verdict, pendingOn[h.Name]) {
			v.NeedAction++
			row.Action = true
		}
		row.Off = true // set below for the first page
		// A fleet drills down into every system that is not CLEAN; a
		// single report shows its one system whole.
		if (single || h.Verdict != sweep.Clean || h.Incomplete > 0) && drill >= maxDrill {
			v.MoreDrill++
		} else if single || h.Verdict != sweep.Clean || h.Incomplete > 0 {
			hv, err := buildHost(f, i, single)
			if err != nil {
				return nil, err
			}
			row.Anchor = hv.Anchor
			for j := range v.GuardHosts {
				if v.GuardHosts[j].Name == h.Name && v.GuardHosts[j].Anchor == "" {
					v.GuardHosts[j].Anchor = hv.Anchor
				}
			}
			v.Hosts = append(v.Hosts, hv)
			v.Findings += len(hv.Findings)
			drill++
		}
		v.Systems = append(v.Systems, row)
	}
	// The first page as the script paints it (systems needing action, or
	// all when none does), so a 10,000-system page is not laid out whole
	// before the script runs.
	shown := 0
	for i := range v.Systems {
		if (v.NeedAction == 0 || v.Systems[i].Action) && shown < pageSize {
			v.Systems[i].Off = false
			shown++
		}
	}
	// A few drill-downs open themselves; many stay collapsed (the systems
	// table links to them and opens the one followed).
	for i := range v.Hosts {
		v.Hosts[i].Open = single || (drill <= 6 && fleet.VerdictRank(sweep.Verdict(v.Hosts[i].Verdict)) >= fleet.VerdictRank(sweep.Exposed))
	}
	v.TimelineTotal = len(f.Timeline)
	for i, e := range f.Timeline {
		if i >= maxTimeline {
			v.TimelineMore = len(f.Timeline) - maxTimeline
			break
		}
		e = escape.Copy(e, escape.Text)
		v.Timeline = append(v.Timeline, eventView{Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Host: e.Host, Event: e.Event,
			Finding: e.Finding, Severity: string(e.Severity), InWindow: e.InWindow})
	}
	v.Chart = buildChart(f)
	return v, nil
}

func capList(s []string) ([]string, int) {
	if len(s) > listCap {
		return s[:listCap], len(s) - listCap
	}
	return s, 0
}

func buildHost(f *fleet.Fleet, i int, single bool) (hostView, error) {
	h := &f.Hosts[i]
	st := h.Stats
	hv := hostView{
		Anchor:   fmt.Sprintf("system-%d", i+1),
		Name:     h.Name,
		Kind:     h.Kind,
		Verdict:  string(h.Verdict),
		Sentence: HostSentence(h),
		Source:   h.Source,
		Target:   scanTarget(&sweep.Report{Scan: h.Scan}),
		Stats: fmt.Sprintf("%d directories, %d files seen, %d read (%s) in %s", st.DirsRead, st.FilesSeen,
			st.FilesRead, humanBytes(st.BytesRead), humanMS(st.DurationMS)),
		Incomplete: h.Incomplete,
		Skips:      h.NotWalked,
	}
	if h.FirstBad != nil {
		hv.History = historyLine(h)
	}
	if !h.Scan.Finished.IsZero() {
		hv.Scanned = h.Scan.Finished.UTC().Format("2006-01-02 15:04Z")
	}
	if st.APICalls > 0 {
		hv.Stats += fmt.Sprintf(", %d API calls", st.APICalls)
	}
	envs, err := f.Environments(h)
	if err != nil {
		return hv, err
	}
	hv.Envs = escape.Copy(envs, escape.Text)
	errs, err := f.Errors(h)
	if err != nil {
		return hv, err
	}
	hv.Errors = escape.Copy(errs, escape.Text)
	err = f.Findings(h, func(fdp *sweep.Finding) error {
		fd := escape.Copy(*fdp, escape.Text)
		// In a fleet, info findings (the credential inventory) are counted,
		// not listed: they are in the system's report.
		if !single && fd.Severity.Rank() <= sweep.Info.Rank() {
			hv.Info++
			return nil
		}
		fv := findingView{ID: fd.ID, Severity: string(fd.Severity), Category: string(fd.Category), Title: fd.Title,
			Location: fd.Location.String(), Evidence: EvidenceLine(fd), User: fd.User, Details: fd.Evidence.Details}
		if fd.Indicator != nil {
			fv.Indicator = fd.Indicator.ID
			fv.Confidence = fd.Indicator.Confidence
			for _, s := range fd.Indicator.Sources {
				// Sources are plain links a reader may follow; nothing is loaded.
				if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
					fv.Sources = append(fv.Sources, linkView{N: len(fv.Sources) + 1, URL: s})
				}
			}
		}
		hv.Findings = append(hv.Findings, fv)
		return nil
	})
	return hv, err
}

// buildChart draws every dated event on one time axis: x is the time over
// the exposure window (widened to the events within two weeks of it;
// farther ones are drawn at the edge), events that fall on the same few
// pixels are stacked upwards, so none hides another.
func buildChart(f *fleet.Fleet) *chartView {
	const (
		width  = 1000
		left   = 40.0
		right  = 24.0
		top    = 10.0
		bin    = 6.0   // px: events closer than this stack
		step   = 7.0   // px between stacked events
		maxH   = 220.0 // px: plot height cap; taller stacks are packed closer
		radius = 3.0
	)
	var evs []fleet.Event
	for _, e := range f.Timeline {
		if !e.Time.IsZero() {
			evs = append(evs, e)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	var t0, t1 time.Time
	extend := func(t time.Time) {
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t1.IsZero() || t.After(t1) {
			t1 = t
		}
	}
	var lo, hi time.Time
	if w := f.Window; w != nil {
		extend(w.Start)
		extend(w.End)
		lo, hi = w.Start.Add(-14*24*time.Hour), w.End.Add(14*24*time.Hour)
	}
	for _, e := range evs {
		if f.Window == nil || (!e.Time.Before(lo) && !e.Time.After(hi)) {
			extend(e.Time)
		}
	}
	if !t1.After(t0) {
		t0, t1 = t0.Add(-time.Hour), t1.Add(time.Hour)
	}
	pad := t1.Sub(t0) / 25
	t0, t1 = t0.Add(-pad), t1.Add(pad)
	span := float64(t1.Sub(t0))
	x := func(t time.Time) float64 {
		return math.Round((left+float64(t.Sub(t0))/span*(width-right-left))*10) / 10
	}
	c := &chartView{Width: width, Left: left, PlotRight: width - right, Top: top, Events: len(evs)}
	// Worst first, so each stack has its most severe events at the bottom.
	sort.SliceStable(evs, func(i, j int) bool {
		if a, b := evs[i].Severity.Rank(), evs[j].Severity.Rank(); a != b {
			return a > b
		}
		return evs[i].Time.Before(evs[j].Time)
	})
	type placed struct {
		x     float64
		level int
		e     fleet.Event
		out   bool
	}
	stacks := map[int]int{}
	var ps []placed
	for _, e := range evs {
		at, out := e.Time, false
		if at.Before(t0) {
			at, out = t0, true
		} else if at.After(t1) {
			at, out = t1, true
		}
		px := x(at)
		b := int(px / bin)
		level := stacks[b]
		stacks[b]++
		if stacks[b] > c.MaxStack {
			c.MaxStack = stacks[b]
		}
		ps = append(ps, placed{x: float64(b)*bin + bin/2, level: level, e: e, out: out})
	}
	dy := step
	if float64(c.MaxStack)*dy > maxH {
		dy = maxH / float64(c.MaxStack)
	}
	plotH := math.Max(80, float64(c.MaxStack)*dy+radius*2)
	c.AxisY = math.Round((top+plotH)*10) / 10
	c.PlotH = c.AxisY - top
	c.Height = int(c.AxisY) + 34
	for _, p := range ps {
		e := p.e
		title := e.Time.UTC().Format("2006-01-02 15:04Z") + " " + escape.Text(e.Host) + ": " + escape.Text(e.Event)
		if p.out {
			c.Outside++
			title += " (outside the axis, drawn at its edge)"
		}
		cls := "pt sev-" + string(e.Severity)
		if e.Severity == "" {
			cls = "pt sev-info"
		}
		if e.InWindow {
			cls += " in-window"
		}
		y := c.AxisY - radius - 1 - float64(p.level)*dy
		c.Points = append(c.Points, chartPoint{X: math.Round(p.x*10) / 10, Y: math.Round(y*10) / 10, R: radius, Class: cls, Title: title})
	}
	if f.Window != nil {
		c.HasWindow = true
		c.WindowX = x(f.Window.Start)
		c.WindowW = math.Max(1, x(f.Window.End)-c.WindowX)
		c.WindowLabel = "exposure window " + f.Window.Start.UTC().Format("2006-01-02 15:04Z") + " .. " + f.Window.End.UTC().Format("2006-01-02 15:04Z")
	}
	c.Ticks, c.Span = timeTicks(t0, t1, x)
	return c
}

// timeTicks places dated ticks at round UTC times: at most about eight,
// every day boundary labelled with its date.
func timeTicks(t0, t1 time.Time, x func(time.Time) float64) ([]chartTick, string) {
	steps := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour}
	d := t1.Sub(t0)
	st := steps[len(steps)-1]
	for _, s := range steps {
		if d/s <= 8 {
			st = s
			break
		}
	}
	var out []chartTick
	first := t0.UTC().Truncate(st)
	if first.Before(t0) {
		first = first.Add(st)
	}
	prevDay := ""
	for t := first; !t.After(t1); t = t.Add(st) {
		day := t.Format("Jan 2")
		label := t.Format("15:04")
		major := false
		if day != prevDay || st >= 24*time.Hour {
			label = t.Format("Jan 2 15:04")
			if st >= 24*time.Hour {
				label = day
			}
			major = true
			prevDay = day
		}
		out = append(out, chartTick{X: x(t), Label: label, Major: major})
	}
	return out, fmt.Sprintf("%s .. %s UTC", t0.UTC().Format("2006-01-02 15:04"), t1.UTC().Format("2006-01-02 15:04"))
}

// htmlScript is the page's only script. The Content Security Policy allows
// exactly this text (by hash) and nothing else.
const htmlScript = `(function(){
"use strict";
function all(sel){return Array.prototype.slice.call(document.querySelectorAll(sel));}
function byId(id){return document.getElementById(id);}
/* Findings filter. */
var rows=all("tr.finding"), box=byId("filter"), shown=byId("shown");
function apply(){
  var q=(box&&box.value||"").toLowerCase(), n=0;
  rows.forEach(function(r){var m=!q||r.textContent.toLowerCase().indexOf(q)>=0; r.hidden=!m; if(m){n++;}});
  if(shown){shown.textContent=n+" of "+rows.length+" findings shown";}
  all("details.system").forEach(function(d){
    var c=d.querySelector(".shown-count"); if(!c){return;}
    var fr=d.querySelectorAll("tr.finding"), k=0;
    fr.forEach(function(r){if(!r.hidden){k++;}});
    c.textContent=k+"/"+fr.length;
  });
}
if(box){box.addEventListener("input",apply);}
function setAll(open){all("details.system").forEach(function(d){d.open=open;});}
var ex=byId("expand"), co=byId("collapse");
if(ex){ex.addEventListener("click",function(){setAll(true);});}
if(co){co.addEventListener("click",function(){setAll(false);});}
/* Rotation checklist: one box per system's duty (one per credential when
   it is provably the same everywhere). */
var checks=all("input.rotated"), done=byId("rotated");
function count(){
  var k=0; checks.forEach(function(c){if(c.checked){k++;}});
  if(done){done.textContent=k+" of "+checks.length+" rotated";}
  all("li.rotation").forEach(function(li){
    var p=li.querySelector(".pending"); if(!p){return;}
    var n=parseInt(li.getAttribute("data-more-pending")||"0",10), t=parseInt(li.getAttribute("data-systems")||"0",10);
    li.querySelectorAll("input.rotated").forEach(function(c){if(!c.checked){n++;}});
    p.textContent=n?(n+" of "+t+(t===1?" system":" systems")+" pending"):"rotated on every system";
  });
}
checks.forEach(function(c){c.addEventListener("change",count);});
/* Systems table: filter by verdict and text, one page at a time. */
var sys=all("tr.sys"), sq=byId("sys-filter"), sv=byId("sys-verdict"), page=0, size=parseInt((byId("systems-table")||{dataset:{}}).dataset.pageSize||"20",10);
function match(r){
  var v=sv?sv.value:"", q=(sq&&sq.value||"").toLowerCase(), rv=r.getAttribute("data-verdict");
  if(v==="action"&&r.getAttribute("data-action")!=="1"){return false;}
  if(v&&v!=="action"&&rv!==v){return false;}
  return !q||r.textContent.toLowerCase().indexOf(q)>=0;
}
function paint(){
  var hit=sys.filter(match), pages=Math.max(1,Math.ceil(hit.length/size));
  if(page>=pages){page=pages-1;} if(page<0){page=0;}
  sys.forEach(function(r){r.hidden=true; r.classList.remove("off");});
  hit.slice(page*size,(page+1)*size).forEach(function(r){r.hidden=false;});
  var info=byId("sys-page");
  if(info){info.textContent=hit.length?("systems "+(page*size+1)+"–"+Math.min(hit.length,(page+1)*size)+" of "+hit.length+" (page "+(page+1)+" of "+pages+")"):"no system matches";}
  var p=byId("sys-prev"), n=byId("sys-next"); if(p){p.disabled=page<=0;} if(n){n.disabled=page>=pages-1;}
  all(".tile[data-filter]").forEach(function(t){t.classList.toggle("on",!!sv&&t.getAttribute("data-filter")===sv.value);});
}
if(sq){sq.addEventListener("input",function(){page=0;paint();});}
if(sv){sv.addEventListener("change",function(){page=0;paint();});}
var pp=byId("sys-prev"), pn=byId("sys-next");
if(pp){pp.addEventListener("click",function(){page--;paint();});}
if(pn){pn.addEventListener("click",function(){page++;paint();});}
all(".tile[data-filter]").forEach(function(t){t.addEventListener("click",function(){if(sv){sv.value=t.getAttribute("data-filter");page=0;paint();}});});
/* Following a link to a system opens its drill-down. */
function openTarget(){var id=location.hash.slice(1), d=id&&byId(id); if(d&&d.tagName==="DETAILS"){d.open=true;}}
window.addEventListener("hashchange",openTarget);
count(); apply(); if(sys.length){paint();} openTarget();
document.documentElement.setAttribute("data-js","ready");
})();`

const htmlCSS = `
:root{--crit:#b00020;--high:#d9480f;--med:#b7791f;--low:#2b6cb0;--info:#718096;--ok:#2f855a;--rem:#6b46c1;--bg:#fafafa;--fg:#1a202c;--mute:#4a5568;--line:#e2e8f0}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:14px 24px;max-width:1400px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:17px;margin:20px 0 6px;border-bottom:1px solid var(--line);padding-bottom:3px}
.headline{display:flex;gap:12px;align-items:baseline}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700;letter-spacing:.03em;white-space:nowrap}
.badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:11px;font-weight:700;white-space:nowrap}
.v-compromised{background:var(--crit)}.v-exposed{background:var(--high)}.v-at-risk{background:var(--med)}.v-incomplete{background:var(--info)}.v-clean{background:var(--ok)}.v-remediated{background:var(--rem)}
.sentence{font-size:15px;margin:4px 0 8px;max-width:1000px}
.meta{color:var(--mute);font-size:12px}
.guard{background:#fff5f5;border:2px solid var(--crit);border-radius:4px;padding:8px 12px;margin:8px 0;font-weight:600}.guard p{margin:0}.guard ul{margin:4px 0 0;padding-left:18px;font-weight:400}
.tiles{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.tile{background:#fff;border:1px solid var(--line);border-left-width:6px;border-radius:4px;padding:4px 10px;min-width:100px;text-align:left;font:inherit;color:inherit}
button.tile{cursor:pointer}button.tile.on{outline:2px solid var(--fg)}
.tile b{display:block;font-size:20px}
.tile.compromised,.tile.sev-critical{border-left-color:var(--crit)}.tile.exposed,.tile.sev-high{border-left-color:var(--high)}
.tile.at-risk,.tile.sev-medium{border-left-color:var(--med)}.tile.sev-low{border-left-color:var(--low)}.tile.incomplete,.tile.sev-info{border-left-color:var(--info)}.tile.clean{border-left-color:var(--ok)}.tile.remediated{border-left-color:var(--rem)}
table{border-collapse:collapse;width:100%;background:#fff;margin:4px 0 10px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#edf2f7;font-weight:600}
table.compact{width:auto;min-width:60%}
table.compact td,table.compact th{padding:2px 8px;white-space:nowrap}
table.compact td.num{text-align:right}
table.compact td.name{max-width:420px;overflow:hidden;text-overflow:ellipsis}
td.sev{font-weight:700;text-transform:uppercase;font-size:12px}
.s-critical{color:var(--crit)}.s-high{color:var(--high)}.s-medium{color:var(--med)}.s-low{color:var(--low)}.s-info{color:var(--info)}
details.system{background:#fff;border:1px solid var(--line);border-radius:4px;margin:6px 0;padding:4px 10px}
details.system>summary{cursor:pointer;font-weight:600}
.controls{margin:6px 0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}.controls input[type=search]{padding:3px 6px;width:260px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
ul.steps{margin:4px 0;padding-left:18px}
ul.creds{list-style:none;margin:4px 0;padding:0;background:#fff;border:1px solid var(--line);border-radius:4px}
ul.creds>li{display:flex;gap:8px;align-items:flex-start;border-top:1px solid var(--line);padding:3px 8px}
ul.creds>li:first-child{border-top:0}
ul.creds>li>input{margin-top:4px}
ul.creds details{flex:1;min-width:0}
ul.creds summary{cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
ul.creds summary code{overflow-wrap:normal}
ul.creds li.done summary{color:var(--mute);text-decoration:line-through}
ul.duties{list-style:none;margin:2px 0;padding:0;columns:14em}ul.duties li{break-inside:avoid}
.prio{display:inline-block;min-width:24px;font-weight:700}
.cred-body{padding:4px 0 6px 4px;font-size:13px}
.cred-body dt{font-weight:600;color:var(--mute)}.cred-body dd{margin:0 0 4px 0}
svg text{font:11px system-ui,sans-serif;fill:var(--mute)}
svg .window{fill:#fed7d7;opacity:.55}svg .grid{stroke:var(--line)}svg .grid.major{stroke:#cbd5e0}svg .axis{stroke:var(--mute)}
svg .pt{stroke:#fff;stroke-width:.5}svg .sev-critical{fill:var(--crit)}svg .sev-high{fill:var(--high)}svg .sev-medium{fill:var(--med)}svg .sev-low{fill:var(--low)}svg .sev-info{fill:var(--info)}
svg .in-window{stroke:#000;stroke-width:.8}
svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;max-width:100%}
select{max-width:100%}
@media (max-width:640px){
body{padding:8px 10px}
h1{font-size:17px}
.headline{flex-wrap:wrap;gap:4px}
.tile{min-width:0;padding:2px 6px}.tile b{font-size:16px}
.controls input[type=search]{width:100%}
table.compact{min-width:0;width:100%}
table.compact td.name{max-width:none;white-space:normal;overflow-wrap:anywhere}
td.name .badge{white-space:normal;overflow-wrap:anywhere}
#systems-table .opt{display:none}
ul.creds summary{white-space:normal}
ul.duties{columns:auto}
}
tr.sys.off{display:none}
@media print{.controls{display:none}details.system{page-break-inside:avoid}tr.sys[hidden],tr.sys.off{display:table-row}}
`

// htmlHead opens every page (report, fleet, checklist): its Content
// Security Policy (the page's one script by hash, nothing fetched), a
// viewport for phones, the inline CSS, and the title as the heading.
const htmlHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header id="summary">
<h1>{{.Title}}</h1>
`

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"verdictClass": func(v string) string { return verdictClass(sweep.Verdict(v)) },
	"lower":        strings.ToLower,
}).Parse(htmlHead + `
{{- if .Guard}}
<div class="guard" id="guard"><p>{{.Guard}}</p>{{if not .Single}}<ul id="guard-systems">{{range .GuardHosts}}<li>{{if .Anchor}}<a href="#{{.Anchor}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}: {{.Guards}}{{if .Running}} <b>RUNNING</b>{{end}}</li>{{end}}{{if .MoreGuards}}<li>and {{.MoreGuards}} more (the systems table marks each)</li>{{end}}</ul>{{end}}</div>
{{- end}}
<div class="headline"><span class="verdict v-{{.VClass}}" id="verdict">{{.Verdict}}</span><p class="sentence" id="sentence">{{.Sentence}}</p></div>
{{- if .HostCounts}}
<div class="tiles" id="host-counts">{{range .HostCounts}}<button type="button" class="tile {{.Class}}" data-verdict="{{.Label}}" data-filter="{{.Label}}"><b>{{.N}}</b>{{.Label}}</button>{{end}}</div>
<p class="meta" id="severity-counts">Findings: {{range $i, $c := .SevCounts}}{{if $i}} · {{end}}<span class="s-{{$c.Label}}" data-severity="{{$c.Label}}">{{$c.N}} {{$c.Label}}</span>{{end}}. {{if .Window}}Exposure window {{.Window}}. {{end}}Generated {{.Generated}} by {{.Tool}}.</p>
{{- else}}
<div class="tiles" id="severity-counts">{{range .SevCounts}}<div class="tile {{.Class}}" data-severity="{{.Label}}"><b>{{.N}}</b>{{.Label}} findings</div>{{end}}</div>
<p class="meta">{{if .Window}}Exposure window {{.Window}}. {{end}}Generated {{.Generated}} by {{.Tool}}.</p>
{{- end}}
</header>

{{- if not .Single}}
<section id="systems">
<h2>Systems{{if .NeedAction}}: {{.NeedAction}} need action{{end}}</h2>
<div class="controls"><input type="search" id="sys-filter" placeholder="find a system" aria-label="find a system">
<select id="sys-verdict" aria-label="verdict">{{if .NeedAction}}<option value="action" selected title="every system but CLEAN ones and REMEDIATED ones with nothing left to rotate">need action ({{.NeedAction}})</option>{{end}}<option value="">all systems</option>{{range .HostCounts}}{{if .N}}<option value="{{.Label}}">{{.Label}} ({{.N}})</option>{{end}}{{end}}</select>
<button type="button" id="sys-prev">&lsaquo; previous</button><span id="sys-page" class="meta"></span><button type="button" id="sys-next">next &rsaquo;</button></div>
<table id="systems-table" class="compact" data-page-size="{{.PageSize}}"><thead><tr><th>Verdict</th><th>System</th><th class="opt">Kind</th><th>Critical</th><th>High</th><th class="opt">Medium</th><th class="opt">Could not check</th><th class="opt">Newest report</th></tr></thead><tbody>
{{- range .Systems}}
<tr class="sys{{if .Off}} off{{end}}" data-verdict="{{.Verdict}}" data-action="{{if .Action}}1{{end}}"><td><span class="badge v-{{verdictClass .Verdict}}">{{.Verdict}}</span></td><td class="name">{{if .Anchor}}<a href="#{{.Anchor}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}{{if .Guard}} <span class="badge v-compromised" title="armed dead-man switch: disarm it first">{{.Guard}}</span>{{end}}</td><td class="opt">{{.Kind}}</td><td class="num">{{.Crit}}</td><td class="num">{{.High}}</td><td class="num opt">{{.Med}}</td><td class="num opt">{{.Unchecked}}</td><td class="mono opt" title="{{.Source}}">{{.Finished}}</td></tr>
{{- end}}
</tbody></table>
</section>
{{- end}}

<section id="rotation">
<h2>Credentials to rotate ({{.Pending}}{{if ne .Pending (len .Rotation)}} of {{len .Rotation}}{{end}})</h2>
{{- if .Rotation}}
<p class="meta"><span id="rotated"></span>. One line per credential location, with a box per system it was found on (a path that recurs across systems is a different credential on each, unless it is provably the same key); open a line for why and how. Names only: no secret value is in this report.</p>
<ul class="creds" id="rotation-list">
{{- range .Rotation}}
<li class="rotation{{if .Done}} done{{end}}" id="{{.ID}}" data-status="{{.Status}}" data-systems="{{.HostCount}}" data-more-pending="{{.MorePending}}">{{if or .Shared (eq .HostCount 1)}}<input type="checkbox" class="rotated" aria-label="rotated"{{if .Done}} checked{{end}}>{{end}}<details><summary><span class="prio">{{.Priority}}</span> <b>{{.Title}}</b> <code>{{.Where}}</code> <span class="meta">· <span class="pending">{{if .Done}}rotated on every system{{else}}{{.Pending}} of {{.HostCount}} {{if eq .HostCount 1}}system{{else}}systems{{end}} pending{{end}}</span>{{if .User}} · {{.User}}{{end}}{{if .Done}} · {{.RotatedAt}}{{end}}</span></summary>
<dl class="cred-body">{{if .Names}}<dt>Names</dt><dd><code>{{.Names}}</code></dd>{{end}}{{if .Shared}}<dt>One credential</dt><dd>{{.Shared}}</dd>{{end}}<dt>Systems</dt><dd>{{if or .Shared (eq .HostCount 1)}}{{range $i, $h := .Hosts}}{{if $i}}, {{end}}{{$h}}{{end}}{{if .MoreHosts}} and {{.MoreHosts}} more (see the JSON report){{end}}{{else}}<ul class="duties">{{range .Systems}}<li><label><input type="checkbox" class="rotated" aria-label="rotated on {{.Host}}"{{if .Done}} checked{{end}}> {{.Host}}</label> <code>{{.ID}}</code>{{if .Done}} <span class="meta">rotated {{.RotatedAt}}</span>{{end}}</li>{{end}}</ul>{{if .MoreSystems}}<span class="meta">and {{.MoreSystems}} more systems ({{.MorePending}} pending; see the JSON report)</span>{{end}}{{end}}</dd><dt>Why</dt><dd>{{.Why}}</dd><dt>How to rotate</dt><dd><ol class="steps">{{range .Steps}}<li>{{.}}</li>{{end}}</ol></dd><dt>Confirm the old one is dead</dt><dd>{{.Verify}}</dd>{{if .ExposedBy}}<dd><details class="ids"><summary class="meta">{{.ExposedCount}} triggering {{if eq .ExposedCount 1}}finding{{else}}findings{{end}}</summary><code>{{range $i, $e := .ExposedBy}}{{if $i}}, {{end}}{{$e}}{{end}}</code>{{if .MoreExposed}} <span class="meta">and {{.MoreExposed}} more</span>{{end}}</details></dd>{{end}}</dl></details></li>
{{- end}}
</ul>
{{- else}}
<p class="meta">No credential was listed for rotation in these reports.</p>
{{- end}}
</section>

{{- if .Observed}}
<section id="observations">
<h2>Fleet observations ({{len .Observed}})</h2>
<ul>{{range .Observed}}<li>{{.}}</li>{{end}}</ul>
</section>
{{- end}}

<section id="chart">
<h2>Dated events over the exposure window</h2>
{{- with .Chart}}
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="dated events" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">
{{- if .HasWindow}}<rect class="window" x="{{.WindowX}}" y="{{.Top}}" width="{{.WindowW}}" height="{{.PlotH}}"><title>{{.WindowLabel}}</title></rect>{{end}}
{{- $c := .}}
{{- range .Ticks}}<line class="grid{{if .Major}} major{{end}}" x1="{{.X}}" x2="{{.X}}" y1="{{$c.Top}}" y2="{{$c.AxisY}}"></line><text x="{{.X}}" y="{{$c.AxisY}}" dy="14" text-anchor="middle">{{.Label}}</text>{{end}}
<line class="axis" x1="{{.Left}}" x2="{{.PlotRight}}" y1="{{.AxisY}}" y2="{{.AxisY}}"></line><text x="{{.PlotRight}}" y="{{.AxisY}}" dy="28" text-anchor="end">UTC, {{.Span}}</text>
{{- range .Points}}<circle class="{{.Class}}" cx="{{.X}}" cy="{{.Y}}" r="{{.R}}"><title>{{.Title}}</title></circle>{{end}}
</svg>
<p class="meta" id="chart-legend">All {{.Events}} dated events, one dot each; events at the same time are stacked (up to {{.MaxStack}} high). Shaded: the exposure window. Colour: severity of the finding; black ring: inside the window.{{if .Outside}} {{.Outside}} events more than two weeks from the window are drawn at the axis' edge.{{end}}</p>
{{- else}}
<p class="meta">No dated events in these reports.</p>
{{- end}}
</section>

<section id="findings">
<h2>{{if .Single}}Findings{{else}}Systems in detail ({{len .Hosts}} not clean){{end}}</h2>
{{- if .MoreDrill}}
<p class="meta" id="more-drill">The {{len .Hosts}} worst systems are shown in detail; {{.MoreDrill}} more that are not clean are in the systems table above, with the path of each one's report (and in the JSON fleet report).</p>
{{- end}}
<div class="controls"><input type="search" id="filter" placeholder="filter findings (text, path, severity)" aria-label="filter findings"> <span id="shown" class="meta">{{.Findings}} findings</span>{{if not .Single}} <button type="button" id="expand">expand all</button> <button type="button" id="collapse">collapse all</button>{{end}}</div>
{{- range .Hosts}}
<details class="system" id="{{.Anchor}}" data-verdict="{{.Verdict}}"{{if .Open}} open{{end}}>
<summary><span class="verdict v-{{verdictClass .Verdict}}">{{.Verdict}}</span> {{.Name}} <span class="meta">({{.Kind}}; {{len .Findings}} findings, <span class="shown-count"></span> shown{{if .Info}}; {{.Info}} info{{end}}{{if .Incomplete}}; {{.Incomplete}} could not be checked{{end}})</span></summary>
<p>{{.Sentence}}</p>
{{- if .History}}<p class="meta history">{{.History}}</p>{{end}}
<p class="meta">Swept: {{.Target}}{{if .Scanned}}, finished {{.Scanned}}{{end}}. {{.Stats}}.{{if .Source}} Report: <span class="mono">{{.Source}}</span>.{{end}}{{if .Info}} {{.Info}} info findings (the credential inventory, exposures) are in that report.{{end}}</p>
{{- if .Findings}}
<div class="scroll"><table class="findings"><thead><tr><th>Severity</th><th>ID</th><th>Category</th><th>Finding</th><th>Location</th><th>Evidence</th><th>Indicator</th></tr></thead><tbody>
{{- range .Findings}}
<tr class="finding" data-severity="{{.Severity}}"><td class="sev s-{{.Severity}}">{{.Severity}}</td><td class="mono">{{.ID}}</td><td>{{.Category}}</td><td>{{.Title}}{{if .User}} <span class="meta">[{{.User}}]</span>{{end}}{{if .Details}}<ul class="steps">{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}</td><td class="mono">{{.Location}}</td><td class="mono">{{.Evidence}}</td><td>{{.Indicator}}{{if .Confidence}} ({{.Confidence}}){{end}}{{range .Sources}} <a href="{{.URL}}" rel="noreferrer noopener">source {{.N}}</a>{{end}}</td></tr>
{{- end}}
</tbody></table></div>
{{- else}}
<p class="meta">No findings.</p>
{{- end}}
{{- if .Envs}}
<div class="scroll"><table class="environments"><thead><tr><th>Verdict</th><th>Environment</th><th>Kind</th><th>User</th><th>Reason</th></tr></thead><tbody>
{{- range .Envs}}<tr><td>{{.Verdict}}</td><td class="mono">{{.Path}}</td><td>{{.Kind}}</td><td>{{.User}}</td><td>{{.Reason}}</td></tr>{{end}}
</tbody></table></div>
{{- end}}
{{- if .Errors}}
<p><b>Could not check ({{len .Errors}})</b></p>
<div class="scroll"><table class="errors"><thead><tr><th>Location</th><th>Collector</th><th>Problem</th></tr></thead><tbody>
{{- range .Errors}}<tr><td class="mono">{{.Location.String}}</td><td>{{.Collector}}</td><td>{{.Message}}</td></tr>{{end}}
</tbody></table></div>
{{- end}}
{{- if .Skips}}<p class="meta">{{.Skips}} places were not walked on purpose (see the JSON report).</p>{{end}}
</details>
{{- end}}
</section>

{{- if .Timeline}}
<section id="timeline">
<details{{if le (len .Timeline) 50}} open{{end}}><summary><h2 style="display:inline">Timeline (UTC{{if not .Single}}, all systems side by side{{end}}; {{.TimelineTotal}} events)</h2></summary>
<div class="scroll"><table><thead><tr><th>Time</th>{{if not .Single}}<th>System</th>{{end}}<th>Event</th><th>Finding</th><th>In window</th></tr></thead><tbody>
{{- $single := .Single}}
{{- range .Timeline}}<tr class="event"><td class="mono">{{.Time}}</td>{{if not $single}}<td>{{.Host}}</td>{{end}}<td>{{.Event}}</td><td class="mono s-{{.Severity}}">{{.Finding}}</td><td>{{if .InWindow}}yes{{end}}</td></tr>{{end}}
</tbody></table></div>
{{- if .TimelineMore}}<p class="meta">and {{.TimelineMore}} later events: see the JSON fleet report.</p>{{end}}
</details>
</section>
{{- end}}

{{- if .Skipped}}
<section id="skipped">
<h2>Skipped inputs ({{len .Skipped}})</h2>
<div class="scroll"><table><thead><tr><th>Input</th><th>Why</th><th>Reason</th></tr></thead><tbody>
{{- range .Skipped}}<tr class="skipped"><td class="mono">{{.Path}}</td><td>{{.Kind}}</td><td>{{.Reason}}</td></tr>{{end}}
</tbody></table></div>
</section>
{{- end}}
<script>{{.Script}}</script>
</body>
</html>
`))

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

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/fleet"
	"github.com/litesweep/litesweep/sweep/render/escape"
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
	v, err := buildView(f, single)
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, v)
}

type htmlView struct {
	Title      string
	Single     bool
	Verdict    string
	Sentence   string
	Generated  string
	Tool       string
	Window     string
	HostCounts []countView
	SevCounts  []countView
	Chart      *chartView
	Rotation   []rotationView
	Hosts      []hostView
	Timeline   []eventView
	Skipped    []fleet.Skip
	Findings   int
	Script     template.JS
	CSS        template.CSS
	CSP        string
}

type countView struct {
	Label string
	Class string
	N     int
}

type rotationView struct {
	ID, Priority, Title, Where, Names, Hosts, Why, Verify, User string
	Steps                                                       []string
	ExposedBy                                                   string
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
	WindowX         float64
	WindowW         float64
	HasWindow       bool
	WindowLabel     string
	Rows            []chartRow
	Ticks           []chartTick
	AxisY           float64
	Omitted         int
	Outside         int
	Events          int
}

type chartRow struct {
	Label  string
	Y      float64
	LabelY float64
	Points []chartPoint
}

type chartPoint struct {
	X, Y  float64
	Class string
	Title string
}

type chartTick struct {
	X     float64
	Label string
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
	}
	return "clean"
}

func buildView(f *fleet.Fleet, single bool) (*htmlView, error) {
	v := &htmlView{
		Single:    single,
		Verdict:   string(f.Verdict),
		Generated: f.Generated.UTC().Format("2006-01-02 15:04 UTC"),
		Tool:      strings.TrimSpace(fmt.Sprintf("%s %s, IOC pack %s %s", f.Tool.Name, f.Tool.Version, f.Tool.PackID, f.Tool.PackVersion)),
		Skipped:   f.Skipped,
		Script:    template.JS(htmlScript),
		CSS:       template.CSS(htmlCSS),
	}
	sum := sha256.Sum256([]byte(htmlScript))
	v.CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
	if single && len(f.Hosts) == 1 {
		h := &f.Hosts[0]
		v.Title = fmt.Sprintf("litesweep %s sweep of %s: %s", h.Scan.Kind, scanTarget(&sweep.Report{Scan: h.Scan}), h.Verdict)
		v.Sentence = HostSentence(h)
		if c := h.Scan.Coverage.String(); c != "" {
			v.Title += "; " + c
			v.Sentence += " Coverage: " + c + "."
		}
	} else {
		v.Title = fmt.Sprintf("litesweep fleet report (%d systems): %s", len(f.Hosts), f.Verdict)
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
	for _, it := range f.Rotation {
		v.Rotation = append(v.Rotation, rotationView{ID: it.ID, Priority: it.Priority, Title: it.Title, Where: it.Where,
			Names: strings.Join(it.Names, ", "), Hosts: strings.Join(it.Hosts, ", "), Why: it.Why, Verify: it.Verify,
			User: it.User, Steps: it.Steps, ExposedBy: strings.Join(it.ExposedBy, ", ")})
	}
	for i := range f.Hosts {
		hv, err := buildHost(f, i, single || len(f.Hosts) == 1)
		if err != nil {
			return nil, err
		}
		v.Hosts = append(v.Hosts, hv)
		v.Findings += f.Hosts[i].Shown()
	}
	for _, e := range f.Timeline {
		v.Timeline = append(v.Timeline, eventView{Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Host: e.Host, Event: e.Event,
			Finding: e.Finding, Severity: string(e.Severity), InWindow: e.InWindow})
	}
	v.Chart = buildChart(f)
	return v, nil
}

func buildHost(f *fleet.Fleet, i int, open bool) (hostView, error) {
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
		Open:     open || fleet.VerdictRank(h.Verdict) >= fleet.VerdictRank(sweep.Exposed),
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
	var err error
	if hv.Envs, err = f.Environments(h); err != nil {
		return hv, err
	}
	if hv.Errors, err = f.Errors(h); err != nil {
		return hv, err
	}
	err = f.Findings(h, func(fdp *sweep.Finding) error {
		fd := *fdp
		fv := findingView{ID: fd.ID, Severity: string(fd.Severity), Category: fd.Category, Title: fd.Title,
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

// buildChart lays out one row per system with dated events, x = time over
// the exposure window (extended to the events), the window shaded.
func buildChart(f *fleet.Fleet) *chartView {
	const (
		width  = 960
		left   = 190.0
		right  = 24.0
		top    = 16.0
		rowH   = 26.0
		maxRow = 60
	)
	byHost := map[string][]fleet.Event{}
	var hosts []string
	for _, e := range f.Timeline {
		if e.Time.IsZero() {
			continue
		}
		if _, ok := byHost[e.Host]; !ok {
			hosts = append(hosts, e.Host)
		}
		byHost[e.Host] = append(byHost[e.Host], e)
	}
	if len(hosts) == 0 {
		return nil
	}
	// Rows in the fleet's order (worst verdict first).
	rank := map[string]int{}
	for i, h := range f.Hosts {
		if _, ok := rank[h.Name]; !ok {
			rank[h.Name] = i
		}
	}
	sort.SliceStable(hosts, func(i, j int) bool { return rank[hosts[i]] < rank[hosts[j]] })
	c := &chartView{Width: width, Left: left, PlotRight: width - right}
	if len(hosts) > maxRow {
		c.Omitted = len(hosts) - maxRow
		hosts = hosts[:maxRow]
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
	if f.Window != nil {
		extend(f.Window.Start)
		extend(f.Window.End)
	}
	// The axis is the exposure window, widened to the events near it
	// (within two weeks); farther events are drawn at the axis' edge.
	var lo, hi time.Time
	if f.Window != nil {
		lo, hi = f.Window.Start.Add(-14*24*time.Hour), f.Window.End.Add(14*24*time.Hour)
	}
	for _, h := range hosts {
		for _, e := range byHost[h] {
			if f.Window == nil || (!e.Time.Before(lo) && !e.Time.After(hi)) {
				extend(e.Time)
			}
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
	for i, h := range hosts {
		y := top + rowH*float64(i) + rowH/2
		row := chartRow{Label: short(h, 28), Y: y, LabelY: y + 4}
		for _, e := range byHost[h] {
			at, title := e.Time, e.Time.UTC().Format("2006-01-02 15:04Z")+" "+h+": "+e.Event
			if at.Before(t0) || at.After(t1) {
				at = t0
				if e.Time.After(t1) {
					at = t1
				}
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
			row.Points = append(row.Points, chartPoint{X: x(at), Y: y, Class: cls, Title: title})
			c.Events++
		}
		c.Rows = append(c.Rows, row)
	}
	c.AxisY = top + rowH*float64(len(hosts)) + 4
	c.Height = int(c.AxisY) + 28
	if f.Window != nil {
		c.HasWindow = true
		c.WindowX = x(f.Window.Start)
		c.WindowW = math.Max(1, x(f.Window.End)-c.WindowX)
		c.WindowLabel = "exposure window " + f.Window.Start.UTC().Format("2006-01-02 15:04Z") + " .. " + f.Window.End.UTC().Format("2006-01-02 15:04Z")
	}
	layout := "15:04"
	switch d := t1.Sub(t0); {
	case d > 72*time.Hour:
		layout = "Jan 02"
	case d > 20*time.Hour:
		layout = "Jan 02 15:04"
	}
	const ticks = 6
	for i := 0; i <= ticks; i++ {
		t := t0.Add(time.Duration(float64(t1.Sub(t0)) * float64(i) / ticks))
		c.Ticks = append(c.Ticks, chartTick{X: x(t), Label: t.UTC().Format(layout)})
	}
	return c
}

// htmlScript is the page's only script. The Content Security Policy allows
// exactly this text (by hash) and nothing else.
const htmlScript = `(function(){
"use strict";
var rows=Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
var box=document.getElementById("filter"), shown=document.getElementById("shown");
function apply(){
  var q=(box&&box.value||"").toLowerCase(), n=0;
  rows.forEach(function(r){var m=!q||r.textContent.toLowerCase().indexOf(q)>=0; r.hidden=!m; if(m){n++;}});
  if(shown){shown.textContent=n+" of "+rows.length+" findings shown";}
  document.querySelectorAll("details.system").forEach(function(d){
    var c=d.querySelector(".shown-count"); if(!c){return;}
    var all=d.querySelectorAll("tr.finding"), k=0;
    all.forEach(function(r){if(!r.hidden){k++;}});
    c.textContent=k+"/"+all.length;
  });
}
if(box){box.addEventListener("input",apply);}
function setAll(open){document.querySelectorAll("details.system").forEach(function(d){d.open=open;});}
var ex=document.getElementById("expand"), co=document.getElementById("collapse");
if(ex){ex.addEventListener("click",function(){setAll(true);});}
if(co){co.addEventListener("click",function(){setAll(false);});}
var checks=Array.prototype.slice.call(document.querySelectorAll("input.rotated")), done=document.getElementById("rotated");
function count(){var k=0; checks.forEach(function(c){if(c.checked){k++;}}); if(done){done.textContent=k+" of "+checks.length+" rotated";}}
checks.forEach(function(c){c.addEventListener("change",count);});
count(); apply();
document.documentElement.setAttribute("data-js","ready");
})();`

const htmlCSS = `
:root{--crit:#b00020;--high:#d9480f;--med:#b7791f;--low:#2b6cb0;--info:#718096;--ok:#2f855a;--bg:#fafafa;--fg:#1a202c;--mute:#4a5568;--line:#e2e8f0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1400px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700;letter-spacing:.03em}
.v-compromised{background:var(--crit)}.v-exposed{background:var(--high)}.v-at-risk{background:var(--med)}.v-incomplete{background:var(--info)}.v-clean{background:var(--ok)}
.sentence{font-size:16px;margin:8px 0 12px;max-width:900px}
.meta{color:var(--mute);font-size:12px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.tile{background:#fff;border:1px solid var(--line);border-left-width:6px;border-radius:4px;padding:6px 12px;min-width:110px}
.tile b{display:block;font-size:22px}
.tile.compromised,.tile.sev-critical{border-left-color:var(--crit)}.tile.exposed,.tile.sev-high{border-left-color:var(--high)}
.tile.at-risk,.tile.sev-medium{border-left-color:var(--med)}.tile.sev-low{border-left-color:var(--low)}.tile.incomplete,.tile.sev-info{border-left-color:var(--info)}.tile.clean{border-left-color:var(--ok)}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#edf2f7;font-weight:600}
td.sev{font-weight:700;text-transform:uppercase;font-size:12px}
.s-critical{color:var(--crit)}.s-high{color:var(--high)}.s-medium{color:var(--med)}.s-low{color:var(--low)}.s-info{color:var(--info)}
details.system{background:#fff;border:1px solid var(--line);border-radius:4px;margin:8px 0;padding:6px 10px}
details.system>summary{cursor:pointer;font-weight:600}
.controls{margin:8px 0}.controls input{padding:4px 6px;width:320px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
ul.steps{margin:4px 0;padding-left:18px}
svg text{font:11px system-ui,sans-serif;fill:var(--mute)}
svg .window{fill:#fed7d7;opacity:.55}svg .grid{stroke:var(--line)}svg .lane{stroke:#edf2f7}
svg .pt{stroke:#fff;stroke-width:1}svg .sev-critical{fill:var(--crit)}svg .sev-high{fill:var(--high)}svg .sev-medium{fill:var(--med)}svg .sev-low{fill:var(--low)}svg .sev-info{fill:var(--info)}
svg .in-window{stroke:#000}
@media print{.controls{display:none}details.system{page-break-inside:avoid}}
`

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"verdictClass": func(v string) string { return verdictClass(sweep.Verdict(v)) },
}).Parse(`<!DOCTYPE html>
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
<p><span class="verdict v-{{verdictClass .Verdict}}" id="verdict">{{.Verdict}}</span></p>
<p class="sentence" id="sentence">{{.Sentence}}</p>
{{- if .HostCounts}}
<div class="tiles" id="host-counts">{{range .HostCounts}}<div class="tile {{.Class}}" data-verdict="{{.Label}}"><b>{{.N}}</b>{{.Label}}</div>{{end}}</div>
{{- end}}
<div class="tiles" id="severity-counts">{{range .SevCounts}}<div class="tile {{.Class}}" data-severity="{{.Label}}"><b>{{.N}}</b>{{.Label}} findings</div>{{end}}</div>
<p class="meta">{{if .Window}}Exposure window {{.Window}}. {{end}}Generated {{.Generated}} by {{.Tool}}.</p>
</header>

<section id="chart">
<h2>Dated events over the exposure window</h2>
{{- with .Chart}}
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="dated events per system" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">
{{- if .HasWindow}}<rect class="window" x="{{.WindowX}}" y="0" width="{{.WindowW}}" height="{{.AxisY}}"><title>{{.WindowLabel}}</title></rect>{{end}}
{{- $c := .}}
{{- range .Ticks}}<line class="grid" x1="{{.X}}" x2="{{.X}}" y1="0" y2="{{$c.AxisY}}"></line><text x="{{.X}}" y="{{$c.AxisY}}" dy="14" text-anchor="middle">{{.Label}}</text>{{end}}
{{- range .Rows}}
<g class="row"><line class="lane" x1="{{$c.Left}}" x2="{{$c.PlotRight}}" y1="{{.Y}}" y2="{{.Y}}"></line><text x="{{$c.Left}}" dx="-8" y="{{.LabelY}}" text-anchor="end">{{.Label}}</text>
{{- range .Points}}<circle class="{{.Class}}" cx="{{.X}}" cy="{{.Y}}" r="5"><title>{{.Title}}</title></circle>{{end}}</g>
{{- end}}
</svg>
<p class="meta" id="chart-legend">{{.Events}} dated events. Shaded: the exposure window. Colour: severity of the finding; black ring: inside the window.{{if .Outside}} {{.Outside}} events more than two weeks from the window are drawn at the axis' edge.{{end}}{{if .Omitted}} {{.Omitted}} more systems with events are not drawn (see the timeline).{{end}}</p>
{{- else}}
<p class="meta">No dated events in these reports.</p>
{{- end}}
</section>

<section id="rotation">
<h2>Credentials to rotate ({{len .Rotation}})</h2>
{{- if .Rotation}}
<p class="meta"><span id="rotated"></span>. Each credential is listed once, with every system it was found on. Names only: no secret value is in this report.</p>
<table id="rotation-table"><thead><tr><th></th><th>Priority</th><th>Credential</th><th>Where</th><th>Names</th><th>Systems</th><th>Why</th><th>How to rotate</th><th>Confirm the old one is dead</th></tr></thead><tbody>
{{- range .Rotation}}
<tr class="rotation" id="{{.ID}}"><td><input type="checkbox" class="rotated" aria-label="rotated"></td><td>{{.Priority}}</td><td>{{.Title}}{{if .User}} <span class="meta">({{.User}})</span>{{end}}</td><td class="mono">{{.Where}}</td><td class="mono">{{.Names}}</td><td>{{.Hosts}}</td><td>{{.Why}}{{if .ExposedBy}} <span class="meta">[{{.ExposedBy}}]</span>{{end}}</td><td><ul class="steps">{{range .Steps}}<li>{{.}}</li>{{end}}</ul></td><td>{{.Verify}}</td></tr>
{{- end}}
</tbody></table>
{{- else}}
<p class="meta">No credential was listed for rotation in these reports.</p>
{{- end}}
</section>

<section id="systems">
<h2>{{if .Single}}Findings{{else}}Systems ({{len .Hosts}}){{end}}</h2>
<div class="controls"><input type="search" id="filter" placeholder="filter findings (text, path, severity)" aria-label="filter findings"> <span id="shown" class="meta">{{.Findings}} findings</span>{{if not .Single}} <button type="button" id="expand">expand all</button> <button type="button" id="collapse">collapse all</button>{{end}}</div>
{{- range .Hosts}}
<details class="system" id="{{.Anchor}}" data-verdict="{{.Verdict}}"{{if .Open}} open{{end}}>
<summary><span class="verdict v-{{verdictClass .Verdict}}">{{.Verdict}}</span> {{.Name}} <span class="meta">({{.Kind}}; {{len .Findings}} findings, <span class="shown-count"></span> shown{{if .Incomplete}}; {{.Incomplete}} could not be checked{{end}})</span></summary>
<p>{{.Sentence}}</p>
{{- if .History}}<p class="meta history">{{.History}}</p>{{end}}
<p class="meta">Swept: {{.Target}}{{if .Scanned}}, finished {{.Scanned}}{{end}}. {{.Stats}}.{{if .Source}} Report: <span class="mono">{{.Source}}</span>.{{end}}</p>
{{- if .Findings}}
<table class="findings"><thead><tr><th>Severity</th><th>ID</th><th>Category</th><th>Finding</th><th>Location</th><th>Evidence</th><th>Indicator</th></tr></thead><tbody>
{{- range .Findings}}
<tr class="finding" data-severity="{{.Severity}}"><td class="sev s-{{.Severity}}">{{.Severity}}</td><td class="mono">{{.ID}}</td><td>{{.Category}}</td><td>{{.Title}}{{if .User}} <span class="meta">[{{.User}}]</span>{{end}}{{if .Details}}<ul class="steps">{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}</td><td class="mono">{{.Location}}</td><td class="mono">{{.Evidence}}</td><td>{{.Indicator}}{{if .Confidence}} ({{.Confidence}}){{end}}{{range .Sources}} <a href="{{.URL}}" rel="noreferrer noopener">source {{.N}}</a>{{end}}</td></tr>
{{- end}}
</tbody></table>
{{- else}}
<p class="meta">No findings.</p>
{{- end}}
{{- if .Envs}}
<table class="environments"><thead><tr><th>Verdict</th><th>Environment</th><th>Kind</th><th>User</th><th>Reason</th></tr></thead><tbody>
{{- range .Envs}}<tr><td>{{.Verdict}}</td><td class="mono">{{.Path}}</td><td>{{.Kind}}</td><td>{{.User}}</td><td>{{.Reason}}</td></tr>{{end}}
</tbody></table>
{{- end}}
{{- if .Errors}}
<p><b>Could not check ({{len .Errors}})</b></p>
<table class="errors"><thead><tr><th>Location</th><th>Collector</th><th>Problem</th></tr></thead><tbody>
{{- range .Errors}}<tr><td class="mono">{{.Location.String}}</td><td>{{.Collector}}</td><td>{{.Message}}</td></tr>{{end}}
</tbody></table>
{{- end}}
{{- if .Skips}}<p class="meta">{{.Skips}} places were not walked on purpose (see the JSON report).</p>{{end}}
</details>
{{- end}}
</section>

{{- if .Timeline}}
<section id="timeline">
<h2>Timeline (UTC{{if not .Single}}, all systems side by side{{end}})</h2>
<table><thead><tr><th>Time</th>{{if not .Single}}<th>System</th>{{end}}<th>Event</th><th>Finding</th><th>In window</th></tr></thead><tbody>
{{- $single := .Single}}
{{- range .Timeline}}<tr class="event"><td class="mono">{{.Time}}</td>{{if not $single}}<td>{{.Host}}</td>{{end}}<td>{{.Event}}</td><td class="mono s-{{.Severity}}">{{.Finding}}</td><td>{{if .InWindow}}yes{{end}}</td></tr>{{end}}
</tbody></table>
</section>
{{- end}}

{{- if .Skipped}}
<section id="skipped">
<h2>Skipped inputs ({{len .Skipped}})</h2>
<table><thead><tr><th>Input</th><th>Why</th><th>Reason</th></tr></thead><tbody>
{{- range .Skipped}}<tr class="skipped"><td class="mono">{{.Path}}</td><td>{{.Kind}}</td><td>{{.Reason}}</td></tr>{{end}}
</tbody></table>
</section>
{{- end}}
<script>{{.Script}}</script>
</body>
</html>
`))

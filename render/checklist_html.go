package render

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"strings"

	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep/escape"
)

// ChecklistHTML writes the rotation checklist as a self-contained page to
// work through, on a laptop or a phone: the dead-man switches first, then
// one line per credential by priority with a box per system, opening to
// where, names, why, the steps (a box each) and how to confirm, and the
// next commands. Like the fleet page it loads nothing (inline CSS and
// script, a Content Security Policy that forbids any fetch), and every
// string from the reports takes the same two steps: escape.Text, then
// html/template for its context. It names credentials, never a value.
func ChecklistHTML(w io.Writer, c *remediate.Checklist, o Options) error {
	return writeChecklistHTML(w, c, o, "")
}

// writeChecklistHTML is ChecklistHTML with probe appended to the page's
// script (tests measure the laid-out page with it).
func writeChecklistHTML(w io.Writer, c *remediate.Checklist, o Options, probe string) error {
	e := escape.Copy(c, escape.Text)
	script := htmlScript + probe
	sum := sha256.Sum256([]byte(script))
	v := checklistView{
		Title:     "litesweep rotation checklist: " + checklistCount(e),
		Generated: e.Generated.UTC().Format("2006-01-02 15:04 UTC"),
		Guard:     guardsSentence(e.Guards),
		Sources:   e.Sources,
		Notes:     e.Notes,
		Total:     len(e.Items),
		Script:    template.JS(script),
		CSS:       template.CSS(htmlCSS + checklistCSS),
		CSP: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" +
			base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'",
	}
	for _, st := range ChecklistNextSteps(e, o) {
		v.Next = append(v.Next, stepView{Command: st.Command, Why: st.Why})
	}
	for _, g := range itemGroups(e.Items) {
		it := e.Items[g[0]]
		if len(v.Groups) == 0 || v.Groups[len(v.Groups)-1].Priority != it.Priority {
			v.Groups = append(v.Groups, checklistGroupView{Priority: it.Priority, Title: priorityHeading(it.Priority)})
		}
		grp := &v.Groups[len(v.Groups)-1]
		iv := checklistItemView{ID: it.ID, Priority: it.Priority, Title: it.Title, Kind: it.Kind, Provider: it.Provider,
			Where: strings.Split(it.Where, ", "), WhereLine: it.Where, User: it.User, Names: strings.Join(it.Names, ", "), Why: it.Why,
			Steps: it.Steps, Verify: it.Verify, ExposedBy: strings.Join(it.ExposedBy, ", "), After: strings.Join(it.After, ", "),
			Guard: it.Kind == "dead-man-switch"}
		for _, j := range g {
			x := e.Items[j]
			dv := systemDutyView{Host: orDash(x.Host), ID: x.ID, Done: x.RotatedAt != nil}
			if x.RotatedAt != nil {
				dv.RotatedAt = x.RotatedAt.UTC().Format("2006-01-02 15:04Z")
			} else {
				iv.Pending++
				v.Pending++
			}
			iv.Systems = append(iv.Systems, dv)
		}
		iv.Done = iv.Pending == 0
		grp.Items = append(grp.Items, iv)
		grp.N += len(g)
	}
	return checklistTemplate.Execute(w, v)
}

type checklistView struct {
	Title, Generated, Guard string
	Sources                 []remediate.Source
	Notes                   []string
	Groups                  []checklistGroupView
	Next                    []stepView
	Total, Pending          int
	Script                  template.JS
	CSS                     template.CSS
	CSP                     string
}

type checklistGroupView struct {
	Priority, Title string
	N               int
	Items           []checklistItemView
}

type checklistItemView struct {
	ID, Priority, Title, Kind, Provider, User, Names, Why, Verify, ExposedBy, After, WhereLine string
	Where, Steps                                                                               []string
	Systems                                                                                    []systemDutyView
	Pending                                                                                    int
	Done, Guard                                                                                bool
}

type stepView struct{ Command, Why string }

// checklistCSS adds to the fleet page's rules what the checklist page has
// of its own: the disarm item's mark, the boxes of each step, the next
// commands.
const checklistCSS = `
ul.creds>li.guard-item{border-left:6px solid var(--crit)}
ol.steps{margin:4px 0;padding-left:22px}ol.steps li{margin:2px 0}
ol.next{padding-left:22px}ol.next code{display:block;white-space:pre-wrap;overflow-wrap:anywhere;background:#edf2f7;padding:2px 6px;border-radius:3px}
`

var checklistTemplate = template.Must(template.New("checklist").Parse(htmlHead + `{{- if .Guard}}
<p class="guard" id="guard">{{.Guard}}</p>
{{- end}}
<p class="meta">Generated {{.Generated}} by litesweep. Credentials are named by kind, location and name only: no secret value was read into this checklist.</p>
{{- if .Sources}}
<ul class="meta" id="sources">{{range .Sources}}<li>{{.From}}: {{.Kind}} sweep of {{.Host}}, verdict <b>{{.Verdict}}</b>, {{.Findings}} findings</li>{{end}}</ul>
{{- end}}
{{- range .Notes}}
<p class="meta note">{{.}}</p>
{{- end}}
</header>
<section id="rotation">
<h2>Credentials to rotate ({{.Pending}}{{if ne .Pending .Total}} of {{.Total}}{{end}} pending)</h2>
{{- if .Groups}}
<p class="meta"><span id="rotated"></span>. Work from the top: open a line for where, why, the steps and how to confirm the old credential is dead.</p>
{{- range .Groups}}
<h3>{{.Title}} ({{.N}})</h3>
<ul class="creds">
{{- range .Items}}
<li class="rotation{{if .Done}} done{{end}}{{if .Guard}} guard-item{{end}}" id="{{.ID}}" data-systems="{{len .Systems}}" data-more-pending="0">{{if eq (len .Systems) 1}}<input type="checkbox" class="rotated" aria-label="done"{{if .Done}} checked{{end}}>{{end}}<details{{if .Guard}} open{{end}}><summary><span class="prio">{{.Priority}}</span> <b>{{.Title}}</b> <code>{{.WhereLine}}</code> <span class="meta">· <span class="pending">{{if .Done}}rotated on every system{{else}}{{.Pending}} of {{len .Systems}} {{if eq (len .Systems) 1}}system{{else}}systems{{end}} pending{{end}}</span>{{if .User}} · {{.User}}{{end}}</span></summary>
<dl class="cred-body"><dt>Item</dt><dd><code>{{.ID}}</code> ({{.Kind}}/{{.Provider}})</dd><dt>{{if eq (len .Systems) 1}}System{{else}}Systems{{end}}</dt><dd>{{if eq (len .Systems) 1}}{{range .Systems}}{{.Host}}{{if .Done}} <span class="meta">rotated {{.RotatedAt}}</span>{{end}}{{end}}{{else}}<ul class="duties">{{range .Systems}}<li><label><input type="checkbox" class="rotated" aria-label="rotated on {{.Host}}"{{if .Done}} checked{{end}}> {{.Host}}</label> <code>{{.ID}}</code>{{if .Done}} <span class="meta">rotated {{.RotatedAt}}</span>{{end}}</li>{{end}}</ul>{{end}}</dd><dt>Where</dt><dd>{{range $i, $w := .Where}}{{if $i}}<br>{{end}}<code>{{$w}}</code>{{end}}</dd>{{if .Names}}<dt>Names</dt><dd><code>{{.Names}}</code></dd>{{end}}<dt>Why</dt><dd>{{.Why}}</dd>{{if .After}}<dt>Only after</dt><dd><code>{{.After}}</code></dd>{{end}}<dt>{{if .Guard}}How to disarm{{else}}How to rotate{{end}}</dt><dd><ol class="steps">{{range .Steps}}<li><label><input type="checkbox" class="step"> {{.}}</label></li>{{end}}</ol></dd><dt>Confirm</dt><dd>{{.Verify}}</dd>{{if .ExposedBy}}<dt>Exposed by</dt><dd><code>{{.ExposedBy}}</code></dd>{{end}}</dl></details></li>
{{- end}}
</ul>
{{- end}}
{{- else}}
<p class="meta">Nothing to rotate: no finding in these reports exposed a credential.</p>
{{- end}}
</section>
{{- if .Next}}
<section id="next">
<h2>Next</h2>
<ol class="next">{{range .Next}}<li>{{if .Command}}<code>{{.Command}}</code>{{end}}{{.Why}}</li>{{end}}</ol>
</section>
{{- end}}
<script>{{.Script}}</script>
</body>
</html>
`))

package render

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/escape"
)

// SARIF 2.1.0 identifiers.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// SARIFRootBase is the uriBaseId of file locations: paths are relative
	// to the scanned root, whose file:// URI is in originalUriBaseIds.
	SARIFRootBase = "SCANROOT"
	// SARIFFingerprint is the partialFingerprints key: the SHA-256 of the
	// finding's Key (indicator, category, title and location), stable
	// across runs and hosts for the same evidence at the same place.
	SARIFFingerprint = "litesweepFindingKey/v1"
	infoURI          = "https://github.com/litesweep/litesweep"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	AutomationDetails  *sarifAutomation            `json:"automationDetails,omitempty"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Invocations        []sarifInvocation           `json:"invocations"`
	Results            []sarifResult               `json:"results"`
	Properties         map[string]any              `json:"properties,omitempty"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver     sarifComponent   `json:"driver"`
	Extensions []sarifComponent `json:"extensions,omitempty"`
}

type sarifComponent struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules,omitempty"`
	Properties     any         `json:"properties,omitempty"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig   `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	StartTimeUTC        string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string              `json:"endTimeUtc,omitempty"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// SARIF writes SARIF 2.1.0 for GitHub code scanning and other SARIF
// consumers. One rule per indicator id (findings without an indicator get
// "litesweep/<category>"), with descriptions, help text carrying the
// remediation and rotation advice, and properties.security-severity. One
// result per finding: level error (critical, high), warning (medium) or
// note (low, info); file findings have a physicalLocation relative to the
// scanned root (uriBaseId SCANROOT), image, CI, Kubernetes and process
// findings logicalLocations; partialFingerprints from Finding.Key. Errors
// become tool execution notifications of the invocation.
func SARIF(w io.Writer, r *sweep.Report, o Options) error {
	return writeSARIF(w, []sarifRun{sarifRunOf(r, "", o.Catalog)})
}

// FleetSARIF writes one SARIF log with one run per system of the fleet, each
// built exactly as SARIF builds a single report's run; automationDetails.id
// names the system so code scanning keeps their results apart.
//
// Runs are written one at a time, each from the system's report read again
// from its file (checked against its digest), so memory holds one report.
func FleetSARIF(w io.Writer, f *fleet.Fleet, o Options) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	head, err := json.Marshal(struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
	}{SARIFSchema, SARIFVersion})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"runs":[`)
	for i := range f.Hosts {
		h := &f.Hosts[i]
		r, err := f.Report(h)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(sarifRunOf(r, h.Name, o.Catalog)); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func writeSARIF(w io.Writer, runs []sarifRun) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: runs})
}

// sarifRunOf is one report as one SARIF run; system, when set, names the
// run's automation instance (a fleet's system name); cat declares the
// categories.
func sarifRunOf(r *sweep.Report, system string, cat sweep.Catalog) sarifRun {
	run := sarifRun{
		Tool: sarifTool{
			Driver: sarifComponent{Name: nonEmpty(r.Tool.Name, "litesweep"), Version: r.Tool.Version, InformationURI: infoURI},
		},
		AutomationDetails: &sarifAutomation{ID: "litesweep/" + nonEmpty(string(r.Scan.Kind), "sweep") + "/"},
		Results:           []sarifResult{},
		Properties: map[string]any{
			"verdict":         string(r.Verdict),
			"verdictSentence": VerdictSentence(r),
			"schemaVersion":   r.SchemaVersion,
		},
	}
	if r.Scan.Hostname != "" {
		run.Properties["hostname"] = r.Scan.Hostname
	}
	if r.Scan.Window != nil {
		run.Properties["window"] = map[string]string{"start": sarifTime(r.Scan.Window.Start), "end": sarifTime(r.Scan.Window.End), "source": r.Scan.Window.Source}
	}
	for _, p := range r.Tool.UsedPacks() {
		run.Tool.Extensions = append(run.Tool.Extensions, sarifComponent{Name: p.ID, Version: p.Version,
			Properties: map[string]string{"sha256": p.SHA256, "from": p.From}})
	}
	if r.Scan.Root != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{SARIFRootBase: {URI: rootURI(r.Scan.Root)}}
	}

	rules, index := sarifRules(r, cat)
	run.Tool.Driver.Rules = rules
	for _, f := range r.Findings {
		id := ruleID(f)
		res := sarifResult{
			RuleID: id, RuleIndex: index[id], Level: sarifLevel(f.Severity),
			Message:             sarifText{Text: resultMessage(f)},
			Locations:           []sarifLocation{resultLoc(f)},
			PartialFingerprints: map[string]string{SARIFFingerprint: fingerprint(f)},
			Properties: map[string]any{
				"id": f.ID, "severity": string(f.Severity), "category": string(f.Category), "collector": f.Collector,
			},
		}
		if f.Environment != "" {
			res.Properties["environment"] = f.Environment
		}
		if f.User != "" {
			res.Properties["user"] = f.User
		}
		run.Results = append(run.Results, res)
	}

	inv := sarifInvocation{ExecutionSuccessful: !r.Scan.Interrupted}
	if !r.Scan.Started.IsZero() {
		inv.StartTimeUTC = sarifTime(r.Scan.Started)
	}
	if !r.Scan.Finished.IsZero() {
		inv.EndTimeUTC = sarifTime(r.Scan.Finished)
	}
	for _, e := range r.Errors {
		level := "error"
		switch e.Kind {
		case sweep.ErrKindSkipped:
			level = "note"
		case sweep.ErrKindUnverified:
			level = "warning"
		}
		msg := e.Message
		if e.Collector != "" {
			msg = e.Collector + ": " + msg
		}
		n := sarifNotification{Level: level, Message: sarifText{Text: msg}}
		if loc := sarifLoc(e.Location); loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
			n.Locations = []sarifLocation{loc}
		}
		inv.Notifications = append(inv.Notifications, n)
	}
	run.Invocations = []sarifInvocation{inv}
	if system != "" {
		run.AutomationDetails.ID += system
	}
	return run
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sarifTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ruleID is the finding's indicator id, or litesweep/<category>.
func ruleID(f sweep.Finding) string {
	if f.Indicator != nil && f.Indicator.ID != "" {
		return f.Indicator.ID
	}
	return "litesweep/" + nonEmpty(string(f.Category), "finding")
}

// SecuritySeverity is GitHub's properties.security-severity for a severity
// (≥9 critical, 7–8.9 high, 4–6.9 medium, 0.1–3.9 low).
func SecuritySeverity(s sweep.Severity) string {
	switch s {
	case sweep.Critical:
		return "9.5"
	case sweep.High:
		return "8.0"
	case sweep.Medium:
		return "5.5"
	case sweep.Low:
		return "3.0"
	}
	return "1.0"
}

func sarifLevel(s sweep.Severity) string {
	switch s {
	case sweep.Critical, sweep.High:
		return "error"
	case sweep.Medium:
		return "warning"
	}
	return "note"
}

// sarifRules builds one rule per rule id, worst severity first among the
// findings using it, in order of first use (findings are sorted worst first).
// A rule's texts come from the categories' declarations in cat: the short
// and full description of a category rule (a finding without an indicator)
// and, for every rule, the help (what to do about each category among the
// rule's findings, and the image steps when one is in an image). A
// category cat does not declare (a report from another version) gets
// generic texts.
func sarifRules(r *sweep.Report, cat sweep.Catalog) ([]sarifRule, map[string]int) {
	index := map[string]int{}
	var rules []sarifRule
	var uses []ruleUse
	for _, f := range r.Findings {
		id := ruleID(f)
		if i, ok := index[id]; ok {
			// Keep the worst severity seen for the rule.
			if sweep.Severity(rules[i].Properties["litesweep/severity"].(string)).Rank() < f.Severity.Rank() {
				setRuleSeverity(&rules[i], f.Severity)
				uses[i].worst = f.Severity
			}
			uses[i].add(f)
			continue
		}
		index[id] = len(rules)
		u := ruleUse{worst: f.Severity}
		u.add(f)
		uses = append(uses, u)
		rule := sarifRule{ID: id, Name: ruleName(id)}
		catName := nonEmpty(string(f.Category), "finding")
		short := f.Title
		full := fmt.Sprintf("%s (category %s).", strings.TrimSuffix(f.Title, "."), catName)
		if f.Indicator == nil || f.Indicator.ID == "" {
			// A category rule covers many findings: describe the category,
			// not the first finding.
			short, full = categoryText(cat, f.Category)
		}
		var fullMD strings.Builder
		fullMD.WriteString(mdText(full))
		tags := []string{"security", "supply-chain", catName}
		if in := f.Indicator; in != nil {
			full += fmt.Sprintf(" Indicator %s of kind %s", in.ID, nonEmpty(in.Kind, "unknown"))
			if in.Confidence != "" {
				full += ", confidence " + in.Confidence
			}
			full += "."
			if len(in.Sources) > 0 {
				full += " Sources: " + strings.Join(in.Sources, " ; ")
				fullMD.WriteString("\n\nSources:\n")
				for _, s := range in.Sources {
					fullMD.WriteString("\n- " + mdLink(s))
				}
				rule.HelpURI = firstHTTP(in.Sources)
			}
			rule.Properties = map[string]any{"precision": precision(in.Confidence)}
		} else {
			rule.Properties = map[string]any{"precision": "medium"}
		}
		rule.Properties["tags"] = tags
		rule.ShortDescription = sarifText{Text: short}
		rule.FullDescription = sarifText{Text: full, Markdown: fullMD.String()}
		setRuleSeverity(&rule, f.Severity)
		rules = append(rules, rule)
	}
	for i := range rules {
		help, helpMD := remediation(uses[i], r, cat)
		rules[i].Help = sarifText{Text: help, Markdown: helpMD}
	}
	if rules == nil {
		rules = []sarifRule{}
	}
	return rules, index
}

// ruleUse is what a rule's help depends on: the worst severity, the
// categories (in order of first use) and whether a finding is in an image.
type ruleUse struct {
	worst   sweep.Severity
	cats    []sweep.Category
	inImage bool
	// exposure: a finding names credentials a compromised job or account
	// could read (info, but the rotation list belongs in its help).
	exposure bool
}

func (u *ruleUse) add(f sweep.Finding) {
	if !slices.Contains(u.cats, f.Category) {
		u.cats = append(u.cats, f.Category)
	}
	u.inImage = u.inImage || f.Location.Image != ""
	u.exposure = u.exposure || f.Exposure != nil
}

// categoryText is the short and full description of a category's rule:
// its declaration, or a generic text for a category cat does not declare.
func categoryText(cat sweep.Catalog, c sweep.Category) (short, full string) {
	if ci, ok := cat.Lookup(c); ok {
		return ci.Short, ci.Description
	}
	short = "litesweep finding of category " + nonEmpty(string(c), "unknown")
	return short, short + " (a category this version of litesweep does not declare)."
}

func setRuleSeverity(rule *sarifRule, s sweep.Severity) {
	rule.Properties["security-severity"] = SecuritySeverity(s)
	rule.Properties["litesweep/severity"] = string(s)
	rule.DefaultConfiguration = &sarifConfig{Level: sarifLevel(s)}
}

func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, c := range id {
		if c == '-' || c == '_' || c == '/' || c == '.' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteRune(c)
	}
	return b.String()
}

func firstHTTP(ss []string) string {
	for _, s := range ss {
		if strings.HasPrefix(s, "https://") {
			return s
		}
	}
	return ""
}

func precision(conf string) string {
	switch conf {
	case "confirmed", "derived":
		return "high"
	case "multi-secondary":
		return "medium"
	case "single-source", "uncertain":
		return "low"
	}
	return "medium"
}

// remediation is the rule's help: what the worst severity means, what to
// do about each of its categories (their declarations' help, then the
// image steps when a finding is in an image), and the rotation checklist
// when the report has one.
func remediation(u ruleUse, r *sweep.Report, cat sweep.Catalog) (string, string) {
	var steps []string
	switch u.worst {
	case sweep.Critical:
		steps = append(steps, "Treat what holds it as compromised (the host, image, CI job or cluster): contain it before cleaning, and keep a copy of the evidence (litesweep --format json).")
	case sweep.High:
		steps = append(steps, "A bad release was downloaded, installed or run here: assume its credential stealer ran with every credential in reach.")
	case sweep.Medium:
		steps = append(steps, "Nothing here shows that a bad release ran yet: close the way it would be installed, and check whether it already was during the exposure window.")
	default:
		steps = append(steps, "Review the evidence; on its own this does not indicate compromise.")
	}
	add := func(ss ...string) {
		for _, s := range ss {
			if !slices.Contains(steps, s) {
				steps = append(steps, s)
			}
		}
	}
	for _, c := range u.cats {
		if ci, ok := cat.Lookup(c); ok {
			add(ci.Help...)
		} else {
			add("This version of litesweep does not declare the category "+strconv.Quote(string(c))+": read the finding's evidence, and sweep the system again with this version.",
				"If a bad release was installed or ran, rotate the credentials in reach: `litesweep rotate` lists them by name.")
		}
	}
	if u.inImage {
		add(cat.ImageHelp()...)
	}
	var text, md strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&text, "%d. %s\n", i+1, s)
		fmt.Fprintf(&md, "%d. %s\n", i+1, s)
	}
	if len(r.Rotation) > 0 && (u.worst.Rank() >= sweep.High.Rank() || u.exposure) {
		text.WriteString("\nCredentials to rotate (names only):\n")
		md.WriteString("\n**Credentials to rotate** (names only):\n\n")
		for _, it := range r.Rotation {
			line := fmt.Sprintf("%s %s: %s", it.Priority, it.Title, it.Where)
			if len(it.Names) > 0 {
				line += " (" + strings.Join(it.Names, ", ") + ")"
			}
			text.WriteString("- " + line + "\n")
			md.WriteString("- [ ] " + mdText(line) + "\n")
		}
	}
	return strings.TrimRight(text.String(), "\n"), strings.TrimRight(md.String(), "\n")
}

// resultLoc is the finding's location, or, when it has none (a connection
// whose process is unknown), a synthetic one named by the finding id.
func resultLoc(f sweep.Finding) sarifLocation {
	loc := sarifLoc(f.Location)
	if loc.PhysicalLocation == nil {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: "litesweep/" + nonEmpty(string(f.Category), "finding") + "/" + f.ID}}
	}
	if loc.PhysicalLocation.Region == nil {
		// A finding about a whole file (a staging file, a unit) is shown
		// at its first line; collectors give the line when one decides
		// it (METADATA's Version:, a .pth's executed line, a lockfile pin).
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: 1}
	}
	return loc
}

// resultMessage is plain text a code-scanning UI shows: the report's strings
// go through escape.Text (the JSON encoder alone would keep controls).
func resultMessage(f sweep.Finding) string {
	return escape.Text(resultLine(f))
}

func resultLine(f sweep.Finding) string {
	s := f.Title
	if ev := EvidenceLine(f); ev != "" {
		s += ": " + ev
	}
	if loc := f.Location.String(); loc != "" {
		s += " [" + loc + "]"
	}
	return s + " (" + f.ID + ")"
}

// fingerprint is the hex SHA-256 of the finding's key.
func fingerprint(f sweep.Finding) string {
	sum := sha256.Sum256([]byte(f.Key()))
	return hex.EncodeToString(sum[:])
}

// rootURI is the file:// URI of the scanned root, ending in a slash.
func rootURI(root string) string {
	p := strings.ReplaceAll(root, `\`, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// relURI is a tree path as a relative URI reference ("./" guards a first
// segment with a colon, which would read as a scheme).
func relURI(p string) string {
	rel := strings.TrimLeft(p, "/")
	u := (&url.URL{Path: rel}).String()
	if first, _, _ := strings.Cut(rel, "/"); strings.Contains(first, ":") && !strings.HasPrefix(u, "./") {
		u = "./" + u
	}
	return u
}

// sarifLoc maps a location. Files get a physicalLocation relative to the
// scanned root (uriBaseId SCANROOT). GitHub code scanning rejects a result
// whose location has only logicalLocations ("expected a physical
// location"), so image, CI, Kubernetes and process findings carry their
// logicalLocations plus a physicalLocation naming the same thing: a
// synthetic relative URI built from the logical name (for CI, the
// workflow file when the finding has one), or proc/<pid>/cmdline under the
// scanned root for a process.
func sarifLoc(l sweep.Location) sarifLocation {
	var loc sarifLocation
	var logical []sarifLogical
	fq := ""
	switch {
	case l.Image != "":
		fq = l.Image
		if l.Layer != nil {
			fq += fmt.Sprintf("/layer/%d", *l.Layer)
		}
		if l.Path != "" {
			fq += "!" + l.Path
		}
		logical = append(logical, sarifLogical{Name: l.Image, FullyQualifiedName: fq, Kind: "module"})
		loc.Properties = props(map[string]any{"image": l.Image, "imageId": l.ImageID, "layer": l.Layer, "layerDigest": l.LayerDigest,
			"createdBy": l.CreatedBy, "path": l.Path, "visible": l.Visible})
	case l.Repo != "":
		fq = l.Repo
		if l.RunID != 0 {
			fq += fmt.Sprintf("/actions/runs/%d", l.RunID)
		}
		if l.Job != "" {
			fq += "/" + l.Job
		}
		if l.Step != "" {
			fq += "/" + l.Step
		}
		logical = append(logical, sarifLogical{Name: l.Repo, FullyQualifiedName: fq, Kind: "module"})
		loc.Properties = props(map[string]any{"repo": l.Repo, "runId": l.RunID, "runAttempt": l.RunAttempt, "job": l.Job,
			"step": l.Step, "line": l.Line, "url": l.URL, "path": l.Path})
	case l.Object != "":
		fq = strings.Trim(l.Cluster+"/"+l.Namespace+"/"+l.Object, "/")
		logical = append(logical, sarifLogical{Name: l.Object, FullyQualifiedName: fq, Kind: "resource"})
	}
	switch {
	case fq != "":
		uri := relURI(fq)
		if l.Repo != "" && strings.HasPrefix(strings.TrimLeft(l.Path, "/"), ".github/") {
			uri = relURI(l.Path)
		}
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: uri}}
	case l.Path != "":
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: relURI(l.Path), URIBaseID: SARIFRootBase}}
		if l.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
		}
		if l.Member != "" {
			logical = append(logical, sarifLogical{Name: l.Member, FullyQualifiedName: l.Path + "!" + l.Member, Kind: "member"})
		}
	case l.PID != 0:
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: fmt.Sprintf("proc/%d/cmdline", l.PID), URIBaseID: SARIFRootBase}}
	}
	if l.PID != 0 {
		logical = append(logical, sarifLogical{Name: fmt.Sprintf("pid %d", l.PID), FullyQualifiedName: fmt.Sprintf("process/%d", l.PID), Kind: "resource"})
	}
	loc.LogicalLocations = logical
	return loc
}

// props drops empty values so locations stay small and stable.
func props(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x == "" {
				delete(m, k)
			}
		case int:
			if x == 0 {
				delete(m, k)
			}
		case int64:
			if x == 0 {
				delete(m, k)
			}
		case *int:
			if x == nil {
				delete(m, k)
			}
		case *bool:
			if x == nil {
				delete(m, k)
			}
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

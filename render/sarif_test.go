package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestSARIFGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "sarif", syntheticReport(), Options{Catalog: catalog.All()}); err != nil {
		t.Fatal(err)
	}
	sweeptest.Golden(t, filepath.Join("testdata", "report.sarif.golden"), buf.Bytes(), *update)
}

// validateSARIF checks what SARIF 2.1.0 requires and what GitHub code
// scanning requires on top (shared/formats.md §5.1; no SARIF JSON schema is
// available offline, so the rules are checked in code). It returns every
// violation.
func validateSARIF(b []byte) []string {
	var bad []string
	fail := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if s, _ := doc["$schema"].(string); !strings.HasPrefix(s, "https://") || !strings.Contains(s, "sarif") {
		fail("$schema %q", doc["$schema"])
	}
	if doc["version"] != "2.1.0" {
		fail("version %v", doc["version"])
	}
	runs, _ := doc["runs"].([]any)
	if len(runs) == 0 {
		fail("no runs")
	}
	str := func(m map[string]any, keys ...string) string {
		var cur any = m
		for _, k := range keys {
			mm, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = mm[k]
		}
		s, _ := cur.(string)
		return s
	}
	for ri, rv := range runs {
		run, _ := rv.(map[string]any)
		driver := obj(run, "tool", "driver")
		if driver == nil || str(driver, "name") == "" {
			fail("run %d: tool.driver.name missing", ri)
			continue
		}
		bases, _ := run["originalUriBaseIds"].(map[string]any)
		for k, v := range bases {
			m, _ := v.(map[string]any)
			u, err := url.Parse(str(m, "uri"))
			if err != nil || !u.IsAbs() || !strings.HasSuffix(u.Path, "/") {
				fail("originalUriBaseIds[%s] must be an absolute URI ending in /: %v", k, v)
			}
		}
		rules, _ := driver["rules"].([]any)
		ruleIDs := map[string]int{}
		for i, rv := range rules {
			rule, _ := rv.(map[string]any)
			id := str(rule, "id")
			if id == "" {
				fail("rule %d: no id", i)
			}
			if _, dup := ruleIDs[id]; dup {
				fail("rule %s twice", id)
			}
			ruleIDs[id] = i
			for _, k := range []string{"shortDescription", "fullDescription", "help"} {
				if str(rule, k, "text") == "" {
					fail("rule %s: %s.text missing", id, k)
				}
			}
			sev, err := strconv.ParseFloat(str(rule, "properties", "security-severity"), 64)
			if err != nil || sev < 0.1 || sev > 10 {
				fail("rule %s: security-severity %q", id, str(rule, "properties", "security-severity"))
			}
		}
		results, ok := run["results"].([]any)
		if !ok {
			fail("run %d: results missing", ri)
		}
		fps := map[string]bool{}
		for i, xv := range results {
			res, _ := xv.(map[string]any)
			id := str(res, "ruleId")
			idx, known := ruleIDs[id]
			if !known {
				fail("result %d: ruleId %q is not a rule", i, id)
			}
			if ri, ok := res["ruleIndex"].(float64); ok && int(ri) != idx {
				fail("result %d: ruleIndex %v, rule %s is at %d", i, ri, id, idx)
			}
			switch str(res, "level") {
			case "error", "warning", "note":
			default:
				fail("result %d: level %q", i, str(res, "level"))
			}
			if str(res, "message", "text") == "" {
				fail("result %d: message.text missing", i)
			}
			locs, _ := res["locations"].([]any)
			if len(locs) < 1 || len(locs) > 10 {
				fail("result %d: %d locations", i, len(locs))
			}
			for _, lv := range locs {
				loc, _ := lv.(map[string]any)
				al := obj(loc, "physicalLocation", "artifactLocation")
				if al == nil {
					fail("result %d: location without physicalLocation.artifactLocation (GitHub rejects it)", i)
					continue
				}
				u, err := url.Parse(str(al, "uri"))
				if err != nil || str(al, "uri") == "" {
					fail("result %d: uri %q: %v", i, str(al, "uri"), err)
					continue
				}
				if u.IsAbs() || strings.HasPrefix(u.Path, "/") {
					fail("result %d: uri %q is not relative", i, str(al, "uri"))
				}
				if base := str(al, "uriBaseId"); base != "" && bases[base] == nil {
					fail("result %d: uriBaseId %q not in originalUriBaseIds", i, base)
				}
				if rg := obj(loc, "physicalLocation", "region"); rg != nil {
					if l, _ := rg["startLine"].(float64); l < 1 {
						fail("result %d: startLine %v", i, rg["startLine"])
					}
				}
			}
			pf, _ := res["partialFingerprints"].(map[string]any)
			if len(pf) == 0 {
				fail("result %d: partialFingerprints missing", i)
			}
			for k, v := range pf {
				key := k + "=" + fmt.Sprint(v)
				if fps[key] {
					fail("result %d: fingerprint %s repeated", i, key)
				}
				fps[key] = true
			}
		}
	}
	return bad
}

// obj walks nested JSON objects, nil when any step is missing.
func obj(m map[string]any, keys ...string) map[string]any {
	cur := m
	for _, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

func TestSARIFValid(t *testing.T) {
	empty := &sweep.Report{Scan: sweep.Scan{Kind: "host", Root: "/"}}
	empty.Finalize()
	for name, r := range map[string]*sweep.Report{"synthetic": syntheticReport(), "empty": empty} {
		var buf bytes.Buffer
		if err := SARIF(&buf, r, Options{Catalog: catalog.All()}); err != nil {
			t.Fatal(err)
		}
		for _, v := range validateSARIF(buf.Bytes()) {
			t.Errorf("%s: %s", name, v)
		}
	}
}

// The validator must reject what GitHub rejects; otherwise TestSARIFValid
// could not fail.
func TestSARIFValidatorRejects(t *testing.T) {
	good := `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"r","shortDescription":{"text":"s"},"fullDescription":{"text":"f"},"help":{"text":"h"},"properties":{"security-severity":"9.5"}}]}},"results":[{"ruleId":"r","level":"error","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a/b"}}}],"partialFingerprints":{"k":"v"}}]}]}`
	if v := validateSARIF([]byte(good)); len(v) != 0 {
		t.Fatalf("good document rejected: %v", v)
	}
	for name, mut := range map[string][2]string{
		"logical only":    {`{"physicalLocation":{"artifactLocation":{"uri":"a/b"}}}`, `{"logicalLocations":[{"fullyQualifiedName":"x"}]}`},
		"absolute uri":    {`"uri":"a/b"`, `"uri":"file:///a/b"`},
		"unknown rule":    {`"ruleId":"r"`, `"ruleId":"q"`},
		"bad level":       {`"level":"error"`, `"level":"critical"`},
		"no fingerprints": {`"partialFingerprints":{"k":"v"}`, `"partialFingerprints":{}`},
		"no help":         {`"help":{"text":"h"}`, `"help":{"text":""}`},
		"bad severity":    {`"9.5"`, `"11"`},
		"old version":     {`"version":"2.1.0"`, `"version":"2.0.0"`},
		"undefined base":  {`"uri":"a/b"`, `"uri":"a/b","uriBaseId":"NOPE"`},
	} {
		doc := strings.Replace(good, mut[0], mut[1], 1)
		if doc == good {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if v := validateSARIF([]byte(doc)); len(v) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}

func sarifDoc(t *testing.T, r *sweep.Report) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, r, Options{Catalog: catalog.All()}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func results(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range doc["runs"].([]any)[0].(map[string]any)["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func TestSARIFContent(t *testing.T) {
	r := syntheticReport()
	doc := sarifDoc(t, r)
	run := doc["runs"].([]any)[0].(map[string]any)
	if got := run["originalUriBaseIds"].(map[string]any)[SARIFRootBase].(map[string]any)["uri"]; got != "file:///mnt/disk/" {
		t.Errorf("root base %v", got)
	}
	byID := map[string]map[string]any{}
	for _, res := range results(doc) {
		byID[res["properties"].(map[string]any)["id"].(string)] = res
	}
	for _, f := range r.Findings {
		res := byID[f.ID]
		if res == nil {
			t.Fatalf("finding %s has no result", f.ID)
		}
		wantLevel := map[sweep.Severity]string{sweep.Critical: "error", sweep.High: "error", sweep.Medium: "warning", sweep.Low: "note", sweep.Info: "note"}[f.Severity]
		if res["level"] != wantLevel {
			t.Errorf("%s: level %v, want %s", f.ID, res["level"], wantLevel)
		}
		wantRule := "litesweep/" + string(f.Category)
		if f.Indicator != nil {
			wantRule = f.Indicator.ID
		}
		if res["ruleId"] != wantRule {
			t.Errorf("%s: ruleId %v, want %s", f.ID, res["ruleId"], wantRule)
		}
		loc := res["locations"].([]any)[0].(map[string]any)
		al := loc["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)
		switch {
		case f.Location.Image != "" || f.Location.Repo != "":
			if loc["logicalLocations"] == nil {
				t.Errorf("%s: image/CI finding without logicalLocations", f.ID)
			}
		case f.Location.Path != "":
			if al["uriBaseId"] != SARIFRootBase || "/"+al["uri"].(string) != f.Location.Path {
				t.Errorf("%s: artifact %v for %s", f.ID, al, f.Location.Path)
			}
		}
	}
	// The .pth rule is shared by the host and the image finding, at the
	// worst severity, and its help carries the rotation checklist.
	var pth map[string]any
	for _, rv := range run["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any) {
		if rule := rv.(map[string]any); rule["id"] == "litellm-init-pth" {
			pth = rule
		}
	}
	if pth == nil {
		t.Fatal("no litellm-init-pth rule")
	}
	help := pth["help"].(map[string]any)["text"].(string)
	for _, must := range []string{"`litesweep rotate` lists them by name", "P1 AWS access keys: /home/alice/.aws/credentials (default, prod)"} {
		if !strings.Contains(help, must) {
			t.Errorf("help lacks %q:\n%s", must, help)
		}
	}
	if pth["properties"].(map[string]any)["security-severity"] != "9.5" {
		t.Errorf("security-severity %v", pth["properties"])
	}
	// Errors are notifications of the invocation.
	inv := run["invocations"].([]any)[0].(map[string]any)
	if n := len(inv["toolExecutionNotifications"].([]any)); n != len(r.Errors) {
		t.Errorf("%d notifications for %d errors", n, len(r.Errors))
	}
}

// Fingerprints depend on the evidence, not on the order findings arrive in
// or on anything that changes between runs (times, ids of other findings).
func TestSARIFFingerprintsStable(t *testing.T) {
	fp := func(r *sweep.Report) map[string]string {
		out := map[string]string{}
		for _, res := range results(sarifDoc(t, r)) {
			p := res["partialFingerprints"].(map[string]any)[SARIFFingerprint].(string)
			out[res["properties"].(map[string]any)["id"].(string)] = p
		}
		return out
	}
	a := fp(syntheticReport())
	r := syntheticReport()
	rand.New(rand.NewSource(1)).Shuffle(len(r.Findings), func(i, j int) { r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i] })
	for i := range r.Findings {
		r.Findings[i].Evidence.Time = nil
	}
	r.Scan.Started = r.Scan.Started.Add(86400e9)
	r.Finalize()
	b := fp(r)
	if len(a) != len(b) || len(a) != len(r.Findings) {
		t.Fatalf("%d vs %d fingerprints", len(a), len(b))
	}
	for id, p := range a {
		if b[id] != p || len(p) != 64 {
			t.Errorf("%s: fingerprint %q then %q", id, p, b[id])
		}
	}
}

func TestRelURI(t *testing.T) {
	tests := map[string]string{
		"/home/a/.venv/lib/site-packages/litellm_init.pth":       "home/a/.venv/lib/site-packages/litellm_init.pth",
		"/run/user/1000/systemd/units/invocation:sysmon.service": "run/user/1000/systemd/units/invocation:sysmon.service",
		"/a b/c#d?e%":                   "a%20b/c%23d%3Fe%25",
		"invocation:sysmon.service":     "./invocation:sysmon.service",
		"sha256:abcd/layer/3!/usr/x.py": "./sha256:abcd/layer/3%21/usr/x.py",
	}
	for in, want := range tests {
		got := relURI(in)
		if got != want {
			t.Errorf("relURI(%q) = %q, want %q", in, got, want)
		}
		u, err := url.Parse(got)
		if err != nil || u.IsAbs() {
			t.Errorf("relURI(%q) = %q is not a relative reference: %v", in, got, err)
		}
	}
}

// TestSARIFFile validates a SARIF file litesweep wrote, named by
// LITESWEEP_SARIF_FILE (for checking real sweeps by hand:
// litesweep host --format sarif -o x.sarif; LITESWEEP_SARIF_FILE=$PWD/x.sarif go test ./render -run SARIFFile).
func TestSARIFFile(t *testing.T) {
	p := os.Getenv("LITESWEEP_SARIF_FILE")
	if p == "" {
		// Without a file to check by hand, check the committed golden SARIF.
		p = filepath.Join("testdata", "report.sarif.golden")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range validateSARIF(b) {
		t.Error(v)
	}
}

// TestSARIFUnknownCategory: a report written by another version (read by
// merge or rotate) may hold a category this build does not declare; its
// rule is generic and the log stays valid.
func TestSARIFUnknownCategory(t *testing.T) {
	r := syntheticReport()
	r.Findings[0].Category, r.Findings[0].Indicator = "python", nil
	r.Finalize()
	var buf bytes.Buffer
	if err := SARIF(&buf, r, Options{Catalog: catalog.All()}); err != nil {
		t.Fatal(err)
	}
	for _, v := range validateSARIF(buf.Bytes()) {
		t.Error(v)
	}
	doc := sarifDoc(t, r)
	var rule map[string]any
	for _, rv := range doc["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any) {
		if rv.(map[string]any)["id"] == "litesweep/python" {
			rule = rv.(map[string]any)
		}
	}
	if rule == nil {
		t.Fatal("no litesweep/python rule")
	}
	if got := rule["shortDescription"].(map[string]any)["text"]; got != "litesweep finding of category python" {
		t.Errorf("short description %q", got)
	}
	if help := rule["help"].(map[string]any)["text"].(string); !strings.Contains(help, `does not declare the category "python"`) {
		t.Errorf("help:\n%s", help)
	}
}

package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/remediate"
	"github.com/litesweep/litesweep/sweep"
)

// hostileNames are strings a swept system or an API can hand the renderers:
// terminal control sequences, OSC 8 links, CR/LF that would start a row,
// bidirectional overrides, bytes that are not UTF-8, every C0 and C1
// control, Markdown and HTML metacharacters, and a spreadsheet formula.
func hostileNames() []string {
	var c0, c1 strings.Builder
	for b := 0; b < 0x20; b++ {
		c0.WriteByte(byte(b))
	}
	c0.WriteByte(0x7f)
	for r := rune(0x80); r <= 0x9f; r++ {
		c1.WriteRune(r)
	}
	return []string{
		"\x1b[2J\x1b[H\x1b[31mCRITICAL\x1b[0m",
		"\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07",
		"a\nFORGED | CRITICAL | row |",
		"b\r\nFORGED\r",
		"\u202egnp.exe\u2066x\u2069\u200f\u2028FORGED",
		"c0:" + c0.String() + "FORGED",
		"c1:" + c1.String(),
		"bad\xff\xfeutf8\xc3",
		"# heading | `code` <script>alert(1)</script> &amp; *em* [l](javascript:x) ~~s~~ \\",
		"<img src=x onerror=alert(2)>\n# FORGED",
		"=HYPERLINK(\"http://evil.example\")",
	}
}

// hostileReport is syntheticReport with every plain string field (names,
// paths, evidence, details, rotation text, errors) replaced by a hostile
// name; typed fields (severity, verdict) keep their values so every
// section is rendered.
func hostileReport() *sweep.Report {
	r := syntheticReport()
	names := hostileNames()
	// Each field name cycles through the names on its own, so every field
	// (every finding's path included) meets every kind of hostile name
	// whatever fields the model gains.
	next, first := map[string]int{}, map[string]int{}
	var fill func(v reflect.Value, field string)
	fill = func(v reflect.Value, field string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				fill(v.Elem(), field)
			}
		case reflect.Struct:
			if v.Type().PkgPath() == "time" {
				return
			}
			for j := 0; j < v.NumField(); j++ {
				if f := v.Type().Field(j); f.IsExported() {
					fill(v.Field(j), v.Type().Name()+"."+f.Name)
				}
			}
		case reflect.Slice:
			for j := 0; j < v.Len(); j++ {
				fill(v.Index(j), field)
			}
		case reflect.String:
			// Categories and error kinds too: a saved report read by merge
			// or rotate may hold any string there.
			if (v.Type() == reflect.TypeOf("") || v.Type() == reflect.TypeOf(sweep.Category("")) || v.Type() == reflect.TypeOf(sweep.ErrorKind(""))) && v.CanSet() {
				if _, ok := first[field]; !ok {
					first[field] = len(first) // each field starts at another name
				}
				i := next[field]
				next[field]++
				v.SetString(names[(first[field]+i)%len(names)] + fmt.Sprint(i))
			}
		}
	}
	fill(reflect.ValueOf(r), "")
	r.Summary = nil
	r.Finalize()
	return r
}

// checkDisplay fails when a text output holds a byte or rune that a
// terminal, Markdown viewer or browser would act on, or a line that a
// hostile name started.
func checkDisplay(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: output is not UTF-8", what)
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: raw %U at byte %d: …%q…", what, r, i, out[max(0, i-40):min(len(out), i+20)])
			return
		}
	}
	// A raw newline or carriage return in a name would put the rest of
	// it at the start of a line: a forged row, heading or block.
	for n, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "FORGED") || strings.HasPrefix(line, "# FORGED") {
			t.Errorf("%s: line %d was started by a hostile name: %q", what, n+1, line)
		}
	}
}

// checkNoMarkup fails when hostile HTML is live: in Markdown outside code
// spans (whose content is literal), in HTML anywhere.
func checkNoMarkup(t *testing.T, what, out string, markdown bool) {
	t.Helper()
	if markdown {
		out = stripCodeSpans(out)
	}
	bad := []string{"<script>alert", "<img src"}
	if markdown {
		bad = append(bad, "[l](javascript")
	}
	for _, m := range bad {
		for i := strings.Index(out, m); i >= 0; {
			if i == 0 || out[i-1] != '\\' { // a backslash-escaped character is literal
				t.Errorf("%s: live markup %q", what, m)
				break
			}
			j := strings.Index(out[i+1:], m)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
}

// stripCodeSpans removes Markdown code spans (a backtick run up to the next
// run of the same length), as a CommonMark parser would take them.
func stripCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '\\' && i+1 < len(s) {
			b.WriteString(s[i : i+2])
			i += 2
			continue
		}
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		fence := s[i:j]
		k := j
		closed := -1
		for k < len(s) {
			e := strings.Index(s[k:], fence)
			if e < 0 {
				break
			}
			e += k
			f := e + len(fence)
			if (e == 0 || s[e-1] != '`') && (f >= len(s) || s[f] != '`') {
				closed = f
				break
			}
			k = f
			for k < len(s) && s[k] == '`' {
				k++
			}
		}
		if closed < 0 {
			b.WriteString(fence)
			i = j
			continue
		}
		b.WriteString("CODE")
		i = closed
	}
	return b.String()
}

// checkMarkdownTables fails when a table row has more or fewer cells than
// its header: a hostile pipe or newline would change the count.
func checkMarkdownTables(t *testing.T, what, out string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			if line[i] == '\\' {
				i++
				continue
			}
			if line[i] == '|' {
				n++
			}
		}
		return n
	}
	want := -1
	for n, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("%s: line %d has %d cell separators, its header %d: %q", what, n+1, got, want, line)
		}
	}
}

func TestHostileNamesEveryFormat(t *testing.T) {
	r := hostileReport()
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, f, r, Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := b.String()
		switch f {
		case "table":
			checkDisplay(t, f, out)
		case "html":
			checkDisplay(t, f, out)
			checkNoMarkup(t, f, out, false)
		case "markdown":
			checkDisplay(t, f, out)
			checkMarkdownTables(t, f, out)
			checkNoMarkup(t, f, out, true)
		case "json":
			var back sweep.Report
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			for i := range r.Findings {
				if back.Findings[i].Location.Path != r.Findings[i].Location.Path {
					t.Errorf("json: path %q came back as %q", r.Findings[i].Location.Path, back.Findings[i].Location.Path)
				}
			}
			// Written again, the decoded report is the same document.
			again, _ := json.Marshal(&back)
			var d1, d2 any
			if err := json.Unmarshal(again, &d1); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b.Bytes(), &d2); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d1, d2) {
				t.Errorf("json: the report does not round-trip")
			}
		case "sarif":
			var doc struct {
				Runs []struct {
					Results []struct {
						Message struct{ Text string } `json:"message"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, res := range doc.Runs[0].Results {
				checkDisplay(t, "sarif message", res.Message.Text)
			}
		}
	}
	// Any byte of a path is kept: the JSON path_bytes field holds the
	// exact bytes when the path is not UTF-8.
	var nonUTF8 int
	for _, f := range r.Findings {
		if !utf8.ValidString(f.Location.Path) {
			nonUTF8++
		}
	}
	if nonUTF8 == 0 {
		t.Error("no finding has a non-UTF-8 path: the JSON check proves nothing")
	}

	fl := fleet.FromReport(r)
	for _, f := range FleetFormats {
		var b bytes.Buffer
		if err := WriteFleet(&b, f, fl, Options{}); err != nil {
			t.Fatalf("fleet %s: %v", f, err)
		}
		switch f {
		case "table":
			checkDisplay(t, "fleet "+f, b.String())
		case "html":
			checkDisplay(t, "fleet "+f, b.String())
			checkNoMarkup(t, "fleet "+f, b.String(), false)
		case "markdown":
			checkDisplay(t, "fleet "+f, b.String())
			checkMarkdownTables(t, "fleet "+f, b.String())
			checkNoMarkup(t, "fleet "+f, b.String(), true)
		case "json":
			var back fleet.Fleet
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatalf("fleet json: %v", err)
			}
		}
	}

	cl := &remediate.Checklist{Items: r.Rotation, Sources: []remediate.Source{{From: hostileNames()[2], Kind: "host", Host: hostileNames()[0], Verdict: string(r.Verdict)}},
		Notes: []string{hostileNames()[3]}}
	for _, f := range ChecklistFormats {
		var b bytes.Buffer
		if err := WriteChecklist(&b, f, cl); err != nil {
			t.Fatal(err)
		}
		switch f {
		case "markdown":
			checkDisplay(t, "checklist "+f, b.String())
			checkNoMarkup(t, "checklist "+f, b.String(), true)
		case "csv":
			checkDisplay(t, "checklist "+f, b.String())
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(r.Rotation)+1 {
				t.Errorf("csv: %d records for %d items", len(recs), len(r.Rotation))
			}
			for _, rec := range recs[1:] {
				for _, cell := range rec {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Errorf("csv: formula cell %q", cell)
					}
				}
			}
		}
	}
}

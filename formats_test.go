package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds/credtest"
	"github.com/litesweep/litesweep/render"
	"github.com/litesweep/litesweep/sweep"
)

// answer is what every format of one report must agree on.
type answer struct {
	verdict string
	counts  map[string]int // findings by severity
	ids     []string       // finding ids, sorted
}

func (a answer) String() string {
	return fmt.Sprintf("%s %v %d ids", a.verdict, a.counts, len(a.ids))
}

var (
	idRe    = regexp.MustCompile(`LS-[0-9A-F]{12}`)
	countRe = regexp.MustCompile(`(\d+) (critical|high|medium|low|info)\b`)
)

func idSet(s string) []string {
	return slices.Compact(slices.Sorted(slices.Values(idRe.FindAllString(s, -1))))
}

// countsOn parses "12 critical, 3 high, ..." from the first line holding
// prefix.
func countsOn(t *testing.T, out, prefix string) map[string]int {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			m := map[string]int{}
			for _, c := range countRe.FindAllStringSubmatch(l, -1) {
				n, _ := strconv.Atoi(c[1])
				m[c[2]] = n
			}
			return m
		}
	}
	t.Fatalf("no line starting %q", prefix)
	return nil
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// TestOneAnswerEveryFormat sweeps one planted root (credentials, an
// installed affected release with its start-up hook, persistence, a range
// in a manifest) through the real command in every report format and
// checks that each states the same verdict, counts per severity and
// finding ids as the JSON report.
func TestOneAnswerEveryFormat(t *testing.T) {
	root := t.TempDir()
	credtest.Plant(t, root, credtest.Canary)
	plantDropper(t, root)
	req := filepath.Join(root, "home/alice/app/requirements.txt")
	os.MkdirAll(filepath.Dir(req), 0o755)
	os.WriteFile(req, []byte("litellm>=1.82.0\n"), 0o644)
	out := map[string]string{}
	for _, f := range render.Formats {
		code, o, errs := runArgs(context.Background(), "host", "--root", root, "--no-live", "--format", f)
		if code != sweep.ExitFindings {
			t.Fatalf("host --format %s: exit %d: %s", f, code, errs)
		}
		out[f] = o
	}
	if len(out) < 6 {
		t.Fatalf("formats %v: want table, json, markdown, sarif, csv and html", render.Formats)
	}
	var r sweep.Report
	if err := json.Unmarshal([]byte(out["json"]), &r); err != nil {
		t.Fatal(err)
	}
	want := answer{verdict: string(r.Verdict), counts: nonZero(r.Summary)}
	for _, f := range r.Findings {
		want.ids = append(want.ids, f.ID)
	}
	slices.Sort(want.ids)
	if r.Verdict != sweep.Compromised || r.Summary["critical"] == 0 || r.Summary["medium"] == 0 || r.Summary["info"] == 0 {
		t.Fatalf("the planted root should give critical, medium and info findings: %s %v", r.Verdict, r.Summary)
	}
	got := map[string]answer{}
	for f, o := range out {
		var a answer
		switch f {
		case "json":
			continue
		case "table":
			a.counts = countsOn(t, o, "Verdict: ")
			a.verdict = strings.Fields(strings.TrimPrefix(o[strings.LastIndex(o, "\nVerdict: "):], "\nVerdict: "))[0]
			a.ids = idSet(o)
		case "markdown":
			a.counts = countsOn(t, o, "Findings: ")
			a.verdict = regexp.MustCompile(`\*\*([A-Z-]+)\*\*`).FindStringSubmatch(o)[1]
			a.ids = idSet(o)
		case "sarif":
			var s struct {
				Runs []struct {
					Properties struct{ Verdict string }
					Results    []struct {
						Properties struct{ ID, Severity string }
					}
				}
			}
			if err := json.Unmarshal([]byte(o), &s); err != nil || len(s.Runs) != 1 {
				t.Fatalf("sarif: %v", err)
			}
			a.verdict, a.counts = s.Runs[0].Properties.Verdict, map[string]int{}
			for _, x := range s.Runs[0].Results {
				a.counts[x.Properties.Severity]++
				a.ids = append(a.ids, x.Properties.ID)
			}
			slices.Sort(a.ids)
		case "csv":
			rows, err := csv.NewReader(strings.NewReader(o)).ReadAll()
			if err != nil || len(rows) < 2 || !slices.Equal(rows[0], render.CSVHeader) {
				t.Fatalf("csv: %v %q", err, rows[:1])
			}
			a.verdict, a.counts = rows[1][0], map[string]int{}
			for _, row := range rows[1:] {
				if row[0] != a.verdict {
					t.Errorf("csv: rows disagree on the verdict: %q and %q", row[0], a.verdict)
				}
				a.counts[row[2]]++
				a.ids = append(a.ids, row[1])
			}
			slices.Sort(a.ids)
		case "html":
			a.verdict = regexp.MustCompile(`id="verdict">([A-Z-]+)<`).FindStringSubmatch(o)[1]
			a.counts = map[string]int{}
			for _, m := range regexp.MustCompile(`data-severity="([a-z]+)"><b>(\d+)<`).FindAllStringSubmatch(o, -1) {
				a.counts[m[1]], _ = strconv.Atoi(m[2])
			}
			a.ids = slices.Sorted(slices.Values(regexp.MustCompile(`<tr class="finding"[^>]*>.*?<td class="mono">(LS-[0-9A-F]{12})<`).FindAllString(o, -1)))
			for i, s := range a.ids {
				a.ids[i] = idRe.FindString(s)
			}
			slices.Sort(a.ids)
		default:
			t.Fatalf("format %s is not checked here", f)
		}
		a.counts = nonZero(a.counts)
		got[f] = a
	}
	for _, f := range slices.Sorted(maps.Keys(got)) {
		a := got[f]
		if a.verdict != want.verdict || !maps.Equal(a.counts, want.counts) || !slices.Equal(a.ids, want.ids) {
			t.Errorf("%s says %s; json says %s", f, a, want)
		}
	}
}

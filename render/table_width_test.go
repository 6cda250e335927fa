package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// goldenHostReport is the JSON report of a real sweep of the repository's
// fixture root (the top-level golden test writes it).
func goldenHostReport(t *testing.T) *sweep.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "host-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The golden file blanks the run's times; any time will do here.
	data = bytes.ReplaceAll(data, []byte(`"STARTED"`), []byte(`"2026-03-27T10:00:00Z"`))
	data = bytes.ReplaceAll(data, []byte(`"FINISHED"`), []byte(`"2026-03-27T10:01:00Z"`))
	var r sweep.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestTableFitsWidth renders a real report at 80, 120 and 200 columns: no
// line is wider than the terminal, and the last lines are the closing
// summary that answers the question.
func TestTableFitsWidth(t *testing.T) {
	r := goldenHostReport(t)
	// A path long enough that it must be shortened at every width.
	r.Findings[0].Location.Path = "/home/alice/" + strings.Repeat("deeply/nested/", 20) + "site-packages/litellm_init.pth"
	for _, cols := range []int{80, 120, 200} {
		var buf bytes.Buffer
		if err := Table(&buf, r, Options{Width: cols}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		for i, l := range lines {
			if width(l) > cols {
				t.Errorf("width %d: line %d is %d columns: %q", cols, i+1, width(l), l)
			}
		}
		// The last screen of a 24-row terminal (one row for the prompt).
		tail := strings.Join(lines[max(0, len(lines)-23):], "\n")
		if !strings.Contains(tail, "Verdict: "+string(r.Verdict)) || !strings.Contains(tail, "Full report:") || !strings.Contains(tail, "Next:") {
			t.Errorf("width %d: no closing summary at the end:\n%s", cols, tail)
		}
		if strings.Contains(buf.String(), r.Findings[0].Location.Path) || !strings.Contains(buf.String(), "/…/") || !strings.Contains(buf.String(), "site-packages/litellm_init.pth") {
			t.Errorf("width %d: the long path is not shortened in the middle", cols)
		}
	}
	var wide bytes.Buffer
	if err := Table(&wide, r, Options{Width: 80, Wide: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(wide.String(), r.Findings[0].Location.Path) {
		t.Error("--wide does not keep the full path")
	}
}

func TestShortenMiddle(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"/home/alice/proj/.venv/lib/python3.11/site-packages/litellm_init.pth", 100, "/home/alice/proj/.venv/lib/python3.11/site-packages/litellm_init.pth"},
		{"/home/alice/proj/.venv/lib/python3.11/site-packages/litellm_init.pth", 45, "/home/alice/…/site-packages/litellm_init.pth"},
		{"/home/alice/proj/.venv/lib/python3.11/site-packages/litellm_init.pth", 30, "/home/alice/…/litellm_init.pth"},
		{"/a/" + strings.Repeat("x", 50), 20, "/a/xxxxxx…xxxxxxxxxx"},
	} {
		got := ShortenMiddle(tt.in, tt.max)
		if width(got) > tt.max {
			t.Errorf("ShortenMiddle(%q, %d) = %q is %d wide", tt.in, tt.max, got, width(got))
		}
		if got != tt.want {
			t.Errorf("ShortenMiddle(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"abcdefghijklmnop", 5, []string{"abcde", "fghij", "klmno", "p"}},
		{"日本語のテキスト", 6, []string{"日本語", "のテキ", "スト"}},
	} {
		got := Wrap(tt.in, tt.max)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestShortenedPathsStayDistinct: paths shown in one table that shorten
// alike keep the directories that tell them apart (the Python versions),
// at 80 columns as a responder's terminal shows them.
func TestShortenedPathsStayDistinct(t *testing.T) {
	var ps pathSet
	for _, v := range []string{"3.10.13", "3.11.7", "3.12.1", "3.8.18", "3.9.18", "3.11.9", "3.12.4", "3.13.0"} {
		minor := v[:strings.LastIndex(v, ".")]
		ps = append(ps, "/root/.pyenv/versions/"+v+"/lib/python"+minor+"/site-packages/_sandboxing_egress_ca.pth:2")
	}
	seen := map[string]string{}
	for _, p := range ps {
		got := ps.fit(p, 60, Options{})
		if width(got) > 60 {
			t.Errorf("%s: %q is %d columns", p, got, width(got))
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%s and %s both read %q", p, other, got)
		}
		seen[got] = p
		version := strings.Split(p, "/")[4]
		if !strings.Contains(got, "/"+version+"/") || !strings.HasSuffix(got, "_sandboxing_egress_ca.pth:2") {
			t.Errorf("%s: %q lost what distinguishes it", p, got)
		}
	}
	// Alone, or when nothing collides, a path is shortened as before.
	one := pathSet{ps[0]}
	if got, want := one.fit(ps[0], 60, Options{}), ShortenMiddle(ps[0], 60); got != want {
		t.Errorf("a lone path: %q, want %q", got, want)
	}
	// Real table: eight findings at 80 columns, eight different locations.
	r := goldenHostReport(t)
	f0 := r.Findings[0]
	r.Findings = nil
	for i, p := range ps {
		f := f0
		f.ID = fmt.Sprintf("LS-%012d", i)
		f.Location = sweep.Location{Path: strings.TrimSuffix(p, ":2"), Line: 2}
		r.Findings = append(r.Findings, f)
	}
	var buf bytes.Buffer
	if err := Table(&buf, r, Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		v := strings.Split(p, "/")[4]
		if !strings.Contains(buf.String(), "/"+v+"/") {
			t.Errorf("at 80 columns the table lost %s:\n%s", v, buf.String())
		}
	}
}

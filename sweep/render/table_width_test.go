package render

import (
	"bytes"
	"encoding/json"
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
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "host-report.json"))
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
		tail := strings.Join(lines[max(0, len(lines)-6):], "\n")
		if !strings.Contains(tail, "Verdict: "+string(r.Verdict)) || !strings.Contains(tail, "Full report:") {
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

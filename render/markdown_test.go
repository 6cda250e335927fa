package render

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "markdown", syntheticReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	sweeptest.Golden(t, filepath.Join("testdata", "report.md.golden"), buf.Bytes(), *update)
}

// cells counts a table row's cells: pipes not escaped by a backslash.
func cells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestMarkdownStructure(t *testing.T) {
	r := syntheticReport()
	var buf bytes.Buffer
	if err := Markdown(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "# litesweep host sweep of web\\-01 (root /mnt/disk): **COMPROMISED**") && !strings.HasPrefix(lines[0], "# litesweep host sweep of web-01") {
		t.Errorf("first line %q", lines[0])
	}
	if lines[2] != "> "+mdText(VerdictSentence(r)) {
		t.Errorf("verdict sentence not second: %q", lines[2])
	}
	// Every table row has as many cells as its header: pipes and newlines
	// in titles, evidence and reasons are escaped.
	want := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(l)
			continue
		}
		if got := cells(l); got != want {
			t.Errorf("line %d has %d cells, header %d: %s", i+1, got, want, l)
		}
	}
	for _, bad := range []string{"<script>", "\nsecond line", "*log*"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in markdown", bad)
		}
	}
	for _, must := range []string{
		"### Critical (4)", "### Medium (1)", "`/home/alice/.venv/lib/python3.11/site-packages/litellm_init.pth:1`",
		"- [ ] **P1** AWS access keys: `/home/alice/.aws/credentials` (`default`, `prod`), user alice",
		"  - [ ] Deactivate then delete the old key", "OPENAI\\_API\\_KEY in a .env \\| file",
		"## Could not check (2)", "log expired (410)", "## Not read on purpose (1)", "**in window**",
		"| **payload present and executed** | `/home/alice/.venv` |", "sha256 `0f1e2d3c", "12 API calls",
	} {
		if !strings.Contains(out, must) {
			t.Errorf("markdown lacks %q", must)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct{ in, text, code string }{
		{"a|b", `a\|b`, "`a\\|b`"},
		{"x\ny", `x\\ny`, "`x\\ny`"},
		{"a\x1b[2Jb\u202e", `a\\x1b\[2Jb\\u202e`, "`a\\x1b[2Jb\\u202e`"},
		{"__pycache__", `\_\_pycache\_\_`, "`__pycache__`"},
		{"a`b", "a\\`b", "`` a`b ``"},
		{"<b>&", `\<b\>\&`, "`<b>&`"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := mdText(tc.in); got != tc.text {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.text)
		}
		if got := mdCode(tc.in); got != tc.code {
			t.Errorf("mdCode(%q) = %q, want %q", tc.in, got, tc.code)
		}
	}
}

func TestMarkdownEmptyReport(t *testing.T) {
	r := &sweep.Report{Scan: sweep.Scan{Kind: "host", Root: "/"}}
	r.Finalize()
	var buf bytes.Buffer
	if err := Markdown(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "**CLEAN**") || !strings.Contains(buf.String(), "No findings.") {
		t.Errorf("empty report:\n%s", buf.String())
	}
}

package iocs

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func builtinText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", oldFormatPack))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBuiltinPackWhole: every section a collector relies on is non-empty
// in the built-in pack.
func TestBuiltinPackWhole(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Sections {
		if s.empty(l.Pack) {
			t.Errorf("built-in pack section %s (%s, read by %s) is empty", s.Field, s.What, s.Users)
		}
	}
	if len(l.Partial) != 0 {
		t.Errorf("built-in pack marked partial: %v", l.Partial)
	}
}

// cut removes a top-level section (from its key to the next top-level key).
func cut(t *testing.T, text, key string) string {
	t.Helper()
	start := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:`).FindStringIndex(text)
	if start == nil {
		t.Fatalf("section %s not found", key)
	}
	rest := text[start[1]:]
	if next := regexp.MustCompile(`(?m)^[a-z_]+:`).FindStringIndex(rest); next != nil {
		return text[:start[0]] + rest[next[0]:]
	}
	return text[:start[0]]
}

// TestPartialPackRefused: a pack lacking whole sections is refused with
// a message naming each; with AllowPartial it loads and says what it lacks.
func TestPartialPackRefused(t *testing.T) {
	text := builtinText(t)
	for _, k := range []string{"persistence", "credentials", "windows"} {
		text = cut(t, text, k)
	}
	// the windows the packages and actions name are gone too
	text = regexp.MustCompile(`(?m)^\s+window: [a-z0-9-]+\n`).ReplaceAllString(text, "")
	_, err := Parse([]byte(text), "partial.yaml")
	if err == nil || !errors.Is(err, ErrPartial) {
		t.Fatalf("partial pack accepted or wrong error: %v", err)
	}
	for _, want := range []string{"partial.yaml", "persistence (persistence paths)", "credentials (credential targets)", "windows (exposure windows)", "--iocs-partial"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "staging") {
		t.Errorf("error names a section that is present: %v", err)
	}
	l, err := ParseWith([]byte(text), "partial.yaml", LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(l.Partial, "; ") != "windows (exposure windows); persistence (persistence paths); credentials (credential targets)" {
		t.Errorf("partial %q", l.Partial)
	}
}

// TestErrorsNameFieldAndLine: every validation message carries the field
// and the line it is on, including times the decoder rejects.
func TestErrorsNameFieldAndLine(t *testing.T) {
	good := builtinText(t)
	lineOfText := func(s, sub string) int { return strings.Count(s[:strings.Index(s, sub)], "\n") + 1 }
	tests := []struct{ name, from, to, want string }{
		{"bad time", "start: 2026-03-24T10:39:00Z", "start: yesterday", `windows[0].start: "yesterday" is not a time`},
		{"bad version", `versions: ["1.82.7", "1.82.8"]`, `versions: ["1.82.x"]`, "packages[0].versions[0]"},
		{"bad severity", "    severity: critical\n    description: \"1.82.8 start-up hook", "    severity: nasty\n    description: \"1.82.8 start-up hook", "files[0].severity"},
		{"type error", "schema_version: 1\n", "schema_version: one\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(good, tt.from, tt.to, 1)
			_, err := Parse([]byte(bad), "test.yaml")
			if err == nil {
				t.Fatal("accepted")
			}
			line := lineOfText(bad, tt.to)
			if !strings.Contains(err.Error(), tt.want) || !regexp.MustCompile(`line `+regexp.QuoteMeta(strconv.Itoa(line))+`\b`).MatchString(err.Error()) {
				t.Errorf("error %q: want %q at line %d", err, tt.want, line)
			}
		})
	}
}

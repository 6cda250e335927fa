package escape

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unescape inverts Text; it exists to prove Text is injective.
func unescape(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'x':
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				t.Fatalf("bad \\x in %q", s)
			}
			b.WriteByte(byte(n))
			i += 3
		case 'u':
			n, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if err != nil {
				t.Fatalf("bad \\u in %q", s)
			}
			b.WriteRune(rune(n))
			i += 5
		default:
			b.WriteByte('\\')
		}
	}
	return b.String()
}

// checkVisible fails if s holds a byte or rune a terminal would act on.
func checkVisible(t *testing.T, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("Text(%q) = %q is not UTF-8", in, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || hidden(r) {
			t.Fatalf("Text(%q) = %q holds %U", in, s, r)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain /home/a b", "plain /home/a b"},
		{"a\x1b[2J\x1b]8;;http://x\x07link\x1b]8;;\x07", `a\x1b[2J\x1b]8;;http://x\x07link\x1b]8;;\x07`},
		{"row\nCRITICAL | x\r", `row\nCRITICAL | x\r`},
		{"tab\there\x7f", `tab\there\x7f`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bidi \u202egnp.exe\u2066\u200f", `bidi \u202egnp.exe\u2066\u200f`},
		{"bad \xff\xfe utf8 \xc3", `bad \xff\xfe utf8 \xc3`},
		{"café — ✓", "café — ✓"},
		{`C:\Users\x`, `C:\Users\\x`},
		{`a\\b`, `a\\\b`},
		{"back\\\x1b", `back\\\x1b`},
		{`\`, `\`},
	}
	for _, tc := range tests {
		got := Text(tc.in)
		if got != tc.want {
			t.Errorf("Text(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
		checkVisible(t, tc.in, got)
		if back := unescape(t, got); back != tc.in {
			t.Errorf("unescape(Text(%q)) = %q", tc.in, back)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# title | `x` <b>&amp; *y* [l](u) ~z~ !", `\# title \| \` + "`" + `x\` + "`" + ` \<b\>\&amp; \*y\* \[l\](u) \~z\~ \!`},
		{"new\nrow", `new\\nrow`},
		{"a_b", `a\_b`},
	}
	for _, tc := range tests {
		if got := Markdown(tc.in); got != tc.want {
			t.Errorf("Markdown(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	if got := CodeSpan("a`b|c\nd", true); got != "`` a`b\\|c\\nd ``" {
		t.Errorf("CodeSpan: %s", got)
	}
	if got := CodeSpan("", true); got != "" {
		t.Errorf("CodeSpan empty: %q", got)
	}
}

func TestCSV(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2": "'-2", "@SUM": "'@SUM",
		"\tx": `\tx`, "ok": "ok", "a\nb": `a\nb`} {
		if got := CSV(in); got != want {
			t.Errorf("CSV(%q) = %q want %q", in, got, want)
		}
	}
}

type inner struct {
	S   string
	P   *string
	M   map[string][]string
	I   any
	u   string
	Tm  time.Time
	Arr [2]string
}

type kind string

type outer struct {
	K  kind
	In inner
	Ps []*inner
	N  int
}

func TestCopy(t *testing.T) {
	p := "p\n"
	at := time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC)
	v := &outer{K: "k\x1b", N: 3, In: inner{S: "s\r", P: &p, M: map[string][]string{"k\x07": {"v\x00"}}, I: "i\x1b", u: "raw\n", Tm: at, Arr: [2]string{"a\n", "b"}},
		Ps: []*inner{{S: "x\x1b"}, nil}}
	c := Copy(v, Text)
	if c == v || c.In.P == v.In.P {
		t.Fatal("not a deep copy")
	}
	if c.K != `k\x1b` || c.In.S != `s\r` || *c.In.P != `p\n` || c.In.M[`k\x07`][0] != `v\x00` || c.In.I != `i\x1b` ||
		c.In.u != "raw\n" || !c.In.Tm.Equal(at) || c.In.Arr[0] != `a\n` || c.Ps[0].S != `x\x1b` || c.Ps[1] != nil || c.N != 3 {
		t.Errorf("copy: %+v %+v", c, c.In)
	}
	if v.K != "k\x1b" || *v.In.P != "p\n" || v.Ps[0].S != "x\x1b" {
		t.Error("the original was modified")
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a\x1b[31m", "\\x41", "\\\xff", "\u202e\\u202e", "\xc3\x28", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		checkVisible(t, s, got)
		if back := unescape(t, got); back != s {
			t.Fatalf("not injective: %q -> %q -> %q", s, got, back)
		}
		m := Markdown(s)
		if strings.ContainsAny(m, "\n\r") {
			t.Fatalf("Markdown(%q) has a newline", s)
		}
	})
}

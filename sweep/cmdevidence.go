package sweep

import (
	"path"
	"regexp"
	"strings"
)

// Elided stands for a word of the command line the evidence does not show.
const Elided = "…"

var (
	// program is a program name shown as it is; any other argv[0] basename
	// is elided.
	commandProgram = regexp.MustCompile(`^[A-Za-z0-9._+-]{1,64}$`)
	// flag is an option name shown as it is: a long option or a single
	// letter (never "-pVALUE", where a short option carries its value).
	commandFlag = regexp.MustCompile(`^(--[A-Za-z][A-Za-z0-9-]{0,40}|-[A-Za-z])$`)
)

// CommandEvidence renders a command's command line from allow-listed parts only:
// the program's base name, option names (--name, -x), and the pack strings
// in keep that an argument contains (the indicator's own strings, a C2
// address). Every other word, and every option's value, is shown as "…":
// nothing of the victim's text reaches the report unless it has the shape
// of an option name or is the pack's own text. Runs of elided words are
// shown once.
func CommandEvidence(argv []string, keep []string) string {
	if len(argv) == 0 {
		return ""
	}
	out := make([]string, 0, len(argv))
	push := func(w string) {
		if w == Elided && len(out) > 0 && out[len(out)-1] == Elided {
			return
		}
		out = append(out, w)
	}
	if b := path.Base(argv[0]); commandProgram.MatchString(b) {
		push(b)
	} else {
		push(Elided)
	}
	for _, a := range argv[1:] {
		if commandFlag.MatchString(a) {
			push(a)
			continue
		}
		name, val, isOpt := strings.Cut(a, "=")
		if isOpt && commandFlag.MatchString(name) && strings.HasPrefix(name, "--") {
			push(name + "=" + KeptPart(val, keep))
			continue
		}
		push(KeptPart(a, keep))
	}
	return strings.Join(out, " ")
}

// KeptPart is the pack strings of keep that s contains, in the order they
// first occur in s, joined and surrounded by "…"; or "…" when it holds none.
func KeptPart(s string, keep []string) string {
	type hit struct {
		at int
		k  string
	}
	var hits []hit
	for _, k := range keep {
		if k == "" {
			continue
		}
		if i := strings.Index(s, k); i >= 0 {
			hits = append(hits, hit{i, k})
		}
	}
	if len(hits) == 0 {
		return Elided
	}
	for i := 1; i < len(hits); i++ { // a handful: insertion sort by position
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	var b strings.Builder
	if hits[0].at > 0 {
		b.WriteString(Elided)
	}
	end := 0
	for i, h := range hits {
		if i > 0 {
			b.WriteString(Elided)
		}
		b.WriteString(h.k)
		end = h.at + len(h.k)
	}
	if end < len(s) {
		b.WriteString(Elided)
	}
	return b.String()
}

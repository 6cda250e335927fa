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
	shown := make(map[int]string, len(argv))
	if len(argv) > 0 {
		if b := path.Base(argv[0]); commandProgram.MatchString(b) {
			shown[0] = b
		}
	}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if commandFlag.MatchString(a) {
			shown[i] = a
			continue
		}
		name, val, isOpt := strings.Cut(a, "=")
		if isOpt && commandFlag.MatchString(name) && strings.HasPrefix(name, "--") {
			shown[i] = name + "=" + KeptPart(val, keep)
			continue
		}
		shown[i] = KeptPart(a, keep)
	}
	return RenderKept(len(argv), shown)
}

// RenderKept is the one renderer of a command line as evidence: of its n
// words, word i shows as kept[i] and every word not in kept as Elided;
// runs of Elided show once. What to keep is the caller's allow-list
// (CommandEvidence's here, installcmd's for install commands).
func RenderKept(n int, kept map[int]string) string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		s, ok := kept[i]
		if !ok {
			s = Elided
		}
		if s == Elided && len(out) > 0 && out[len(out)-1] == Elided {
			continue
		}
		out = append(out, s)
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

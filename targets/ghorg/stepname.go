package ghorg

import (
	"regexp"
	"strings"
)

// Step names reach reports. The runner names a run: step "Run <first line
// of the script>", and that line may carry a credential (`curl -u user:PASS`,
// `pip install -i https://user:TOKEN@host/simple`, `echo $TOKEN`), so a step
// name is rebuilt from allow-listed words: the program, well-known
// subcommands and flags, manifest file names, and action references. The
// first word that is none of these ends the name with "…".
var (
	actionRefName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[A-Za-z0-9_./+-]+$`)
	programWord   = regexp.MustCompile(`^[A-Za-z0-9_./+-]{1,64}$`)
	manifestWord  = regexp.MustCompile(`^[A-Za-z0-9_./-]{1,100}\.(?:txt|in|toml|lock|cfg)$`)
	nameWord      = regexp.MustCompile(`^[\p{L}\p{N}_.,:()/&+#'-]{1,40}$`)
	commandWords  = map[string]bool{
		"install": true, "sync": true, "add": true, "tool": true, "pip": true, "-m": true, "run": true, "test": true, "build": true,
		"lint": true, "check": true, "-r": true, "-c": true, "-e": true, "-U": true, "--upgrade": true, "--system": true,
		"--user": true, "-q": true, "--quiet": true, "-v": true, "--verbose": true, "--no-deps": true, "--no-cache-dir": true,
		"--pre": true, "--frozen": true, "--locked": true, "--no-interaction": true, "--no-root": true, "--dev": true,
		"--all-extras": true, "--require-hashes": true, "--break-system-packages": true, ".": true, "-x": true,
	}
)

// safeStepName returns a step name made of allow-listed words only.
func safeStepName(s string) string {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "Run "); ok {
		return "Run " + safeCommand(strings.TrimSpace(rest))
	}
	var kept []string
	words := strings.Fields(s)
	for _, w := range words {
		if !nameWord.MatchString(w) || len(kept) >= 12 {
			return strings.Join(append(kept, "…"), " ")
		}
		kept = append(kept, w)
	}
	return strings.Join(kept, " ")
}

func safeCommand(cmd string) string {
	if actionRefName.MatchString(cmd) {
		return cmd
	}
	words := strings.Fields(cmd)
	var kept []string
	for i, w := range words {
		ok := false
		switch {
		case i == 0:
			ok = programWord.MatchString(w) && !strings.HasPrefix(w, "-")
		default:
			ok = commandWords[w] || manifestWord.MatchString(w) && !strings.HasPrefix(w, "-")
		}
		if !ok || len(kept) >= 10 {
			return strings.Join(append(kept, "…"), " ")
		}
		kept = append(kept, w)
	}
	return strings.Join(kept, " ")
}

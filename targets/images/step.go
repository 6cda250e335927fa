package images

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/litesweep/litesweep/collectors/installcmd"
)

// A build step's created_by is the victim's text: a RUN line carries its
// build arguments (`RUN |1 NPM_TOKEN=… /bin/sh -c npm ci # buildkit`) and
// an ENV or ARG step its values, so the raw line never reaches a report.
// What a report shows of a step (Location.CreatedBy, build-step evidence)
// is built from allow-listed parts only: the instruction keyword, and for
// a RUN the install commands in it as the one install-command parser
// renders them (installcmd.Render of the words Judge.Analyze keeps: the
// tool and subcommand, the tracked packages' requests rebuilt from their
// parsed form, source options reduced). Every other word is one
// installcmd.Ellipsis.
//
// The shapes of created_by, as the builders write them:
//
//	BuildKit:  RUN /bin/sh -c pip install x # buildkit
//	           RUN |1 NPM_TOKEN=v /bin/sh -c npm ci # buildkit   (build args used by the step)
//	           RUN pip install x # buildkit                      (exec form)
//	           COPY . /app # buildkit, ENV K=v, ARG K=v, WORKDIR /app, CMD ["x"], ...
//	classic:   /bin/sh -c #(nop) ADD file:… in /, /bin/sh -c #(nop)  ENV K=v
//	           /bin/sh -c pip install x                          (RUN)
//	           |1 NPM_TOKEN=v /bin/sh -c npm ci                  (RUN with build args; buildah too)
//
// A line of any other shape (another builder's free text) shows as one
// Ellipsis: there was a step, its text is not shown.

// instructions are the Dockerfile instruction keywords a step may name.
var instructions = map[string]bool{"ADD": true, "ARG": true, "CMD": true, "COPY": true, "ENTRYPOINT": true, "ENV": true,
	"EXPOSE": true, "FROM": true, "HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true, "ONBUILD": true, "RUN": true,
	"SHELL": true, "STOPSIGNAL": true, "USER": true, "VOLUME": true, "WORKDIR": true}

// buildArgsRe is the "|N " prefix of a RUN that used N build arguments.
var buildArgsRe = regexp.MustCompile(`^\|([0-9]{1,4})\s`)

// shellRe is a shell program a RUN's shell form runs (SHELL may change it).
var shellRe = regexp.MustCompile(`^(?:/[A-Za-z0-9._/-]*/)?(?:sh|bash|ash|dash|zsh|ksh|mksh|busybox)$`)

// maxStepCommands bounds the install commands one step's evidence shows.
const maxStepCommands = 8

// stepParts splits a created_by into its instruction keyword and, for a
// RUN, the command text the shell ran. keyword is "" for a line of no
// known shape.
func stepParts(createdBy string) (keyword, run string) {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	if s == "" {
		return "", ""
	}
	if k, rest, _ := strings.Cut(s, " "); instructions[k] {
		if k != "RUN" {
			return k, ""
		}
		return k, runCommand(strings.TrimSpace(rest))
	}
	if k, rest, ok := strings.Cut(s, "#(nop)"); ok && shellPrefix(k) {
		if k, _, _ := strings.Cut(strings.TrimSpace(rest), " "); instructions[k] {
			return k, ""
		}
		return "", ""
	}
	// The classic builder's RUN: the shell and its -c, maybe build args first.
	r := runCommand(s)
	if r == s { // no shell found: not a RUN of a known shape
		return "", ""
	}
	return "RUN", r
}

// shellPrefix reports whether s (before "#(nop)") is a shell and its -c.
func shellPrefix(s string) bool {
	f := strings.Fields(s)
	return len(f) >= 2 && shellRe.MatchString(f[0]) && isDashC(f[len(f)-1])
}

// isDashC is "-c" or a cluster of single-letter options ending in c ("-ec", "-euxc").
func isDashC(w string) bool {
	return len(w) >= 2 && w[0] == '-' && w[len(w)-1] == 'c' && strings.Trim(w[1:], "abcdefghijklmnopqrstuvwxyz") == ""
}

// runCommand strips a RUN line's build-argument prefix ("|N K=v ...",
// whose N words are dropped unread) and its shell ("/bin/sh -c", "/bin/bash
// -o pipefail -c"), leaving the command text. A line without a shell (the
// exec form) is returned after the prefix as it is.
func runCommand(s string) string {
	if m := buildArgsRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		s = strings.TrimLeft(s[len(m[0]):], " \t")
		for ; n > 0 && s != ""; n-- {
			_, rest, _ := strings.Cut(s, " ")
			s = strings.TrimLeft(rest, " \t")
		}
	}
	f := strings.Fields(s)
	if len(f) < 2 || !shellRe.MatchString(f[0]) {
		return s
	}
	for i := 1; i < len(f) && i < 8; i++ {
		if isDashC(f[i]) {
			// The text after that word, as written (Fields lost the spacing).
			rest := s
			for j := 0; j <= i; j++ {
				rest = strings.TrimLeft(rest, " \t")
				rest = rest[len(f[j]):]
			}
			return strings.TrimSpace(rest)
		}
		if !strings.HasPrefix(f[i], "-") && (i == 0 || f[i-1] != "-o") {
			break
		}
	}
	return s
}

// stepText is what a report shows of a build step's created_by (see the
// comment above): "" for no step, the keyword, and for a RUN the install
// commands it runs, rendered from their kept words. j judges which
// requests name a tracked package (nil: none does; the installers and
// their subcommands still show).
func stepText(createdBy string, j *installcmd.Judge) string {
	if strings.TrimSpace(createdBy) == "" {
		return ""
	}
	keyword, run := stepParts(createdBy)
	if keyword == "" {
		return installcmd.Ellipsis
	}
	if keyword != "RUN" {
		return keyword + " " + installcmd.Ellipsis
	}
	cmds, err := installcmd.Parse(run, installcmd.POSIX)
	if err != nil {
		cmds = installcmd.Lenient(run)
	}
	parts := []string{keyword}
	push := func(s string) {
		if s == installcmd.Ellipsis && parts[len(parts)-1] == installcmd.Ellipsis {
			return
		}
		parts = append(parts, s)
	}
	shown := 0
	for _, c := range cmds {
		var keep map[int]string
		if j != nil {
			_, keep = j.Analyze(c.Words)
		} else if inv, ok := installcmd.Recognize(c.Words); ok {
			keep = inv.Keep
		}
		if len(keep) == 0 || shown >= maxStepCommands {
			push(installcmd.Ellipsis)
			continue
		}
		if shown > 0 {
			push(installcmd.Ellipsis) // the operator or command between two shown ones
		}
		shown++
		for _, w := range strings.Split(installcmd.Render(c.Words, keep), " ") {
			push(w)
		}
	}
	if len(parts) == 1 {
		push(installcmd.Ellipsis)
	}
	return strings.Join(parts, " ")
}

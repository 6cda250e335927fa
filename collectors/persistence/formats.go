package persistence

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// entry is one thing a scheduler, a service manager, a shell or an editor
// runs by itself: a crontab line, an ExecStart=, a launchd job's program,
// a scheduled task's action, a start-up file's line, a hook's command.
type entry struct {
	line int // 1-based line of the file, 0 when the format has none
	// where names the entry in fixed words (never the victim's text):
	// "crontab line", "ExecStart=", "SessionStart hook".
	where string
	// when is the schedule as the format states it (@reboot, OnBootSec=,
	// five cron fields), shown only when it has a schedule's shape.
	when string
	// cmd is the command as one string (shell syntax where the program
	// runs it through a shell); argv, when the format keeps words apart
	// (launchd, a task's Command and Arguments), is used for evidence.
	cmd  string
	argv []string
	// off: the entry is present but does not run (Hidden=true).
	off string
}

// lines splits text into logical lines with their 1-based starting line,
// joining backslash continuations (shell, systemd) when join is set.
func lines(b []byte, join bool) (out []string, at []int) {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(s, "\n") {
		if cur.Len() == 0 {
			start = i + 1
		}
		if join && strings.HasSuffix(l, "\\") && !strings.HasSuffix(l, "\\\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		at = append(at, start)
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
		at = append(at, start)
	}
	return out, at
}

var (
	envLine   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*[ \t]*=`)
	cronField = regexp.MustCompile(`^[0-9A-Za-z*/,\-]+$`)
)

// cronShortcuts are the @-schedules of Vixie cron and cronie.
var cronShortcuts = map[string]bool{"@reboot": true, "@yearly": true, "@annually": true, "@monthly": true,
	"@weekly": true, "@daily": true, "@midnight": true, "@hourly": true}

// crontab reads a crontab as cron does: comment and blank lines are
// skipped, NAME=value lines set the environment, a job is five time fields
// (or an @-schedule), the user name in a system crontab (/etc/crontab,
// /etc/cron.d), then the command up to the first unescaped %. A line cron
// would reject runs nothing and is skipped.
func crontab(b []byte, system bool) []entry {
	var out []entry
	ls, at := lines(b, false)
	for i, l := range ls {
		t := strings.TrimLeft(l, " \t")
		f := strings.Fields(t)
		if len(f) == 0 || t[0] == '#' {
			continue
		}
		if !strings.HasPrefix(t, "@") && envLine.MatchString(t) && !cronField.MatchString(f[0]) {
			continue // environment setting
		}
		nsched := 5
		if strings.HasPrefix(f[0], "@") {
			if !cronShortcuts[strings.ToLower(f[0])] {
				continue
			}
			nsched = 1
		}
		need := nsched + 1
		if system {
			need++
		}
		if len(f) < need {
			continue
		}
		ok := true
		for _, x := range f[:nsched] {
			if nsched == 5 && !cronField.MatchString(x) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		// the command is the rest of the line after the fields, as written
		rest := t
		for k := 0; k < need-1; k++ {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[strings.IndexAny(rest+" ", " \t"):]
		}
		rest = strings.TrimLeft(rest, " \t")
		out = append(out, entry{line: at[i], where: "crontab line", when: strings.Join(f[:nsched], " "), cmd: cronCommand(rest)})
	}
	return out
}

// cronCommand cuts a crontab command at its first unescaped % (the rest is
// the job's standard input) and unescapes \%.
func cronCommand(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '%':
			b.WriteByte('%')
			i++
		case s[i] == '%':
			return b.String()
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// anacrontab reads /etc/anacrontab: environment lines, then jobs of
// "period delay job-identifier command".
func anacrontab(b []byte) []entry {
	var out []entry
	ls, at := lines(b, false)
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || (envLine.MatchString(t) && !cronField.MatchString(strings.Fields(t)[0])) {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 4 {
			continue
		}
		rest := t
		for k := 0; k < 3; k++ {
			rest = strings.TrimLeft(rest[strings.IndexAny(rest+" ", " \t"):], " \t")
		}
		out = append(out, entry{line: at[i], where: "anacrontab job", when: f[0], cmd: rest})
	}
	return out
}

// exportLine is the environment preamble at(1) writes into a job:
// NAME=value; export NAME
var exportLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=.*; export [A-Za-z_][A-Za-z0-9_]*$`)

// atJob reads a queued at(1) job: a shell script whose preamble (comments,
// umask, the exported environment, the cd to the working directory and its
// error branch) at wrote; every other line is the job's.
func atJob(b []byte) []entry {
	var out []entry
	ls, at := lines(b, true)
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || exportLine.MatchString(t) || strings.HasPrefix(t, "umask ") ||
			t == "}" || t == "exit 1" || strings.HasPrefix(t, "echo 'Execution directory inaccessible'") ||
			(strings.HasPrefix(t, "cd ") && strings.HasSuffix(t, "|| {")) {
			continue
		}
		out = append(out, entry{line: at[i], where: "at job line", cmd: t})
	}
	return out
}

// shellLines reads a shell start-up file (bash, zsh, sh, fish): every
// logical line that is not a comment is a command the shell runs.
func shellLines(b []byte) []entry {
	var out []entry
	ls, at := lines(b, true)
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' {
			continue
		}
		out = append(out, entry{line: at[i], where: "start-up file line", cmd: t})
	}
	return out
}

// desktopEntry reads an XDG autostart .desktop file: the Exec= key of the
// [Desktop Entry] group, with its field codes (%f, %U...) dropped; an
// entry with Hidden=true, or X-GNOME-Autostart-enabled=false, is present
// but does not run.
func desktopEntry(b []byte) []entry {
	var e entry
	group := ""
	ls, at := lines(b, false)
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' {
			continue
		}
		if strings.HasPrefix(t, "[") {
			group = t
			continue
		}
		if group != "[Desktop Entry]" {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "Exec":
			e.line, e.where, e.cmd = at[i], "autostart Exec=", fieldCodes.ReplaceAllString(v, "")
		case "Hidden":
			if v == "true" {
				e.off = "Hidden=true"
			}
		case "X-GNOME-Autostart-enabled":
			if v == "false" {
				e.off = "X-GNOME-Autostart-enabled=false"
			}
		}
	}
	if e.cmd == "" {
		return nil
	}
	return []entry{e}
}

var fieldCodes = regexp.MustCompile(`%[fFuUdDnNickvm]`)

// execKeys are the unit settings whose value is a command systemd runs.
var execKeys = map[string]bool{"ExecStart": true, "ExecStartPre": true, "ExecStartPost": true, "ExecCondition": true,
	"ExecReload": true, "ExecStop": true, "ExecStopPost": true}

// unitFile reads a systemd unit or drop-in as systemd does: sections,
// comments (# and ;), backslash continuations; each Exec*= value loses its
// special prefixes (-, @, :, +, !, !!) before the command. It also returns
// the [Timer] Unit= (a timer's target) and the timer's schedule settings.
func unitFile(b []byte) (ex []entry, target string, sched []string) {
	sec := ""
	ls, at := lines(b, true)
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
			sec = t
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case sec == "[Service]" && execKeys[k]:
			cmd := strings.TrimLeft(v, "-@:+!")
			if cmd != "" {
				ex = append(ex, entry{line: at[i], where: k + "=", cmd: cmd})
			}
		case sec == "[Timer]" && k == "Unit":
			target = v
		case sec == "[Timer]" && strings.HasPrefix(k, "On"):
			sched = append(sched, k+"=")
		}
	}
	return ex, target, sched
}

// claudeHooks reads a Claude Code settings.json (strict JSON, as Claude
// Code parses it): every hook of type "command" under hooks.<Event>[].hooks
// runs its command when the event fires. ok is false when the file is not
// JSON Claude Code would load.
func claudeHooks(b []byte) (out []entry, ok bool) {
	var doc struct {
		Hooks map[string]json.RawMessage `json:"hooks"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil, false
	}
	for ev, raw := range doc.Hooks {
		var groups []struct {
			Hooks []struct {
				Type    string `json:"type"`
				Command string `json:"command"`
			} `json:"hooks"`
		}
		if json.Unmarshal(raw, &groups) != nil {
			continue
		}
		for _, g := range groups {
			for _, h := range g.Hooks {
				if h.Type == "command" && h.Command != "" {
					out = append(out, entry{where: hookEvent(ev) + " hook", cmd: h.Command})
				}
			}
		}
	}
	return out, true
}

var eventRe = regexp.MustCompile(`^[A-Za-z]{1,40}$`)

// hookEvent is a Claude Code event name as evidence shows it.
func hookEvent(ev string) string {
	if eventRe.MatchString(ev) {
		return ev
	}
	return "Claude Code"
}

// vscodeTasks reads a VS Code tasks.json (JSON with comments and trailing
// commas, as VS Code's parser accepts): a task whose runOptions.runOn is
// "folderOpen" runs its command and arguments (with the platform
// overrides) when the folder is opened; other tasks run only when started
// by hand and are not returned.
func vscodeTasks(b []byte) (out []entry, ok bool) {
	var doc struct {
		Tasks []json.RawMessage `json:"tasks"`
	}
	if json.Unmarshal(jsonc(b), &doc) != nil {
		return nil, false
	}
	type spec struct {
		Command json.RawMessage   `json:"command"`
		Args    []json.RawMessage `json:"args"`
	}
	for _, raw := range doc.Tasks {
		var t struct {
			spec
			RunOptions struct {
				RunOn string `json:"runOn"`
			} `json:"runOptions"`
			Windows *spec `json:"windows"`
			Linux   *spec `json:"linux"`
			OSX     *spec `json:"osx"`
		}
		if json.Unmarshal(raw, &t) != nil || t.RunOptions.RunOn != "folderOpen" {
			continue
		}
		for _, s := range []*spec{&t.spec, t.Linux, t.OSX, t.Windows} {
			if s == nil || len(s.Command) == 0 {
				continue
			}
			argv := []string{jsonWord(s.Command)}
			for _, a := range s.Args {
				argv = append(argv, jsonWord(a))
			}
			out = append(out, entry{where: "folderOpen task", cmd: strings.Join(argv, " "), argv: argv})
		}
	}
	return out, true
}

// jsonWord is a tasks.json command or argument: a string, or an object
// with a "value" string (a quoted argument).
func jsonWord(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var q struct {
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(raw, &q) == nil && len(q.Value) > 0 {
		if json.Unmarshal(q.Value, &s) == nil {
			return s
		}
		var parts []string
		if json.Unmarshal(q.Value, &parts) == nil {
			return strings.Join(parts, " ")
		}
	}
	return ""
}

// jsonc turns JSON with comments (// and /* */) and trailing commas into
// JSON, leaving strings alone.
func jsonc(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(b))
			out = append(out, b[i:end]...)
			i = end - 1
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			i--
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			k := bytes.Index(b[i+2:], []byte("*/"))
			if k < 0 {
				return out
			}
			i += k + 3
		case c == ']' || c == '}':
			// drop a trailing comma before the closer
			k := len(out) - 1
			for k >= 0 && (out[k] == ' ' || out[k] == '\t' || out[k] == '\n' || out[k] == '\r') {
				k--
			}
			if k >= 0 && out[k] == ',' {
				out = append(out[:k], out[k+1:]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

package history

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Format is a history file format.
type Format string

const (
	// Shell is bash/sh/ash/zsh history: one command per line, optionally
	// preceded by a "#<epoch>" line (bash HISTTIMEFORMAT) or prefixed with
	// ": <epoch>:<duration>;" (zsh EXTENDED_HISTORY, metafied bytes).
	Shell Format = "shell"
	// Fish is fish's YAML-like history: "- cmd: <cmd>" then "  when: <epoch>".
	Fish Format = "fish"
	// PowerShell is PSReadLine's ConsoleHost_history.txt: one command per
	// line, "`" at the end of a line continues it; no timestamps.
	PowerShell Format = "powershell"
)

// FormatOf returns the format of a history file from its path, or "".
func FormatOf(p string) Format {
	base := path.Base(p)
	dir := path.Base(path.Dir(p))
	switch base {
	case ".bash_history", ".sh_history", ".ash_history", ".history", ".zsh_history", ".zhistory", ".histfile", "bash_history", "zsh_history":
		return Shell
	case "fish_history":
		return Fish
	}
	if base == "history" && (dir == "zsh" || dir == "bash") {
		return Shell
	}
	if dir == "fish" && strings.HasSuffix(base, "_history") {
		return Fish
	}
	if dir == "PSReadLine" && strings.HasSuffix(base, "_history.txt") {
		return PowerShell
	}
	return ""
}

// Entry is one command of a history file.
type Entry struct {
	Line int       // 1-based line where the command starts
	Time time.Time // zero when the format or file carries no timestamp
	Cmd  string
	// Local marks a Time recorded in the machine's local time without a
	// zone (IPython): it is known only to within a day.
	Local bool
	// Where names the entry in a format without lines ("session 3, input
	// 12", "cell 4"); "" for line-based files.
	Where string
}

// Limits bound what Scan reads.
type Limits struct {
	// MaxLine is the longest line kept (longer lines are cut).
	MaxLine int
}

// DefaultMaxLine is the default cap on one history line.
const DefaultMaxLine = 64 << 10

// ErrStop can be returned by a Scan callback to stop early.
var ErrStop = errors.New("stop")

// Scan streams the commands of a history file to fn. skipFirst discards
// the first (partial) line, for a reader positioned inside a file; line
// numbers then count from that point (lineBase is added to them).
func Scan(r io.Reader, f Format, lim Limits, skipFirst bool, lineBase int, fn func(Entry) error) error {
	if lim.MaxLine <= 0 {
		lim.MaxLine = DefaultMaxLine
	}
	br := bufio.NewReaderSize(r, 64<<10)
	n := lineBase
	var pendingTime time.Time
	var cont *Entry // a command continued on the next line
	var fishCur *Entry
	emit := func(e Entry) error {
		if strings.TrimSpace(e.Cmd) == "" {
			return nil
		}
		return fn(e)
	}
	first := true
	for {
		line, err := readLine(br, lim.MaxLine)
		if len(line) == 0 && err != nil {
			break
		}
		n++
		if first && skipFirst {
			first = false
			if err != nil {
				break
			}
			continue
		}
		first = false
		s := string(line)
		switch f {
		case Fish:
			if c, ok := strings.CutPrefix(s, "- cmd: "); ok {
				if fishCur != nil {
					if e := emit(*fishCur); e != nil {
						return ignoreStop(e)
					}
				}
				fishCur = &Entry{Line: n, Cmd: fishUnescape(c)}
			} else if w, ok := strings.CutPrefix(strings.TrimSpace(s), "when: "); ok && fishCur != nil {
				if t, ok := epoch(w); ok {
					fishCur.Time = t
				}
			}
		case PowerShell:
			if cont != nil {
				cont.Cmd += "\n" + s
			} else {
				cont = &Entry{Line: n, Cmd: s}
			}
			if strings.HasSuffix(s, "`") {
				break
			}
			e := *cont
			cont = nil
			if err := emit(e); err != nil {
				return ignoreStop(err)
			}
		default:
			s = unmetafy(s)
			if cont != nil {
				cont.Cmd += "\n" + s
				if strings.HasSuffix(s, "\\") {
					break
				}
				e := *cont
				cont = nil
				if err := emit(e); err != nil {
					return ignoreStop(err)
				}
				break
			}
			if strings.HasPrefix(s, "#") {
				if t, ok := epoch(s[1:]); ok {
					pendingTime = t
					break
				}
			}
			e := Entry{Line: n, Cmd: s}
			if strings.HasPrefix(s, ": ") {
				if head, cmd, ok := strings.Cut(s[2:], ";"); ok {
					ts, _, _ := strings.Cut(head, ":")
					if t, ok := epoch(ts); ok {
						e.Time, e.Cmd = t, cmd
					}
				}
			}
			if e.Time.IsZero() && !pendingTime.IsZero() {
				e.Time = pendingTime
			}
			pendingTime = time.Time{}
			if strings.HasSuffix(e.Cmd, "\\") {
				cont = &e
				break
			}
			if err := emit(e); err != nil {
				return ignoreStop(err)
			}
		}
		if err != nil {
			break
		}
	}
	if cont != nil {
		if err := emit(*cont); err != nil {
			return ignoreStop(err)
		}
	}
	if fishCur != nil {
		if err := emit(*fishCur); err != nil {
			return ignoreStop(err)
		}
	}
	return nil
}

func ignoreStop(err error) error {
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// readLine returns the next line without its newline, cut to max bytes
// (the rest of a longer line is discarded without being buffered).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(out) < max {
			take := min(len(chunk), max-len(out))
			out = append(out, chunk[:take]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		out = bytes.TrimRight(out, "\r\n")
		if err != nil && len(chunk) == 0 && len(out) == 0 {
			return nil, err
		}
		return out, err
	}
}

// epoch parses a plausible Unix time in seconds (1990..2100).
func epoch(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 9 || len(s) > 10 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 631152000 || n > 4102444800 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// unmetafy undoes zsh's history metafication: 0x83 followed by c is c^0x20.
func unmetafy(s string) string {
	if strings.IndexByte(s, 0x83) < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == 0x83 && i+1 < len(s) {
			i++
			b = append(b, s[i]^0x20)
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// fishUnescape undoes fish's history escaping (\\ and \n).
func fishUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

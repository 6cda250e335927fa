package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/collectors/sqlitefile"
	"github.com/litesweep/litesweep/sweep"
)

// IPython is IPython's (and Jupyter kernels') input history: the
// "history" table of PROFILE/history.sqlite, one row per executed cell.
const IPython Format = "ipython"

// isIPythonHistory: history.sqlite in an IPython profile directory.
func isIPythonHistory(p string) bool {
	return path.Base(p) == "history.sqlite" && strings.HasPrefix(path.Base(path.Dir(p)), "profile_")
}

// IPythonCollector reads IPython history databases without SQLite (see
// sqlitefile): nothing is written beside the file, its times stay as
// they were.
type IPythonCollector struct{ c *Collector }

// NewIPython returns the IPython history collector; it grades and builds
// evidence as the shell-history collector does.
func NewIPython(o Options) *IPythonCollector { return &IPythonCollector{c: New(o)} }

// Name implements sweep.Collector.
func (ic *IPythonCollector) Name() string { return "history/ipython" }

// FileRequired implements sweep.Collector.
func (ic *IPythonCollector) FileRequired(e *sweep.Entry) bool {
	return !e.IsSymlink() && isIPythonHistory(e.Path)
}

// readerAt opens a regular file of the tree for random access: the file
// itself when it allows it, else its bytes (at most limit).
func readerAt(f *sweep.File, p string, limit int64) (io.ReaderAt, int64, func(), error) {
	fh, err := sweep.OpenRegular(f.FS, sweep.Rel(p))
	if err != nil {
		return nil, 0, nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, nil, err
	}
	if ra, ok := fh.(io.ReaderAt); ok {
		return ra, fi.Size(), func() { fh.Close() }, nil
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if int64(len(b)) > limit {
		return nil, 0, nil, fmt.Errorf("%w: larger than %d bytes", sweep.ErrTooLarge, limit)
	}
	return bytes.NewReader(b), int64(len(b)), func() {}, nil
}

// Collect implements sweep.Collector.
func (ic *IPythonCollector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	c := ic.c
	fail := func(err error) {
		out.Error(sweep.ErrorAt(f.Location(), ic.Name(), fmt.Errorf("IPython history: %s", sweep.TrimPathErr(err))))
	}
	ra, size, done, err := readerAt(f, f.Path, c.o.MaxBytes)
	if err != nil {
		fail(err)
		return
	}
	defer done()
	// A write-ahead log holds committed inputs not yet copied into the
	// database: read as SQLite would. A rollback journal left by a crash
	// means the file may be mid-transaction.
	var wal io.ReaderAt
	var walSize int64
	if w, n, wdone, err := readerAt(f, f.Path+"-wal", c.o.MaxBytes); err == nil {
		defer wdone()
		wal, walSize = w, n
	} else if !errors.Is(err, fs.ErrNotExist) {
		fail(fmt.Errorf("write-ahead log %s-wal: %w; inputs not yet checkpointed were not read", path.Base(f.Path), err))
	}
	if fi, err := fs.Stat(f.FS, sweep.Rel(f.Path+"-journal")); err == nil && fi.Size() > 0 {
		out.Error(sweep.Error{Location: f.Location(), Collector: ic.Name(), Kind: sweep.ErrKindError,
			Message: "a rollback journal (" + path.Base(f.Path) + "-journal) is beside the database: a write was interrupted, so inputs may be missing or half-written; read as found"})
	}
	db, err := sqlitefile.Open(ra, size, wal, walSize, sqlitefile.Limits{})
	if err != nil {
		fail(err)
		return
	}
	starts, err := sessionStarts(ctx, db)
	if err != nil {
		fail(err)
		return
	}
	t, err := db.Table(ctx, "history")
	if err != nil {
		fail(err)
		return
	}
	if t == nil {
		return // a profile database with no input history yet
	}
	si, li, ri, si2 := t.Column("session"), t.Column("line"), t.Column("source_raw"), t.Column("source")
	if si < 0 || li < 0 || (ri < 0 && si2 < 0) {
		fail(fmt.Errorf("history table without session, line and source columns (%s)", strings.Join(t.Columns, ", ")))
		return
	}
	user := sweep.UserOf(c.o.Homes, f.Path)
	reported := 0
	cut := 0
	err = db.Rows(ctx, t, func(_ int64, v []sqlitefile.Value) error {
		if reported >= maxPerFile {
			return errMaxReported
		}
		get := func(i int) sqlitefile.Value {
			if i >= 0 && i < len(v) {
				return v[i]
			}
			return sqlitefile.Value{}
		}
		src := get(ri)
		if src.Kind != sqlitefile.Text {
			src = get(si2)
		}
		if src.Cut {
			cut++
		}
		session, line := get(si).Int, get(li).Int
		e := Entry{Cmd: src.String(), Time: starts[session], Local: true,
			Where: fmt.Sprintf("session %d, input %d", session, line)}
		reported += c.cellFindings(f, IPython, e, user, out)
		return nil
	})
	if errors.Is(err, errMaxReported) {
		out.Error(sweep.Error{Location: f.Location(), Collector: ic.Name(), Kind: sweep.ErrKindSkipped,
			Message: fmt.Sprintf("more than %d matching inputs: the rest are not reported", maxPerFile)})
	} else if err != nil {
		fail(err)
	}
	if cut > 0 {
		out.Error(sweep.Error{Location: f.Location(), Collector: ic.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("%d inputs longer than the record cap were read in part", cut)})
	}
}

var errMaxReported = errors.New("too many findings")

// maxPerFile caps the findings of one history file.
const maxPerFile = 200

// sessionStarts maps IPython session numbers to their start times (local
// time of the machine, no zone: IPython stores datetime.now()).
func sessionStarts(ctx context.Context, db *sqlitefile.DB) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	t, err := db.Table(ctx, "sessions")
	if err != nil || t == nil {
		return out, err
	}
	si, st := t.Column("session"), t.Column("start")
	if si < 0 || st < 0 {
		return out, nil
	}
	err = db.Rows(ctx, t, func(_ int64, v []sqlitefile.Value) error {
		if si >= len(v) || st >= len(v) || v[si].Kind != sqlitefile.Int {
			return nil
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999"} {
			if tm, err := time.Parse(layout, v[st].String()); err == nil {
				out[v[si].Int] = tm
				break
			}
		}
		return nil
	})
	return out, err
}

// cellCommands turns an IPython input (a cell's source) into the shell
// commands it runs: "!cmd" and "!!cmd" lines, the %pip, %conda, %mamba,
// %micromamba and %uv line magics (and their automagic form without %),
// and the bodies of %%bash, %%sh and %%script bash|sh cells. Each command
// comes with its 1-based line in the input and the prefix evidence shows.
// "{sys.executable}" (the kernel's interpreter) reads as python.
func cellCommands(src string) []cellCommand {
	var out []cellCommand
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	if len(lines) > 0 {
		first := strings.Fields(lines[0])
		if len(first) > 0 && (first[0] == "%%bash" || first[0] == "%%sh" ||
			first[0] == "%%script" && len(first) > 1 && (path.Base(first[1]) == "bash" || path.Base(first[1]) == "sh")) {
			body := strings.Join(lines[1:], "\n")
			return []cellCommand{{line: 2, text: body, prefix: first[0] + " … "}}
		}
	}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		n := i + 1
		// An IPython line continues with a trailing backslash.
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(lines[i])
		}
		if strings.HasPrefix(l, "%%") {
			continue // another cell magic: its line is not a command
		}
		var cmd, prefix string
		switch {
		case strings.HasPrefix(l, "!!"):
			cmd, prefix = l[2:], "!!"
		case strings.HasPrefix(l, "!"):
			cmd, prefix = l[1:], "!"
		case strings.HasPrefix(l, "%"):
			name, _, _ := strings.Cut(l[1:], " ")
			if !lineMagics[name] {
				continue
			}
			cmd, prefix = l[1:], "%"
		default:
			name, _, _ := strings.Cut(l, " ")
			if !lineMagics[name] {
				continue
			}
			cmd = l // automagic: "pip install x" runs %pip
		}
		cmd = strings.ReplaceAll(cmd, "{sys.executable}", "python")
		out = append(out, cellCommand{line: n, text: cmd, prefix: prefix})
	}
	return out
}

// lineMagics are IPython's installer magics.
var lineMagics = map[string]bool{"pip": true, "conda": true, "mamba": true, "micromamba": true, "uv": true}

type cellCommand struct {
	line   int
	text   string
	prefix string // "!", "%", "%%bash … " — constant text evidence may show
}

// cellFindings reports the installs of tracked packages and the network
// indicators in one input (an IPython history row or a notebook cell).
func (c *Collector) cellFindings(f *sweep.File, format Format, e Entry, user string, out sweep.Sink) int {
	n := 0
	for _, cc := range cellCommands(e.Cmd) {
		label := fmt.Sprintf("%s, line %d", e.Where, cc.line)
		for _, ev := range installEvidence(cc.text, installcmd.POSIX, label, c.judge) {
			if len(ev.in.Admits) == 0 {
				continue
			}
			ev.text = cc.prefix + ev.text
			ce := e
			ce.Where = label
			out.Finding(c.installFinding(f, format, 0, ce, ev, user))
			n++
		}
	}
	for _, mn := range mentions(e.Cmd, c.needles) {
		ce := e
		out.Finding(c.mentionFinding(f, format, 0, ce, mn, Ellipsis+" "+mn.Value+" "+Ellipsis, user))
		n++
	}
	return n
}

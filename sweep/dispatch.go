package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Dispatch offers files to collectors. It is the one place where a
// collector's FileRequired is asked, its Collect and Finish run, a panic in
// any of them becomes a located error (never a crash, never a file dropped
// in silence), an open the shared helper refused that the collector passed
// over is recorded, and the files are counted. The host walk and the image
// layer scanner both go through it, so a file is judged and counted the
// same way wherever it lies.
//
// Offering is two steps, because an image layer decides what to buffer
// while its tar streams and collects only when the stream has ended: Want
// (the predicates, FilesSeen) and Offer (Collect on each wanting
// collector). It is safe for concurrent use.
type Dispatch struct {
	Collectors []Collector
	Sink       Sink
	// Counters receive FilesSeen (one per entry asked about), FilesRead and
	// BytesRead (through File.Open). Nil counts into a private set.
	Counters *Counters
	// Base is copied into every File's location and every error's.
	Base Location
	// NoBytes leaves BytesRead to the caller (an image layer counts the
	// decompressed stream, not its buffered copies).
	NoBytes bool

	once     sync.Once
	reported sync.Map // paths a located error was recorded for (ReportOnce)
}

func (d *Dispatch) counters() *Counters {
	d.once.Do(func() {
		if d.Counters == nil {
			d.Counters = &Counters{}
		}
	})
	return d.Counters
}

func (d *Dispatch) loc(p string) Location {
	l := d.Base
	l.Path = p
	return l
}

// Want counts e as seen and returns the collectors that want it, in
// order. A FIFO, socket or device node is also offered by name alone (an
// entry without type bits), so a collector that wants the name sees it:
// a name the pack knows is evidence by itself. A predicate that panics
// is a located error and that collector does not get the file.
func (d *Dispatch) Want(e *Entry) []Collector {
	d.counters().FilesSeen.Add(1)
	var byName *Entry
	if isSpecial(e.Type) {
		byName = &Entry{Path: e.Path, Name: e.Name, lstatr: e.lstatr, stat: e.stat}
	}
	var out []Collector
	for _, c := range d.Collectors {
		ok, panicked := d.wants(c, e)
		if !ok && !panicked && byName != nil {
			ok, _ = d.wants(c, byName)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// wants asks one predicate; a panic is recorded at the entry's path.
func (d *Dispatch) wants(c Collector, e *Entry) (ok, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			ok, panicked = false, true
			d.Sink.Error(Error{Location: d.loc(e.Path), Collector: c.Name(), Kind: ErrKindError,
				Message: fmt.Sprintf("collector panic in FileRequired: %v: this file was not checked by it", r)})
		}
	}()
	return c.FileRequired(e), false
}

// Offer runs each collector of cs (from Want) on the entry, read through
// fsys. track, when set, is told which collector takes the file next (the
// walk's item timeout names it). A FIFO, socket or device node no
// collector reported on is recorded as not read.
func (d *Dispatch) Offer(ctx context.Context, e *Entry, cs []Collector, fsys fs.FS, track func(c Collector)) {
	var reported int64
	for _, c := range cs {
		if track != nil {
			track(c)
		}
		reported += d.Collect(ctx, c, d.File(e, fsys))
	}
	if len(cs) > 0 && reported == 0 && isSpecial(e.Type) {
		d.ReportOnce(Error{Location: d.loc(e.Path), Collector: names(cs), Kind: ErrKindUnverified,
			Message: fmt.Sprintf("a %s where a file is expected: not read", SpecialKind(e.Type))})
	}
}

func names(cs []Collector) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.Name()
	}
	return strings.Join(n, ", ")
}

// File wraps an entry for a collector, reading through fsys and counting
// into the dispatch's counters.
func (d *Dispatch) File(e *Entry, fsys fs.FS) *File {
	return &File{Entry: e, FS: fsys, Base: d.Base, stats: d.counters(), noBytes: d.NoBytes}
}

// Collect runs one collector on one file: a panic becomes an error at the
// file, and an open the shared helper refused (or that failed other than
// for absence) that the collector passed over in silence is recorded. It
// returns how many errors the collector reported.
func (d *Dispatch) Collect(ctx context.Context, c Collector, f *File) (reported int64) {
	ws := &watchSink{Sink: d.Sink}
	var (
		mu   sync.Mutex
		refs []refusal
	)
	f.refused = func(p string, err error) {
		mu.Lock()
		refs = append(refs, refusal{path: p, err: err, n: ws.errors.Load()})
		mu.Unlock()
	}
	defer func() {
		if r := recover(); r != nil {
			d.Sink.Error(Error{Location: f.Location(), Collector: c.Name(), Kind: ErrKindError,
				Message: fmt.Sprintf("collector panic: %v", r)})
		}
		mu.Lock()
		defer mu.Unlock()
		reported = ws.errors.Load()
		for _, r := range refs {
			if ws.errors.Load() == r.n {
				d.refused(r, c.Name())
			}
		}
	}()
	c.Collect(ctx, f, ws)
	return
}

// Stream runs a Streamer on one entry whose content r streams (an image
// layer's tar member): the file is counted as read, and a panic becomes an
// error at the entry.
func (d *Dispatch) Stream(ctx context.Context, c Collector, s Streamer, e *Entry, r io.Reader) {
	d.counters().FilesRead.Add(1)
	defer func() {
		if rec := recover(); rec != nil {
			d.Sink.Error(Error{Location: d.loc(e.Path), Collector: c.Name(), Kind: ErrKindError,
				Message: fmt.Sprintf("collector panic: %v", rec)})
		}
	}()
	s.CollectStream(ctx, e, d.loc(e.Path), r, d.Sink)
}

// Finish runs every collector's Finish (in order) once all files were
// offered; a panic becomes an error naming the collector.
func (d *Dispatch) Finish(ctx context.Context) {
	for _, c := range d.Collectors {
		if f, ok := c.(Finisher); ok {
			d.finish(ctx, c, f)
		}
	}
}

func (d *Dispatch) finish(ctx context.Context, c Collector, f Finisher) {
	defer func() {
		if r := recover(); r != nil {
			d.Sink.Error(Error{Location: d.loc("/"), Collector: c.Name(), Kind: ErrKindError,
				Message: fmt.Sprintf("collector panic in Finish: %v", r)})
		}
	}()
	f.Finish(context.WithoutCancel(ctx), d.Sink)
}

// ReportOnce records e unless an error was already recorded through it for
// the same path.
func (d *Dispatch) ReportOnce(e Error) {
	if _, dup := d.reported.LoadOrStore(e.Location.Path, true); dup {
		return
	}
	d.Sink.Error(e)
}

// Reported marks path p as already reported (by the caller, in its own
// words), so a refused open of it is not recorded a second time.
func (d *Dispatch) Reported(p string) { d.reported.Store(p, true) }

// refusal is an open the shared helper refused during one Collect call.
type refusal struct {
	path string
	err  error
	n    int64 // errors the collector had reported before it
}

// refused records an open the shared helper refused, or that failed for a
// reason other than absence, when the collector did not report it itself.
func (d *Dispatch) refused(r refusal, collector string) {
	kind := ErrKindError
	err := r.err
	switch {
	case errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrDanglingLink):
		return // an optional sibling that is not there
	case errors.Is(err, syscall.EISDIR):
		return
	case errors.Is(err, ErrSpecialFile), errors.Is(err, ErrOutsideRoot), errors.Is(err, ErrDanglingLink),
		errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.EXDEV):
		kind = ErrKindUnverified
	}
	d.ReportOnce(Error{Location: d.loc(r.path), Collector: collector, Kind: kind, Message: TrimPathErr(err)})
}

// watchSink counts the errors one collector reports for one file, so the
// dispatch knows whether the collector dealt with a refused open itself.
type watchSink struct {
	Sink
	errors atomic.Int64
}

func (s *watchSink) Error(e Error) { s.errors.Add(1); s.Sink.Error(e) }

func (s *watchSink) Environment(e Environment) {
	if es, ok := s.Sink.(EnvSink); ok {
		es.Environment(e)
	}
}

// watchSink forwards the optional sink interfaces too (environments,
// learned indicators), so wrapping a sink never drops what a collector
// reports through them.
func (s *watchSink) Learn(l Learned) { LearnFrom(s.Sink, l) }

func (s *watchSink) Learned() []Learned {
	if ls, ok := s.Sink.(LearnSink); ok {
		return ls.Learned()
	}
	return nil
}

func (s *watchSink) LearnedAt(p string) bool {
	ls, ok := s.Sink.(LearnSink)
	return ok && ls.LearnedAt(p)
}

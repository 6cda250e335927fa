// Package payloads finds copies of payloads the sweep learned: a file
// whose SHA-256 equals a hash another collector proved malicious by context
// (sweep.Learned: a start-up hook or module of an affected release, a script
// at a persistence path), under any name, anywhere in the walked tree.
//
// It is a two-pass design over the one walk. During the walk it only
// remembers the Python-executable files it sees (.pth, .py, .pyw, .start:
// the forms a payload must keep to run), by directory index, name and size
// (one fstatat on the walk's open directory), reading nothing. When every
// other collector has finished (it must be registered last) and the sweep
// has learned something, it hashes only the remembered files whose size
// equals a learned payload's size, and reports each match as critical with
// the learned link as evidence. A clean sweep, which learns nothing, pays one
// string test per file and, for Python files, one fstatat and one append.
//
// Copies renamed to other extensions are not found here; the report lists
// the learned hashes, and merge names the other systems whose reported
// files have them as a fleet observation (never a finding of theirs).
package payloads

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"crypto/sha256"
	"encoding/hex"

	"github.com/litesweep/litesweep/sweep"
)

// Name is the collector's registry name.
const Name = "payloads/learned-copies"

// CatCopy is the category of a copy of a learned payload, found by this
// collector within one sweep.
const CatCopy sweep.Category = "payload-copy"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatCopy, Short: "A copy of a payload learned from its context",
		Description: "A file byte-identical (same SHA-256) to a payload the sweep proved malicious by its context (a start-up hook or module of a bad release, a script at a persistence path), under any name, found within one sweep (a payload another system learned is a fleet observation of merge, for a new sweep with the learned hashes as a pack).",
		Help: []string{
			"Remove the copy with the original (`litesweep remediate` moves both aside as evidence) and find out how it got here: a copy outside an environment was placed by someone or something.",
			"Rotate the credentials of the system and the user the file belongs to: `litesweep rotate` lists them by name.",
			"Add the learned hash to the pack for the next sweeps (`litesweep iocs --from-report`).",
		}},
}

// Options configure the collector.
type Options struct {
	Homes []sweep.Home
	// MaxHashSize caps the bytes hashed per file.
	MaxHashSize int64
}

type cand struct {
	dir  int32
	name string
	size int64
}

// Collector remembers candidate files and matches them in Finish.
type Collector struct {
	o Options

	mu     sync.Mutex
	fsys   fs.FS
	base   sweep.Location
	dirs   []string
	dirIdx map[string]int32
	cands  []cand
}

// New returns a collector.
func New(o Options) *Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = 64 << 20
	}
	return &Collector{o: o, dirIdx: map[string]int32{}}
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return Name }

// Candidate reports whether a base name is one a Python payload keeps to
// run: a start-up hook (.pth, .start) or a module or script (.py, .pyw).
func Candidate(name string) bool {
	return strings.HasSuffix(name, ".py") || strings.HasSuffix(name, ".pth") ||
		strings.HasSuffix(name, ".pyw") || strings.HasSuffix(name, ".start")
}

// FileRequired implements sweep.Collector.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	return !e.IsSymlink() && Candidate(e.Name)
}

// Collect remembers the file and its size (one fstatat on the walk's open
// directory); nothing is read.
func (c *Collector) Collect(_ context.Context, f *sweep.File, _ sweep.Sink) {
	fi, err := f.Info()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return
	}
	dir := f.Dir()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fsys == nil {
		c.fsys, c.base = f.FS, f.Base
	}
	i, ok := c.dirIdx[dir]
	if !ok {
		i = int32(len(c.dirs))
		c.dirs = append(c.dirs, dir)
		c.dirIdx[dir] = i
	}
	c.cands = append(c.cands, cand{dir: i, name: f.Name, size: fi.Size()})
}

// Finish matches the remembered files against what the sweep learned.
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	ls, ok := out.(sweep.LearnSink)
	if !ok {
		return
	}
	learned := ls.Learned()
	c.mu.Lock()
	fsys, base, dirs, cands := c.fsys, c.base, c.dirs, c.cands
	c.cands, c.dirs, c.dirIdx = nil, nil, nil // the walk is over; let them go
	c.mu.Unlock()
	if len(learned) == 0 || fsys == nil {
		return
	}
	bySize := map[int64]bool{}
	byHash := map[string]sweep.Learned{}
	for _, l := range learned {
		bySize[l.Size] = true
		byHash[l.SHA256] = l
	}
	for _, cd := range cands {
		if !bySize[cd.size] || cd.size > c.o.MaxHashSize {
			continue // the common case: decided without a system call
		}
		p := dirs[cd.dir] + "/" + cd.name
		if dirs[cd.dir] == "/" {
			p = "/" + cd.name
		}
		fi, err := fs.Lstat(fsys, sweep.Rel(p))
		if err != nil || !fi.Mode().IsRegular() || !bySize[fi.Size()] || fi.Size() > c.o.MaxHashSize {
			continue
		}
		if ls.LearnedAt(p) {
			continue
		}
		loc := base
		loc.Path = p
		sum, err := hashFile(fsys, p, c.o.MaxHashSize)
		if err != nil {
			out.Error(sweep.Error{Location: loc, Collector: Name, Kind: sweep.ErrKindError, Message: "hash: " + sweep.TrimPathErr(err)})
			continue
		}
		l, ok := byHash[sum]
		if !ok {
			continue
		}
		out.Finding(c.finding(loc, fi, sum, l))
	}
}

func (c *Collector) finding(loc sweep.Location, fi fs.FileInfo, sum string, l sweep.Learned) sweep.Finding {
	mt := fi.ModTime().UTC()
	ev := sweep.Evidence{SHA256: sum, Size: fi.Size(), Mode: fi.Mode().String(), ModTime: &mt}
	if uid, ok := sweep.Owner(fi); ok {
		ev.Owner = sweep.OwnerName(uid, c.o.Homes)
	}
	if ct, ok := sweep.ChangeTime(fi); ok {
		ev.Details = append(ev.Details, "ctime "+ct.UTC().Format(time.RFC3339))
	}
	ev.Details = append(ev.Details,
		fmt.Sprintf("SHA-256 equals the payload learned in this sweep from %s (%s): %s", l.Location.String(), l.Name, l.Reason))
	if l.PackIndicator != "" {
		ev.Details = append(ev.Details, "the pack knows this hash as "+l.PackIndicator)
	}
	f := sweep.Finding{Severity: sweep.Critical, Category: CatCopy,
		Title:    fmt.Sprintf("copy of a payload learned in this sweep: %s is byte-identical to %s", loc.Path[strings.LastIndexByte(loc.Path, '/')+1:], l.Name),
		Location: loc, Evidence: ev, Collector: Name, User: sweep.UserOf(c.o.Homes, loc.Path),
		Indicator: &sweep.Indicator{ID: sweep.LearnedID(l.SHA256), Kind: "learned", Confidence: "derived",
			Sources: []string{"learned in this sweep: " + l.Location.String()}}}
	return f
}

func hashFile(fsys fs.FS, p string, limit int64) (string, error) {
	r, err := fsys.Open(sweep.Rel(p))
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, limit+1))
	if err != nil {
		return "", err
	}
	if n > limit {
		return "", fmt.Errorf("%w: larger than %d bytes", sweep.ErrTooLarge, limit)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

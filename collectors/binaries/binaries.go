// Package binaries finds the pack's bad binaries where a host or an image
// keeps them: a regular file whose base name is a binary entry's (pack
// files of kind binary: an extracted trivy, a Windows implant, a release
// archive) is read once, start to end, hashed and searched for the
// entries' markers in the same pass, within a size cap far above what such
// a tool weighs (a 200 MB trivy is normal). Nothing is loaded whole.
//
// A hash the pack knows is the payload itself (the entry's severity,
// critical); a marker alone (the typosquat domain inside a trivy whose
// hash is unpublished) is the marker entry's severity (high). A file named
// like a binary that is too large or cannot be read is a located error: it
// is a candidate nobody checked. Every other file costs the walk one map
// lookup of its name; names ending in .exe compare without case, as on the
// Windows disk that holds them.
//
// On an image layer the same collector is a sweep.Streamer: the layer hands
// it the tar member as it streams, whatever its size, instead of buffering
// it for the collectors that need the tree.
package binaries

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Name is the collector's registry name.
const Name = "binaries/named"

// CatBinary is the category of a bad binary found by name and content.
const CatBinary sweep.Category = "bad-binary"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatBinary, Short: "A known bad binary (by hash, or by a marker it carries)",
		Description: "A file named like a binary of the pack (an extracted trivy, trivy.exe, the telnyx msbuild.exe, a release archive) whose SHA-256 is a published payload's (critical: the file is the payload), or which carries a marker string of the campaign such as its typosquat domain although its hash is unpublished (high: a build or copy nobody has hashed yet).",
		Help: []string{
			"Do not run it. Move it aside as evidence (`litesweep remediate` moves a critical one) and reinstall the tool from a clean release, checked against its published checksum.",
			"Everything the binary could read on this system is exposed: rotate the credentials of the system and of the user who ran it (`litesweep rotate` lists them by name), and look for the stage's persistence and network traces in the same report.",
			"A marker without a known hash: keep the file and send its SHA-256 to the pack's maintainers; `litesweep iocs --from-report` adds it for the next sweeps.",
		}},
}

// DefaultMaxSize caps the bytes read from one file named like a bad binary.
const DefaultMaxSize = 1 << 30

// chunk is the read size of the streaming pass.
const chunk = 256 << 10

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
	// MaxSize caps the bytes read from one candidate (0: DefaultMaxSize).
	MaxSize int64
}

// Collector hashes and searches the files named like the pack's binaries.
type Collector struct{ o Options }

// New returns a collector.
func New(o Options) *Collector {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	return &Collector{o: o}
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return Name }

// FileRequired implements sweep.Collector: a regular file (no FIFO or
// device: neither holds a binary) whose name is a binary entry's; a
// symlink is offered again as its target when that is a regular file.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	return e.Type == 0 && len(c.o.Matcher.Binaries(e.Name)) > 0
}

// Collect implements sweep.Collector: it streams the file through Check.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	loc := f.Location()
	fi, err := f.Info()
	if err != nil {
		out.Error(sweep.Error{Location: loc, Collector: Name, Kind: sweep.ErrKindError, Message: "stat: " + sweep.TrimPathErr(err)})
		return
	}
	if !fi.Mode().IsRegular() {
		return
	}
	if c.linkToCandidate(f) {
		return // the target is checked where it lies, under its own name
	}
	if !c.worthReading(f.Name, fi.Size(), loc, out) {
		return
	}
	r, err := f.Open()
	if err != nil {
		out.Error(sweep.Error{Location: loc, Collector: Name, Kind: sweep.ErrKindError, Message: "not read: " + sweep.TrimPathErr(err)})
		return
	}
	defer r.Close()
	c.check(ctx, f.Name, loc, facts{size: fi.Size(), mode: fi.Mode().String(), mtime: fi.ModTime(), fi: fi}, r, out)
}

// linkToCandidate reports whether f is a symlink (the walk offers a link
// to a regular file as that file) whose target is named like a bad binary
// too: the target is read once, at its own path. A link named trivy to a
// file of another name (an install directory's versioned binary) is
// checked here, at the link.
func (c *Collector) linkToCandidate(f *sweep.File) bool {
	li, err := fs.Lstat(f.FS, sweep.Rel(f.Path))
	if err != nil || li.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := fs.ReadLink(f.FS, sweep.Rel(f.Path))
	return err == nil && len(c.o.Matcher.Binaries(path.Base(target))) > 0
}

// CollectStream implements sweep.Streamer: an image layer's member, read
// from its tar stream (info is its header's).
func (c *Collector) CollectStream(ctx context.Context, e *sweep.Entry, loc sweep.Location, r io.Reader, out sweep.Sink) {
	fi, err := e.Info()
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	if !c.worthReading(e.Name, fi.Size(), loc, out) {
		return
	}
	c.check(ctx, e.Name, loc, facts{size: fi.Size(), mode: fi.Mode().String(), mtime: fi.ModTime()}, r, out)
}

// worthReading decides from the size alone: a file over the cap is a
// located error; one whose name's entries all carry a size it does not
// have, and no marker, cannot match and is not read.
func (c *Collector) worthReading(name string, size int64, loc sweep.Location, out sweep.Sink) bool {
	ents := c.o.Matcher.Binaries(name)
	sized := true
	for _, b := range ents {
		if len(b.Markers) > 0 || b.Size <= 0 || b.Size == size {
			sized = false
			break
		}
	}
	if sized {
		return false
	}
	if size > c.o.MaxSize {
		out.Error(sweep.Error{Location: loc, Collector: Name, Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("not read: %d bytes, larger than the %d-byte cap for a file named like a bad binary of the pack (%s)", size, c.o.MaxSize, ents[0].ID)})
		return false
	}
	return true
}

// facts are what the finding says about the file.
type facts struct {
	size  int64
	mode  string
	mtime time.Time
	fi    fs.FileInfo // the host's Lstat, for owner and ctime (nil in a layer)
}

// check streams r once and reports what matched.
func (c *Collector) check(ctx context.Context, name string, loc sweep.Location, ff facts, r io.Reader, out sweep.Sink) {
	ents := c.o.Matcher.Binaries(name)
	var markers []string
	for _, b := range ents {
		for _, mk := range b.Markers {
			if !slices.Contains(markers, mk) {
				markers = append(markers, mk)
			}
		}
	}
	res, err := Scan(ctx, r, c.o.MaxSize, markers)
	if err != nil {
		out.Error(sweep.Error{Location: loc, Collector: Name, Kind: sweep.ErrKindError, Message: "read: " + sweep.TrimPathErr(err)})
		return
	}
	// The entry of this name with the hash, else any file the pack knows
	// by it (a renamed payload).
	var hash *iocs.FileIOC
	for _, b := range ents {
		if b.SHA256 == res.SHA256 {
			hash = b
			break
		}
	}
	byHash := hash != nil
	if !byHash {
		hash, byHash = c.o.Matcher.File(res.SHA256)
	}
	var marked *iocs.FileIOC
	var marker string
	for _, b := range ents {
		for _, mk := range b.Markers {
			if marked == nil && slices.Contains(res.Markers, mk) {
				marked, marker = b, mk
			}
		}
	}
	if !byHash && marked == nil {
		return
	}
	mt := ff.mtime.UTC()
	ev := sweep.Evidence{SHA256: res.SHA256, Size: res.Size, Mode: ff.mode, ModTime: &mt}
	if ff.fi != nil {
		if uid, ok := sweep.Owner(ff.fi); ok {
			ev.Owner = sweep.OwnerName(uid, c.o.Homes)
		}
		if ct, ok := sweep.ChangeTime(ff.fi); ok {
			ev.Details = append(ev.Details, "ctime "+ct.UTC().Format(time.RFC3339))
		}
	}
	ent := marked
	if byHash {
		ent = hash
		ev.Details = append(ev.Details, fmt.Sprintf("SHA-256 is %s's (%s)", hash.ID, hash.Name))
	} else {
		ev.Details = append(ev.Details, "SHA-256 is none the pack publishes")
	}
	if marked != nil {
		ev.Details = append(ev.Details, fmt.Sprintf("carries the marker %q (%s)", marker, marked.ID))
	}
	title := fmt.Sprintf("bad binary %s: %s", name, ent.Description)
	out.Finding(sweep.Finding{Severity: sweep.Severity(ent.Severity), Category: CatBinary, Title: title,
		Location: loc, Evidence: ev, Collector: Name, User: sweep.UserOf(c.o.Homes, loc.Path),
		Indicator: &sweep.Indicator{ID: ent.ID, Kind: "binary", Confidence: string(ent.Provenance.Confidence), Sources: ent.Provenance.Sources}})
}

// Result is what one streaming pass over a file found.
type Result struct {
	SHA256 string
	Size   int64
	// Markers are the markers found, in the order given.
	Markers []string
}

// Scan reads r to its end, at most limit bytes (more is an error wrapping
// sweep.ErrTooLarge), hashing it and searching it for each marker in the
// same pass. A marker split across two reads is found: each read is
// searched together with the last len(longest marker)-1 bytes of the one
// before. Memory is one buffer, whatever the file's size.
func Scan(ctx context.Context, r io.Reader, limit int64, markers []string) (Result, error) {
	keep := 0
	pats := make([][]byte, len(markers))
	for i, m := range markers {
		pats[i] = []byte(m)
		keep = max(keep, len(m)-1)
	}
	found := make([]bool, len(markers))
	left := len(markers)
	h := sha256.New()
	buf := make([]byte, keep+chunk)
	carry := 0
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		k, err := r.Read(buf[carry:])
		if k > 0 {
			n += int64(k)
			if n > limit {
				return Result{}, fmt.Errorf("%w: larger than %d bytes", sweep.ErrTooLarge, limit)
			}
			h.Write(buf[carry : carry+k])
			win := buf[:carry+k]
			if left > 0 {
				for i, p := range pats {
					if !found[i] && bytes.Contains(win, p) {
						found[i] = true
						left--
					}
				}
			}
			carry = min(keep, len(win))
			copy(buf, win[len(win)-carry:])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
	}
	res := Result{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	for i, ok := range found {
		if ok {
			res.Markers = append(res.Markers, markers[i])
		}
	}
	return res, nil
}

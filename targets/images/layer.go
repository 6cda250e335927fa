package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/litesweep/litesweep/sweep"
)

// Limits bound what one layer may cost. Zero fields take the defaults.
type Limits struct {
	// MaxLayerBytes caps the decompressed bytes read from one layer.
	MaxLayerBytes int64
	// MaxRatio caps decompressed/compressed once a compressed layer has
	// produced more than RatioFloor bytes (a gzip or zstd bomb).
	MaxRatio int64
	// MaxFileBytes caps the bytes buffered for one wanted file.
	MaxFileBytes int64
	// MaxBufferedBytes caps the bytes buffered for all wanted files of one layer.
	MaxBufferedBytes int64
	// MaxEntries caps the tar members of one layer.
	MaxEntries int
	// RatioFloor is how many decompressed bytes a layer may produce before
	// MaxRatio applies.
	RatioFloor int64
}

// Default limits.
const (
	DefaultMaxLayerBytes    = 32 << 30
	DefaultMaxRatio         = 200
	DefaultMaxBufferedBytes = 512 << 20
	DefaultMaxEntries       = 4 << 20
	DefaultRatioFloor       = 256 << 20
	maxPasswd               = 1 << 20
)

func (l Limits) withDefaults(maxFile int64) Limits {
	if l.MaxLayerBytes <= 0 {
		l.MaxLayerBytes = DefaultMaxLayerBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = maxFile
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 64 << 20
	}
	if l.MaxBufferedBytes <= 0 {
		l.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.RatioFloor <= 0 {
		l.RatioFloor = DefaultRatioFloor
	}
	return l
}

// Errors a layer read can end with.
var (
	ErrLayerTooLarge  = errors.New("layer exceeds the decompressed size cap")
	ErrBomb           = errors.New("compression ratio exceeds the cap (decompression bomb?)")
	ErrNotLayer       = errors.New("blob is not a tar, gzip or zstd layer")
	ErrDigestMismatch = errors.New("digest mismatch")
)

// layerInput is one layer blob to read.
type layerInput struct {
	r io.Reader
	// wantDigest is the expected sha256 of the blob as stored ("sha256:…"), or "".
	wantDigest string
	// wantDiffID is the expected sha256 of the uncompressed tar, or "".
	wantDiffID string
	// passwd is the image's etc/passwd from a lower layer, when known.
	passwd []byte
	// reopen, when set, reads the blob again (to fetch the content of a
	// hard link's target that was not buffered on the first pass).
	reopen func() (io.ReadCloser, error)
}

// hardLink is a wanted tar hard link whose content was not at hand.
type hardLink struct {
	path, target string
	cols         []sweep.Collector
	passwd       bool
	mtime        time.Time
}

// layerResult is what one layer produced, before it is placed in an image.
// Locations carry Path (and Member) only; the image fields are filled in
// when the layer is assembled into each image that uses it.
type layerResult struct {
	digest      string // sha256 of the blob as read
	diffID      string // sha256 of the uncompressed tar
	compression string // "none", "gzip" or "zstd"
	findings    []sweep.Finding
	errors      []sweep.Error
	envs        []sweep.Environment
	learned     []sweep.Learned
	index       pathIndex
	passwd      []byte
	entries     int
	bytes       int64
	complete    bool // the whole tar was read without error
	// links are hard links to a path this layer does not hold: resolved
	// against the lower layers of each image that uses the layer.
	links []hardLink
}

// fail records an error for the layer as a whole.
func (r *layerResult) fail(format string, a ...any) {
	r.errors = append(r.errors, sweep.Error{Collector: collectorName, Message: fmt.Sprintf(format, a...), Kind: sweep.ErrKindError})
}

func (r *layerResult) note(kind sweep.ErrorKind, member, format string, a ...any) {
	r.errors = append(r.errors, sweep.Error{Location: sweep.Location{Path: member}, Collector: collectorName,
		Message: fmt.Sprintf(format, a...), Kind: kind})
}

// sniffer classifies the first bytes of a blob.
func sniff(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "gzip"
	case len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd:
		return "zstd"
	case len(b) >= 262 && string(b[257:262]) == "ustar":
		return "none"
	case len(b) >= 512 && isTarHeaderV7(b[:512]):
		return "none"
	case len(b) == 0, allZero(b):
		return "none" // an empty tar is zero blocks
	}
	return ""
}

// isTarHeaderV7 checks a pre-POSIX header by its checksum.
func isTarHeaderV7(h []byte) bool {
	field := strings.Trim(string(h[148:156]), " \x00")
	if field == "" {
		return false
	}
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var sum int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// capReader counts decompressed bytes and enforces the size and ratio caps.
type capReader struct {
	r          io.Reader
	n          int64
	max        int64
	compressed *int64        // bytes of the raw stream consumed so far (nil when uncompressed)
	skip       *bufio.Reader // the uncompressed stream itself, for Seek
	ratio      int64
	floor      int64
}

// errNoSeek tells archive/tar to skip a member by reading it.
var errNoSeek = errors.New("layer stream: not seekable")

// Seek lets archive/tar skip a member's content in an uncompressed layer
// without copying it out of the buffered blob (bufio.Reader.Discard): the
// bytes still pass the blob digest and count towards the size cap. Only a
// forward seek from the current offset is offered; a compressed layer
// refuses, and tar reads what it skips.
func (c *capReader) Seek(off int64, whence int) (int64, error) {
	if c.skip == nil || whence != io.SeekCurrent || off < 0 {
		return 0, errNoSeek
	}
	for off > 0 {
		n := int(min(off, c.max-c.n+1, 1<<30))
		d, err := c.skip.Discard(n)
		c.n += int64(d)
		off -= int64(d)
		if c.n > c.max {
			return c.n, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, c.max)
		}
		if err == io.EOF {
			return c.n, io.ErrUnexpectedEOF // the member's content is cut short
		}
		if err != nil {
			return c.n, err
		}
	}
	return c.n, nil
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, c.max)
	}
	if c.compressed != nil && c.n > c.floor && *c.compressed > 0 && c.n/(*c.compressed) > c.ratio {
		return n, fmt.Errorf("%w: %d bytes from %d compressed", ErrBomb, c.n, *c.compressed)
	}
	return n, err
}

// rawCounter counts the raw bytes consumed and feeds the blob digest.
type rawCounter struct {
	r io.Reader
	h *asyncHash
	n int64
}

func (c *rawCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

// wanted is a file some collectors asked for.
type wanted struct {
	entry *sweep.Entry
	cols  []sweep.Collector
}

// decompress sniffs a layer blob and returns its tar stream.
func decompress(br *bufio.Reader) (io.Reader, string, func(), error) {
	head, _ := br.Peek(512)
	compression := sniff(head)
	switch compression {
	case "gzip":
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, compression, nil, fmt.Errorf("gzip layer: %v", err)
		}
		return gz, compression, func() { gz.Close() }, nil
	case "zstd":
		// A hostile frame header cannot make the decoder allocate more than this.
		zdec, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, compression, nil, fmt.Errorf("zstd layer: %v", err)
		}
		return zdec, compression, zdec.Close, nil
	case "none":
		return br, compression, func() {}, nil
	}
	return nil, compression, nil, fmt.Errorf("%w (starts with %q)", ErrNotLayer, printable(head, 16))
}

// scanLayer reads one layer blob once, as a stream, offering every entry
// to the collectors and buffering only the files they want (capped) into an
// in-memory tree on which their Collect runs after the stream ends.
func (s *Scanner) scanLayer(ctx context.Context, in layerInput) *layerResult {
	lim := s.limits()
	res := &layerResult{index: pathIndex{}}
	raw := &rawCounter{r: in.r, h: newAsyncHash()}
	defer raw.h.Sum() // stops the hashing goroutine on every path
	br := bufio.NewReaderSize(raw, 64<<10)
	dec, compression, closeDec, err := decompress(br)
	res.compression = compression
	if err != nil {
		res.fail("%v", err)
		return res
	}
	defer closeDec()
	cr := &capReader{r: dec, max: lim.MaxLayerBytes, ratio: lim.MaxRatio, floor: lim.RatioFloor}
	if res.compression != "none" {
		cr.compressed = &raw.n
	} else {
		cr.skip = br
	}
	// An uncompressed layer's diff_id is its blob digest: hash it once.
	var diff *asyncHash
	var body io.Reader = cr
	if res.compression != "none" {
		diff = newAsyncHash()
		defer diff.Sum()
		body = io.TeeReader(cr, diff)
	}
	tr := tar.NewReader(body)

	cs := s.collectorsFor(in.passwd)
	// The layer's own collection: findings and errors are placed in each
	// image that uses the layer later. Files are offered to the collectors
	// as the walk offers them (sweep.Dispatch); bytes are counted here, as
	// the stream is read.
	sink := sweep.NewCollection(nil)
	disp := &sweep.Dispatch{Collectors: cs, Sink: sink, Counters: s.Counters, NoBytes: true}
	var observers []sweep.DirObserver
	for _, c := range cs {
		if o, ok := c.(sweep.DirObserver); ok {
			observers = append(observers, o)
		}
	}
	mem := newMemFS()
	big := map[string]int64{} // files seen but not buffered (caps): stat works, open says why
	companions := s.companions()
	var (
		want     []wanted
		pending  []hardLink
		buffered int64
		readErr  error
	)
	observeDir := func(p string, info fs.FileInfo) {
		if p == "/" || res.index.get(p)&kindDir != 0 {
			return
		}
		res.index.add(p, kindDir)
		mem.put(sweep.Rel(p), &memFile{mode: fs.ModeDir | info.Mode().Perm(), modTime: info.ModTime()})
		if s.Counters != nil {
			s.Counters.DirsRead.Add(1)
		}
		if len(observers) > 0 {
			e := sweep.NewEntry(p, fs.ModeDir, func() (fs.FileInfo, error) { return info, nil })
			for _, o := range observers {
				o.ObserveDir(e)
			}
		}
	}
	ensureParents := func(p string) {
		// Parents come first in a well-formed tar; synthesise missing ones.
		var todo []string
		for x := path.Dir(p); x != "/" && res.index.get(x)&kindDir == 0; x = path.Dir(x) {
			todo = append(todo, x)
		}
		for i := len(todo) - 1; i >= 0; i-- {
			observeDir(todo[i], synthDir(path.Base(todo[i])))
		}
	}

	for {
		if err := ctx.Err(); err != nil {
			readErr = err
			break
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		res.entries++
		if res.entries > lim.MaxEntries {
			readErr = fmt.Errorf("more than %d tar members", lim.MaxEntries)
			break
		}
		p, why := memberPath(hdr.Name)
		if why != "" {
			res.note(sweep.ErrKindError, p, "hostile tar member %q (%s): scanned as %s, an extractor must not write outside the root", printable([]byte(hdr.Name), 200), why, p)
		}
		if p == "/" {
			continue
		}
		base := path.Base(p)
		if strings.HasPrefix(base, whPrefix) {
			switch {
			case base == whOpaque:
				res.index.add(path.Dir(p), kindOpaque)
			case strings.HasPrefix(base, whPrefix+whPrefix):
				// AUFS metadata (.wh..wh.plnk and the like): not content.
			default:
				res.index.add(path.Join(path.Dir(p), base[len(whPrefix):]), kindWhiteout)
			}
			continue
		}
		ensureParents(p)
		info := hdr.FileInfo()
		var typ fs.FileMode
		switch hdr.Typeflag {
		case tar.TypeDir:
			observeDir(p, info)
			continue
		case tar.TypeReg, tar.TypeRegA, tar.TypeLink, tar.TypeGNUSparse, tar.TypeCont:
			typ = 0
		case tar.TypeSymlink:
			typ = fs.ModeSymlink
			target := hdr.Linkname
			if sweep.LinkEscapes(path.Dir(p), target) {
				res.note(sweep.ErrKindSkipped, p, "symlink to %q points outside the layer root; not followed", printable([]byte(target), 200))
			} else {
				mem.put(sweep.Rel(p), &memFile{data: []byte(target), mode: fs.ModeSymlink | 0o777, modTime: info.ModTime()})
			}
		default:
			// Devices, fifos: they take a name but hold nothing to read. A
			// collector that wants the name still sees the entry, as on a
			// host; any open it tries is refused.
			typ = info.Mode().Type()
			if typ == 0 {
				typ = fs.ModeIrregular
			}
		}
		res.index.add(p, kindFile)
		e := sweep.NewEntry(p, typ, func() (fs.FileInfo, error) { return info, nil })
		cols := disp.Want(e)
		isPasswd := p == "/etc/passwd" && typ == 0
		companion := typ == 0 && len(cols) == 0 && companions(p)
		if len(cols) == 0 && !isPasswd && !companion {
			continue
		}
		if hdr.Typeflag == tar.TypeLink {
			// Docker extracts a hard link as the file it names: collect it
			// as that content, whichever layer holds it.
			t, _ := memberPath(hdr.Linkname)
			f := mem.get(sweep.Rel(t))
			if f == nil || !f.mode.IsRegular() {
				pending = append(pending, hardLink{path: p, target: t, cols: cols, passwd: isPasswd, mtime: hdr.ModTime})
				continue
			}
			mem.put(sweep.Rel(p), &memFile{data: f.data, mode: f.mode, modTime: hdr.ModTime})
			if isPasswd {
				res.passwd = f.data
			}
			if len(cols) > 0 {
				want = append(want, wanted{entry: memEntry(mem, p), cols: cols})
			}
			continue
		}
		if st, ok := streamer(cols); ok && typ == 0 && !isPasswd {
			// A collector that reads the file once, start to end (a hash
			// and a marker search), reads it from the stream, whatever
			// its size: nothing is buffered.
			disp.Stream(ctx, cols[0], st, e, tr)
			continue
		}
		switch {
		case typ == 0:
			data, ok := s.bufferFile(res, tr, hdr, p, mem, big, lim, &buffered, len(cols) == 0)
			if !ok {
				if len(cols) > 0 {
					disp.Reported(p) // a note says why: its refused open is not news
				}
				continue
			}
			if isPasswd {
				res.passwd = data
			}
		case typ != fs.ModeSymlink:
			mem.put(sweep.Rel(p), &memFile{mode: typ | info.Mode().Perm(), modTime: info.ModTime()})
		}
		if len(cols) > 0 {
			want = append(want, wanted{entry: e, cols: cols})
		}
	}
	if readErr == nil {
		// Drain what follows the end-of-archive marker so both digests cover
		// the whole blob.
		if _, err := io.Copy(io.Discard, tr); err != nil {
			readErr = err
		} else if _, err := io.Copy(io.Discard, body); err != nil {
			readErr = err
		} else if _, err := io.Copy(io.Discard, br); err != nil {
			readErr = err
		}
	}
	res.bytes = cr.n
	if s.Counters != nil {
		s.Counters.BytesRead.Add(cr.n)
	}
	switch {
	case readErr == nil:
		res.complete = true
		res.digest = "sha256:" + hex.EncodeToString(raw.h.Sum())
		res.diffID = res.digest
		if diff != nil {
			res.diffID = "sha256:" + hex.EncodeToString(diff.Sum())
		}
		if in.wantDigest != "" && !strings.EqualFold(in.wantDigest, res.digest) {
			res.complete = false
			res.fail("layer %v: the manifest names %s but the blob hashes to %s", ErrDigestMismatch, in.wantDigest, res.digest)
		} else if in.wantDiffID != "" && !strings.EqualFold(in.wantDiffID, res.diffID) {
			res.complete = false
			res.fail("layer %v: the config names diff_id %s but the uncompressed tar hashes to %s", ErrDigestMismatch, in.wantDiffID, res.diffID)
		}
	case errors.Is(readErr, io.ErrUnexpectedEOF):
		res.fail("truncated layer after %d members (%d bytes): files after that point were not checked", res.entries, cr.n)
	case errors.Is(readErr, context.Canceled), errors.Is(readErr, context.DeadlineExceeded):
		res.fail("layer read interrupted after %d members", res.entries)
	default:
		res.fail("layer unreadable after %d members (%d bytes): %v", res.entries, cr.n, readErr)
	}
	if len(pending) > 0 {
		want = s.resolveLinks(ctx, res, in, pending, mem, want)
	}
	s.collectLayer(ctx, res, disp, sink, want, &layerFS{m: mem, big: big})
	return res
}

// streamer returns the one collector that wants a file, when it reads
// it from a stream (sweep.Streamer).
func streamer(cols []sweep.Collector) (sweep.Streamer, bool) {
	if len(cols) != 1 {
		return nil, false
	}
	st, ok := cols[0].(sweep.Streamer)
	return st, ok
}

// memEntry is a walk entry for a file buffered in mem (its size is the
// content's, also for a hard link, whose tar header says 0).
func memEntry(mem *memFS, p string) *sweep.Entry {
	return sweep.NewEntry(p, 0, func() (fs.FileInfo, error) { return mem.stat("stat", p, sweep.Rel(p)) })
}

// resolveLinks fetches the content of hard links whose target this layer
// holds but did not buffer (a second read of the blob), and leaves links
// to other layers' paths to the image (res.links).
func (s *Scanner) resolveLinks(ctx context.Context, res *layerResult, in layerInput, pending []hardLink, mem *memFS, want []wanted) []wanted {
	lim := s.limits()
	targets := map[string]bool{}
	var here []hardLink
	for _, l := range pending {
		if res.index.get(l.target)&kindFile == 0 {
			res.links = append(res.links, l)
			continue
		}
		here = append(here, l)
		targets[l.target] = true
	}
	if len(here) == 0 {
		return want
	}
	var got map[string][]byte
	var err error
	if in.reopen == nil {
		err = errors.New("the source is a stream and the target was not kept")
	} else {
		got, err = readMembers(ctx, in.reopen, targets, lim)
	}
	for _, l := range here {
		data, ok := got[l.target]
		if !ok {
			why := "the target is not a regular file within the size cap"
			if err != nil {
				why = err.Error()
			}
			res.note(sweep.ErrKindUnverified, l.path, "hard link to %s: its content was not read (%s)", l.target, why)
			continue
		}
		mem.put(sweep.Rel(l.path), &memFile{data: data, mode: 0o644, modTime: l.mtime})
		if l.passwd {
			res.passwd = data
		}
		if len(l.cols) > 0 {
			want = append(want, wanted{entry: memEntry(mem, l.path), cols: l.cols})
		}
	}
	return want
}

// readMembers reads the regular files named in want from a layer blob
// (each within the file cap; hard links among them resolved in order).
func readMembers(ctx context.Context, open func() (io.ReadCloser, error), want map[string]bool, lim Limits) (map[string][]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec, _, closeDec, err := decompress(bufio.NewReaderSize(rc, 64<<10))
	if err != nil {
		return nil, err
	}
	defer closeDec()
	tr := tar.NewReader(&capReader{r: dec, max: lim.MaxLayerBytes, ratio: lim.MaxRatio, floor: lim.RatioFloor})
	got := map[string][]byte{}
	for len(got) < len(want) {
		if err := ctx.Err(); err != nil {
			return got, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return got, err
		}
		p, _ := memberPath(hdr.Name)
		if !want[p] {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			if hdr.Size > lim.MaxFileBytes {
				delete(got, p)
				continue
			}
			data := make([]byte, hdr.Size)
			if _, err := io.ReadFull(tr, data); err != nil {
				return got, err
			}
			got[p] = data
		case tar.TypeLink:
			t, _ := memberPath(hdr.Linkname)
			if d, ok := got[t]; ok {
				got[p] = d
			}
		default:
			delete(got, p)
		}
	}
	return got, nil
}

// linkTar is a one-member tar holding data at p, for collecting a hard
// link's content from another layer with the same machinery.
func linkTar(p string, data []byte, mtime time.Time) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(p, "/"), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: mtime})
	tw.Write(data)
	tw.Close()
	return b.Bytes()
}

// bufferFile reads a wanted (or companion, or passwd: quiet) regular file
// into mem, within the caps. A file over a cap is recorded in big, so that
// a collector's stat sees it and its open says why it was not read.
func (s *Scanner) bufferFile(res *layerResult, tr *tar.Reader, hdr *tar.Header, p string, mem *memFS, big map[string]int64, lim Limits, buffered *int64, quiet bool) ([]byte, bool) {
	rel := sweep.Rel(p)
	capFile := lim.MaxFileBytes
	if p == "/etc/passwd" && quiet {
		capFile = maxPasswd
	}
	if hdr.Size > capFile {
		big[rel] = hdr.Size
		if !quiet {
			res.note(sweep.ErrKindSkipped, p, "file of %d bytes is larger than the %d-byte cap; not read", hdr.Size, capFile)
		}
		return nil, false
	}
	if *buffered+hdr.Size > lim.MaxBufferedBytes {
		big[rel] = hdr.Size
		if !quiet {
			res.note(sweep.ErrKindError, p, "not read: the layer's wanted files exceed the %d-byte buffer cap", lim.MaxBufferedBytes)
		}
		return nil, false
	}
	data := make([]byte, hdr.Size)
	if _, err := io.ReadFull(tr, data); err != nil {
		// The tar loop sees the same error on Next and records it.
		return nil, false
	}
	*buffered += hdr.Size
	mem.put(rel, &memFile{data: data, mode: hdr.FileInfo().Mode().Perm(), modTime: hdr.ModTime})
	delete(big, rel)
	return data, true
}

// collectLayer offers the buffered files to the collectors that wanted
// them, then runs their finishers, into the layer's own collection.
func (s *Scanner) collectLayer(ctx context.Context, res *layerResult, disp *sweep.Dispatch, sink *sweep.Collection, want []wanted, fsys *layerFS) {
	for _, w := range want {
		if ctx.Err() != nil {
			break
		}
		disp.Offer(ctx, w.entry, w.cols, fsys, nil)
	}
	disp.Finish(ctx)
	f, e := sink.Drain()
	res.findings = append(res.findings, f...)
	res.errors = append(res.errors, e...)
	res.envs = sink.Environments()
	res.learned = sink.Learned()
}

const (
	whPrefix = ".wh."
	whOpaque = ".wh..wh..opq"
)

// memberPath turns a tar member name into an absolute path confined to the
// layer root, and says why the name was hostile ("" when it was not).
func memberPath(name string) (string, string) {
	why := ""
	if strings.HasPrefix(name, "/") {
		why = "absolute path"
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			why = "parent-directory component"
			break
		}
	}
	if strings.ContainsRune(name, 0) {
		why = "NUL in name"
		name = strings.ReplaceAll(name, "\x00", "")
	}
	return path.Clean("/" + name), why
}

func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(string(bytes.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, b)), "?")
}

type synthInfo struct{ name string }

func synthDir(name string) fs.FileInfo { return synthInfo{name} }

func (s synthInfo) Name() string       { return s.name }
func (s synthInfo) Size() int64        { return 0 }
func (s synthInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (s synthInfo) ModTime() time.Time { return time.Time{} }
func (s synthInfo) IsDir() bool        { return true }
func (s synthInfo) Sys() any           { return nil }

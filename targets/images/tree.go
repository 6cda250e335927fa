package images

import (
	"bytes"
	"errors"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Kinds of a path in one layer (bits).
const (
	kindDir      uint8 = 1 << iota // a directory entry
	kindFile                       // a non-directory entry (file, link, device)
	kindWhiteout                   // .wh.<name>: deletes the path from lower layers
	kindOpaque                     // .wh..wh..opq in the dir: hides lower children
)

// pathIndex records, compactly, what a layer does to each path: 8 bytes of
// hash and one byte of kind per path, so that whiteouts and replacements
// from later layers can be applied to findings of earlier ones without
// keeping the layer.
type pathIndex map[uint64]uint8

func hashPath(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64()
}

func (x pathIndex) add(p string, k uint8) { x[hashPath(p)] |= k }

func (x pathIndex) get(p string) uint8 { return x[hashPath(p)] }

// visibleAfter reports whether path p, as layer i left it, is still what
// the final image shows, given the indexes of all the image's layers.
// Later layers hide it by a whiteout of p or an ancestor, an opaque marker
// on an ancestor (on p itself when p is a directory), or by replacing p or
// an ancestor with another entry.
func visibleAfter(layers []pathIndex, i int, p string) bool {
	if p == "" || p == "/" || i < 0 || i >= len(layers) {
		return true
	}
	wasDir := layers[i].get(p)&kindDir != 0
	anc := ancestors(p)
	for j := i + 1; j < len(layers); j++ {
		x := layers[j]
		if x == nil {
			continue
		}
		for _, a := range anc {
			k := x.get(a)
			if k&kindWhiteout != 0 {
				return false
			}
			if k&kindOpaque != 0 && (a != p || wasDir) {
				return false
			}
			if k&kindFile != 0 {
				return false // replaced by a file (or a file replaced a parent dir)
			}
			if a == p && k&kindDir != 0 && !wasDir {
				return false // a file replaced by a directory
			}
		}
	}
	return true
}

// ancestors returns p's ancestors below the root, outermost first, then p.
func ancestors(p string) []string {
	var out []string
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return append(out, p)
}

// layerFS is the in-memory tree of one layer's buffered files, directories
// and symlinks. It resolves symlinks itself, with a hop limit and inside the
// layer root (absolute targets mean the image root), so that a hostile
// symlink loop cannot hang or crash the reader.
type layerFS struct {
	m   *memFS
	big map[string]int64 // rel path → size of files seen but not buffered
}

// errNotBuffered is what opening a file over the caps returns.
var errNotBuffered = errors.New("not read from the layer: over the size cap")

var (
	_ fs.ReadLinkFS = (*layerFS)(nil)
	_ fs.StatFS     = (*layerFS)(nil)
)

const maxHops = 40

var errLoop = errors.New("too many levels of symbolic links")

// resolve returns name with every symlink component resolved (the last too
// when followLast).
func (l *layerFS) resolve(name string, followLast bool) (string, error) {
	if !fs.ValidPath(name) {
		return "", fs.ErrInvalid
	}
	if name == "." {
		return name, nil
	}
	hops := 0
	parts := strings.Split(name, "/")
	done := ""
	for len(parts) > 0 {
		cur := parts[0]
		parts = parts[1:]
		next := cur
		if done != "" {
			next = done + "/" + cur
		}
		f := l.m.get(next)
		if f == nil || f.mode.Type() != fs.ModeSymlink || (len(parts) == 0 && !followLast) {
			done = next
			continue
		}
		hops++
		if hops > maxHops {
			return "", errLoop
		}
		target := string(f.data)
		var joined string
		if path.IsAbs(target) {
			joined = path.Clean(target)
		} else {
			joined = path.Clean("/" + done + "/" + target) // ".." stops at the root
		}
		rest := strings.TrimPrefix(joined, "/")
		done = ""
		var np []string
		if rest != "" {
			np = strings.Split(rest, "/")
		}
		parts = append(np, parts...)
	}
	if done == "" {
		return ".", nil
	}
	return done, nil
}

func (l *layerFS) Open(name string) (fs.File, error) {
	r, err := l.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if _, ok := l.big[r]; ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotBuffered}
	}
	return l.m.open(name, r)
}

func (l *layerFS) Stat(name string) (fs.FileInfo, error) {
	r, err := l.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if n, ok := l.big[r]; ok {
		return bigInfo{name: path.Base(r), size: n}, nil
	}
	return l.m.stat("stat", name, r)
}

func (l *layerFS) ReadLink(name string) (string, error) {
	r, err := l.resolve(name, false)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	f := l.m.get(r)
	if f == nil || f.mode.Type() != fs.ModeSymlink {
		err := fs.ErrNotExist
		if f != nil || l.m.kids[r] != nil {
			err = fs.ErrInvalid
		}
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(f.data), nil
}

func (l *layerFS) Lstat(name string) (fs.FileInfo, error) {
	r, err := l.resolve(name, false)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	if n, ok := l.big[r]; ok {
		return bigInfo{name: path.Base(r), size: n}, nil
	}
	return l.m.stat("lstat", name, r)
}

// bigInfo describes a file that was seen but not buffered.
type bigInfo struct {
	name string
	size int64
}

func (b bigInfo) Name() string       { return b.name }
func (b bigInfo) Size() int64        { return b.size }
func (b bigInfo) Mode() fs.FileMode  { return 0o644 }
func (b bigInfo) ModTime() time.Time { return time.Time{} }
func (b bigInfo) IsDir() bool        { return false }
func (b bigInfo) Sys() any           { return nil }

// memFS holds what one layer buffered: regular files, directories and
// symlinks (data is the link text), keyed by io/fs path. A directory that
// only has children is synthesised (mode 0555), as a tar may omit parents.
// It is written while the layer streams and read after, never both at once.
// It does not follow symlinks itself: layerFS resolves them first.
type memFS struct {
	files map[string]*memFile
	kids  map[string]map[string]bool // directory → names of its children
}

// memFile is one entry of a memFS.
type memFile struct {
	data    []byte
	mode    fs.FileMode
	modTime time.Time
}

func newMemFS() *memFS {
	return &memFS{files: map[string]*memFile{}, kids: map[string]map[string]bool{}}
}

// put records the entry at name (an io/fs path), replacing what was there.
func (m *memFS) put(name string, f *memFile) {
	m.files[name] = f
	for name != "." {
		dir, base := path.Dir(name), path.Base(name)
		if m.kids[dir] == nil {
			m.kids[dir] = map[string]bool{}
		}
		if m.kids[dir][base] {
			return
		}
		m.kids[dir][base] = true
		name = dir
	}
}

// get returns the entry recorded at name, or nil (also for a directory
// that was only synthesised).
func (m *memFS) get(name string) *memFile { return m.files[name] }

// info returns the entry at name, synthesising a directory that only has
// children; ok is false when nothing is there.
func (m *memFS) info(name string) (memInfo, bool) {
	if f := m.files[name]; f != nil {
		return memInfo{name: path.Base(name), f: f}, true
	}
	if name == "." || m.kids[name] != nil {
		return memInfo{name: path.Base(name), f: &memFile{mode: fs.ModeDir | 0o555}}, true
	}
	return memInfo{}, false
}

func (m *memFS) stat(op, shown, name string) (fs.FileInfo, error) {
	fi, ok := m.info(name)
	if !ok {
		return nil, &fs.PathError{Op: op, Path: shown, Err: fs.ErrNotExist}
	}
	return fi, nil
}

// open opens the resolved path name (shown in errors as the caller named it).
func (m *memFS) open(shown, name string) (fs.File, error) {
	fi, ok := m.info(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: shown, Err: fs.ErrNotExist}
	}
	if !fi.IsDir() {
		return &memOpen{Reader: bytes.NewReader(fi.f.data), fi: fi}, nil
	}
	names := make([]string, 0, len(m.kids[name]))
	for n := range m.kids[name] {
		names = append(names, n)
	}
	slices.Sort(names)
	ents := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		child := n
		if name != "." {
			child = name + "/" + n
		}
		ci, _ := m.info(child)
		ents = append(ents, fs.FileInfoToDirEntry(ci))
	}
	return &memDir{fi: fi, ents: ents, path: shown}, nil
}

// memInfo describes a memFS entry.
type memInfo struct {
	name string
	f    *memFile
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() fs.FileMode  { return i.f.mode }
func (i memInfo) ModTime() time.Time { return i.f.modTime }
func (i memInfo) IsDir() bool        { return i.f.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }

// memOpen is an open memFS file (also an io.ReaderAt and io.Seeker, which
// the cache collector uses for wheels and zips).
type memOpen struct {
	*bytes.Reader
	fi memInfo
}

func (f *memOpen) Stat() (fs.FileInfo, error) { return f.fi, nil }
func (f *memOpen) Close() error               { return nil }

// memDir is an open memFS directory.
type memDir struct {
	fi   memInfo
	ents []fs.DirEntry
	path string
	off  int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.fi, nil }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: fs.ErrInvalid}
}

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.off:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.off += len(rest)
	return rest, nil
}

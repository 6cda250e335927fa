package images

import (
	"errors"
	"hash/fnv"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"
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
	m   fstest.MapFS
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
		f := l.m[next]
		if f == nil || f.Mode.Type() != fs.ModeSymlink || (len(parts) == 0 && !followLast) {
			done = next
			continue
		}
		hops++
		if hops > maxHops {
			return "", errLoop
		}
		target := string(f.Data)
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
	return l.m.Open(r)
}

func (l *layerFS) Stat(name string) (fs.FileInfo, error) {
	r, err := l.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if n, ok := l.big[r]; ok {
		return bigInfo{name: path.Base(r), size: n}, nil
	}
	return l.m.Stat(r)
}

func (l *layerFS) ReadLink(name string) (string, error) {
	r, err := l.resolve(name, false)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return l.m.ReadLink(r)
}

func (l *layerFS) Lstat(name string) (fs.FileInfo, error) {
	r, err := l.resolve(name, false)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	if n, ok := l.big[r]; ok {
		return bigInfo{name: path.Base(r), size: n}, nil
	}
	return l.m.Lstat(r)
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

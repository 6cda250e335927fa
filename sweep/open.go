package sweep

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
)

// The one place files of a swept tree are opened. Every collector read goes
// through File.Open/OpenPath/ReadPath (or the tree's fs.FS, which is a
// TreeFS during a walk): a path is resolved inside the root, opened without
// blocking (O_NONBLOCK: a FIFO never waits for a writer), the descriptor is
// fstat'ed, and only a regular file is handed out. FIFOs, sockets and
// device nodes are never read, whether they sit at the wanted path or a
// symlink leads to them.

// ErrSpecialFile marks a path that is a FIFO, socket or device node.
var ErrSpecialFile = errors.New("not a regular file")

// ErrOutsideRoot marks a symlink whose target climbs above the scanned root.
var ErrOutsideRoot = errors.New("symlink leads out of the scanned root")

// ErrDanglingLink marks a symlink whose target does not exist in the root.
var ErrDanglingLink = errors.New("symlink target does not exist inside the scanned root")

// SpecialFileError is returned for a path that is not a regular file.
type SpecialFileError struct {
	Mode fs.FileMode
}

func (e *SpecialFileError) Error() string {
	return fmt.Sprintf("%s: %s, not read", ErrSpecialFile, SpecialKind(e.Mode))
}

func (e *SpecialFileError) Unwrap() error { return ErrSpecialFile }

// SpecialKind names the type of a non-regular file for a report.
func SpecialKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return "regular file"
}

// isSpecial reports whether m is a FIFO, socket or device node.
func isSpecial(m fs.FileMode) bool {
	return m&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0
}

// regularOpener is implemented by file systems that open only regular files
// safely (TreeFS). Other fs.FS (image layers) are opened and then checked.
type regularOpener interface {
	openRegular(name string) (fs.File, error)
}

// OpenRegular opens name in fsys for reading only if it is a regular file.
// On a TreeFS the open never blocks; on another fs.FS the file is stat'ed
// after opening and closed again unless regular.
func OpenRegular(fsys fs.FS, name string) (fs.File, error) {
	if ro, ok := fsys.(regularOpener); ok {
		return ro.openRegular(name)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return requireRegular(f, name)
}

// requireRegular returns the open file f when it is a regular file; otherwise
// it closes f and returns a *SpecialFileError for name.
func requireRegular[F fs.File](f F, name string) (F, error) {
	var none F
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return none, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return none, &fs.PathError{Op: "open", Path: name, Err: &SpecialFileError{Mode: fi.Mode()}}
	}
	return f, nil
}

// TreeFS is the swept tree as collectors read it: an fs.FS confined to the
// root whose Open and ReadFile hand out regular files only (without ever
// blocking on a FIFO or device) and whose ReadDir opens directories only.
// Symlinks are resolved as the tree's own processes would (absolute targets
// inside the root), never above it.
type TreeFS struct {
	root  *os.Root
	base  fs.FS // root.FS(): Stat, Lstat, ReadLink
	files fileOpener
}

// fileOpener opens a regular file or a directory of the tree.
type fileOpener interface {
	openFile(name string, dir bool) (*os.File, error)
	// openPath opens name for fstat only (O_PATH where there is one): a
	// FIFO or device is never opened for I/O.
	openPath(name string) (*os.File, error)
	Close() error
}

// OpenTree opens the tree at hostRoot for collectors. Close it after use.
func OpenTree(hostRoot string) (*TreeFS, error) {
	r, err := os.OpenRoot(hostRoot)
	if err != nil {
		return nil, err
	}
	fo, err := newFileOpener(hostRoot, r)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &TreeFS{root: r, base: r.FS(), files: fo}, nil
}

// Close releases the tree's descriptors.
func (t *TreeFS) Close() error {
	t.files.Close()
	return t.root.Close()
}

// Root is the underlying os.Root (for writers such as remediation).
func (t *TreeFS) Root() *os.Root { return t.root }

// Open implements fs.FS: regular files and directories only.
func (t *TreeFS) Open(name string) (fs.File, error) { return t.openChecked(name, true) }

func (t *TreeFS) openDir(name string) (*os.File, error) {
	f, err := t.files.openFile(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unwrapPathErr(err)}
	}
	return f, nil
}

func (t *TreeFS) openRegular(name string) (fs.File, error) { return t.openChecked(name, false) }

// openChecked opens name without blocking, fstats the descriptor and keeps
// it only when it is a regular file (or a directory, when allowed).
func (t *TreeFS) openChecked(name string, allowDir bool) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if err := t.checkLinkChain(name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := t.files.openFile(name, false)
	if err != nil {
		err = unwrapPathErr(err)
		if errors.Is(err, fs.ErrNotExist) {
			if li, lerr := fs.Lstat(t.base, name); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
				err = ErrDanglingLink
			}
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "fstat", Path: name, Err: unwrapPathErr(err)}
	}
	if !fi.Mode().IsRegular() && !(allowDir && fi.IsDir()) {
		f.Close()
		if fi.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: &SpecialFileError{Mode: fi.Mode()}}
	}
	return f, nil
}

// StatFollow stats name through symlinks inside the root, refusing a chain
// that climbs above it (ErrOutsideRoot) or leads nowhere (ErrDanglingLink).
func (t *TreeFS) StatFollow(name string) (fs.FileInfo, error) {
	if err := t.checkLinkChain(name); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	f, err := t.files.openPath(name)
	if err != nil {
		err = unwrapPathErr(err)
		if errors.Is(err, fs.ErrNotExist) {
			err = ErrDanglingLink
		}
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	defer f.Close()
	return f.Stat()
}

// checkLinkChain follows name while it is a symlink (at most 40 hops) and
// refuses a relative target that climbs above the root. Absolute targets
// resolve inside the root, as the tree's own processes see them.
func (t *TreeFS) checkLinkChain(name string) error {
	p := "/" + name
	if name == "." {
		p = "/"
	}
	for hop := 0; hop < 40; hop++ {
		li, err := fs.Lstat(t.base, Rel(p))
		if err != nil || li.Mode()&fs.ModeSymlink == 0 {
			return nil // the open reports what is wrong
		}
		target, err := fs.ReadLink(t.base, Rel(p))
		if err != nil {
			return nil
		}
		if LinkEscapes(path.Dir(p), target) {
			return fmt.Errorf("%w (%q)", ErrOutsideRoot, target)
		}
		if path.IsAbs(target) {
			p = path.Clean(target)
		} else {
			p = path.Join(path.Dir(p), target)
		}
	}
	return syscall.ELOOP
}

// ReadFile implements fs.ReadFileFS with the regular-file check.
func (t *TreeFS) ReadFile(name string) ([]byte, error) {
	f, err := t.openRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// ReadDir implements fs.ReadDirFS; a non-directory is refused, never opened for reading.
func (t *TreeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := t.openDir(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, err
}

// Stat implements fs.StatFS (follows symlinks inside the root).
func (t *TreeFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(t.base, name) }

// Lstat implements fs.ReadLinkFS.
func (t *TreeFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(t.base, name) }

// ReadLink implements fs.ReadLinkFS.
func (t *TreeFS) ReadLink(name string) (string, error) { return fs.ReadLink(t.base, name) }

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// OpenRegularIn opens rel in root for reading without ever blocking on a
// FIFO or device (O_NONBLOCK, which does nothing to a regular file) and
// returns it only when the open descriptor is a regular file: for readers
// of stores that are not the swept tree (image blobs, layouts, data roots).
func OpenRegularIn(root *os.Root, rel string) (*os.File, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	return requireRegular(f, rel)
}

// OpenInput opens a file the user named on the command line (an SBOM, a
// saved report, a netrc) the same way: never blocking on a FIFO or device,
// and only if it is a regular file.
func OpenInput(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
	}
	return requireRegular(f, path)
}

// ReadInputLimit reads a file named on the command line through OpenInput,
// refusing more than limit bytes (ErrTooLarge).
func ReadInputLimit(path string, limit int64) ([]byte, error) {
	f, err := OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimit(f, path, limit)
}

// OpenRegularNoFollow opens rel in root for reading only if it is a regular
// file and not a symlink, and only if the file opened is the one lstat'ed
// (a FIFO or link swapped in between is refused, never read): for writers
// such as remediation, which act on the path itself.
func OpenRegularNoFollow(root *os.Root, rel string) (*os.File, error) {
	li, err := root.Lstat(rel)
	if err != nil {
		return nil, err
	}
	if !li.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: rel, Err: &SpecialFileError{Mode: li.Mode()}}
	}
	f, err := root.OpenFile(rel, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() || !os.SameFile(li, fi) {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: rel, Err: errors.New("replaced while being opened: not read")}
	}
	return f, nil
}

// ReadFileLimit reads a regular file of fsys, refusing more than limit bytes
// (ErrTooLarge): a huge or endless file costs at most limit+1 bytes.
func ReadFileLimit(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := OpenRegular(fsys, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimit(f, name, limit)
}

// readLimit reads r to its end, refusing more than limit bytes (ErrTooLarge):
// a huge or endless file costs at most limit+1 bytes.
func readLimit(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrTooLarge, limit)
	}
	return b, nil
}

//go:build linux

package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fdOpener opens directories with openat2(2), refusing symlinks in any
// component and any mount crossing (EXDEV tells the walk a mount point is
// there): one system call a directory. A directory opens relative to its
// parent's descriptor, which the walk keeps open until every subdirectory
// has opened, so the kernel resolves one name instead of the whole path
// (RESOLVE_BENEATH still refuses ".." and absolute names). When too many
// parents are held open, a directory opens by path from the descriptor of
// the walked filesystem it lies in; each mount the walk enters gets its own
// base descriptor, so mounts nested below it are noticed in turn.
type fdOpener struct {
	rootFd int
	how    unix.OpenHow // RESOLVE_NO_XDEV: mount points are decided by the walk
	cross  unix.OpenHow // the same, crossing into the mount point itself

	held    atomic.Int64 // parent descriptors kept open for subdirectories
	maxHeld int64

	mu    sync.Mutex
	bases map[string]int // tree path of an entered mount -> its descriptor
}

// fdDir is an open directory read with getdents64 straight into a pooled
// buffer: no *os.File (whose runtime poller registration and finalizer
// cost more than the directory read itself).
type fdDir struct {
	fd   int
	path string // tree path
	op   *fdOpener
	buf  *direntBuf
	pos  int // next record in buf.b[:end]
	end  int
	ref  *fdRef // set once shared with subdirectory jobs
}

// direntBuf is a directory read's storage, reused across directories.
type direntBuf struct {
	b    []byte
	ents []dirent
}

// fdRef is a directory descriptor shared with subdirectory jobs; it is
// closed when the directory and every job have released it.
type fdRef struct {
	fd   int
	refs atomic.Int64
	op   *fdOpener
}

func (r *fdRef) release() {
	if r.refs.Add(-1) == 0 {
		unix.Close(r.fd)
		r.op.held.Add(-1)
	}
}

// direntBufSize is the getdents64 buffer (as glibc's readdir uses).
const direntBufSize = 32 << 10

var direntBufs = sync.Pool{New: func() any { return &direntBuf{b: make([]byte, direntBufSize)} }}

func newOpener(hostRoot string, root *os.Root) (opener, error) {
	fd, err := unix.Open(hostRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: hostRoot, Err: err}
	}
	base := unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS
	flags := uint64(unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK)
	o := &fdOpener{rootFd: fd, bases: map[string]int{"/": fd}, maxHeld: maxHeldDirs(),
		how:   unix.OpenHow{Flags: flags, Resolve: uint64(base | unix.RESOLVE_NO_XDEV)},
		cross: unix.OpenHow{Flags: flags, Resolve: uint64(base)}}
	// Probe: kernels before 5.6 have no openat2.
	if probe, err := unix.Openat2(fd, ".", &o.how); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			return rootOpener{root: root}, nil
		}
		return nil, &fs.PathError{Op: "openat2", Path: hostRoot, Err: err}
	} else {
		unix.Close(probe)
	}
	return o, nil
}

// maxHeldDirs bounds the parent descriptors the walk keeps open: a quarter
// of the open-file limit, at most 1024 (a deep tree with wide levels then
// falls back to opening by path, never to EMFILE).
func maxHeldDirs() int64 {
	var rl unix.Rlimit
	n := int64(1024)
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err == nil && rl.Cur != unix.RLIM_INFINITY {
		n = min(n, int64(rl.Cur/4))
	}
	return n
}

// limitHeldDirs sets the opener's bound on parent descriptors kept open.
func limitHeldDirs(op opener, n int) {
	if o, ok := op.(*fdOpener); ok {
		o.maxHeld = max(int64(n), 0)
	}
}

func (o *fdOpener) open(job dirJob, how *unix.OpenHow) (int, error) {
	bfd, rel := -1, ""
	if r, ok := job.parent.(*fdRef); ok {
		bfd, rel = r.fd, job.path[strings.LastIndexByte(job.path, '/')+1:]
	} else {
		base := job.base
		o.mu.Lock()
		fd, ok := o.bases[base]
		o.mu.Unlock()
		if !ok {
			fd, base = o.rootFd, "/"
		}
		bfd, rel = fd, Rel(strings.TrimPrefix(job.path, strings.TrimSuffix(base, "/")))
	}
	for {
		fd, err := unix.Openat2(bfd, rel, how)
		if err != unix.EINTR && err != unix.EAGAIN {
			if err != nil {
				return -1, &fs.PathError{Op: "open", Path: job.path, Err: err}
			}
			return fd, nil
		}
	}
}

func (o *fdOpener) newDir(fd int, p string) *fdDir {
	return &fdDir{fd: fd, path: p, op: o}
}

func (o *fdOpener) OpenDir(job dirJob) (dirHandle, error) {
	fd, err := o.open(job, &o.how)
	if err != nil {
		return nil, err
	}
	return o.newDir(fd, job.path), nil
}

func (o *fdOpener) EnterMount(job dirJob) (dirHandle, string, error) {
	fd, err := o.open(job, &o.cross)
	if err != nil {
		return nil, "", err
	}
	p := job.path
	bfd, err := unix.Dup(fd)
	if err != nil {
		unix.Close(fd)
		return nil, "", &fs.PathError{Op: "dup", Path: p, Err: err}
	}
	unix.CloseOnExec(bfd)
	o.mu.Lock()
	if old, ok := o.bases[p]; ok && old != o.rootFd {
		unix.Close(old)
	}
	o.bases[p] = bfd
	o.mu.Unlock()
	return o.newDir(fd, p), fsTypeOf(fd), nil
}

func (o *fdOpener) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for p, fd := range o.bases {
		if p != "/" {
			unix.Close(fd)
		}
	}
	return unix.Close(o.rootFd)
}

// readEntries reads the next getdents64 batch. A file system that does not
// give entry types (DT_UNKNOWN) costs an fstatat for that entry.
func (d *fdDir) readEntries() ([]dirent, error) {
	if d.buf == nil {
		d.buf = direntBufs.Get().(*direntBuf)
	}
	buf, ents := d.buf.b, d.buf.ents[:0]
	defer func() { d.buf.ents = ents }()
	for d.pos >= d.end {
		n, err := unix.Getdents(d.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ents, &fs.PathError{Op: "readdirent", Path: d.path, Err: err}
		}
		if n <= 0 {
			return ents, io.EOF
		}
		d.pos, d.end = 0, n
	}
	prefix := d.path
	if prefix == "/" {
		prefix = ""
	}
	for d.pos < d.end {
		// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
		rec := buf[d.pos:d.end]
		if len(rec) < 19 {
			d.pos = d.end
			break
		}
		reclen := int(*(*uint16)(unsafe.Pointer(&rec[16])))
		if reclen < 19 || reclen > len(rec) {
			d.pos = d.end
			break
		}
		d.pos += reclen
		ino := *(*uint64)(unsafe.Pointer(&rec[0]))
		dtype := rec[18]
		nameb := rec[19:reclen]
		if i := bytes.IndexByte(nameb, 0); i >= 0 {
			nameb = nameb[:i]
		}
		if ino == 0 || len(nameb) == 0 || string(nameb) == "." || string(nameb) == ".." {
			continue
		}
		// One allocation holds the path; the name is its tail.
		p := prefix + "/" + string(nameb)
		name := p[len(prefix)+1:]
		typ, ok := direntType(dtype)
		if !ok {
			var st unix.Stat_t
			if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				if errors.Is(err, unix.ENOENT) {
					continue // gone since the read
				}
				typ = fs.ModeIrregular
			} else {
				typ = statInfo{st: st}.Mode().Type()
			}
		}
		ents = append(ents, dirent{path: p, name: name, typ: typ})
	}
	return ents, nil
}

// direntType maps a d_type to type bits; false for DT_UNKNOWN.
func direntType(t uint8) (fs.FileMode, bool) {
	switch t {
	case unix.DT_REG:
		return 0, true
	case unix.DT_DIR:
		return fs.ModeDir, true
	case unix.DT_LNK:
		return fs.ModeSymlink, true
	case unix.DT_FIFO:
		return fs.ModeNamedPipe, true
	case unix.DT_SOCK:
		return fs.ModeSocket, true
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case unix.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}

func (d *fdDir) share(n int) parentRef {
	if d.ref != nil || d.fd < 0 {
		return nil
	}
	if d.op.held.Add(1) > d.op.maxHeld {
		d.op.held.Add(-1)
		return nil
	}
	d.ref = &fdRef{fd: d.fd, op: d.op}
	d.ref.refs.Store(int64(n) + 1) // the jobs and the directory itself
	return d.ref
}

// Close releases the directory: its descriptor is closed now, or when the
// last subdirectory job sharing it has opened.
func (d *fdDir) Close() error {
	if d.buf != nil {
		clear(d.buf.ents[:cap(d.buf.ents)]) // keep no paths alive in the pool
		direntBufs.Put(d.buf)
		d.buf = nil
	}
	if d.fd < 0 {
		return nil
	}
	fd := d.fd
	d.fd = -1
	if d.ref != nil {
		d.ref.release()
		return nil
	}
	return unix.Close(fd)
}

// fsTypeOf names the filesystem of an open descriptor by its statfs magic.
func fsTypeOf(fd int) string {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return ""
	}
	if n, ok := fsMagic[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("0x%x", uint64(st.Type))
}

// fsMagic names statfs f_type values (linux/magic.h) for mounts the mount
// table did not list.
var fsMagic = map[int64]string{
	0xEF53: "ext4", 0x58465342: "xfs", 0x9123683E: "btrfs", 0x2fc12fc1: "zfs", 0xF2F52010: "f2fs",
	0x4d44: "vfat", 0x2011BAB0: "exfat", 0x5346544e: "ntfs", 0x7366746e: "ntfs3", 0x01021994: "tmpfs",
	0x858458f6: "ramfs", 0x794c7630: "overlay", 0x73717368: "squashfs", 0x9660: "iso9660", 0xE0F5E1E2: "erofs",
	0x6969: "nfs", 0xFF534D42: "cifs", 0xFE534D42: "smb3", 0x517B: "smbfs", 0x00c36400: "ceph", 0x5346414F: "afs",
	0x73757245: "coda", 0x01021997: "9p", 0x6a656a63: "virtiofs", 0x65735546: "fuse", 0x0187: "autofs",
	0x9fa0: "proc", 0x62656572: "sysfs", 0x1cd1: "devpts", 0x27e0eb: "cgroup", 0x63677270: "cgroup2",
	0x64626720: "debugfs", 0x74726163: "tracefs", 0x73636673: "securityfs", 0xcafe4a11: "bpf",
	0x6e736673: "nsfs", 0x958458f6: "hugetlbfs", 0x19800202: "mqueue", 0x6165676C: "pstore",
	0xde5e81e4: "efivarfs", 0x42494e4d: "binfmt_misc", 0x62656570: "configfs", 0xf97cff8c: "selinuxfs",
	0x65735543: "fusectl",
}

// readMountTable reads the live mount table for mounts at or below hostRoot.
func readMountTable(hostRoot string) (map[string]Mount, error) {
	if real, err := filepath.EvalSymlinks(hostRoot); err == nil {
		hostRoot = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseMountInfo(io.LimitReader(f, 64<<20), hostRoot), nil
}

// newFileOpener opens files with openat2(RESOLVE_IN_ROOT): symlinks resolve
// as for a process whose root is the tree, never above it; O_NONBLOCK so a
// FIFO never blocks the open.
func newFileOpener(hostRoot string, root *os.Root) (fileOpener, error) {
	fd, err := unix.Open(hostRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: hostRoot, Err: err}
	}
	o := &inRootOpener{rootFd: fd}
	probe, err := unix.Openat2(fd, ".", &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT})
	if err != nil {
		unix.Close(fd)
		return rootFileOpener{root: root}, nil
	}
	unix.Close(probe)
	return o, nil
}

type inRootOpener struct{ rootFd int }

func (o *inRootOpener) openFile(name string, dir bool) (*os.File, error) {
	flags := uint64(unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY)
	if dir {
		flags |= unix.O_DIRECTORY
	}
	how := unix.OpenHow{Flags: flags, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err := unix.Openat2(o.rootFd, name, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

func (o *inRootOpener) openPath(name string) (*os.File, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err := unix.Openat2(o.rootFd, name, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

// isDevNull reports whether fi is the character device /dev/null (1,3).
func isDevNull(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || fi.Mode()&fs.ModeCharDevice == 0 {
		return false
	}
	return unix.Major(uint64(st.Rdev)) == 1 && unix.Minor(uint64(st.Rdev)) == 3
}

func (o *inRootOpener) Close() error { return unix.Close(o.rootFd) }

func (d *fdDir) statFunc(name string) func() (fs.FileInfo, error) {
	return func() (fs.FileInfo, error) { return d.lstat(name) }
}

func (d *fdDir) lstat(name string) (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return statInfo{name: name, st: st}, nil
}

// statInfo is an fs.FileInfo over unix.Stat_t.
type statInfo struct {
	name string
	st   unix.Stat_t
}

func (s statInfo) Name() string { return s.name }
func (s statInfo) Size() int64  { return s.st.Size }
func (s statInfo) Mode() fs.FileMode {
	m := fs.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	}
	if s.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if s.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	return m
}
func (s statInfo) ModTime() time.Time { return time.Unix(s.st.Mtim.Unix()) }
func (s statInfo) IsDir() bool        { return s.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (s statInfo) Sys() any           { return &s.st }

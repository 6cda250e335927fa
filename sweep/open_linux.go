//go:build linux

package sweep

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdOpener opens directories with openat2(2) relative to the descriptor of
// the walked filesystem they lie in, refusing symlinks in any component and
// any mount crossing (EXDEV tells the walk a mount point is there): one
// system call a directory. Each mount the walk enters gets its own base
// descriptor, so mounts nested below it are noticed in turn.
type fdOpener struct {
	rootFd int
	how    unix.OpenHow // RESOLVE_NO_XDEV: mount points are decided by the walk
	cross  unix.OpenHow // the same, crossing into the mount point itself

	mu    sync.Mutex
	bases map[string]int // tree path of an entered mount -> its descriptor
}

type fdDir struct {
	*os.File
}

func newOpener(hostRoot string, root *os.Root) (opener, error) {
	fd, err := unix.Open(hostRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: hostRoot, Err: err}
	}
	base := unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS
	flags := uint64(unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK)
	o := &fdOpener{rootFd: fd, bases: map[string]int{"/": fd},
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

func (o *fdOpener) open(p, base string, how *unix.OpenHow) (int, error) {
	o.mu.Lock()
	bfd, ok := o.bases[base]
	o.mu.Unlock()
	if !ok {
		bfd, base = o.rootFd, "/"
	}
	rel := Rel(strings.TrimPrefix(p, strings.TrimSuffix(base, "/")))
	for {
		fd, err := unix.Openat2(bfd, rel, how)
		if err != unix.EINTR && err != unix.EAGAIN {
			if err != nil {
				return -1, &fs.PathError{Op: "open", Path: p, Err: err}
			}
			return fd, nil
		}
	}
}

func (o *fdOpener) OpenDir(p, base string) (dirHandle, error) {
	fd, err := o.open(p, base, &o.how)
	if err != nil {
		return nil, err
	}
	return &fdDir{File: os.NewFile(uintptr(fd), p)}, nil
}

func (o *fdOpener) EnterMount(p, base string) (dirHandle, string, error) {
	fd, err := o.open(p, base, &o.cross)
	if err != nil {
		return nil, "", err
	}
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
	return &fdDir{File: os.NewFile(uintptr(fd), p)}, fsTypeOf(fd), nil
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
	if err := unix.Fstatat(int(d.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
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

//go:build linux

package sweep

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// fdOpener opens directories with openat2(2) relative to the root's file
// descriptor, refusing symlinks in any component and anything beneath the
// root's mounts unless crossing is allowed: one system call a directory.
type fdOpener struct {
	rootFd int
	how    unix.OpenHow
}

type fdDir struct {
	*os.File
}

func newOpener(hostRoot string, root *os.Root) (opener, error) {
	fd, err := unix.Open(hostRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: hostRoot, Err: err}
	}
	o := &fdOpener{rootFd: fd, how: unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}}
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

// setCrossMounts is called by the walker before walking.
func (o *fdOpener) setNoXDev(noXDev bool) {
	if noXDev {
		o.how.Resolve |= unix.RESOLVE_NO_XDEV
	} else {
		o.how.Resolve &^= unix.RESOLVE_NO_XDEV
	}
}

func (o *fdOpener) OpenDir(p string) (dirHandle, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat2(o.rootFd, Rel(p), &o.how)
		if err != unix.EINTR && err != unix.EAGAIN {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return &fdDir{File: os.NewFile(uintptr(fd), p)}, nil
}

func (o *fdOpener) Close() error { return unix.Close(o.rootFd) }

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

package sweep

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// direntRecord encodes one linux_dirent64 record, padded to 8 bytes.
func direntRecord(ino uint64, typ uint8, name string) []byte {
	n := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, n)
	binary.NativeEndian.PutUint64(b[0:], ino)
	binary.NativeEndian.PutUint16(b[16:], uint16(n))
	b[18] = typ
	copy(b[19:], name)
	return b
}

// A file system that gives no entry types (DT_UNKNOWN, as some network and
// older file systems do) costs one fstatat per entry; an entry gone since
// the read, a deleted slot (inode 0) and "." / ".." are left out.
func TestReadEntriesUnknownTypes(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(t, os.Symlink("file", filepath.Join(dir, "link")))
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	must(t, err)
	var buf []byte
	for _, r := range []struct {
		ino  uint64
		typ  uint8
		name string
	}{
		{1, unix.DT_DIR, "."}, {1, unix.DT_DIR, ".."},
		{2, unix.DT_UNKNOWN, "file"}, {3, unix.DT_UNKNOWN, "sub"}, {4, unix.DT_UNKNOWN, "link"},
		{5, unix.DT_UNKNOWN, "gone"}, {0, unix.DT_REG, "deleted"}, {6, unix.DT_FIFO, "pipe"},
	} {
		buf = append(buf, direntRecord(r.ino, r.typ, r.name)...)
	}
	b := make([]byte, direntBufSize)
	copy(b, buf)
	d := &fdDir{fd: fd, path: "/x", op: &fdOpener{}, buf: &direntBuf{b: b}, end: len(buf)}
	defer d.Close()
	ents, err := d.readEntries()
	must(t, err)
	want := []dirent{
		{path: "/x/file", name: "file", typ: 0},
		{path: "/x/sub", name: "sub", typ: fs.ModeDir},
		{path: "/x/link", name: "link", typ: fs.ModeSymlink},
		{path: "/x/pipe", name: "pipe", typ: fs.ModeNamedPipe},
	}
	if len(ents) != len(want) {
		t.Fatalf("got %+v, want %+v", ents, want)
	}
	for i := range want {
		if ents[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, ents[i], want[i])
		}
	}
}

package sweep

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPasswdHomes reads real passwd files (a Debian host's, Alpine's
// default with a user added by adduser) and a hostile one through the one
// parser the host sweep, remediation and image layers share.
func TestPasswdHomes(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "passwd", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := "huge:x:1010:1010:" + strings.Repeat("g", 100<<10) + ":/home/huge:/bin/sh\n"
	tests := []struct {
		name string
		in   []byte
		want []Home
	}{
		{"debian", read("debian.passwd"), []Home{
			{User: "alice", UID: 1001, Dir: "/home/alice"},
			{User: "cloudsdk", UID: 1000, Dir: "/home/cloudsdk"},
			{User: "root", UID: 0, Dir: "/root"},
		}},
		// operator (uid 11) shares /root with root: a system account
		// outside /home never takes a home.
		{"alpine", read("alpine.passwd"), []Home{
			{User: "app", UID: 1000, Dir: "/home/app"},
			{User: "root", UID: 0, Dir: "/root"},
		}},
		{"hostile", read("hostile.passwd"), []Home{
			{User: "carol", UID: -1, Dir: "/home/carol"}, // uid not a number: kept under /home
			{User: "dos", UID: 1008, Dir: "/home/dos"},   // CRLF line
			{User: "erin", UID: 1002, Dir: "/home/erin"}, // relative home
			{User: "neg", UID: -1, Dir: "/home/neg"},
			{User: "second", UID: 1004, Dir: "/home/shared"}, // the last line naming a home wins
			{User: "last", UID: 1009, Dir: "/opt/last"},      // no trailing newline
			{User: "root", UID: 0, Dir: "/root"},
		}},
		// A line longer than a bufio.Scanner's buffer must not hide the
		// users after it.
		{"long line", []byte(long + "bob:x:1000:1000::/home/bob:/bin/sh\n"), []Home{
			{User: "bob", UID: 1000, Dir: "/home/bob"},
			{User: "huge", UID: 1010, Dir: "/home/huge"},
		}},
		{"empty", nil, []Home{}},
		{"not a passwd", []byte("\x00\xff garbage\n:::::::\n"), []Home{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PasswdHomes(tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestHomesOnTree: on a tree, passwd homes count only when they exist, and
// directories under /home, /Users and /root are homes of their own.
func TestHomesOnTree(t *testing.T) {
	passwd, err := os.ReadFile(filepath.Join("testdata", "passwd", "debian.passwd"))
	if err != nil {
		t.Fatal(err)
	}
	dir := &fstest.MapFile{Mode: os.ModeDir | 0o755}
	fsys := fstest.MapFS{
		"etc/passwd":  {Data: passwd},
		"home/alice":  dir, // in passwd
		"home/ghost":  dir, // not in passwd
		"Users/mac":   dir,
		"home/notdir": {Data: []byte("x")},
		"root":        dir,
		// /home/cloudsdk is in passwd but not in the tree.
	}
	want := []Home{
		{User: "mac", UID: -1, Dir: "/Users/mac"},
		{User: "alice", UID: 1001, Dir: "/home/alice"},
		{User: "ghost", UID: -1, Dir: "/home/ghost"},
		{User: "root", UID: 0, Dir: "/root"},
	}
	if got := Homes(fsys); !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	delete(fsys, "etc/passwd")
	delete(fsys, "root")
	want = []Home{
		{User: "mac", UID: -1, Dir: "/Users/mac"},
		{User: "alice", UID: -1, Dir: "/home/alice"},
		{User: "ghost", UID: -1, Dir: "/home/ghost"},
	}
	if got := Homes(fsys); !slices.Equal(got, want) {
		t.Errorf("without passwd: got  %+v\nwant %+v", got, want)
	}
}

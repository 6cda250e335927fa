package persistence

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestPlistReaders: plistlib's XML and binary forms of the same job read
// alike (UTF-16 strings, nested containers, Program over
// ProgramArguments[0]); malformed and hostile binary plists are refused,
// never followed.
func TestPlistReaders(t *testing.T) {
	doc := `{"Label":"com.example.ünïcode","Program":"/usr/bin/python3","ProgramArguments":["python3","/Users/bob/.config/sysmon/sysmon.py","--über"],"EnvironmentVariables":{"A":"1"},"StartCalendarInterval":[{"Hour":3}],"KeepAlive":true}`
	for _, f := range []string{"XML", "BINARY"} {
		j, err := launchd(plist(t, f, doc))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if j.label != "com.example.ünïcode" || strings.Join(j.argv(), " ") != "/usr/bin/python3 /Users/bob/.config/sysmon/sysmon.py --über" {
			t.Errorf("%s: label %q argv %q", f, j.label, j.argv())
		}
	}
	// hostile binary plists: a self-referencing array, a count beyond
	// the file, an offset outside the object area, a short file
	cyclic := bplistOf([]byte{0xA1, 0x00}) // array of one element: itself
	huge := bplistOf([]byte{0xAF, 0x13, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	for name, b := range map[string][]byte{"cyclic": cyclic, "huge count": huge, "short": []byte("bplist00"),
		"bad offset": func() []byte { b := append([]byte(nil), cyclic...); b[len(b)-32-1] = 0xee; return b }()} {
		if _, _, err := readBplist(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// bplistOf wraps one object (the top) into a bplist00 file with a 1-byte
// offset table and 1-byte references.
func bplistOf(obj []byte) []byte {
	b := append([]byte("bplist00"), obj...)
	table := len(b)
	b = append(b, 8) // object 0 at offset 8
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	binary.BigEndian.PutUint64(tr[8:], 1)
	binary.BigEndian.PutUint64(tr[16:], 0)
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

// FuzzPlist: no input makes a reader panic or run unbounded.
func FuzzPlist(f *testing.F) {
	f.Add(bplistOf([]byte{0xA1, 0x00}))
	f.Add([]byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>Label</key><string>x</string></dict></plist>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = launchd(b)
		_, _, _ = scheduledTask(b)
	})
}

// FuzzTextFormats: no crontab, anacrontab, at job, start-up file,
// desktop entry, unit or hook file makes a reader panic.
func FuzzTextFormats(f *testing.F) {
	for _, s := range []string{"@reboot root /x\n", "\f\n\r\n\v", "1 5 id cmd\n", "[Service]\nExecStart=-@/x y \\\n z\n",
		"[Desktop Entry]\nExec=x %U\n", `{"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"x"}]}]}}`,
		"{\"tasks\":[{\"command\":{\"value\":[\"a\"]},\"runOptions\":{\"runOn\":\"folderOpen\"}},]} /* x", "*/5 * * * * x%y\\%z"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		crontab(b, true)
		crontab(b, false)
		anacrontab(b)
		atJob(b)
		shellLines(b)
		desktopEntry(b)
		unitFile(b)
		claudeHooks(b)
		vscodeTasks(b)
	})
}

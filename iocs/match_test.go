package iocs

import (
	"testing"
)

func builtinMatcher(t *testing.T) *Matcher {
	t.Helper()
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExeMatches(t *testing.T) {
	tests := []struct {
		want, exe, argv0 string
		ok               bool
	}{
		{"python", "/usr/bin/python3.11", "python3", true},
		{"python", "", "/home/a/.venv/bin/python", true},
		{"python", `C:\Python312\python.exe`, "", true},
		{"python", "/usr/bin/ipython3", "ipython3", true}, // suffix match, as the pack says
		{"python", "/usr/bin/bash", "bash", false},
		{"curl", "/usr/bin/curl", "curl", true},
		{"curl", "/usr/bin/curlie", "curlie", false},
		{"pglog", "/usr/bin/sleep", "/tmp/pglog", true}, // argv[0] counts: the second stage renames itself
		{"", "/anything", "x", true},
	}
	for _, tc := range tests {
		if got := ExeMatches(tc.want, tc.exe, tc.argv0); got != tc.ok {
			t.Errorf("ExeMatches(%q, %q, %q) = %v", tc.want, tc.exe, tc.argv0, got)
		}
	}
}

// TestProcesses: the one process rule the live sweep and remediation share.
func TestProcesses(t *testing.T) {
	m := builtinMatcher(t)
	tests := []struct {
		name string
		exe  string
		argv []string
		want []string
	}{
		{"pth child", "/usr/bin/python3.11", []string{"/home/a/.venv/bin/python", "-c", "exec(base64.b64decode('aW1wb3J0IHN5cw=='))"}, []string{"proc-pth-child"}},
		{"not python", "/usr/bin/perl", []string{"perl", "-e", "exec(base64.b64decode('aW1wb3J0IHN5cw=='))"}, nil},
		{"second stage by argv[0]", "/tmp/pglog", []string{"/tmp/pglog"}, []string{"proc-pglog"}},
		{"sysmon loop", "/usr/bin/python3", []string{"python3", "/home/a/.config/sysmon/sysmon.py"}, []string{"proc-sysmon"}},
		{"curl missing one string", "/usr/bin/curl", []string{"curl", "https://models.litellm.cloud/"}, nil},
		{"curl exfil", "/usr/bin/curl", []string{"curl", "-H", "X-Filename: tpcp.tar.gz", "https://models.litellm.cloud/"}, []string{"proc-curl-exfil"}},
		{"kernel thread", "", nil, nil},
	}
	for _, tc := range tests {
		var got []string
		for _, p := range m.Processes(tc.exe, tc.argv) {
			got = append(got, p.ID)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestStagingAt: the one staging rule the sweep and remediation share.
func TestStagingAt(t *testing.T) {
	m := builtinMatcher(t)
	temps := TempDirs([]string{"/home/alice", "/Users/bob"})
	tests := []struct {
		path string
		want string
	}{
		{"/tmp/tmpk2j4x9/tpcp.tar.gz", "staging-tpcp"},
		{"/var/tmp/payload.enc", "staging-payload-enc"},
		{"/private/tmp/tmpa1/session.key.enc", "staging-session-key-enc"},
		{"/private/var/folders/xy/abc/T/runner_collected_12.txt", "staging-runner-collected"},
		{"/Users/bob/tmp/tpcp.tar.gz", "staging-tpcp"},
		{"/home/alice/AppData/Local/Temp/tpcp.tar.gz", "staging-tpcp"},
		{"/root/.tmp/tpcp.tar.gz", "staging-tpcp"},
		{"/home/alice/project/tpcp.tar.gz", ""}, // not a temporary directory
		{"/tmpfoo/tpcp.tar.gz", ""},             // a prefix, not a directory
		{"/tmp/other.tar.gz", ""},
	}
	for _, tc := range tests {
		s, ok := m.StagingAt(tc.path, temps)
		got := ""
		if ok {
			got = s.ID
		}
		if got != tc.want {
			t.Errorf("StagingAt(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

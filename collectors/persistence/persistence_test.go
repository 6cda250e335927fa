package persistence

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

const realSysmonSHA = "6cf223aea68b0e8031ff68251e30b6017a0513fe152e235c26f248ba1e15c92a"

// testMatcher is the builtin pack with the fixture sysmon.py's hash in
// place of the real one.
func testMatcher(t *testing.T, sysmon []byte) *iocs.Matcher {
	t.Helper()
	return sweeptest.MatcherWith(t, realSysmonSHA, sha(sysmon))
}

func symlink(t *testing.T, root, rel, target string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, root string, m *iocs.Matcher, maxHash int64) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	homes := sweep.Homes(os.DirFS(root))
	c := New(Options{Matcher: m, Homes: homes, MaxHashSize: maxHash})
	f, e := sweeptest.Sweep(t, root, c)
	sort.Slice(f, func(i, j int) bool { return f[i].Location.Path < f[j].Location.Path })
	sort.Slice(e, func(i, j int) bool { return e[i].Location.Path < e[j].Location.Path })
	return f, e
}

func TestPersistenceAndStaging(t *testing.T) {
	sysmon := sweeptest.Testdata(t, "sysmon.py")
	m := testMatcher(t, sysmon)
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/Users/bob:/bin/zsh\n"))
	// alice: the host variant, enabled for default.target; links hold
	// absolute text that must be read, never followed.
	sweeptest.WriteFile(t, root, "home/alice/.config/sysmon/sysmon.py", sysmon)
	sweeptest.WriteFile(t, root, "home/alice/.config/systemd/user/sysmon.service", sweeptest.Testdata(t, "sysmon.service"))
	symlink(t, root, "home/alice/.config/systemd/user/default.target.wants/sysmon.service", "/home/alice/.config/systemd/user/sysmon.service")
	// a sysmon.py elsewhere with the known hash; a benign one by name only
	sweeptest.WriteFile(t, root, "home/alice/Downloads/sysmon.py", sysmon)
	sweeptest.WriteFile(t, root, "opt/tools/sysmon.py", []byte("print('a real system monitor')\n"))
	// root: K8s-node variant, unit enabled system-wide under another name
	sweeptest.WriteFile(t, root, "root/.config/sysmon/sysmon.py", sysmon)
	sweeptest.WriteFile(t, root, "etc/systemd/system/telemetry.service", sweeptest.Testdata(t, "renamed.service"))
	symlink(t, root, "etc/systemd/system/multi-user.target.wants/sysmon.service", "/etc/systemd/system/sysmon.service")
	sweeptest.WriteFile(t, root, "etc/systemd/system/notes.service", sweeptest.Testdata(t, "benign.service"))
	sweeptest.WriteFile(t, root, "var/lib/svc_internal/runner.py", []byte("# kamikaze stand-in\n"))
	// temp dirs
	sweeptest.WriteFile(t, root, "tmp/pglog", []byte("\x7fELF stand-in"))
	sweeptest.WriteFile(t, root, "tmp/.pg_state", []byte("https://example.invalid/x\n"))
	sweeptest.WriteFile(t, root, "tmp/tmpab12cd34/tpcp.tar.gz", []byte("not read"))
	sweeptest.WriteFile(t, root, "tmp/tmpab12cd34/session.key.enc", []byte("not read"))
	sweeptest.WriteFile(t, root, "var/tmp/build/payload.enc", []byte("not read"))
	sweeptest.WriteFile(t, root, "tmp/runner_collected_4242.txt", []byte("not read"))
	sweeptest.WriteFile(t, root, "Users/bob/AppData/Local/Temp/tmpzz/payload.enc", []byte("not read"))
	sweeptest.WriteFile(t, root, "private/var/folders/x1/abc/T/tmpq/tpcp.tar.gz", []byte("not read"))
	// not in a temp dir: not staging
	sweeptest.WriteFile(t, root, "home/alice/work/payload.enc", []byte("someone's own file"))
	sweeptest.WriteFile(t, root, "home/alice/tmp-notes/tpcp.tar.gz", []byte("x"))

	fs, errs := run(t, root, m, 0)
	var got []string
	for _, f := range fs {
		id := ""
		if f.Indicator != nil {
			id = f.Indicator.ID
		}
		got = append(got, strings.Join([]string{string(f.Severity), string(f.Category), f.Location.Path, id, f.User}, "|"))
		if f.Evidence.ModTime == nil || f.Evidence.Owner == "" {
			t.Errorf("%s: no time/owner evidence", f.Location.Path)
		}
	}
	want := []string{
		"medium|persistence|/etc/systemd/system/multi-user.target.wants/sysmon.service|sysmon-unit-system-enabled|root",
		"critical|persistence|/etc/systemd/system/telemetry.service|sysmon-script|root", // what its ExecStart runs
		"critical|persistence|/home/alice/.config/sysmon/sysmon.py|sysmon-script|alice",
		"medium|persistence|/home/alice/.config/systemd/user/default.target.wants/sysmon.service|sysmon-unit-system|alice",
		"critical|persistence|/home/alice/.config/systemd/user/sysmon.service|sysmon-unit|alice",
		"critical|persistence|/home/alice/Downloads/sysmon.py|sysmon-py|alice",
		"critical|persistence|/root/.config/sysmon/sysmon.py|sysmon-script|root",
		"critical|persistence|/tmp/.pg_state|pg-state-file|root",
		"critical|persistence|/tmp/pglog|pglog|root",
		"critical|staging|/Users/bob/AppData/Local/Temp/tmpzz/payload.enc|staging-payload-enc|bob",
		"critical|staging|/private/var/folders/x1/abc/T/tmpq/tpcp.tar.gz|staging-tpcp|root",
		"critical|staging|/tmp/runner_collected_4242.txt|staging-runner-collected|root",
		"critical|staging|/tmp/tmpab12cd34/session.key.enc|staging-session-key-enc|root",
		"critical|staging|/tmp/tmpab12cd34/tpcp.tar.gz|staging-tpcp|root",
		"critical|staging|/var/tmp/build/payload.enc|staging-payload-enc|root",
		"critical|persistence|/var/lib/svc_internal/runner.py|kamikaze-runner|root",
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range errs {
		t.Errorf("unexpected error %+v", e)
	}
	byPath := map[string]sweep.Finding{}
	for _, f := range fs {
		byPath[f.Location.Path] = f
	}
	link := byPath["/home/alice/.config/systemd/user/default.target.wants/sysmon.service"]
	if link.Evidence.Text != "-> /home/alice/.config/systemd/user/sysmon.service" {
		t.Errorf("enablement link text %q", link.Evidence.Text)
	}
	script := byPath["/home/alice/.config/sysmon/sysmon.py"]
	if script.Evidence.SHA256 != sha(sysmon) || !slices.Contains(script.Evidence.Details, "SHA-256 matches sysmon-py") || !slices.Contains(script.Evidence.Details, "contains c2-domain") {
		t.Errorf("sysmon.py evidence %+v", script.Evidence)
	}
	unit := byPath["/home/alice/.config/systemd/user/sysmon.service"]
	if !slices.Contains(unit.Evidence.Details, "contains unit-description") || !strings.HasPrefix(unit.Evidence.Text, "ExecStart=") {
		t.Errorf("unit evidence %+v", unit.Evidence)
	}
	if st := byPath["/tmp/tmpab12cd34/tpcp.tar.gz"]; st.Evidence.SHA256 != "" || st.Evidence.Size != 8 {
		t.Errorf("staging file must be stat'ed, not read: %+v", st.Evidence)
	}
}

func TestHashCapRecorded(t *testing.T) {
	sysmon := sweeptest.Testdata(t, "sysmon.py")
	m := testMatcher(t, sysmon)
	root := t.TempDir()
	sweeptest.WriteFile(t, root, "root/.config/sysmon/sysmon.py", sysmon)
	fs, errs := run(t, root, m, 16)
	if len(fs) != 1 || fs[0].Evidence.SHA256 != "" {
		t.Fatalf("want the path finding without a hash, got %+v", fs)
	}
	if len(errs) != 1 || errs[0].Kind != "skipped" || !strings.Contains(errs[0].Message, "not hashed: larger than 16 bytes") {
		t.Fatalf("want a skipped 'not hashed' entry, got %+v", errs)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestWindowsStartupPersistence sweeps a mounted Windows disk layout
// (Users/<name>/AppData/..., no etc/passwd):
// telnyx 4.87.2's Startup msbuild.exe and its hidden lock are critical;
// the folder's ordinary entries are not reported.
func TestWindowsStartupPersistence(t *testing.T) {
	startup := "Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/"
	root := sweeptest.MkTree(t, map[string][]byte{
		"Windows/System32/drivers/etc/hosts": []byte("127.0.0.1 localhost\r\n"),
		"Users/alice/NTUSER.DAT":             []byte("regf"),
		startup + "msbuild.exe":              append([]byte("MZ\x90\x00"), make([]byte, 60)...),
		startup + "msbuild.exe.lock":         []byte("1774600000"),
		startup + "desktop.ini":              []byte("[.ShellClassInfo]\r\n"),
		startup + "OneDrive.lnk":             []byte("L\x00\x00\x00"),
		"Users/bob/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/desktop.ini": []byte("[.ShellClassInfo]\r\n"),
		"Users/bob/AppData/Local/Programs/Python/Python311/Lib/site-packages/README.txt":      []byte("This directory exists so that 3rd party packages can be installed here.\n"),
	})
	m := sweeptest.Matcher(t)
	homes := sweep.Homes(os.DirFS(root))
	if len(homes) != 2 || homes[0].Dir != "/Users/alice" {
		t.Fatalf("homes of a Windows disk: %+v", homes)
	}
	f, errs := run(t, root, m, 0)
	var got []string
	for _, x := range f {
		got = append(got, string(x.Severity)+"|"+x.Location.Path+"|"+x.Indicator.ID+"|"+x.User)
	}
	want := []string{
		"critical|/" + startup + "msbuild.exe|telnyx-startup-msbuild|alice",
		"critical|/" + startup + "msbuild.exe.lock|telnyx-startup-msbuild-lock|alice",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
	if f[0].Evidence.SHA256 == "" || f[0].Evidence.ModTime == nil || f[0].Evidence.Size != 64 {
		t.Errorf("evidence %+v", f[0].Evidence)
	}
}

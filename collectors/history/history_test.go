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

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
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

func TestAnalyzeInstalls(t *testing.T) {
	m := sweeptest.Matcher(t)
	tests := []struct {
		cmd  string
		want []string // tool|spec|exact|admits
	}{
		{"pip install litellm", []string{"pip install||-|1.82.8,1.82.7"}},
		{"pip3 install -U 'litellm[proxy]>=1.80,<2' requests", []string{"pip install|>=1.80,<2|-|1.82.8,1.82.7"}},
		{"python3.11 -m pip install --user litellm==1.82.8", []string{"pip install|==1.82.8|1.82.8|1.82.8"}},
		{"py -m pip download litellm==1.82.7 -d wheels", []string{"pip download|==1.82.7|1.82.7|1.82.7"}},
		{"pip install litellm==1.83.0", []string{"pip install|==1.83.0|1.83.0|"}},
		{"pip install -r requirements.txt -c litellm.txt", nil},
		{"pip install --index-url https://x/simple litellm-proxy", nil},
		{"pip uninstall litellm", nil},
		{"pip install ./dist/litellm-1.82.8-py3-none-any.whl", []string{"pip install|==1.82.8|1.82.8|1.82.8"}},
		{"uv pip install litellm==1.82.8", []string{"uv pip install|==1.82.8|1.82.8|1.82.8"}},
		{"uv add 'litellm>=1.70' --dev", []string{"uv add|>=1.70|-|1.82.8,1.82.7"}},
		{"uv tool install litellm[proxy]", []string{"uv tool install||-|1.82.8,1.82.7"}},
		{"uv run --with litellm==1.82.8 python app.py", []string{"uv run|==1.82.8|1.82.8|1.82.8"}},
		{"uvx litellm --help", []string{"uvx||-|1.82.8,1.82.7"}},
		{"uvx --from litellm==1.82.7 litellm --version", []string{"uvx|==1.82.7|1.82.7|1.82.7"}},
		{"uvx ruff check litellm==1.82.8", nil},
		{"poetry add litellm@^1.82", []string{"poetry add|^1.82|-|1.82.8,1.82.7"}},
		{"poetry add litellm@1.82.8", []string{"poetry add|1.82.8|1.82.8|1.82.8"}},
		{"poetry add litellm@latest", []string{"poetry add||-|1.82.8,1.82.7"}},
		{"pipx install litellm==1.82.8", []string{"pipx install|==1.82.8|1.82.8|1.82.8"}},
		{"pipx inject myenv litellm", []string{"pipx inject||-|1.82.8,1.82.7"}},
		{"pipx upgrade litellm", []string{"pipx upgrade||-|1.82.8,1.82.7"}},
		{"pipx runpip myenv install litellm==1.82.7", []string{"pipx install|==1.82.7|1.82.7|1.82.7"}},
		{"conda install -c conda-forge litellm=1.82.8", []string{"conda install|==1.82.8.*|-|1.82.8"}},
		{"mamba create -n x python=3.11 conda-forge::litellm", []string{"mamba create||-|1.82.8,1.82.7"}},
		{"pdm add litellm", []string{"pdm add||-|1.82.8,1.82.7"}},
		{"pipenv install litellm==1.82.8", []string{"pipenv install|==1.82.8|1.82.8|1.82.8"}},
		{"sudo -E -u app env FOO=1 /opt/venv/bin/pip install litellm~=1.82.0", []string{"pip install|~=1.82.0|-|1.82.8,1.82.7"}},
		{"cd app && pip install litellm==1.82.8; echo done", []string{"pip install|==1.82.8|1.82.8|1.82.8"}},
		{"echo pip install litellm", nil},
		{"grep 'pip install litellm' notes.txt", nil},
		{"pip install telnyx==4.87.1 litellm==1.82.6", []string{"pip install|==4.87.1|4.87.1|4.87.1", "pip install|==1.82.6|1.82.6|"}},
		{"C:\\Python311\\python.exe -m pip install litellm", []string{"pip install||-|1.82.8,1.82.7"}},
	}
	for _, tc := range tests {
		var got []string
		for _, in := range AnalyzeInstalls(tc.cmd, m) {
			ex := in.Exact
			if ex == "" {
				ex = "-"
			}
			got = append(got, fmt.Sprintf("%s|%s|%s|%s", in.Tool, in.Spec, ex, strings.Join(in.Admits, ",")))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

func TestMentions(t *testing.T) {
	ns := needles(sweeptest.Matcher(t))
	tests := map[string][]string{
		"curl https://models.litellm.cloud/":             {"net-models-litellm-cloud"},
		"curl -k https://X.CHECKMARX.ZONE/raw":           {"net-checkmarx-zone"},
		"ping 83.142.209.11":                             {"net-checkmarx-zone-ip"},
		"ping 83.142.209.110":                            nil,
		"ping 183.142.209.11":                            nil,
		"echo checkmarx.zone.example.com":                nil,
		"echo notmodels.litellm.cloudy":                  nil,
		"nc 46.151.182.203 443 && echo aquasecurtiy.org": {"net-models-litellm-cloud-ip"},
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

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pip install litellm==1.82.8", "pip install litellm==1.82.8"},
		{"pip install --index-url https://user:hunter2@pypi.corp/simple litellm", "pip install --index-url https://[REDACTED]@pypi.corp/simple litellm"},
		{"git clone https://ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/o/r", "git clone https://[REDACTED]@github.com/o/r"},
		{"export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx", "export OPENAI_API_KEY=[REDACTED]"},
		{`GITHUB_TOKEN="a b c" gh pr list`, "GITHUB_TOKEN=[REDACTED] gh pr list"},
		{"$env:AWS_SECRET_ACCESS_KEY = 'abc/def'", "$env:AWS_SECRET_ACCESS_KEY = [REDACTED]"},
		{"mysql -uroot -pS3cret db", "mysql -uroot -p[REDACTED] db"},
		{"sshpass -p 'pw' ssh host", "sshpass -p [REDACTED] ssh host"},
		{"curl -u admin:pw https://x", "curl -u [REDACTED] https://x"},
		{`curl -H "Authorization: Bearer abc.def.ghi" https://x`, `curl -H "Authorization: [REDACTED]`},
		{"twine upload --password pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg --user __token__ dist/*", "twine upload --password [REDACTED]"},
		{"docker login --password=hunter2 -u me", "docker login --password [REDACTED]"},
		{"curl 'https://x/api?token=abc123&x=1'", "curl 'https://x/api?token=[REDACTED]&x=1'"},
		{"echo AKIAIOSFODNN7EXAMPLE", "echo [REDACTED-AWS-KEY-ID]"},
		{"echo xoxb-123456789012-abcdefghij", "echo [REDACTED-SLACK-TOKEN]"},
		{"npm config set //registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm config set //registry.npmjs.org/:_authToken [REDACTED-NPM-TOKEN]"},
		{"echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "echo [REDACTED-JWT]"},
		{"pip install oauthlib==3.2 passlib", "pip install oauthlib==3.2 passlib"},
		{"uv venv -p 3.11", "uv venv -p 3.11"},
		{"a\x1b[31mb", "a [31mb"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	long := Redact(strings.Repeat("é", 400))
	if len(long) > MaxText+len("…") || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "é") {
		t.Errorf("long line not clipped on a rune boundary: %d bytes", len(long))
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
		for _, secret := range []string{"hunter2", "sk-proj", "abcdefghijk12345", "ghp_", ":y@"} {
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
		"high /home/alice/.bash_history:7 shell history: pip install litellm >=1.80 (admits 1.82.8, 1.82.7) [alice]",
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

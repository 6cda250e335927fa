package installcmd

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// TestInstalls: which words of a command are tracked requests, and what
// they admit (moved from the shell-history collector, cases unchanged).
func TestInstalls(t *testing.T) {
	j := NewJudge(sweeptest.Matcher(t))
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
	}
	for _, tc := range tests {
		var got []string
		for _, in := range j.Installs(tc.cmd, POSIX) {
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

func TestParseLine(t *testing.T) {
	tests := []struct {
		in   string
		d    Dialect
		want string // commands joined by " ; ", words by ",", dynamic words marked with *
	}{
		{`pip install "litellm==1.82.8" 'a b'`, POSIX, "pip,install,litellm==1.82.8,a b"},
		{"docker login -p S1 reg && pip install x; echo y | cat", POSIX, "docker,login,-p,S1,reg ; pip,install,x ; echo,y ; cat"},
		{"(cd app && pip install x) || true", POSIX, "cd,app ; pip,install,x ; true"},
		{"echo $(cat /run/s | docker login --password-stdin) done", POSIX, "cat,/run/s ; docker,login,--password-stdin ; echo,*,done"},
		{`docker login --password-stdin <<< "$T" && pip install x`, POSIX, "docker,login,--password-stdin ; pip,install,x"},
		{"pip install x > log 2>&1 &> all 3< in", POSIX, "pip,install,x"},
		{"python3 -m pip install -U litellm>=1.80", POSIX, "python3,-m,pip,install,-U,litellm"},
		{"a=`echo s` pip \\\n install x # comment && rm", POSIX, "echo,s ; a=*,pip,install,x"},
		{"cat <<EOF\nSECRET pip install y\nEOF\npip install x", POSIX, "cat ; pip,install,x"},
		{`echo $'it\'s' ${HOME} $((1+2))`, POSIX, "echo,it's,*,*"},
		{"diff <(pip freeze) x", POSIX, "pip,freeze ; diff,x"},
		{`echo 'it\'s' (pip install x)`, Fish, "pip,install,x ; echo,it's,*"},
		{"$env:T = 'a''b'; pip install `\n x", PowerShell, "$env:T*,=,a'b ; pip,install,x"},
		{"echo \"a`\"b $(pip install x)\" C:\\Python\\pip.exe", PowerShell, "pip,install,x ; echo,a\"b *,C:\\Python\\pip.exe"},
		{"$p = @'\nSECRET\n'@; foreach ($x in $y) { pip install x }", PowerShell, "$p*,=,SECRET ; $x*,in,$y* ; pip,install,x ; foreach"},
		{"echo 'unterminated", POSIX, "error"},
		{"echo $(pip install x", POSIX, "error"},
		{"echo a)", POSIX, "error"},
		{strings.Repeat("(", 100) + strings.Repeat(")", 100), POSIX, "error"},
	}
	for _, tc := range tests {
		cmds, err := Parse(tc.in, tc.d)
		var got []string
		if err != nil {
			got = []string{"error"}
		}
		for _, c := range cmds {
			var ws []string
			for _, w := range c.Words {
				s := w.Lit
				if w.Dynamic {
					s += "*"
				}
				ws = append(ws, s)
			}
			got = append(got, strings.Join(ws, ","))
		}
		if g := strings.Join(got, " ; "); g != tc.want {
			t.Errorf("Parse(%q)\n got %q\nwant %q", tc.in, g, tc.want)
		}
	}
}

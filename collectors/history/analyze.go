package history

import (
	"path"
	"regexp"
	"strings"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/iocs"
)

// Install is a command installing (or downloading, upgrading, running) a
// tracked package.
type Install struct {
	Tool    string // "pip install", "uv add", "poetry add", "pipx install", "conda install", ...
	Package *iocs.PackageIOC
	// Spec is the requested constraint as written ("" = unpinned).
	Spec string
	// Exact is the exact version requested, when there is one.
	Exact string
	// Admits are the bad versions the request admits, highest first.
	Admits  []string
	Upgrade bool
}

// Mention is a command line naming a network indicator.
type Mention struct {
	ID, Value, Role string
}

// tokenize splits a command line into words and control operators with
// shell-like quoting ('...', "...", \x). Operators (; & | && || newline)
// are returned as separate tokens.
func tokenize(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			out = append(out, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\r':
			flush()
		case '\n', ';', '&', '|', '(', ')':
			flush()
			out = append(out, string(c))
		case '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				cur.WriteString(s[i+1:])
				i = len(s)
			} else {
				cur.WriteString(s[i+1 : i+1+j])
				i += j + 1
			}
		case '"':
			inWord = true
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
				i++
			}
		case '\\':
			inWord = true
			// An escape only before a shell-special character; otherwise
			// a literal backslash (Windows paths in PowerShell history).
			if i+1 < len(s) && strings.IndexByte(" \t\n\"'\\$&;|()`<>", s[i+1]) >= 0 {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			} else {
				cur.WriteByte(c)
			}
		case '`':
			// PowerShell line continuation / escape: drop it.
			flush()
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// simpleCommands groups tokens into commands split at control operators.
func simpleCommands(toks []string) [][]string {
	var out [][]string
	var cur []string
	for _, t := range toks {
		switch t {
		case ";", "&", "|", "\n", "(", ")":
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
		default:
			cur = append(cur, t)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

var (
	assignRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	pipRe    = regexp.MustCompile(`^pip(?:3(?:\.\d+)?)?(?:\.exe)?$`)
	pythonRe = regexp.MustCompile(`^(?:python(?:3(?:\.\d+)?)?|py)(?:\.exe)?$`)
)

// wrappers are commands that run their arguments.
var wrappers = map[string]bool{"sudo": true, "doas": true, "env": true, "time": true, "nohup": true, "exec": true,
	"command": true, "nice": true, "xargs": true, "runuser": true, "su": false}

// optsWithValue are package-manager options whose next word is a value, not a package.
var optsWithValue = map[string]bool{
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-i": true, "--index-url": true,
	"--extra-index-url": true, "-f": true, "--find-links": true, "-t": true, "--target": true, "--prefix": true,
	"--root": true, "--python": true, "-p": true, "--trusted-host": true, "--cache-dir": true, "--src": true,
	"--platform": true, "--python-version": true, "--implementation": true, "--abi": true, "-d": true, "--dest": true,
	"--group": true, "-G": true, "--extra": true, "-E": true, "--source": true, "--index": true, "--default-index": true,
	"-n": true, "--name": true, "--prefix-dir": true, "-C": true, "--config-settings": true, "--log": true,
	"--proxy": true, "--retries": true, "--timeout": true, "--progress-bar": true, "-e": true, "--editable": true,
	"--with": false, "--from": false, "--spec": false, "--pip-args": true, "--suffix": true, "--directory": true,
	"--project": true, "--cwd": true, "--channel": true, "--override": true, "--only-binary": true, "--no-binary": true,
}

// AnalyzeInstalls finds installs of tracked packages in one command line.
func AnalyzeInstalls(cmdline string, m *iocs.Matcher) []Install {
	var out []Install
	for _, words := range simpleCommands(tokenize(cmdline)) {
		out = append(out, analyzeSimple(words, m)...)
	}
	return out
}

func analyzeSimple(w []string, m *iocs.Matcher) []Install {
	// Strip environment assignments and wrappers (with their options).
	for len(w) > 0 {
		b := path.Base(strings.ReplaceAll(w[0], `\`, "/"))
		switch {
		case assignRe.MatchString(w[0]):
			w = w[1:]
		case wrappers[b]:
			w = w[1:]
			for len(w) > 0 && strings.HasPrefix(w[0], "-") {
				if (b == "sudo" || b == "doas") && (w[0] == "-u" || w[0] == "-g") && len(w) > 1 {
					w = w[1:]
				}
				w = w[1:]
			}
		default:
			goto done
		}
	}
done:
	if len(w) == 0 {
		return nil
	}
	exe := strings.ToLower(path.Base(strings.ReplaceAll(w[0], `\`, "/")))
	args := w[1:]
	var tool string
	conda := false
	sub := func(names ...string) bool {
		if len(args) == 0 {
			return false
		}
		for _, n := range names {
			if args[0] == n {
				tool += " " + n
				args = args[1:]
				return true
			}
		}
		return false
	}
	switch {
	case pythonRe.MatchString(exe):
		// python -m pip install ... / python -m uv pip install ...
		for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-m" {
			args = args[1:]
		}
		if len(args) < 2 || args[0] != "-m" {
			return nil
		}
		mod := args[1]
		args = args[2:]
		switch mod {
		case "pip":
			tool = "pip"
			if !sub("install", "download", "wheel") {
				return nil
			}
		case "uv":
			tool = "uv"
			if !(sub("pip") && sub("install")) && !sub("add") {
				return nil
			}
		case "pipx":
			tool = "pipx"
			if !sub("install", "inject", "run", "upgrade") {
				return nil
			}
		default:
			return nil
		}
	case pipRe.MatchString(exe):
		tool = "pip"
		if !sub("install", "download", "wheel") {
			return nil
		}
	case exe == "uv" || exe == "uv.exe":
		tool = "uv"
		if sub("pip") {
			if !sub("install") {
				return nil
			}
		} else if sub("tool") {
			if !sub("install", "run", "upgrade") {
				return nil
			}
		} else if !sub("add", "run") {
			return nil
		}
	case exe == "uvx" || exe == "uvx.exe":
		tool = "uvx"
	case exe == "poetry":
		tool = "poetry"
		if !sub("add", "update") {
			return nil
		}
	case exe == "pipx":
		tool = "pipx"
		if sub("runpip") {
			if len(args) < 2 || args[1] != "install" {
				return nil
			}
			args = args[2:]
			tool = "pipx install"
		} else if !sub("install", "inject", "run", "upgrade") {
			return nil
		}
	case exe == "pdm" || exe == "rye" || exe == "hatch":
		tool = exe
		if !sub("add") {
			return nil
		}
	case exe == "pipenv":
		tool = "pipenv"
		if !sub("install", "update") {
			return nil
		}
	case exe == "conda" || exe == "mamba" || exe == "micromamba":
		tool = exe
		conda = true
		if !sub("install", "create", "update", "upgrade") {
			return nil
		}
	default:
		return nil
	}
	upgrade := strings.Contains(tool, "upgrade") || strings.Contains(tool, "update")
	var out []Install
	skipNext, haveSpec := false, false
	runs := tool == "uvx" || strings.HasSuffix(tool, " run")
	for i, a := range args {
		if skipNext {
			skipNext = false
			continue
		}
		if a == "-U" || a == "--upgrade" {
			upgrade = true
			continue
		}
		if strings.HasPrefix(a, "-") {
			opt, _, hasVal := strings.Cut(a, "=")
			if optsWithValue[opt] && !hasVal {
				skipNext = true
			}
			if opt == "--from" || opt == "--spec" {
				haveSpec = true
			}
			if (opt == "--with" || opt == "--from" || opt == "--spec") && !hasVal && i+1 < len(args) {
				// uv run --with litellm / uvx --from litellm==1.82.8: the value is a package.
				if in, ok := installOf(args[i+1], tool, conda, m); ok {
					out = append(out, in)
				}
				skipNext = true
			} else if hasVal && (opt == "--with" || opt == "--from" || opt == "--spec") {
				if in, ok := installOf(a[len(opt)+1:], tool, conda, m); ok {
					out = append(out, in)
				}
			}
			continue
		}
		if runs && haveSpec {
			break // "uvx --from pkg cmd": the command and its arguments follow
		}
		if in, ok := installOf(a, tool, conda, m); ok {
			out = append(out, in)
		}
		if runs {
			break // the rest are the tool's own arguments
		}
	}
	for i := range out {
		out[i].Upgrade = upgrade
	}
	return out
}

// installOf reads one package argument: a PEP 508 requirement, a poetry
// "name@constraint", a conda "name=ver", or a wheel/sdist path.
func installOf(arg, tool string, conda bool, m *iocs.Matcher) (Install, bool) {
	arg = strings.Trim(arg, `"'`)
	if conda {
		if i := strings.Index(arg, "::"); i >= 0 {
			arg = arg[i+2:] // channel::name
		}
	}
	if arg == "" {
		return Install{}, false
	}
	var name, spec, exact string
	if strings.HasSuffix(arg, ".whl") || strings.HasSuffix(arg, ".tar.gz") || strings.HasSuffix(arg, ".zip") {
		n, v, ok := lockfile.DistFromFilename(path.Base(strings.ReplaceAll(arg, `\`, "/")))
		if !ok {
			return Install{}, false
		}
		name, spec, exact = n, "=="+v, v
	} else if n, c, ok := strings.Cut(arg, "@"); ok && !strings.Contains(arg, "://") && !strings.Contains(n, " ") {
		// poetry/pdm "litellm@^1.82", "litellm@1.82.8", "litellm@latest"
		name = strings.TrimSpace(n)
		c = strings.TrimSpace(c)
		if c != "latest" && c != "" {
			spec = c
		}
	} else if conda && !strings.ContainsAny(arg, "<>!~") && strings.Count(arg, "=") == 1 {
		n, v, _ := strings.Cut(arg, "=")
		name, spec = n, "=="+v+".*"
	} else {
		q, err := lockfile.ParseRequirement(arg)
		if err != nil {
			return Install{}, false
		}
		name, spec = q.Name, q.Specifier
		if q.URL != "" {
			if q.Version == "" {
				return Install{}, false
			}
			spec, exact = "=="+q.Version, q.Version
		}
	}
	pk, ok := m.Tracked(name)
	if !ok {
		return Install{}, false
	}
	set, err := iocs.ParseSpecifier(spec)
	if err != nil {
		return Install{}, false
	}
	if exact == "" {
		exact, _ = set.Exact()
	}
	return Install{Tool: tool, Package: pk, Spec: spec, Exact: exact, Admits: m.AdmittedBad(name, set)}, true
}

// networkNeedles are the pack's domains, URLs and IPs, matched in command lines.
type needle struct {
	id, value, role string
	ip              bool
}

func needles(m *iocs.Matcher) []needle {
	var out []needle
	for _, n := range m.Pack().Network {
		out = append(out, needle{id: n.ID, value: strings.ToLower(n.Value), role: n.Role, ip: n.Kind == "ip"})
	}
	return out
}

// mentions finds network indicators in a command line (IPs on octet
// boundaries, so 83.142.209.11 does not match 83.142.209.110).
func mentions(cmd string, ns []needle) []Mention {
	lc := strings.ToLower(cmd)
	var out []Mention
	for _, n := range ns {
		i := strings.Index(lc, n.value)
		for i >= 0 {
			end := i + len(n.value)
			// A subdomain of a C2 domain is still the C2 ("x.checkmarx.zone").
			okStart := i == 0 || !isHostChar(lc[i-1], n.ip) || (!n.ip && lc[i-1] == '.')
			okEnd := end == len(lc) || !isHostChar(lc[end], n.ip)
			if okStart && okEnd {
				out = append(out, Mention{ID: n.id, Value: n.value, Role: n.role})
				break
			}
			j := strings.Index(lc[end:], n.value)
			if j < 0 {
				break
			}
			i = end + j
		}
	}
	return out
}

func isHostChar(c byte, ip bool) bool {
	if c >= '0' && c <= '9' || c == '.' {
		return true
	}
	if ip {
		return false
	}
	return c >= 'a' && c <= 'z' || c == '-'
}

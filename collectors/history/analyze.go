package history

import (
	"net/url"
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
	// shown is the package argument as evidence shows it: rebuilt from
	// the parsed name and specifier, never the word as typed.
	shown string
}

// Mention is a command line naming a network indicator.
type Mention struct {
	ID, Value, Role string
}

// Ellipsis replaces every word of a command line that evidence does not
// keep.
const Ellipsis = "…"

var (
	assignRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	pipRe    = regexp.MustCompile(`^pip(?:3(?:\.\d+)?)?(?:\.exe)?$`)
	pythonRe = regexp.MustCompile(`^(?:python(?:3(?:\.\d+)?)?|py)(?:\.exe)?$`)
	// plainRe is a file name or channel name kept in evidence as written.
	plainRe = regexp.MustCompile(`^[A-Za-z0-9._/~+-]{1,200}$`)
	hostRe  = regexp.MustCompile(`^[A-Za-z0-9.:\[\]-]{1,255}$`)
)

// wrappers are commands that run their arguments.
var wrappers = map[string]bool{"sudo": true, "doas": true, "env": true, "time": true, "nohup": true, "exec": true,
	"command": true, "nice": true, "xargs": true, "runuser": true, "builtin": true, "noglob": true, "nocorrect": true}

// keywords start compound commands; the command follows them.
var keywords = map[string]bool{"{": true, "}": true, "!": true, "if": true, "then": true, "else": true, "elif": true,
	"do": true, "while": true, "until": true, "and": true, "or": true, "not": true, "begin": true, "&": true, ".": true}

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
	"--cert": true, "--client-cert": true, "--password": true, "--username": true, "--token": true, "-u": true,
}

// sourceOpts are the options kept in evidence because they change where a
// package comes from, with how their value is shown.
var sourceOpts = map[string]func(v string, conda bool) string{
	"-r": fileValue, "--requirement": fileValue, "-c": channelOrFile, "--constraint": fileValue,
	"-i": hostValue, "--index-url": hostValue, "--extra-index-url": hostValue, "--index": hostOrName,
	"--default-index": hostValue, "-f": hostOrFile, "--find-links": hostOrFile, "--channel": channelOrFile,
	"--source": hostOrName,
}

// flagsKept are value-less options kept in evidence.
var flagsKept = map[string]bool{"-U": true, "--upgrade": true, "--pre": true, "--force-reinstall": true, "-I": true, "--ignore-installed": true}

// fileValue shows a requirements or constraints file name as written when
// it is a plain path, else the placeholder.
func fileValue(v string, _ bool) string {
	if strings.Contains(v, "://") {
		return hostValue(v, false)
	}
	if plainRe.MatchString(v) {
		return v
	}
	return Ellipsis
}

// hostValue reduces a URL to scheme://host[:port]: userinfo, path (which
// may hold a token, as Gemfury's does) and query are dropped.
func hostValue(v string, _ bool) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" || !hostRe.MatchString(u.Host) || !plainRe.MatchString(u.Scheme) {
		return Ellipsis
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/" + Ellipsis
	}
	return s
}

func hostOrFile(v string, c bool) string {
	if strings.Contains(v, "://") {
		return hostValue(v, c)
	}
	return fileValue(v, c)
}

// hostOrName: a URL as its host, a plain name (an index or source name) as written.
func hostOrName(v string, c bool) string {
	if strings.Contains(v, "://") {
		return hostValue(v, c)
	}
	if n, u, ok := strings.Cut(v, "="); ok && strings.Contains(u, "://") { // uv --index name=URL
		if plainRe.MatchString(n) {
			return n + "=" + hostValue(u, c)
		}
		return Ellipsis
	}
	return fileValue(v, c)
}

// channelOrFile: conda's -c is a channel, pip's a constraints file.
func channelOrFile(v string, conda bool) string {
	return hostOrFile(v, conda)
}

// analysis is what one simple command says: the installs of tracked
// packages and, for evidence, the words to keep (by index) and how each
// is shown.
type analysis struct {
	installs []Install
	keep     map[int]string
}

// AnalyzeInstalls finds installs of tracked packages in one command line
// (shell syntax).
func AnalyzeInstalls(cmdline string, m *iocs.Matcher) []Install {
	cmds, err := parseLine(cmdline, posix)
	if err != nil {
		cmds = lenientWords(cmdline)
	}
	var out []Install
	for _, c := range cmds {
		out = append(out, analyzeCommand(c.words, m).installs...)
	}
	return out
}

func base(w word) string {
	return path.Base(strings.ReplaceAll(w.lit, `\`, "/"))
}

func analyzeCommand(w []word, m *iocs.Matcher) analysis {
	a := analysis{keep: map[int]string{}}
	i := 0
	// Strip environment assignments, keywords and wrappers (with their options).
	for i < len(w) {
		b := base(w[i])
		switch {
		case keywords[w[i].lit]:
			i++
		case assignRe.MatchString(w[i].lit):
			i++
		case wrappers[b] && !w[i].dynamic:
			i++
			for i < len(w) && strings.HasPrefix(w[i].lit, "-") {
				if (b == "sudo" || b == "doas") && (w[i].lit == "-u" || w[i].lit == "-g") && i+1 < len(w) {
					i++
				}
				i++
			}
		default:
			goto done
		}
	}
done:
	if i >= len(w) || w[i].dynamic {
		return a
	}
	exeName := base(w[i])
	exe := strings.ToLower(exeName)
	if exeName == "" || !plainRe.MatchString(exeName) {
		return a
	}
	a.keep[i] = exeName
	i++
	var tool string
	conda := false
	sub := func(names ...string) bool {
		if i >= len(w) {
			return false
		}
		for _, n := range names {
			if w[i].lit == n {
				tool += " " + n
				a.keep[i] = n
				i++
				return true
			}
		}
		return false
	}
	switch {
	case pythonRe.MatchString(exe):
		// python -m pip install ... / python -m uv pip install ...
		for i < len(w) && strings.HasPrefix(w[i].lit, "-") && w[i].lit != "-m" {
			if w[i].lit == "-X" || w[i].lit == "-W" {
				i++ // option with a value
			}
			i++
		}
		if i+1 >= len(w) || w[i].lit != "-m" {
			return analysis{}
		}
		a.keep[i] = "-m"
		mod := w[i+1].lit
		a.keep[i+1] = mod
		i += 2
		switch mod {
		case "pip":
			tool = "pip"
			if !sub("install", "download", "wheel") {
				return analysis{}
			}
		case "uv":
			tool = "uv"
			if !(sub("pip") && sub("install")) && !sub("add") {
				return analysis{}
			}
		case "pipx":
			tool = "pipx"
			if !sub("install", "inject", "run", "upgrade") {
				return analysis{}
			}
		default:
			return analysis{}
		}
	case pipRe.MatchString(exe):
		tool = "pip"
		if !sub("install", "download", "wheel") {
			return analysis{}
		}
	case exe == "uv" || exe == "uv.exe":
		tool = "uv"
		if sub("pip") {
			if !sub("install") {
				return analysis{}
			}
		} else if sub("tool") {
			if !sub("install", "run", "upgrade") {
				return analysis{}
			}
		} else if !sub("add", "run") {
			return analysis{}
		}
	case exe == "uvx" || exe == "uvx.exe":
		tool = "uvx"
	case exe == "poetry":
		tool = "poetry"
		if !sub("add", "update") {
			return analysis{}
		}
	case exe == "pipx":
		tool = "pipx"
		if i < len(w) && w[i].lit == "runpip" {
			if i+2 >= len(w) || w[i+2].lit != "install" {
				return analysis{}
			}
			a.keep[i], a.keep[i+2] = "runpip", "install"
			i += 3
			tool = "pipx install"
		} else if !sub("install", "inject", "run", "upgrade") {
			return analysis{}
		}
	case exe == "pdm" || exe == "rye" || exe == "hatch":
		tool = exe
		if !sub("add") {
			return analysis{}
		}
	case exe == "pipenv":
		tool = "pipenv"
		if !sub("install", "update") {
			return analysis{}
		}
	case exe == "conda" || exe == "mamba" || exe == "micromamba":
		tool = exe
		conda = true
		if !sub("install", "create", "update", "upgrade") {
			return analysis{}
		}
	default:
		return analysis{}
	}
	upgrade := strings.Contains(tool, "upgrade") || strings.Contains(tool, "update")
	skipNext, haveSpec := false, false
	runs := tool == "uvx" || strings.HasSuffix(tool, " run")
	pkg := func(j int, arg string) {
		if w[j].dynamic {
			return
		}
		if in, ok := installOf(arg, tool, conda, m); ok {
			a.installs = append(a.installs, in)
			if len(in.Admits) > 0 {
				a.keep[j] = in.shown
			}
		}
	}
	for j := i; j < len(w); j++ {
		arg := w[j].lit
		if skipNext {
			skipNext = false
			continue
		}
		if flagsKept[arg] {
			a.keep[j] = arg
			if arg == "-U" || arg == "--upgrade" {
				upgrade = true
			}
			continue
		}
		if strings.HasPrefix(arg, "-") {
			opt, val, hasVal := strings.Cut(arg, "=")
			if !hasVal && len(opt) > 2 && opt[1] != '-' && sourceOpts[opt[:2]] != nil {
				opt, val, hasVal = opt[:2], opt[2:], true // glued -rFILE, -iURL
			}
			if show := sourceOpts[opt]; show != nil {
				switch {
				case hasVal && !w[j].dynamic:
					sep := "="
					if !strings.HasPrefix(arg, opt+"=") {
						sep = ""
					}
					a.keep[j] = opt + sep + show(val, conda)
				case !hasVal && j+1 < len(w):
					a.keep[j] = opt
					if !w[j+1].dynamic {
						a.keep[j+1] = show(w[j+1].lit, conda)
					}
				}
			}
			if optsWithValue[opt] && !hasVal {
				skipNext = true
			}
			if opt == "--from" || opt == "--spec" {
				haveSpec = true
			}
			if (opt == "--with" || opt == "--from" || opt == "--spec") && !hasVal && j+1 < len(w) {
				// uv run --with litellm / uvx --from litellm==1.82.8: the value is a package.
				a.keep[j] = opt
				pkg(j+1, w[j+1].lit)
				skipNext = true
			} else if hasVal && (opt == "--with" || opt == "--from" || opt == "--spec") && !w[j].dynamic {
				if in, ok := installOf(val, tool, conda, m); ok {
					a.installs = append(a.installs, in)
					if len(in.Admits) > 0 {
						a.keep[j] = opt + "=" + in.shown
					}
				}
			}
			continue
		}
		if runs && haveSpec {
			break // "uvx --from pkg cmd": the command and its arguments follow
		}
		pkg(j, arg)
		if runs {
			break // the rest are the tool's own arguments
		}
	}
	for k := range a.installs {
		a.installs[k].Upgrade = upgrade
	}
	return a
}

// render shows a command with only its kept words; every other word is one
// Ellipsis (runs of them collapse).
func render(w []word, keep map[int]string) string {
	var parts []string
	for j := range w {
		s, ok := keep[j]
		if !ok {
			s = Ellipsis
		}
		if s == Ellipsis && len(parts) > 0 && parts[len(parts)-1] == Ellipsis {
			continue
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
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
	at := false
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
		at = true
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
	shown := pk.Name + spec
	switch {
	case strings.Contains(spec, "+"):
		shown = pk.Name + " " + Ellipsis // a local version label is free text
	case exact != "" && !strings.HasPrefix(spec, "==") && !at:
		shown = pk.Name + "==" + exact
	case at && spec != "":
		shown = pk.Name + "@" + spec
	}
	admits := m.AdmittedBad(name, set)
	// A local version label (+...) is free text: it never reaches a report.
	if strings.Contains(spec, "+") {
		spec = Ellipsis
	}
	if strings.Contains(exact, "+") {
		exact = Ellipsis
	}
	return Install{Tool: tool, Package: pk, Spec: spec, Exact: exact, Admits: admits, shown: shown}, true
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

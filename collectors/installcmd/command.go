package installcmd

import (
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/sweep"
)

// Ecosystems of the packages a command requests (the pack's
// PackageIOC.Ecosystem values).
const (
	PyPI = "pypi"
	NPM  = "npm"
)

// ArgKind is what an argument of an install command names.
type ArgKind int

const (
	// Package is a requested package (a PEP 508 requirement, a poetry
	// "name@constraint", a conda "name=ver", a wheel or sdist path, an npm
	// "name@range").
	Package ArgKind = iota
	// File is a requirements (-r) or constraints (-c) file, or a file uv pip
	// sync installs.
	File
	// Project is a project directory installed from its own metadata
	// (pip install ., -e ./x).
	Project
)

// Arg is one argument of an install command that names what is installed.
type Arg struct {
	Kind ArgKind
	// Word is the index of the word holding the value.
	Word int
	// Opt is the option that introduced the value ("-r", "--with", "-e"),
	// "" for a positional word.
	Opt string
	// Glued marks a value sharing its word with Opt ("--with=x", "-rfile").
	Glued bool
	// Value is the value as written (after quote removal).
	Value string
	// Constraint marks a -c/--constraint file.
	Constraint bool
}

// Invocation is one recognised install command.
type Invocation struct {
	// Tool is the installer and its subcommands: "pip install", "uv tool
	// install", "pipx install" (also for pipx runpip ENV install), "npm install".
	Tool string
	// Module marks a Python tool run as "python -m TOOL".
	Module bool
	// Ecosystem is PyPI or NPM.
	Ecosystem string
	// Conda marks conda, mamba and micromamba ("name=ver", "channel::name", -c CHANNEL).
	Conda bool
	// Args are the packages, files and projects, in order.
	Args []Arg
	// Locks are the lock and manifest kinds a sync without arguments
	// installs from, the lock first ("uv sync", "poetry install").
	Locks []lockfile.Kind
	// Upgrade is set for upgrade/update subcommands and -U/--upgrade.
	Upgrade bool
	// Runs marks commands that install into a throwaway environment and run
	// the package (uvx, uv run, pipx run, npx, pnpm dlx, bunx).
	Runs bool
	// Keep are the words evidence may show, by index, with how each is
	// shown: the program and its subcommands as typed, value-less flags that
	// change what is installed, and options that change where packages come
	// from with their value reduced (a URL to scheme://host). Every other
	// word is data that may hold a secret.
	Keep map[int]string
}

// Ellipsis stands for every word evidence does not keep (sweep.Elided).
const Ellipsis = sweep.Elided

var (
	assignRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	pipRe    = regexp.MustCompile(`^pip[0-9.]*(?:\.exe)?$`)
	pythonRe = regexp.MustCompile(`^(?:python[0-9.]*|py)(?:\.exe)?$`)
	// plainRe is a file name or channel name kept in evidence as written.
	plainRe = regexp.MustCompile(`^[A-Za-z0-9._/~+-]{1,200}$`)
	hostRe  = regexp.MustCompile(`^[A-Za-z0-9.:\[\]-]{1,255}$`)
	// safePath is a project-relative path of a plain shape.
	safePath = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./-]*$`)
)

// wrappers are commands that run their arguments.
var wrappers = map[string]bool{"sudo": true, "doas": true, "env": true, "time": true, "nohup": true, "exec": true,
	"command": true, "nice": true, "xargs": true, "runuser": true, "builtin": true, "noglob": true, "nocorrect": true}

// keywords start compound commands; the command follows them.
var keywords = map[string]bool{"{": true, "}": true, "!": true, "if": true, "then": true, "else": true, "elif": true,
	"do": true, "while": true, "until": true, "and": true, "or": true, "not": true, "begin": true, "&": true, ".": true}

// pythonValueOpts are the options of the Python installers (pip, uv, pipx,
// poetry, pdm, pipenv, conda) whose next word is a value, not a package.
var pythonValueOpts = map[string]bool{
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-i": true, "--index-url": true,
	"--extra-index-url": true, "-f": true, "--find-links": true, "-t": true, "--target": true, "--prefix": true,
	"--root": true, "--python": true, "-p": true, "--trusted-host": true, "--cache-dir": true, "--src": true,
	"--platform": true, "--python-version": true, "--implementation": true, "--abi": true, "-d": true, "--dest": true,
	"--group": true, "-G": true, "--extra": true, "-E": true, "--extras": true, "--source": true, "--index": true,
	"--default-index": true, "-n": true, "--name": true, "--prefix-dir": true, "-C": true, "--config-settings": true,
	"--log": true, "--proxy": true, "--retries": true, "--timeout": true, "--progress-bar": true, "-e": true,
	"--editable": true, "--pip-args": true, "--suffix": true, "--directory": true, "--project": true, "--cwd": true,
	"--channel": true, "--override": true, "--only-binary": true, "--no-binary": true, "--cert": true,
	"--client-cert": true, "--password": true, "--username": true, "--token": true, "-u": true,
	"--upgrade-strategy": true, "--global-option": true, "--install-option": true, "--report": true,
	"--exists-action": true, "--keyring-provider": true, "--resolution": true, "--prerelease": true,
	"--exclude-newer": true, "--index-strategy": true, "--python-platform": true, "--link-mode": true,
	"--only": true, "--without": true, "--package": true, "--dev-group": true, "-w": true, "--wheel-dir": true,
	"--build-option": true, "--root-user-action": true, "--use-feature": true, "--use-deprecated": true,
	// --with, --from and --spec name a package for uv, uvx and pipx (see
	// pkgOpts); elsewhere (poetry install --with GROUP) a value.
	"--with": true, "--from": true, "--spec": true,
}

// pkgOpts are options whose value is a package for the tools that run one
// (uv run --with X, uvx --from X, pipx run --spec X, npx -p X).
var pkgOpts = map[string]bool{"--with": true, "--from": true, "--spec": true}

// npmValueOpts are the options of npm, npx, yarn, pnpm and bun whose next
// word is a value, not a package.
var npmValueOpts = map[string]bool{
	"--registry": true, "--prefix": true, "-w": true, "--workspace": true, "--tag": true, "--cache": true,
	"--userconfig": true, "--globalconfig": true, "--omit": true, "--include": true, "--install-strategy": true,
	"--loglevel": true, "--before": true, "--otp": true, "--auth-type": true, "--scope": true, "-C": true,
	"--dir": true, "--filter": true, "-F": true, "--cwd": true, "--cache-folder": true, "--modules-folder": true,
	"--network-timeout": true, "--mutex": true, "--shell": true, "-c": true, "--call": true, "--backend": true,
	"--config": true, "--lockfile-dir": true, "--store-dir": true, "--virtual-store-dir": true, "--reporter": true,
	"-p": true, "--package": true,
}

// sourceOpts are the options kept in evidence because they change where a
// package comes from, with how their value is shown.
var sourceOpts = map[string]func(v string) string{
	"-r": fileValue, "--requirement": fileValue, "-c": hostOrFile, "--constraint": fileValue,
	"-i": hostValue, "--index-url": hostValue, "--extra-index-url": hostValue, "--index": hostOrName,
	"--default-index": hostValue, "-f": hostOrFile, "--find-links": hostOrFile, "--channel": hostOrFile,
	"--source": hostOrName, "--registry": hostValue,
}

// flagsKept are value-less options kept in evidence.
var flagsKept = map[string]bool{"-U": true, "--upgrade": true, "--pre": true, "--force-reinstall": true, "-I": true, "--ignore-installed": true}

// fileValue shows a requirements or constraints file name as written when
// it is a plain path, else the placeholder.
func fileValue(v string) string {
	if strings.Contains(v, "://") {
		return hostValue(v)
	}
	if plainRe.MatchString(v) {
		return v
	}
	return Ellipsis
}

// hostValue reduces a URL to scheme://host[:port]: userinfo, path (which
// may hold a token, as Gemfury's does) and query are dropped.
func hostValue(v string) string {
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

// hostOrFile: a URL as its host, a plain path as written (conda's -c
// channel, pip's -c constraints file, -f links).
func hostOrFile(v string) string {
	if strings.Contains(v, "://") {
		return hostValue(v)
	}
	return fileValue(v)
}

// hostOrName: a URL as its host, a plain name (an index or source name) as written.
func hostOrName(v string) string {
	if strings.Contains(v, "://") {
		return hostValue(v)
	}
	if n, u, ok := strings.Cut(v, "="); ok && strings.Contains(u, "://") { // uv --index name=URL
		if plainRe.MatchString(n) {
			return n + "=" + hostValue(u)
		}
		return Ellipsis
	}
	return fileValue(v)
}

// Base is the program name of a word (a path's last element, \ or /).
func Base(w Word) string {
	return path.Base(strings.ReplaceAll(w.Lit, `\`, "/"))
}

// IsLocalDir reports a project directory to install: ".", "./x", "x/" or
// "../x", optionally with extras (".[dev]").
func IsLocalDir(a string) bool {
	base, _, _ := strings.Cut(a, "[")
	if !(base == "." || strings.HasPrefix(base, "./") || strings.HasPrefix(base, "../") || strings.HasSuffix(base, "/")) || strings.HasSuffix(base, ".whl") {
		return false
	}
	rest := base
	for strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
		rest = rest[strings.Index(rest, "/")+1:]
	}
	return rest == "" || rest == "." || safePath.MatchString(rest)
}

// SafePath reports a project-relative path of a plain shape (no variable,
// no URL, no absolute path).
func SafePath(p string) bool { return safePath.MatchString(p) }

// npmInstallVerbs are npm's spellings of install and update.
var npmInstallVerbs = map[string]string{"install": "install", "i": "install", "in": "install", "ins": "install",
	"inst": "install", "insta": "install", "instal": "install", "isnt": "install", "isntall": "install",
	"add": "install", "update": "update", "up": "update", "upgrade": "update", "udpate": "update",
	"ci": "ci", "clean-install": "ci", "install-clean": "ci", "exec": "exec", "x": "exec"}

// Recognize reads one simple command (see Parse) as an install command:
// env assignments, keywords and wrappers (sudo -u USER, env, nice...) are
// skipped, then the installer and its subcommand decide how the remaining
// words are read. ok is false for anything else.
func Recognize(w []Word) (inv Invocation, ok bool) {
	inv.Keep = map[int]string{}
	i := 0
	for i < len(w) {
		b := Base(w[i])
		switch {
		case keywords[w[i].Lit]:
			i++
		case assignRe.MatchString(w[i].Lit):
			i++
		case wrappers[b] && !w[i].Dynamic:
			i++
			for i < len(w) && strings.HasPrefix(w[i].Lit, "-") {
				if (b == "sudo" || b == "doas") && (w[i].Lit == "-u" || w[i].Lit == "-g") && i+1 < len(w) {
					i++
				}
				i++
			}
		default:
			goto done
		}
	}
done:
	if i >= len(w) || w[i].Dynamic {
		return Invocation{}, false
	}
	exeName := Base(w[i])
	exe := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(exeName, ".exe"), ".cmd"))
	if exeName == "" || !plainRe.MatchString(exeName) {
		return Invocation{}, false
	}
	inv.Keep[i] = exeName
	i++
	fail := func() (Invocation, bool) { return Invocation{}, false }
	sub := func(names ...string) bool {
		if i >= len(w) {
			return false
		}
		for _, n := range names {
			if w[i].Lit == n {
				inv.Tool += " " + n
				inv.Keep[i] = n
				i++
				return true
			}
		}
		return false
	}
	// rest is set when the remaining words are files (uv pip sync) rather
	// than packages.
	files := false
	python := func(tool string) bool {
		inv.Tool, inv.Ecosystem = tool, PyPI
		switch tool {
		case "pip":
			return sub("install", "download", "wheel")
		case "uv":
			switch {
			case sub("pip"):
				if sub("sync") {
					files = true
					return true
				}
				return sub("install")
			case sub("tool"):
				return sub("install", "run", "upgrade")
			case sub("sync"):
				inv.Locks = []lockfile.Kind{lockfile.UVLock, lockfile.PyProject}
				return true
			}
			return sub("add", "run")
		case "uvx":
			inv.Runs = true
			return true
		case "pipx":
			if i < len(w) && w[i].Lit == "runpip" {
				if i+2 >= len(w) || w[i+2].Lit != "install" {
					return false
				}
				inv.Keep[i], inv.Keep[i+2] = "runpip", "install"
				i += 3
				inv.Tool = "pipx install"
				return true
			}
			return sub("install", "inject", "run", "upgrade")
		case "poetry":
			if sub("install", "sync") {
				inv.Locks = []lockfile.Kind{lockfile.PoetryLock, lockfile.PyProject}
				return true
			}
			return sub("add", "update")
		case "pdm":
			if sub("install", "sync") {
				inv.Locks = []lockfile.Kind{lockfile.PDMLock, lockfile.PyProject}
				return true
			}
			return sub("add")
		case "rye", "hatch":
			return sub("add")
		case "pipenv":
			if sub("sync") {
				inv.Locks = []lockfile.Kind{lockfile.PipfileLock, lockfile.Pipfile}
				return true
			}
			return sub("install", "update")
		case "conda", "mamba", "micromamba":
			inv.Conda = true
			return sub("install", "create", "update", "upgrade")
		}
		return false
	}
	switch {
	case pythonRe.MatchString(exe):
		// python -m pip install ... / python -m uv pip install ...
		for i < len(w) && strings.HasPrefix(w[i].Lit, "-") && w[i].Lit != "-m" {
			if w[i].Lit == "-X" || w[i].Lit == "-W" {
				i++ // option with a value
			}
			i++
		}
		if i+1 >= len(w) || w[i].Lit != "-m" {
			return fail()
		}
		inv.Keep[i] = "-m"
		mod := w[i+1].Lit
		inv.Keep[i+1] = mod
		i += 2
		inv.Module = true
		switch mod {
		case "pip", "pipx":
			if !python(mod) {
				return fail()
			}
		case "uv":
			inv.Tool, inv.Ecosystem = "uv", PyPI
			if !(sub("pip") && sub("install")) && !sub("add") {
				return fail()
			}
		default:
			return fail()
		}
	case pipRe.MatchString(exe):
		if !python("pip") {
			return fail()
		}
	case exe == "uv", exe == "uvx", exe == "poetry", exe == "pipx", exe == "pdm", exe == "rye", exe == "hatch",
		exe == "pipenv", exe == "conda", exe == "mamba", exe == "micromamba":
		if !python(exe) {
			return fail()
		}
	case exe == "npm":
		inv.Tool, inv.Ecosystem = "npm", NPM
		if i >= len(w) {
			return fail()
		}
		verb, known := npmInstallVerbs[w[i].Lit]
		if !known {
			return fail()
		}
		inv.Keep[i] = w[i].Lit
		inv.Tool += " " + verb
		i++
		inv.Runs = verb == "exec"
	case exe == "npx" || exe == "bunx" || exe == "pnpx":
		inv.Tool, inv.Ecosystem, inv.Runs = exe, NPM, true
	case exe == "yarn":
		inv.Tool, inv.Ecosystem = "yarn", NPM
		sub("global")
		switch {
		case sub("add", "up", "upgrade", "install"):
		case sub("dlx"):
			inv.Runs = true
		case i == len(w):
			inv.Tool += " install" // a bare "yarn" installs
		default:
			return fail()
		}
	case exe == "pnpm":
		inv.Tool, inv.Ecosystem = "pnpm", NPM
		switch {
		case sub("add", "install", "i", "update", "up", "upgrade"):
		case sub("dlx"):
			inv.Runs = true
		default:
			return fail()
		}
	case exe == "bun":
		inv.Tool, inv.Ecosystem = "bun", NPM
		switch {
		case sub("add", "a", "install", "i", "update"):
		case sub("x"):
			inv.Runs = true
		default:
			return fail()
		}
	default:
		return fail()
	}
	inv.Upgrade = strings.HasSuffix(inv.Tool, " upgrade") || strings.HasSuffix(inv.Tool, " update") ||
		strings.HasSuffix(inv.Tool, " up")
	if inv.Ecosystem == NPM {
		inv.readNPM(w, i)
	} else {
		inv.readPython(w, i, files)
	}
	if inv.Tool == "pipenv install" && len(inv.Args) == 0 {
		inv.Locks = []lockfile.Kind{lockfile.PipfileLock, lockfile.Pipfile} // installs the Pipfile's lock
	}
	return inv, true
}

// readPython reads the words after a Python installer's subcommand.
func (inv *Invocation) readPython(w []Word, i int, files bool) {
	tool := inv.Tool
	runs := tool == "uvx" || strings.HasSuffix(tool, " run")
	if runs {
		inv.Runs = true
	}
	// --with/--from/--spec name a package for the tools that run or
	// install apps; elsewhere (poetry install --with GROUP) they are values.
	pkgOpt := func(opt string) bool {
		return pkgOpts[opt] && (strings.HasPrefix(tool, "uv") || strings.HasPrefix(tool, "pipx"))
	}
	haveSpec := false
	for j := i; j < len(w); j++ {
		arg := w[j].Lit
		if flagsKept[arg] {
			inv.Keep[j] = arg
			if arg == "-U" || arg == "--upgrade" {
				inv.Upgrade = true
			}
			continue
		}
		if strings.HasPrefix(arg, "-") {
			opt, val, hasVal := strings.Cut(arg, "=")
			glued := false
			if !hasVal && len(opt) > 2 && opt[1] != '-' && sourceOpts[opt[:2]] != nil {
				opt, val, hasVal, glued = opt[:2], opt[2:], true, true // -rFILE, -iURL
			}
			next := func() (int, string, bool) {
				if hasVal {
					return j, val, !w[j].Dynamic
				}
				if j+1 < len(w) {
					return j + 1, w[j+1].Lit, !w[j+1].Dynamic
				}
				return 0, "", false
			}
			if show := sourceOpts[opt]; show != nil {
				switch {
				case hasVal && !w[j].Dynamic:
					sep := "="
					if glued {
						sep = ""
					}
					inv.Keep[j] = opt + sep + show(val)
				case !hasVal && j+1 < len(w):
					inv.Keep[j] = opt
					if !w[j+1].Dynamic {
						inv.Keep[j+1] = show(w[j+1].Lit)
					}
				}
			}
			switch {
			case (opt == "-r" || opt == "--requirement" || (opt == "-c" || opt == "--constraint") && !inv.Conda):
				if k, v, ok := next(); ok {
					inv.Args = append(inv.Args, Arg{Kind: File, Word: k, Opt: opt, Glued: hasVal, Value: v,
						Constraint: opt == "-c" || opt == "--constraint"})
				}
			case opt == "-e" || opt == "--editable":
				if k, v, ok := next(); ok && IsLocalDir(v) {
					inv.Args = append(inv.Args, Arg{Kind: Project, Word: k, Opt: opt, Glued: hasVal, Value: v})
				}
			case pkgOpt(opt):
				if opt == "--from" || opt == "--spec" {
					haveSpec = true
				}
				if !hasVal {
					inv.Keep[j] = opt
				}
				if k, v, ok := next(); ok {
					inv.Args = append(inv.Args, Arg{Kind: Package, Word: k, Opt: opt, Glued: hasVal, Value: v})
				}
			}
			if pythonValueOpts[opt] && !hasVal {
				j++
			}
			continue
		}
		if runs && haveSpec || tool == "uv run" {
			break // "uvx --from pkg cmd", "uv run CMD": the command and its arguments follow
		}
		if !w[j].Dynamic {
			switch {
			case files:
				inv.Args = append(inv.Args, Arg{Kind: File, Word: j, Value: arg})
			case IsLocalDir(arg):
				inv.Args = append(inv.Args, Arg{Kind: Project, Word: j, Value: arg})
			default:
				inv.Args = append(inv.Args, Arg{Kind: Package, Word: j, Value: arg})
			}
		}
		if runs {
			break // the rest are the tool's own arguments
		}
	}
}

// readNPM reads the words after an npm-family installer's subcommand.
func (inv *Invocation) readNPM(w []Word, i int) {
	havePkg := false
	for j := i; j < len(w); j++ {
		arg := w[j].Lit
		if arg == "--" {
			if inv.Runs {
				break
			}
			continue
		}
		if strings.HasPrefix(arg, "-") && len(arg) > 1 {
			opt, val, hasVal := strings.Cut(arg, "=")
			if show := sourceOpts[opt]; show != nil && opt == "--registry" {
				switch {
				case hasVal && !w[j].Dynamic:
					inv.Keep[j] = opt + "=" + show(val)
				case !hasVal && j+1 < len(w):
					inv.Keep[j] = opt
					if !w[j+1].Dynamic {
						inv.Keep[j+1] = show(w[j+1].Lit)
					}
				}
			}
			if inv.Runs && (opt == "-p" || opt == "--package") {
				// npx -p PKG CMD: the package to install; the command follows.
				havePkg = true
				if !hasVal {
					inv.Keep[j] = opt
				}
				k, v, ok := j, val, hasVal && !w[j].Dynamic
				if !hasVal && j+1 < len(w) {
					k, v, ok = j+1, w[j+1].Lit, !w[j+1].Dynamic
				}
				if ok {
					inv.Args = append(inv.Args, Arg{Kind: Package, Word: k, Opt: opt, Glued: hasVal, Value: v})
				}
			}
			if npmValueOpts[opt] && !hasVal && !(opt == "-w" && strings.HasPrefix(inv.Tool, "pnpm")) { // pnpm -w is --workspace-root
				j++
			}
			continue
		}
		if inv.Runs && havePkg {
			break // npx -p pkg cmd args
		}
		if !w[j].Dynamic {
			inv.Args = append(inv.Args, Arg{Kind: Package, Word: j, Value: arg})
		}
		if inv.Runs {
			break // npx pkg args: the rest are the package's own arguments
		}
	}
}

// Render shows a command with only its kept words; every other word is one
// Ellipsis (runs of them collapse): sweep.RenderKept, the one renderer.
func Render(w []Word, keep map[int]string) string { return sweep.RenderKept(len(w), keep) }

// SourceOptions lists the options whose value evidence shows (reduced: a
// URL to its scheme and host, a file name when plain), sorted.
func SourceOptions() []string {
	out := make([]string, 0, len(sourceOpts))
	for o := range sourceOpts {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

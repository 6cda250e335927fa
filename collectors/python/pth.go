package python

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ExecLines returns the lines of b that some model of site.py executes
// (ScanPth over an in-memory file).
func ExecLines(b []byte) []PthLine {
	var out []PthLine
	ScanPth(bytes.NewReader(b), int64(len(b)), false, func(l PthLine) { out = append(out, l) })
	return out
}

// splitLines is Python's str.splitlines().
func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, s[start:i])
			start = i + w
		case '\r':
			out = append(out, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				w = 2
			}
			start = i + w
		}
		i += w
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// IsBinary reports whether b is not a text file: it holds NUL bytes, or
// more than a tenth of it is not valid UTF-8 or is control characters.
func IsBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w == 1 || r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' && r != '\v' {
			bad++
		}
		i += w
	}
	return bad*10 > len(b)
}

// allowRule recognises one legitimate executed line by file name and exact
// content shape.
type allowRule struct {
	name  string         // what it is
	file  *regexp.Regexp // base name; nil = any name
	line  *regexp.Regexp // the whole executed line
	stmts bool           // line is ";"-separated statements each matching nspkgStmts
}

var allowRules = []allowRule{
	{name: "setuptools distutils-precedence.pth", file: regexp.MustCompile(`^distutils-precedence\.pth$`),
		line: regexp.MustCompile(`^import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os\.environ\.get\(var, '(?:local|stdlib)'\) == 'local'; enabled and __import__\('_distutils_hack'\)\.add_shim\(\);?$`)},
	{name: "virtualenv _virtualenv.pth", file: regexp.MustCompile(`^_virtualenv\.pth$`),
		line: regexp.MustCompile(`^import _virtualenv$`)},
	{name: "setuptools PEP 660 editable finder", file: regexp.MustCompile(`^__editable__\..+\.pth$`),
		line: regexp.MustCompile(`^import (__editable___[A-Za-z0-9_]+_finder); __editable___[A-Za-z0-9_]+_finder\.install\(\)$`)},
	{name: "coverage.py subprocess hook", line: regexp.MustCompile(`^import coverage; coverage\.process_startup\(\)$`)},
	{name: "pytest-cov subprocess hook", file: regexp.MustCompile(`^pytest-cov\.pth$`),
		line: regexp.MustCompile(`^(?:` + regexp.QuoteMeta(pytestCovPth) + `|` + regexp.QuoteMeta(pytestCovPthOld) + `)$`)},
	{name: "pywin32 bootstrap", file: regexp.MustCompile(`^pywin32\.pth$`), line: regexp.MustCompile(`^import pywin32_bootstrap$`)},
	{name: "setuptools easy-install.pth prologue", file: regexp.MustCompile(`^(easy-install|setuptools)\.pth$`),
		line: regexp.MustCompile(`^import sys; sys\.__plen = len\(sys\.path\)$`)},
	{name: "setuptools easy-install.pth epilogue", file: regexp.MustCompile(`^(easy-install|setuptools)\.pth$`),
		line: regexp.MustCompile(`^import sys; new = sys\.path\[sys\.__plen:\]; del sys\.path\[sys\.__plen:\]; p = getattr\(sys, '__egginsert', 0\); sys\.path\[p:p\] = new; sys\.__egginsert = p \+ len\(new\)$`)},
	{name: "setuptools namespace package (-nspkg.pth)", file: regexp.MustCompile(`-nspkg\.pth$`), stmts: true},
}

// pytestCovPth is the line pytest-cov (2.10 and later) installs as
// pytest-cov.pth; pytestCovPthOld is the one of earlier releases, which also
// reorders pkg_resources entry points (pytest-cov's src/pytest-cov.pth).
const (
	pytestCovPth    = `import os, sys;exec('if \'COV_CORE_SOURCE\' in os.environ:\n try:\n  from pytest_cov.embed import init\n  init()\n except Exception as exc:\n  sys.stderr.write(\n   "pytest-cov: Failed to setup subprocess coverage. "\n   "Environ: {0!r} "\n   "Exception: {1!r}\\n".format(\n    dict((k, v) for k, v in os.environ.items() if k.startswith(\'COV_CORE\')),\n    exc\n   )\n  )\n')`
	pytestCovPthOld = `import os, sys;exec('try:\n import pkg_resources\nexcept ImportError:\n pass\nelse:\n def reordered_iter_entry_points(group, name=None, __original=pkg_resources.iter_entry_points):\n  if group == \'pytest11\' and name is None:\n   delayed_entrypoints = []\n   for ep in __original(group):\n    if ep.name == \'pytest_cov\':\n     yield ep\n     for delayed_ep in delayed_entrypoints:\n      yield delayed_ep\n     delayed_entrypoints = None\n    elif delayed_entrypoints is None:\n     yield ep\n    else:\n     delayed_entrypoints.append(ep)\n  else:\n   for ep in __original(group, name):\n    yield ep\n pkg_resources.iter_entry_points = reordered_iter_entry_points\nif \'COV_CORE_SOURCE\' in os.environ:\n try:\n  from pytest_cov.embed import init\n  init()\n except Exception as exc:\n  sys.stderr.write(\n   "pytest-cov: Failed to setup subprocess coverage. "\n   "Environ: {0!r} "\n   "Exception: {1!r}\\n".format(\n    dict((k, v) for k, v in os.environ.items() if k.startswith(\'COV_CORE\')),\n    exc\n   )\n  )\n')`
)

// nspkgStmts are the statements setuptools writes into *-nspkg.pth files
// (install_lib's namespace installer, old and PEP 451 forms), with the
// namespace names as the only variable part.
var nspkgStmts = func() []*regexp.Regexp {
	const ns = `'[A-Za-z_][A-Za-z0-9_.]*'`
	pats := []string{
		`import sys, types, os`,
		`has_mfs = sys\.version_info > \(3, 5\)`,
		`p = os\.path\.join\(sys\._getframe\(1\)\.f_locals\['sitedir'\], \*\((?:` + ns + `,\s*)*` + ns + `,?\)\)`,
		`ie = os\.path\.exists\(os\.path\.join\(p,\s?'__init__\.py'\)\)`,
		`importlib = has_mfs and __import__\('importlib\.util'\)`,
		`has_mfs and __import__\('importlib\.machinery'\)`,
		`m = has_mfs and sys\.modules\.setdefault\(` + ns + `, importlib\.util\.module_from_spec\(importlib\.machinery\.PathFinder\.find_spec\(` + ns + `, \[os\.path\.dirname\(p\)\]\)\)\)`,
		`m = m or sys\.modules\.setdefault\(` + ns + `, types\.ModuleType\(` + ns + `\)\)`,
		`m = not ie and sys\.modules\.setdefault\(` + ns + `, types\.ModuleType\(` + ns + `\)\)`,
		`mp = \(m or \[\]\) and m\.__dict__\.setdefault\('__path__',\s?\[\]\)`,
		`\(p not in mp\) and mp\.append\(p\)`,
		`m and setattr\(sys\.modules\[` + ns + `\], ` + ns + `, m\)`,
	}
	out := make([]*regexp.Regexp, len(pats))
	for i, p := range pats {
		out[i] = regexp.MustCompile(`^` + p + `$`)
	}
	return out
}()

// Allowed returns what a legitimate executed line is ("" when the line is
// not recognised). Recognition is by file name and exact content shape: a
// look-alike line with one extra statement is not recognised.
func Allowed(base, line string) string {
	for _, r := range allowRules {
		if r.file != nil && !r.file.MatchString(base) {
			continue
		}
		if r.stmts {
			if matchStatements(line, nspkgStmts) {
				return r.name
			}
			continue
		}
		if r.line.MatchString(line) {
			return r.name
		}
	}
	return ""
}

func matchStatements(line string, pats []*regexp.Regexp) bool {
	n := 0
	for _, st := range strings.Split(line, ";") {
		st = strings.TrimSpace(st)
		if st == "" {
			continue
		}
		ok := false
		for _, p := range pats {
			if p.MatchString(st) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
		n++
	}
	return n > 0
}

var (
	execRe   = regexp.MustCompile(`\b(?:exec|eval|compile)\s*\(`)
	decodeRe = regexp.MustCompile(`b64decode|b32decode|b16decode|a85decode|b85decode|\bbase64\b|codecs\.decode|\bzlib\b|\blzma\b|\bbz2\b|decompress|marshal\.loads|bytes\.fromhex|unhexlify|rot_?13`)
	spawnRe  = regexp.MustCompile(`\bsubprocess\b|Popen|os\.system|os\.popen|os\.exec[lv]p?e?\b|os\.spawn|os\.posix_spawn|pty\.spawn|os\.fork\b`)
	netRe    = regexp.MustCompile(`urllib|urlopen|http\.client|\bsocket\b|requests\.(?:get|post)|\bcurl\b|\bwget\b`)
)

// Suspicion lists why an executed line that is not recognised looks
// malicious: it decodes and executes code, spawns a process, or reaches the
// network. Campaign strings are matched separately (Matcher.Strings).
func Suspicion(line string) []string {
	var why []string
	if execRe.MatchString(line) && decodeRe.MatchString(line) {
		why = append(why, "decodes and executes code")
	}
	if spawnRe.MatchString(line) {
		why = append(why, "spawns a process")
	}
	if netRe.MatchString(line) {
		why = append(why, "reaches the network")
	}
	return why
}

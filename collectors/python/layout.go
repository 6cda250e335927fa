package python

import (
	"path"
	"regexp"
	"strings"
)

// IsSiteDir reports whether p (an absolute slash path) is a site directory:
// a directory named site-packages or dist-packages (every POSIX, Windows,
// Debian, framework and user-site layout ends so), or a PEP 582
// __pypackages__/X.Y/lib directory.
func IsSiteDir(p string) bool {
	switch path.Base(p) {
	case "site-packages", "dist-packages":
		return true
	case "lib":
		d := path.Dir(p)
		return pyVerRe.MatchString(path.Base(d)) && path.Base(path.Dir(d)) == "__pypackages__"
	}
	return false
}

var (
	pyVerRe   = regexp.MustCompile(`^\d+\.\d+t?$`)
	libPyRe   = regexp.MustCompile(`^python(\d+(?:\.\d+)?)t?$`) // python3.11, python3.13t, python3 (Debian)
	winUserRe = regexp.MustCompile(`^Python(\d)(\d+)t?$`)       // %APPDATA%\Python\Python311
)

// Layout is what a site directory's path says about its environment.
type Layout struct {
	// Root is the environment's prefix (the directory holding pyvenv.cfg,
	// conda-meta, bin/ or Scripts/).
	Root string
	// Kind is the environment manager or layout.
	Kind string
	// Version is the Python "X.Y" the path names, if any.
	Version string
}

// CondaPackageCache is the Kind of a site directory inside an extracted
// conda package of a package cache (pkgs/): a cache entry, reported by the
// cache collector, not an installed environment.
const CondaPackageCache = "conda-package-cache"

// SiteLayout derives the environment root, kind and Python version of a
// site directory from its path alone. Markers seen during the walk
// (pyvenv.cfg, conda-meta/history) refine Kind later.
func SiteLayout(site string) Layout {
	parent := path.Dir(site)
	var l Layout
	switch {
	case path.Base(site) == "lib" && path.Base(path.Dir(parent)) == "__pypackages__":
		// <project>/__pypackages__/X.Y/lib
		l = Layout{Root: path.Dir(path.Dir(parent)), Kind: "pep582", Version: strings.TrimSuffix(path.Base(parent), "t")}
	case libPyRe.MatchString(path.Base(parent)) && (path.Base(path.Dir(parent)) == "lib" || path.Base(path.Dir(parent)) == "lib64"):
		// <prefix>/lib/pythonX.Y/site-packages, <prefix>/lib64/..., /usr/lib/python3/dist-packages
		l = Layout{Root: path.Dir(path.Dir(parent)), Version: libPyRe.FindStringSubmatch(path.Base(parent))[1]}
	case path.Base(parent) == "python" && path.Base(path.Dir(parent)) == "lib":
		// macOS framework user site: ~/Library/Python/X.Y/lib/python/site-packages
		root := path.Dir(path.Dir(parent))
		l = Layout{Root: root}
		if pyVerRe.MatchString(path.Base(root)) {
			l.Version = strings.TrimSuffix(path.Base(root), "t")
		}
	case path.Base(parent) == "Lib":
		// Windows: <prefix>\Lib\site-packages
		l = Layout{Root: path.Dir(parent)}
	case winUserRe.MatchString(path.Base(parent)):
		// Windows user site: %APPDATA%\Python\Python311\site-packages
		m := winUserRe.FindStringSubmatch(path.Base(parent))
		l = Layout{Root: parent, Version: m[1] + "." + m[2]}
	default:
		l = Layout{Root: parent}
	}
	l.Kind = kindOf(l.Root, site, l.Kind)
	return l
}

// kindOf classifies an environment root by the managers' default layouts
// (shared/formats.md §1.1-1.2). Manager layouts win over generic ones; a
// pyvenv.cfg or conda-meta/history seen later refines "site" and "system".
func kindOf(root, site, kind string) string {
	if kind != "" {
		return kind
	}
	r := root + "/"
	has := func(s string) bool { return strings.Contains(r, s) }
	switch {
	case has("/pipx/venvs/"), has("/pipx/shared/"), has("/.local/pipx/"):
		return "pipx"
	case has("/uv/tools/"):
		return "uv-tool"
	case has("/uv/python/"):
		return "uv-python"
	case has("/environments-v") || has("/builds-v") || has("/archive-v"):
		return "uv-cache"
	case has("/pypoetry/virtualenvs/"), has("/pypoetry/Cache/virtualenvs/"):
		return "poetry"
	case has("/pdm/venvs/"):
		return "pdm"
	case has("/hatch/env/virtual/"), has("/.hatch/"):
		return "hatch"
	case has("/.local/share/virtualenvs/"):
		return "pipenv"
	case has("/.pyenv/versions/") && has("/envs/"):
		return "pyenv-virtualenv"
	case has("/.pyenv/versions/"), has("/pyenv-win/versions/"):
		return "pyenv"
	case path.Base(path.Dir(root)) == "pkgs" && strings.Count(path.Base(root), "-") >= 2:
		// conda package cache: <conda>/pkgs/<name>-<ver>-<build>/site-packages
		// (noarch python) or .../lib/pythonX.Y/site-packages: extracted
		// packages, not an environment (conda-meta/*.json and the
		// environment's own site directory say what is installed)
		return CondaPackageCache
	case has("/Python.framework/Versions/"), has("/Python3.framework/Versions/"):
		return "framework"
	case has("/Cellar/python"), strings.HasPrefix(r, "/opt/homebrew/"), strings.HasPrefix(r, "/home/linuxbrew/.linuxbrew/"):
		return "homebrew"
	case strings.HasSuffix(r, "/.local/"), has("/Library/Python/"), has("/AppData/Roaming/Python/"), has("/LocalCache/local-packages/"):
		return "user-site"
	case r == "/usr/", r == "/usr/local/", r == "/":
		return "system"
	case has("/Program Files/Python"), has("/AppData/Local/Programs/Python/"), has("/WindowsApps/PythonSoftwareFoundation"):
		return "system"
	case has("/.virtualenvs/"), has("/.venvs/"), has("/Envs/"):
		return "venv"
	}
	return "site"
}

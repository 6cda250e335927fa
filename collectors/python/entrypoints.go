package python

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// Entry-point scripts are the one kind of installed file that legitimate
// tools rewrite after pip wrote RECORD: relocating a venv (Docker
// multi-stage builds copying a venv and rewriting shebangs with sed,
// virtualenv-clone), conda's prefix replacement and pip's own launcher for
// long paths all change the interpreter line of bin/<script> (or the
// shebang inside Scripts\<script>.exe) and nothing else. A mismatch is
// judged relocated only when the script is a console or GUI script the
// distribution's own entry_points.txt names, its interpreter line names a
// Python interpreter, and everything after it is the standard launcher
// body (pip/distlib, uv, conda) importing exactly that entry point. Any
// other line, another entry point, or a body that is not the template is
// tampering and stays high.

// entryPoint is one console_scripts / gui_scripts line.
type entryPoint struct {
	module, attr string // "litellm", "run_server" or "obj.method"
}

// parseEntryPoints reads entry_points.txt (INI) and returns the console
// and GUI scripts by name.
func parseEntryPoints(b []byte) map[string]entryPoint {
	out := map[string]entryPoint{}
	section := ""
	for _, l := range splitLines(string(b)) {
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";"):
			continue
		case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
			section = strings.TrimSpace(t[1 : len(t)-1])
			continue
		}
		if section != "console_scripts" && section != "gui_scripts" {
			continue
		}
		name, ref, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		ref, _, _ = strings.Cut(ref, "[") // extras
		mod, attr, ok := strings.Cut(strings.TrimSpace(ref), ":")
		if !ok {
			continue
		}
		out[strings.TrimSpace(name)] = entryPoint{module: strings.TrimSpace(mod), attr: strings.TrimSpace(attr)}
	}
	return out
}

// scriptName maps an installed script path to its entry point name:
// bin/litellm, Scripts/litellm.exe, Scripts/litellm-script.py(w).
func scriptName(p string) string {
	b := path.Base(p)
	for _, s := range []string{"-script.pyw", "-script.py", ".exe"} {
		if n, ok := strings.CutSuffix(b, s); ok {
			return n
		}
	}
	return b
}

// isScriptPath reports whether a RECORD row's resolved path is in the
// environment's script directory (bin/ or Scripts/), outside site.
func isScriptPath(site, p string) bool {
	if strings.HasPrefix(p, site+"/") {
		return false
	}
	switch path.Base(path.Dir(p)) {
	case "bin", "Scripts":
		return true
	}
	return false
}

var (
	shebangRe = regexp.MustCompile(`^#!\s*(\S*python[0-9.]*(?:\.exe)?"?|"[^"]*python[0-9.]*(?:\.exe)?"|/usr/bin/env python[0-9.]*)(?:\s+-[A-Za-z]+)?\s*$`)
	// pip's trampoline for interpreter paths longer than the kernel's
	// shebang limit or with spaces: #!/bin/sh, then '''exec' "PY" "$0" "$@"
	// and ' '''.
	shExecRe = regexp.MustCompile(`^'''exec' "?[^"]*python[0-9.]*"? "\$0" "\$@"$`)
	fromRe   = regexp.MustCompile(`^from ([A-Za-z_][\w.]*) import ([A-Za-z_]\w*)$`)
	exitRe   = regexp.MustCompile(`^\s+sys\.exit\(([A-Za-z_][\w.]*)\(\)\)$`)
	// The other lines of the launcher bodies pip (distlib), uv, installer
	// and conda write.
	bodyLines = []*regexp.Regexp{
		regexp.MustCompile(`^# -\*- coding: utf-8 -\*-$`),
		regexp.MustCompile(`^import re$`),
		regexp.MustCompile(`^import sys$`),
		regexp.MustCompile(`^if __name__ == ['"]__main__['"]:$`),
		regexp.MustCompile(`^\s+sys\.argv\[0\] = re\.sub\(r['"]\(-script\\\.pyw\??\|\\\.exe\)\?\$['"], ['"]['"], sys\.argv\[0\]\)$`),
		regexp.MustCompile(`^\s+if sys\.argv\[0\]\.endswith\(['"]-script\.pyw['"]\):$`),
		regexp.MustCompile(`^\s+sys\.argv\[0\] = sys\.argv\[0\]\[:-11\]$`),
		regexp.MustCompile(`^\s+elif sys\.argv\[0\]\.endswith\(['"]\.exe['"]\):$`),
		regexp.MustCompile(`^\s+sys\.argv\[0\] = sys\.argv\[0\]\[:-4\]$`),
	}
)

// splitInterpreter splits a script into its interpreter lines (the
// shebang, or pip's /bin/sh trampoline) and the body. ok is false when the
// script does not start with a Python interpreter line.
func splitInterpreter(b []byte) (interp string, body []byte, ok bool) {
	line := func(b []byte) (string, []byte) {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return string(b), nil
		}
		return string(b[:i]), b[i+1:]
	}
	first, rest := line(b)
	first = strings.TrimSuffix(first, "\r")
	if strings.TrimSpace(first) == "#!/bin/sh" {
		second, rest2 := line(rest)
		third, rest3 := line(rest2)
		if shExecRe.MatchString(strings.TrimSuffix(second, "\r")) && strings.TrimSuffix(third, "\r") == "' '''" {
			interp := strings.TrimPrefix(strings.TrimSuffix(second, "\r"), "'''exec' ")
			interp, _, _ = strings.Cut(interp, ` "$0"`)
			return strings.Trim(interp, `"`), rest3, true
		}
		return "", nil, false
	}
	m := shebangRe.FindStringSubmatch(first)
	if m == nil {
		return "", nil, false
	}
	return strings.Trim(m[1], `"`), rest, true
}

// launcherBody reports whether body is a standard launcher running ep.
func launcherBody(body []byte, ep entryPoint) bool {
	obj, _, _ := strings.Cut(ep.attr, ".")
	from, exit := false, false
	for _, l := range splitLines(string(body)) {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if m := fromRe.FindStringSubmatch(l); m != nil {
			if from || m[1] != ep.module || m[2] != obj {
				return false
			}
			from = true
			continue
		}
		if m := exitRe.FindStringSubmatch(l); m != nil {
			if exit || m[1] != ep.attr {
				return false
			}
			exit = true
			continue
		}
		known := false
		for _, re := range bodyLines {
			if re.MatchString(l) {
				known = true
				break
			}
		}
		if !known {
			return false
		}
	}
	return from && exit
}

// relocatedScript judges one mismatching script. b is the script as read
// (at most maxScript bytes); recSize is RECORD's size (-1 when none).
// It returns how the script differs when only its interpreter line does.
func relocatedScript(rowPath string, b []byte, recSize int64, eps map[string]entryPoint) (string, bool) {
	name := scriptName(rowPath)
	ep, ok := eps[name]
	if !ok {
		return "", false
	}
	if strings.HasSuffix(rowPath, ".exe") {
		return relocatedLauncher(rowPath, b, recSize, ep)
	}
	interp, body, ok := splitInterpreter(b)
	if !ok || !launcherBody(body, ep) {
		return "", false
	}
	how := fmt.Sprintf("%s: only the interpreter line differs (now %s); the rest is the standard launcher of %s:%s", rowPath, truncate(interp, 120), ep.module, ep.attr)
	if recSize >= 0 {
		old := recSize - int64(len(body))
		if old < int64(len("#!x\n")) {
			return "", false // RECORD's file was too short to hold an interpreter line and this body
		}
		how += fmt.Sprintf("; size %d, RECORD %d: an interpreter line of %d bytes became %d", len(b), recSize, old, len(b)-len(body))
	}
	return how, true
}

// relocatedLauncher judges a Windows launcher (Scripts\<name>.exe): a
// launcher stub, a shebang line, and a zip whose __main__.py is the
// standard launcher body. Relocation rewrites the shebang only.
func relocatedLauncher(rowPath string, b []byte, recSize int64, ep entryPoint) (string, bool) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", false
	}
	var mainPy []byte
	for _, f := range zr.File {
		if f.Name != "__main__.py" {
			return "", false // the launcher's archive holds only __main__.py
		}
		r, err := f.Open()
		if err != nil {
			return "", false
		}
		mainPy, err = io.ReadAll(io.LimitReader(r, maxSmallFile))
		r.Close()
		if err != nil {
			return "", false
		}
	}
	if mainPy == nil || !launcherBody(mainPy, ep) {
		return "", false
	}
	// The shebang sits right before the archive's first local header.
	start := bytes.Index(b, []byte("PK\x03\x04"))
	sb := bytes.LastIndex(b[:max(start, 0)], []byte("#!"))
	if start < 0 || sb < 0 {
		return "", false
	}
	line := strings.TrimRight(string(b[sb:start]), "\r\n")
	if strings.ContainsAny(line, "\r\n") || !shebangRe.MatchString(line) {
		return "", false
	}
	how := fmt.Sprintf("%s: Windows launcher whose embedded interpreter line differs (now %s); its __main__.py is the standard launcher of %s:%s",
		rowPath, truncate(strings.TrimPrefix(line, "#!"), 120), ep.module, ep.attr)
	if recSize >= 0 {
		how += fmt.Sprintf("; size %d, RECORD %d", len(b), recSize)
	}
	return how, true
}

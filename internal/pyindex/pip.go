package pyindex

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
)

// Python is the machine's python3 with venv and pip, used only to create
// fixtures in temporary directories.
type Python struct {
	// Exe is the interpreter used to create venvs and run pip.
	Exe string
	// Version is "X.Y".
	Version string
}

// FindPython looks for a python3 that has venv and a pip supporting
// --python (pip >= 22.3).
func FindPython(ctx context.Context) (*Python, error) {
	exe, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("python3 not found on PATH: %w", err)
	}
	out, err := run(ctx, nil, exe, "-c", "import venv, sys; print('%d.%d' % sys.version_info[:2])")
	if err != nil {
		return nil, fmt.Errorf("python3 has no venv module: %w", err)
	}
	p := &Python{Exe: exe, Version: strings.TrimSpace(out)}
	if out, err := run(ctx, nil, exe, "-m", "pip", "--version"); err != nil {
		return nil, fmt.Errorf("python3 has no pip: %w", err)
	} else if f := strings.Fields(out); len(f) < 2 || !pipAtLeast(f[1], 22, 3) {
		return nil, fmt.Errorf("pip is too old for --python (need 22.3): %s", strings.TrimSpace(out))
	}
	return p, nil
}

func pipAtLeast(v string, major, minor int) bool {
	var a, b int
	fmt.Sscanf(v, "%d.%d", &a, &b)
	return a > major || (a == major && b >= minor)
}

// RequirePython returns the machine's python or skips the test; under
// CI=true a missing prerequisite fails the test instead.
func RequirePython(t testing.TB) *Python {
	t.Helper()
	if runtime.GOOS == "windows" {
		skipOrFail(t, "real-pip fixtures need a POSIX venv layout")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a guard against a hang, not a speed test: a loaded 2-core CI machine once took over a minute
	defer cancel()
	p, err := FindPython(ctx)
	if err != nil {
		skipOrFail(t, err.Error())
	}
	return p
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	testenv.SkipOrFail(t, reason)
}

// VenvPython is the interpreter path of a POSIX venv.
func VenvPython(dir string) string { return filepath.Join(dir, "bin", "python") }

// SitePackages is the venv's site-packages for this python.
func (p *Python) SitePackages(venv string) string {
	return filepath.Join(venv, "lib", "python"+p.Version, "site-packages")
}

// Venv creates a venv at dir with the real `python3 -m venv` (without
// ensurepip; Install runs the machine's pip against it).
func (p *Python) Venv(ctx context.Context, dir string) error {
	if _, err := run(ctx, nil, p.Exe, "-m", "venv", "--without-pip", dir); err != nil {
		return fmt.Errorf("python3 -m venv %s: %w", dir, err)
	}
	return nil
}

// InstallOptions configure a pip install.
type InstallOptions struct {
	// Index is the simple index URL (Index.URL()).
	Index string
	// CacheDir is the private PIP_CACHE_DIR; empty means --no-cache-dir.
	CacheDir string
	// NoCompile passes --no-compile (no __pycache__ written at install).
	NoCompile bool
	// NoDeps passes --no-deps.
	NoDeps bool
	// Args are extra pip arguments.
	Args []string
}

// Install runs the real pip install of reqs into the venv at venv.
func (p *Python) Install(ctx context.Context, venv string, o InstallOptions, reqs ...string) (string, error) {
	args := []string{"-m", "pip", "--python", VenvPython(venv), "install",
		"--disable-pip-version-check", "--no-input", "--trusted-host", "127.0.0.1"}
	if o.Index != "" {
		args = append(args, "--index-url", o.Index)
	}
	if o.CacheDir == "" {
		args = append(args, "--no-cache-dir")
	}
	if o.NoCompile {
		args = append(args, "--no-compile")
	}
	if o.NoDeps {
		args = append(args, "--no-deps")
	}
	args = append(args, o.Args...)
	args = append(args, reqs...)
	out, err := run(ctx, pipEnv(o.CacheDir), p.Exe, args...)
	if err != nil {
		return out, fmt.Errorf("pip install %s: %w", strings.Join(reqs, " "), err)
	}
	return out, nil
}

// Uninstall runs the real pip uninstall -y of names from the venv.
func (p *Python) Uninstall(ctx context.Context, venv string, names ...string) (string, error) {
	args := append([]string{"-m", "pip", "--python", VenvPython(venv), "uninstall", "-y", "--disable-pip-version-check"}, names...)
	out, err := run(ctx, pipEnv(""), p.Exe, args...)
	if err != nil {
		return out, fmt.Errorf("pip uninstall %s: %w", strings.Join(names, " "), err)
	}
	return out, nil
}

// pipEnv is a clean environment for pip: no user configuration, no index
// settings from the developer's shell, and a private cache. An inherited
// PYTHONDONTWRITEBYTECODE is dropped so fixtures get real bytecode.
func pipEnv(cache string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PIP_") || k == "PYTHONPATH" || k == "PYTHONHOME" || k == "VIRTUAL_ENV" || k == "PYTHONDONTWRITEBYTECODE" ||
			k == "HTTP_PROXY" || k == "HTTPS_PROXY" || k == "http_proxy" || k == "https_proxy" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1", "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
	if cache != "" {
		env = append(env, "PIP_CACHE_DIR="+cache)
	}
	return env
}

// run executes a command and returns its combined output; a failure
// carries the output.
func run(ctx context.Context, env []string, exe string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	if env != nil {
		cmd.Env = env
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return buf.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(exe), strings.Join(args, " "), err, buf.String())
	}
	return buf.String(), nil
}

// RunPython runs the venv's interpreter with args (fixture creation only,
// e.g. importing a benign fixture module so Python writes its __pycache__).
func (p *Python) RunPython(ctx context.Context, venv string, args ...string) (string, error) {
	return run(ctx, pipEnv(""), VenvPython(venv), args...)
}

// Download runs the real `pip download --no-deps` of reqs into dest from
// index and returns the file names pip wrote. o.Args are extra pip arguments.
func (p *Python) Download(ctx context.Context, dest string, o InstallOptions, reqs ...string) ([]string, error) {
	args := []string{"-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
		"--trusted-host", "127.0.0.1", "--dest", dest, "--only-binary", ":all:"}
	if o.Index != "" {
		args = append(args, "--index-url", o.Index)
	}
	args = append(args, o.Args...)
	args = append(args, reqs...)
	if out, err := run(ctx, pipEnv(""), p.Exe, args...); err != nil {
		return nil, fmt.Errorf("pip download %s: %w", strings.Join(reqs, " "), err)
	} else {
		_ = out
	}
	ents, err := os.ReadDir(dest)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, nil
}

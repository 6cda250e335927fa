// Package npmreg is a loopback npm registry for tests: an httptest server
// speaking the registry's packument and tarball API (GET /<name> with the
// abbreviated or full packument, GET /<name>/-/<base>-<version>.tgz), and
// a runner for the real npm client against it, so tests see the
// node_modules trees, lockfiles and _cacache entries npm itself writes.
package npmreg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/litesweep/litesweep/internal/testenv"
)

// Package is one published version.
type Package struct {
	Name, Version string
	// Dependencies are name → range, as package.json writes them.
	Dependencies map[string]string
	// Files are extra files in the tarball (path below package/ → content).
	Files map[string]string
}

// Tarball builds the package's .tgz (every entry below "package/").
func (p Package) Tarball() ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	manifest := map[string]any{"name": p.Name, "version": p.Version, "description": "test fixture", "license": "MIT"}
	if len(p.Dependencies) > 0 {
		manifest["dependencies"] = p.Dependencies
	}
	pj, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	files := map[string]string{"package.json": string(pj), "index.js": "module.exports = {};\n"}
	for k, v := range p.Files {
		files[k] = v
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := []byte(files[n])
		hdr := &tar.Header{Name: "package/" + n, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(499162500, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TarballBase is the file name of a version's tarball ("name-1.2.3.tgz",
// without the scope).
func TarballBase(name, version string) string { return path.Base(name) + "-" + version + ".tgz" }

// Registry is the loopback registry.
type Registry struct {
	srv *httptest.Server

	mu         sync.Mutex
	pkgs       map[string]map[string]Package // name → version → package
	tgz        map[string][]byte             // URL path → tarball
	log        []string
	authed     []string                     // paths requested with an Authorization header
	deprecated map[string]string            // name@version → message
	tags       map[string]map[string]string // name → tag → version (set by Tag)
	status     map[string]int               // path → status to answer
	body       map[string][]byte            // path → body to answer (status 200)
	user, pass string                       // basic auth required when user != ""
	token      string                       // Bearer token required when != ""
	auths      []Request
	abbrev     bool
}

// New starts a registry serving pkgs, closed when the test ends.
func New(t testing.TB, pkgs ...Package) *Registry {
	t.Helper()
	r := &Registry{pkgs: map[string]map[string]Package{}, tgz: map[string][]byte{}, deprecated: map[string]string{},
		tags: map[string]map[string]string{}, status: map[string]int{}, body: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	for _, p := range pkgs {
		if err := r.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// URL is the registry's base URL (with a trailing slash, as npm writes it).
func (r *Registry) URL() string { return r.srv.URL + "/" }

// Log returns the request paths served so far.
func (r *Registry) Log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// Authorized returns the request paths that carried an Authorization
// header.
func (r *Registry) Authorized() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.authed...)
}

// Deprecate marks a version deprecated with a message (npm deprecate).
func (r *Registry) Deprecate(name, version, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deprecated[name+"@"+version] = msg
}

// Tag points a dist-tag at a version (npm dist-tag add); a "latest" set
// here replaces the computed one.
func (r *Registry) Tag(name, tag, version string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tags[name] == nil {
		r.tags[name] = map[string]string{}
	}
	r.tags[name][tag] = version
}

// Answer makes the registry answer a request path (unescaped, as Log
// records it) with this status, and with body when status is 200.
func (r *Registry) Answer(p string, status int, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[p] = status
	if body != nil {
		r.body[p] = body
	}
}

// RequireAuth makes every request need HTTP basic auth with these
// credentials (401 otherwise), as a private registry does.
func (r *Registry) RequireAuth(user, pass string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.user, r.pass = user, pass
}

// RequireToken makes every request need "Authorization: Bearer <token>"
// (401 otherwise), as npm's registry and GitHub Packages answer.
func (r *Registry) RequireToken(token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.token = token
}

// Request is one request's path and Authorization header.
type Request struct{ Path, Authorization string }

// Requests returns every request served so far with its Authorization
// header ("" when none).
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.auths...)
}

// Abbreviate makes the registry answer a request that accepts
// application/vnd.npm.install-v1+json with the abbreviated packument, as
// registry.npmjs.org does (no time, a modified field, that media type).
func (r *Registry) Abbreviate(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.abbrev = on
}

// Add publishes a version.
func (r *Registry) Add(p Package) error {
	b, err := p.Tarball()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pkgs[p.Name] == nil {
		r.pkgs[p.Name] = map[string]Package{}
	}
	r.pkgs[p.Name][p.Version] = p
	r.tgz[r.tarballPath(p.Name, p.Version)] = b
	return nil
}

func (r *Registry) tarballPath(name, version string) string {
	return "/" + name + "/-/" + TarballBase(name, version)
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	p, err := url.PathUnescape(req.URL.EscapedPath())
	if err != nil {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.log = append(r.log, p)
	if req.Header.Get("Authorization") != "" {
		r.authed = append(r.authed, p)
	}
	r.auths = append(r.auths, Request{Path: p, Authorization: req.Header.Get("Authorization")})
	if r.token != "" && req.Header.Get("Authorization") != "Bearer "+r.token {
		r.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer realm="registry"`)
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if r.user != "" {
		if u, pw, ok := req.BasicAuth(); !ok || u != r.user || pw != r.pass {
			r.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
	}
	if st, ok := r.status[p]; ok {
		b := r.body[p]
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		w.Write(b)
		return
	}
	if b, ok := r.tgz[p]; ok {
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
		return
	}
	name := strings.TrimPrefix(p, "/")
	versions, ok := r.pkgs[name]
	if !ok {
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"Not found"}`))
		return
	}
	doc := r.packument(name, versions)
	ct := "application/json"
	if r.abbrev && strings.Contains(req.Header.Get("Accept"), "application/vnd.npm.install-v1+json") {
		ct = "application/vnd.npm.install-v1+json"
		doc["modified"] = "2026-03-24T10:39:00.000Z"
		delete(doc, "time")
	}
	r.mu.Unlock()
	w.Header().Set("Content-Type", ct)
	json.NewEncoder(w).Encode(doc)
}

// packument is the full document (npm also accepts it when it asked for
// the abbreviated form). latest is the highest version without a
// pre-release.
func (r *Registry) packument(name string, versions map[string]Package) map[string]any {
	vs := map[string]any{}
	times := map[string]string{}
	latest := ""
	var keys []string
	for v := range versions {
		keys = append(keys, v)
	}
	sort.Strings(keys)
	for _, v := range keys {
		p := versions[v]
		b := r.tgz[r.tarballPath(name, v)]
		s1 := sha1.Sum(b)
		s512 := sha512.Sum512(b)
		m := map[string]any{"name": name, "version": v, "dist": map[string]any{
			"tarball":   r.srv.URL + r.tarballPath(name, v),
			"shasum":    hex.EncodeToString(s1[:]),
			"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
		}}
		if len(p.Dependencies) > 0 {
			m["dependencies"] = p.Dependencies
		}
		if msg, ok := r.deprecated[name+"@"+v]; ok {
			m["deprecated"] = msg
		}
		vs[v] = m
		times[v] = "2026-03-24T10:39:00.000Z"
		if !strings.Contains(v, "-") && (latest == "" || newer(v, latest)) {
			latest = v
		}
	}
	doc := map[string]any{"name": name, "versions": vs, "time": times}
	tags := map[string]string{}
	if latest != "" {
		tags["latest"] = latest
	}
	for t, v := range r.tags[name] {
		tags[t] = v
	}
	if len(tags) > 0 {
		doc["dist-tags"] = tags
	}
	return doc
}

// newer compares plain x.y.z versions numerically (fixtures only).
func newer(a, b string) bool {
	var x, y [3]int
	fmt.Sscanf(a, "%d.%d.%d", &x[0], &x[1], &x[2])
	fmt.Sscanf(b, "%d.%d.%d", &y[0], &y[1], &y[2])
	for i := range x {
		if x[i] != y[i] {
			return x[i] > y[i]
		}
	}
	return false
}

// NPM runs the real npm client against a registry, with its cache, config
// and home inside the test's directories.
type NPM struct {
	Exe   string
	Home  string // HOME and the user config's directory
	Cache string // --cache: npm writes _cacache below it
	// Env is extra environment (variables an .npmrc's ${VAR} names).
	Env []string
	reg *Registry
}

// RequireNPM finds npm (and node), failing under CI and skipping elsewhere.
func RequireNPM(t testing.TB, r *Registry) *NPM {
	t.Helper()
	testenv.LookPath(t, "node", "npm runs on node")
	exe := testenv.LookPath(t, "npm", "real npm writes node_modules, lockfiles and _cacache")
	home := t.TempDir()
	return &NPM{Exe: exe, Home: home, Cache: filepath.Join(home, ".npm"), reg: r}
}

// Run runs npm with args in dir against the registry.
func (n *NPM) Run(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	all := append([]string{"--registry", n.reg.URL(), "--cache", n.Cache, "--no-audit", "--no-fund",
		"--ignore-scripts", "--no-update-notifier", "--loglevel", "error"}, args...)
	cmd := exec.CommandContext(ctx, n.Exe, all...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + n.Home, "PATH=" + os.Getenv("PATH"), "npm_config_userconfig=" + filepath.Join(n.Home, ".npmrc"),
		"npm_config_globalconfig=" + filepath.Join(n.Home, "npmrc-global"), "NO_PROXY=*", "no_proxy=*"}
	cmd.Env = append(cmd.Env, n.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("npm %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Project writes a package.json with deps into dir (created).
func Project(dir string, deps map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if deps == nil {
		deps = map[string]string{} // bun refuses "dependencies": null
	}
	b, err := json.MarshalIndent(map[string]any{"name": "fixture-project", "version": "1.0.0", "private": true, "dependencies": deps}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644)
}

// Yarn runs the real yarn classic (Debian's yarnpkg) against a registry,
// with its cache and home inside the test's directories.
type Yarn struct {
	Exe   string
	Home  string
	Cache string // --cache-folder: yarn writes v6/npm-<name>-<version>-… below it
	reg   *Registry
}

// RequireYarn finds yarnpkg (or yarn), failing under CI and skipping elsewhere.
func RequireYarn(t testing.TB, r *Registry) *Yarn {
	t.Helper()
	testenv.LookPath(t, "node", "yarn runs on node")
	exe, err := exec.LookPath("yarnpkg")
	if err != nil {
		exe = testenv.LookPath(t, "yarn", "real yarn classic writes yarn.lock and its cache (Debian: yarnpkg)")
	}
	home := t.TempDir()
	return &Yarn{Exe: exe, Home: home, Cache: filepath.Join(home, ".cache", "yarn"), reg: r}
}

// Run runs yarn with args in dir against the registry.
func (y *Yarn) Run(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	all := append(append([]string(nil), args...), "--registry", y.reg.URL(), "--cache-folder", y.Cache,
		"--ignore-scripts", "--non-interactive", "--no-progress", "--network-timeout", "60000")
	cmd := exec.CommandContext(ctx, y.Exe, all...)
	cmd.Dir = dir
	// Debian's yarnpkg loads its modules from /usr/share/nodejs, which a
	// node not built by Debian does not search by itself.
	cmd.Env = []string{"HOME=" + y.Home, "PATH=" + os.Getenv("PATH"), "NODE_PATH=/usr/share/nodejs",
		"YARN_ENABLE_TELEMETRY=0", "NO_PROXY=*", "no_proxy=*"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("yarn %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Tool runs another real client (pnpm, bun) against a registry, with its
// home, cache and store inside the test's directories.
type Tool struct {
	Exe  string
	Home string
	Env  []string // extra environment (store and cache locations)
	reg  *Registry
}

// RequireTool finds a client by name, failing under CI and skipping elsewhere.
func RequireTool(t testing.TB, r *Registry, name, what string) *Tool {
	t.Helper()
	testenv.LookPath(t, "node", name+" is installed with npm")
	exe := testenv.LookPath(t, name, what)
	return &Tool{Exe: exe, Home: t.TempDir(), reg: r}
}

// Run runs the client with args in dir; the registry is passed as
// npm_config_registry (which pnpm and bun both read) and in an .npmrc.
func (c *Tool) Run(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte("registry="+c.reg.URL()+"\n"), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, c.Exe, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + c.Home, "PATH=" + os.Getenv("PATH"), "npm_config_registry=" + c.reg.URL(),
		"BUN_CONFIG_REGISTRY=" + c.reg.URL(), "NO_PROXY=*", "no_proxy=*", "CI=true", "DO_NOT_TRACK=1"}, c.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", filepath.Base(c.Exe), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

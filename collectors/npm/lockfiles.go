package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// MaxLockSize caps the bytes read from one lockfile.
const MaxLockSize = 32 << 20

// Lockfiles reads npm, yarn, pnpm and bun lockfiles (a locked bad release
// is reported at once) and project package.json manifests, whose ranges
// are graded after the walk: a range that admits a bad release is
// reported only when no lockfile in its directory or above locks the
// package, since that lock is then what gets installed.
type Lockfiles struct {
	o Options

	mu      sync.Mutex
	locked  map[string]bool // dir \x00 name: a lockfile there locks the name
	pending []rangeDep
}

// rangeDep is a manifest dependency whose range admits a bad release.
type rangeDep struct {
	loc      sweep.Location
	dir      string
	pk       *iocs.PackageIOC
	admitted []string
	tag      bool
	every    bool // an entry makes every version bad
}

// NewLockfiles returns the collector.
func NewLockfiles(o Options) *Lockfiles {
	return &Lockfiles{o: o, locked: map[string]bool{}}
}

// Name implements sweep.Collector.
func (c *Lockfiles) Name() string { return "npm/lockfiles" }

var lockNames = map[string]bool{"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true,
	"pnpm-lock.yaml": true, "bun.lock": true, "bun.lockb": true, "package.json": true}

// FileRequired wants lockfiles and project manifests outside installed
// packages and VCS internals.
func (c *Lockfiles) FileRequired(e *sweep.Entry) bool {
	if !lockNames[e.Name] || e.IsSymlink() {
		return false
	}
	return !strings.Contains(e.Path, "/node_modules/") && !strings.Contains(e.Path, "/.git/")
}

// Collect parses one file.
func (c *Lockfiles) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	base := path.Base(f.Path)
	data, err := f.ReadAll(MaxLockSize)
	if err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("%s not read: %s", base, sweep.TrimPathErr(err))})
		return
	}
	if !mentions(c.o.Matcher, data) {
		return
	}
	if base == "package.json" {
		c.manifest(f, data, out)
		return
	}
	var locks []lockEntry
	switch base {
	case "package-lock.json", "npm-shrinkwrap.json":
		locks, err = parsePackageLock(data)
	case "yarn.lock":
		locks, err = parseYarnLock(data)
	case "pnpm-lock.yaml":
		locks, err = parsePnpmLock(data)
	case "bun.lock":
		locks, err = parseBunLock(data)
	case "bun.lockb":
		err = errors.New("bun's binary lockfile is not parsed and it names a tracked package: print it with `bun bun.lockb` (or migrate to bun.lock) and sweep again")
	}
	if err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError, Message: fmt.Sprintf("%s: %v", base, err)})
		return
	}
	dir := path.Dir(f.Path)
	seen := map[string]bool{}
	for _, l := range locks {
		if _, tracked := c.o.Matcher.TrackedIn(iocs.NPM, l.name); !tracked {
			continue
		}
		c.mu.Lock()
		c.locked[dir+"\x00"+iocs.NPM.NormalizeName(l.name)] = true
		c.mu.Unlock()
		pk, bad := c.o.Matcher.Release(iocs.NPM, l.name, l.version)
		if !bad {
			continue
		}
		canon, _ := iocs.NPM.CanonicalVersion(l.version)
		if seen[pk.ID+"\x00"+canon] {
			continue
		}
		seen[pk.ID+"\x00"+canon] = true
		loc := f.Location()
		loc.Line = l.line
		out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.High, Category: CatLockfile, Collector: c.Name(), Location: loc,
			Title:     fmt.Sprintf("%s locks %s %s", base, pk.Name, canon),
			Evidence:  sweep.Evidence{Package: pk.Name, Version: canon, Details: []string{"every install from this lockfile gets the bad release (from the registry while it was published, or from a cache or mirror later); clean releases: " + cleanAdvice(pk)}},
			Indicator: indicatorOf(pk)}))
	}
}

// lockEntry is one locked package.
type lockEntry struct {
	name, version string
	line          int
}

// parsePackageLock reads package-lock.json and npm-shrinkwrap.json,
// versions 1 (nested "dependencies") to 3 ("packages" keyed by path).
func parsePackageLock(data []byte) ([]lockEntry, error) {
	var doc struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("does not parse (%s)", sweep.JSONErr(err))
	}
	if doc.LockfileVersion < 1 || doc.LockfileVersion > 3 {
		return nil, fmt.Errorf("lockfileVersion %d is not one npm 5 to 11 writes (1, 2 or 3): not read", doc.LockfileVersion)
	}
	var out []lockEntry
	for key, p := range doc.Packages {
		if key == "" || p.Link {
			continue
		}
		name := p.Name
		if name == "" {
			i := strings.LastIndex(key, "node_modules/")
			if i < 0 {
				continue // a workspace folder, linked from node_modules
			}
			name = key[i+len("node_modules/"):]
		}
		out = append(out, lockEntry{name: name, version: p.Version})
	}
	if len(doc.Packages) == 0 {
		var walk func(deps map[string]json.RawMessage) error
		walk = func(deps map[string]json.RawMessage) error {
			for name, raw := range deps {
				var d struct {
					Version      string                     `json:"version"`
					Dependencies map[string]json.RawMessage `json:"dependencies"`
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					return fmt.Errorf("dependencies.%s does not parse (%s)", name, sweep.JSONErr(err))
				}
				n, v := name, d.Version
				if real, ok := strings.CutPrefix(v, "npm:"); ok { // an alias: "npm:real@1.2.3"
					n, v, _ = iocs.SplitNPMName(real)
				}
				out = append(out, lockEntry{name: n, version: v})
				if err := walk(d.Dependencies); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(doc.Dependencies); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseYarnLock reads yarn.lock: berry's YAML (with __metadata) or the
// classic format.
func parseYarnLock(data []byte) ([]lockEntry, error) {
	if bytes.Contains(data, []byte("\n__metadata:")) || bytes.HasPrefix(data, []byte("__metadata:")) {
		var doc map[string]struct {
			Version    string `yaml:"version"`
			Resolution string `yaml:"resolution"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("yarn berry lockfile does not parse: %s", yamlErr(err))
		}
		var out []lockEntry
		for key, e := range doc {
			if key == "__metadata" {
				continue
			}
			name, rest, ok := iocs.SplitNPMName(e.Resolution)
			if !ok || !strings.HasPrefix(rest, "npm:") {
				continue // workspace, patch, git, file: not a registry release
			}
			out = append(out, lockEntry{name: name, version: strings.TrimPrefix(rest, "npm:")})
		}
		return out, nil
	}
	var out []lockEntry
	var names []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line[0] != ' ':
			if !strings.HasSuffix(line, ":") {
				return nil, fmt.Errorf("line %d: not a yarn classic entry header", i+1)
			}
			names = names[:0]
			for _, spec := range strings.Split(strings.TrimSuffix(line, ":"), ",") {
				spec = strings.Trim(strings.TrimSpace(spec), `"`)
				name, rest, _ := iocs.SplitNPMName(spec)
				if real, ok := strings.CutPrefix(rest, "npm:"); ok {
					if n, _, ok := iocs.SplitNPMName(real); ok {
						name = n
					}
				}
				names = append(names, name)
			}
		case strings.HasPrefix(line, "  version ") && !strings.HasPrefix(line, "   "):
			v := strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "  version ")), `"`)
			seen := map[string]bool{}
			for _, n := range names {
				if !seen[n] {
					seen[n] = true
					out = append(out, lockEntry{name: n, version: v, line: i + 1})
				}
			}
		}
	}
	return out, nil
}

// parsePnpmLock reads pnpm-lock.yaml: package keys "/name/1.2.3_peer"
// (v5), "/name@1.2.3(peer)" (v6) or "name@1.2.3" (v9), or the entry's
// own name and version fields.
func parsePnpmLock(data []byte) ([]lockEntry, error) {
	var doc struct {
		LockfileVersion any `yaml:"lockfileVersion"`
		Packages        map[string]struct {
			Name    string `yaml:"name"`
			Version string `yaml:"version"`
		} `yaml:"packages"`
		Snapshots map[string]any `yaml:"snapshots"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("does not parse: %s", yamlErr(err))
	}
	if doc.LockfileVersion == nil {
		return nil, errors.New("no lockfileVersion: not a pnpm lockfile pnpm would read")
	}
	keys := map[string]bool{}
	for k := range doc.Packages {
		keys[k] = true
	}
	for k := range doc.Snapshots {
		keys[k] = true
	}
	v5 := strings.HasPrefix(fmt.Sprint(doc.LockfileVersion), "5")
	var out []lockEntry
	for k := range keys {
		p := doc.Packages[k]
		name, version := p.Name, p.Version
		key := strings.TrimPrefix(k, "/")
		if i := strings.Index(key, "("); i > 0 {
			key = key[:i]
		}
		if name == "" || version == "" {
			n, v, _ := iocs.SplitNPMName(key)
			if v5 { // v5: name/version_peers
				i := strings.LastIndex(key, "/")
				if i <= 0 {
					continue
				}
				n, v = key[:i], key[i+1:]
				if j := strings.Index(v, "_"); j > 0 {
					v = v[:j]
				}
			}
			if name == "" {
				name = n
			}
			if version == "" {
				version = v
			}
		}
		out = append(out, lockEntry{name: name, version: version})
	}
	return out, nil
}

// parseBunLock reads bun.lock (JSON with trailing commas): "packages"
// maps a key to ["name@version", registry, {...}, integrity].
func parseBunLock(data []byte) ([]lockEntry, error) {
	var doc struct {
		LockfileVersion *int                         `json:"lockfileVersion"`
		Packages        map[string][]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(stripJSONC(data), &doc); err != nil {
		return nil, fmt.Errorf("does not parse (%s)", sweep.JSONErr(err))
	}
	if doc.LockfileVersion == nil {
		return nil, errors.New("no lockfileVersion: not a bun.lock bun would read")
	}
	var out []lockEntry
	for key, arr := range doc.Packages {
		if len(arr) == 0 {
			return nil, fmt.Errorf("packages[%q] is empty", key)
		}
		var id string
		if err := json.Unmarshal(arr[0], &id); err != nil {
			return nil, fmt.Errorf("packages[%q][0] is not a string", key)
		}
		name, v, ok := iocs.SplitNPMName(id)
		if !ok {
			continue
		}
		if real, ok := strings.CutPrefix(v, "npm:"); ok {
			name, v, _ = iocs.SplitNPMName(real)
		}
		out = append(out, lockEntry{name: name, version: v})
	}
	return out, nil
}

// stripJSONC removes // and /* */ comments and trailing commas outside
// strings, as bun's parser accepts them.
func stripJSONC(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if inStr {
			out = append(out, ch)
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
			continue
		}
		switch {
		case ch == '"':
			inStr = true
		case ch == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		case ch == '/' && i+1 < len(b) && b[i+1] == '*':
			j := bytes.Index(b[i+2:], []byte("*/"))
			if j < 0 {
				return out
			}
			i += j + 3
			continue
		case ch == ',':
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') {
				continue
			}
		}
		out = append(out, ch)
	}
	return out
}

func yamlErr(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%d fields have the wrong type", len(te.Errors))
	}
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		if j := strings.IndexByte(s[i:], ':'); j > 0 {
			return s[i : i+j]
		}
	}
	return "invalid YAML"
}

// manifest grades a project package.json's dependency ranges (after the walk).
func (c *Lockfiles) manifest(f *sweep.File, data []byte, out sweep.Sink) {
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: fmt.Sprintf("package.json names a tracked package but does not parse (%s): its dependencies are not known", sweep.JSONErr(err))})
		return
	}
	for _, deps := range []map[string]string{m.Dependencies, m.DevDependencies, m.OptionalDependencies, m.PeerDependencies} {
		for dep, spec := range deps {
			s := iocs.ParseNPMDep(dep, spec)
			admitted, tag, every, ok := c.o.Matcher.AdmittedNPM(s)
			if !ok || (len(admitted) == 0 && !every) {
				continue
			}
			pk, _ := c.o.Matcher.TrackedIn(iocs.NPM, s.Name)
			if e, ok := c.o.Matcher.EveryVersion(iocs.NPM, s.Name); ok && len(admitted) == 0 {
				pk = e
			}
			c.mu.Lock()
			c.pending = append(c.pending, rangeDep{loc: f.Location(), dir: path.Dir(f.Path), pk: pk, admitted: admitted, tag: tag, every: every})
			c.mu.Unlock()
		}
	}
}

// Finish reports the manifest ranges no lockfile decides.
func (c *Lockfiles) Finish(ctx context.Context, out sweep.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.pending {
		if c.lockedAbove(d.dir, d.pk.Name) {
			continue
		}
		window := "while the bad releases were published"
		if w, ok := c.o.Matcher.Window(d.pk.Window); ok {
			window = fmt.Sprintf("during the window %s – %s UTC", w.Start.UTC().Format("2006-01-02 15:04"), w.End.UTC().Format("2006-01-02 15:04"))
		}
		how := "range"
		if d.tag {
			how = "dist-tag"
		}
		if len(d.admitted) == 0 {
			out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.High, Category: CatLockfile, Collector: c.Name(), Location: d.loc,
				Title: fmt.Sprintf("package.json depends on %s, every version of which is malicious", d.pk.Name),
				Evidence: sweep.Evidence{Package: d.pk.Name, Details: []string{
					fmt.Sprintf("the pack marks every version of %s bad and no lockfile in this directory or above locks it: any install resolves to a malicious release", d.pk.Name)}},
				Indicator: indicatorOf(d.pk)}))
			continue
		}
		out.Finding(c.o.withUser(sweep.Finding{Severity: sweep.Medium, Category: CatLockfile, Collector: c.Name(), Location: d.loc,
			Title: fmt.Sprintf("package.json: %s would have resolved to %s %s", d.pk.Name, d.pk.Name, d.admitted[0]),
			Evidence: sweep.Evidence{Package: d.pk.Name, Version: d.admitted[0], Details: []string{
				fmt.Sprintf("the %s admits %s and no lockfile in this directory or above locks %s: an install %s would have resolved to %s", how, strings.Join(d.admitted, " and "), d.pk.Name, window, d.admitted[0]),
				"clean releases: " + cleanAdvice(d.pk)}},
			Indicator: indicatorOf(d.pk)}))
	}
	c.pending = nil
}

func (c *Lockfiles) lockedAbove(dir, name string) bool {
	n := iocs.NPM.NormalizeName(name)
	for {
		if c.locked[dir+"\x00"+n] {
			return true
		}
		if dir == "/" || dir == "." || dir == "" {
			return false
		}
		dir = path.Dir(dir)
	}
}

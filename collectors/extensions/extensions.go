// Package extensions is the VS Code-family editor extension ecosystem's
// collector: the extension directories of VS Code (desktop, Insiders,
// Remote/Server), Cursor, Windsurf, VSCodium and other OpenVSX editors on
// Linux, macOS and Windows (all keep them in <home>/.<editor>/extensions),
// and each editor's extensions.json registry. An extension is known by
// "publisher.name" (case-insensitive) and its semver version, and the
// collector asks the matcher whether it is bad in iocs.VSCode.
package extensions

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// CatExtension is a tracked editor extension installed or registered.
const CatExtension sweep.Category = "editor-extension"

// Categories declares the categories this package emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatExtension, Short: "A tracked editor extension is installed",
		Description: "A VS Code-family editor (VS Code, Insiders, VS Code Server, Cursor, Windsurf, VSCodium and other OpenVSX editors) has a tracked extension installed (its directory's package.json) or registered (extensions.json), identified by publisher.name and version: a bad release of the pack (critical), or a clean release of a tracked extension (info).",
		Help: []string{
			"Quit the editor (and its remote servers), move the extension's directory aside as evidence, and reinstall a clean version with auto-update of extensions checked.",
			"The extension ran with the user's rights whenever the editor started: rotate the credentials that user could read (`litesweep rotate` lists them by name).",
		}},
}

// MaxManifestSize caps the bytes read from an extension's package.json or
// an extensions.json.
const MaxManifestSize = 8 << 20

// Options configure the collector.
type Options struct {
	Matcher *iocs.Matcher
	Homes   []sweep.Home
}

// Collector reads extension manifests and registries.
type Collector struct {
	o Options

	mu         sync.Mutex
	installed  map[string]bool // extensions dir \x00 id \x00 version: found by its directory
	registered []registered
}

type registered struct {
	loc     sweep.Location
	dir     string
	pk      *iocs.PackageIOC
	version string
	bad     bool
}

// New returns the collector.
func New(o Options) *Collector { return &Collector{o: o, installed: map[string]bool{}} }

// Name implements sweep.Collector.
func (c *Collector) Name() string { return "editor/extensions" }

// extensionsDir reports whether dir is an editor's extensions directory:
// <home>/.<editor>/extensions (.vscode, .vscode-insiders, .vscode-server,
// .vscode-server-insiders, .cursor, .cursor-server, .windsurf,
// .windsurf-server, .vscode-oss, ...) or code-server's.
func extensionsDir(dir string) bool {
	if path.Base(dir) != "extensions" {
		return false
	}
	editor := path.Base(path.Dir(dir))
	return strings.HasPrefix(editor, ".") && len(editor) > 1 || editor == "code-server"
}

// FileRequired wants an extension's package.json and extensions.json.
func (c *Collector) FileRequired(e *sweep.Entry) bool {
	if e.IsSymlink() {
		return false
	}
	switch e.Name {
	case "package.json":
		return extensionsDir(path.Dir(path.Dir(e.Path)))
	case "extensions.json":
		return extensionsDir(path.Dir(e.Path))
	}
	return false
}

// Collect reads one manifest or registry.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	data, err := f.ReadAll(MaxManifestSize)
	if err != nil {
		msg := fmt.Sprintf("%s not read: %s", path.Base(f.Path), sweep.TrimPathErr(err))
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError, Message: msg})
		return
	}
	if path.Base(f.Path) == "extensions.json" {
		c.registry(f, data, out)
		return
	}
	c.manifest(f, data, out)
}

func (c *Collector) mentions(data []byte) bool {
	low := strings.ToLower(string(data))
	for _, id := range c.o.Matcher.NamesIn(iocs.VSCode) {
		pub, name, _ := strings.Cut(id, ".")
		if strings.Contains(low, pub) && strings.Contains(low, name) {
			return true
		}
	}
	return false
}

func (c *Collector) manifest(f *sweep.File, data []byte, out sweep.Sink) {
	if !c.mentions(data) {
		return
	}
	var m struct {
		Publisher string `json:"publisher"`
		Name      string `json:"name"`
		Version   string `json:"version"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: "an extension's package.json that names a tracked extension does not parse (" + sweep.JSONErr(err) + "): which extension is installed here is not known"})
		return
	}
	id := m.Publisher + "." + m.Name
	pk, tracked := c.o.Matcher.TrackedIn(iocs.VSCode, id)
	if !tracked {
		return
	}
	canon, err := iocs.VSCode.CanonicalVersion(m.Version)
	if err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: pk.Name + " is installed here but its version is not a semver version: it cannot be told clean"})
		return
	}
	hit, bad := c.o.Matcher.Release(iocs.VSCode, id, m.Version)
	if bad {
		pk = hit
	}
	extDir := path.Dir(path.Dir(f.Path))
	c.mu.Lock()
	c.installed[extDir+"\x00"+iocs.VSCode.NormalizeName(id)+"\x00"+canon] = true
	c.mu.Unlock()
	ev := sweep.Evidence{Package: pk.Name, Version: canon}
	if fi, err := f.Info(); err == nil {
		t := fi.ModTime().UTC()
		ev.ModTime, ev.Time = &t, &t
		ev.Details = append(ev.Details, "install time from package.json mtime")
	}
	out.Finding(finding(c.o.Homes, c.Name(), f.Location(), pk, canon, bad, "installed", ev))
}

func finding(homes []sweep.Home, collector string, loc sweep.Location, pk *iocs.PackageIOC, version string, bad bool, how string, ev sweep.Evidence) sweep.Finding {
	f := sweep.Finding{Category: CatExtension, Collector: collector, Location: loc, Evidence: ev, User: sweep.UserOf(homes, loc.Path),
		Indicator: &sweep.Indicator{ID: pk.ID, Kind: "package", Confidence: string(pk.Provenance.Confidence), Sources: pk.Provenance.Sources},
		Title:     fmt.Sprintf("editor extension %s %s %s", pk.Name, version, how)}
	if bad {
		f.Severity = sweep.Critical
		if s, err := sweep.ParseSeverity(pk.Severity); err == nil {
			f.Severity = s
		}
		f.Title += " (affected release)"
		return f
	}
	f.Severity = sweep.Info
	f.Title += " (not an affected release)"
	return f
}

// registry reads extensions.json: the editor's list of installed
// extensions, [{"identifier": {"id": "publisher.name"}, "version": ...}].
func (c *Collector) registry(f *sweep.File, data []byte, out sweep.Sink) {
	if !c.mentions(data) {
		return
	}
	var entries []struct {
		Identifier struct {
			ID string `json:"id"`
		} `json:"identifier"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
			Message: "extensions.json names a tracked extension but does not parse (" + sweep.JSONErr(err) + "): which extensions the editor loads is not known"})
		return
	}
	for _, e := range entries {
		pk, tracked := c.o.Matcher.TrackedIn(iocs.VSCode, e.Identifier.ID)
		if !tracked {
			continue
		}
		canon, err := iocs.VSCode.CanonicalVersion(e.Version)
		if err != nil {
			out.Error(sweep.Error{Location: f.Location(), Collector: c.Name(), Kind: sweep.ErrKindError,
				Message: "extensions.json registers " + pk.Name + " with a version that is not semver: it cannot be told clean"})
			continue
		}
		hit, bad := c.o.Matcher.Release(iocs.VSCode, e.Identifier.ID, e.Version)
		if bad {
			pk = hit
		}
		c.mu.Lock()
		c.registered = append(c.registered, registered{loc: f.Location(), dir: path.Dir(f.Path), pk: pk, version: canon, bad: bad})
		c.mu.Unlock()
	}
}

// Finish reports the registered extensions whose directory was not found
// (removed, or on a path the sweep did not read): the editor's registry
// still says the release was installed.
func (c *Collector) Finish(ctx context.Context, out sweep.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.SliceStable(c.registered, func(i, j int) bool { return c.registered[i].loc.Path < c.registered[j].loc.Path })
	for _, r := range c.registered {
		if c.installed[r.dir+"\x00"+iocs.VSCode.NormalizeName(r.pk.Name)+"\x00"+r.version] {
			continue
		}
		ev := sweep.Evidence{Package: r.pk.Name, Version: r.version,
			Details: []string{"the editor's extensions.json lists this release; its directory was not found in the sweep"}}
		out.Finding(finding(c.o.Homes, c.Name(), r.loc, r.pk, r.version, r.bad, "registered in extensions.json", ev))
	}
	c.registered = nil
}

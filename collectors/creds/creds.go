// Package creds inventories the credentials the stealer read, per user, from
// the IOC pack's credential targets: which of them exist on a host or in an
// image, named by kind, provider, path, owning user and non-secret names
// (profile, context, host and variable names). It never keeps a secret
// value: every parser reads a line, keeps the name part and drops the rest
// before the next line is read.
package creds

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Name is the collector's registry name.
const Name = "credentials/inventory"

// CatCredential is the category of an inventoried credential.
const CatCredential sweep.Category = "credential"

// Categories declares the categories this collector emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatCredential, Short: "A credential the stealer reads is present",
		Description: "Inventory, not evidence: a credential of a kind the stealer collects (cloud keys, SSH keys, Kubernetes configs, CI and LLM API tokens, .env files, shell-exported secrets) exists here, named by kind, provider, path, owner and non-secret names; secret values are never read into the report.",
		Help: []string{
			"Rotate it if another finding shows the payload ran or was installed on this system or for this user: `litesweep rotate` lists every such credential by name, with the step that proves the old one is dead.",
			"Otherwise keep the list: it is what to rotate first if a later sweep finds the payload.",
		}},
}

// maxParse caps how many bytes of a credential file are parsed for names.
const maxParse = 1 << 20

// maxNames caps the names kept for one file.
const maxNames = 64

// Options configure the collector.
type Options struct {
	Pack  *iocs.Pack
	Homes []sweep.Home
	// Live enables the scan of running processes' environment names.
	Live bool
	// ProcRoot is the proc filesystem to read (default "/proc").
	ProcRoot string
	// PIDFilter, when set, limits the process scan to PIDs it accepts (tests).
	PIDFilter func(pid int) bool
}

// Collector is the credential inventory collector.
type Collector struct {
	o Options
	// targets maps every absolute target path (the file itself, or a
	// directory whose files are all targets) and every directory above one
	// (with a nil credential) to its node, so a path is matched going down
	// its ancestors from the root, one lookup a level, stopping at the
	// first that leads to no target.
	targets  map[string]credNode
	globs    []globTarget
	base     map[string]*iocs.CredentialKind // base name anywhere -> credential
	envPats  []envPattern
	uidNames map[int]string
}

type credNode struct {
	cred  *iocs.CredentialKind // nil: only a directory above a target
	above bool                 // some target lies below this path
}

type globTarget struct {
	pattern string
	fixed   string // the part before the first glob character
	cred    *iocs.CredentialKind
}

type envPattern struct {
	pattern string
	cred    *iocs.CredentialKind
}

// New compiles the pack's credential targets for the given homes.
func New(o Options) *Collector {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	c := &Collector{o: o, targets: map[string]credNode{},
		base: map[string]*iocs.CredentialKind{}, uidNames: map[int]string{}}
	for _, h := range o.Homes {
		if h.UID >= 0 {
			c.uidNames[h.UID] = h.User
		}
	}
	if _, ok := c.uidNames[0]; !ok {
		c.uidNames[0] = "root"
	}
	if o.Pack == nil {
		return c
	}
	for i := range o.Pack.Credentials {
		cr := &o.Pack.Credentials[i]
		for _, p := range cr.Paths {
			var abs []string
			switch {
			case strings.HasPrefix(p, "~/"):
				for _, h := range o.Homes {
					abs = append(abs, path.Join(h.Dir, p[2:]))
				}
			case strings.HasPrefix(p, "/"):
				abs = append(abs, path.Clean(p))
			default:
				if _, dup := c.base[p]; !dup {
					c.base[p] = cr
				}
				continue
			}
			for _, a := range abs {
				if i := strings.IndexAny(a, "*?["); i >= 0 {
					c.globs = append(c.globs, globTarget{pattern: a, fixed: a[:i], cred: cr})
					continue
				}
				if n := c.targets[a]; n.cred == nil {
					n.cred = cr
					c.targets[a] = n
				}
				for d := path.Dir(a); d != "/" && d != "."; d = path.Dir(d) {
					n := c.targets[d]
					n.above = true
					c.targets[d] = n
				}
			}
		}
		for _, e := range cr.Env {
			c.envPats = append(c.envPats, envPattern{pattern: e, cred: cr})
		}
	}
	// Specific providers win over the generic "every variable" entry.
	sort.SliceStable(c.envPats, func(i, j int) bool {
		return (c.envPats[i].cred.Kind == "env") == false && c.envPats[j].cred.Kind == "env"
	})
	return c
}

// Name implements sweep.Collector.
func (c *Collector) Name() string { return Name }

// noisyDirs hold library fixtures and vendored trees, not anyone's secrets;
// base-name targets (".env", "terraform.tfstate") below them are not listed.
var noisyDirs = []string{"/node_modules/", "/site-packages/", "/dist-packages/", "/.git/", "/vendor/"}

// FileRequired implements sweep.Collector.
func (c *Collector) FileRequired(e *sweep.Entry) bool { return c.match(e.Path) != nil }

func (c *Collector) match(p string) *iocs.CredentialKind {
	if n, ok := c.targets[p]; ok && n.cred != nil {
		return n.cred
	}
	// The deepest target directory above p. Walker paths are clean and
	// absolute, so ancestors are plain prefixes; most paths leave the
	// targets' directories after a level or two.
	var found *iocs.CredentialKind
	for i := 1; i < len(p); {
		j := strings.IndexByte(p[i:], '/')
		if j < 0 {
			break
		}
		n, ok := c.targets[p[:i+j]]
		if !ok {
			break
		}
		if n.cred != nil {
			found = n.cred
		}
		if !n.above {
			break
		}
		i += j + 1
	}
	if found != nil {
		return found
	}
	for _, g := range c.globs {
		if strings.HasPrefix(p, g.fixed) {
			if ok, _ := path.Match(g.pattern, p); ok {
				return g.cred
			}
		}
	}
	if cr, ok := c.base[path.Base(p)]; ok {
		for _, n := range noisyDirs {
			if strings.Contains(p, n) {
				return nil
			}
		}
		return cr
	}
	return nil
}

// Collect implements sweep.Collector.
func (c *Collector) Collect(ctx context.Context, f *sweep.File, out sweep.Sink) {
	cr := c.match(f.Path)
	if cr == nil {
		return
	}
	if skipFile(f.Path) {
		return
	}
	fi, err := f.Info()
	if err != nil {
		out.Error(sweep.Error{Location: f.Location(), Collector: Name, Message: "stat: " + sweep.TrimPathErr(err), Kind: sweep.ErrKindError})
		return
	}
	ev := sweep.Evidence{Size: fi.Size(), Mode: fi.Mode().String()}
	mt := fi.ModTime().UTC()
	ev.ModTime = &mt
	uid, hasUID := sweep.Owner(fi)
	if hasUID {
		ev.Owner = c.userName(uid)
	}
	user := sweep.UserOf(c.o.Homes, f.Path)
	if user == "" && hasUID {
		user = c.userName(uid)
	}
	title := cr.Title
	if f.IsSymlink() {
		// Never followed: the link itself is inventoried, its target is not read.
		ev.Details = []string{"symbolic link (not followed)"}
	} else if fi.Mode().IsRegular() {
		p := parserFor(f.Path)
		if p != nil {
			names, perr := c.parse(f, p)
			if perr != nil {
				out.Error(sweep.Error{Location: f.Location(), Collector: Name, Kind: sweep.ErrKindError,
					Message: "credential names not read: " + perr.Error()})
			}
			ev.Details = names
			// Text is what one-line renderers show: the names, never a value.
			ev.Text = strings.Join(names, ", ")
		}
		if what := describe(f.Path); what != "" {
			title = cr.Title + ": " + what
		}
	} else {
		return
	}
	out.Finding(sweep.Finding{
		Severity: sweep.Info, Category: CatCredential, Title: title, Location: f.Location(), Evidence: ev,
		Indicator: &sweep.Indicator{ID: cr.ID, Kind: cr.Kind, Confidence: string(cr.Provenance.Confidence), Sources: cr.Provenance.Sources},
		User:      user, Collector: Name,
	})
}

// skipFile drops files under a target directory that hold no secret.
func skipFile(p string) bool {
	b := path.Base(p)
	if strings.Contains(p, "/.ssh/") && (strings.HasSuffix(b, ".pub") || b == "known_hosts" || b == "known_hosts.old") {
		return true
	}
	return false
}

func (c *Collector) userName(uid int) string {
	if n, ok := c.uidNames[uid]; ok {
		return n
	}
	return "uid " + strconv.Itoa(uid)
}

// parse reads at most maxParse bytes and returns the names the parser keeps.
func (c *Collector) parse(f *sweep.File, p parser) ([]string, error) {
	b, err := f.ReadAll(maxParse)
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, fmt.Errorf("larger than %d bytes", maxParse)
		}
		return nil, fmt.Errorf("read: %s", sweep.TrimPathErr(err))
	}
	names := p(b)
	clear(b) // the file's bytes (and any secret in them) are not kept
	return capNames(names), nil
}

func capNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	sort.Strings(out)
	if len(out) > maxNames {
		out = append(out[:maxNames], fmt.Sprintf("… %d more", len(out)-maxNames))
	}
	return out
}

// Ensure the interfaces are implemented.
var (
	_ sweep.Collector = (*Collector)(nil)
	_ sweep.Finisher  = (*Collector)(nil)
)

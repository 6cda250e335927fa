// Package collectors holds litesweep's concrete collectors, one subpackage
// per family (python environments, persistence, caches, lockfiles, history,
// credentials, live state, images, GitHub), and this registry, the only place
// that lists them. Nothing registers itself at init time.
package collectors

import (
	"fmt"
	"regexp"
	"time"

	"github.com/litesweep/litesweep/collectors/cache"
	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/collectors/extensions"
	"github.com/litesweep/litesweep/collectors/history"
	"github.com/litesweep/litesweep/collectors/lockfile"
	"github.com/litesweep/litesweep/collectors/npm"
	"github.com/litesweep/litesweep/collectors/payloads"
	"github.com/litesweep/litesweep/collectors/persistence"
	"github.com/litesweep/litesweep/collectors/python"
	"github.com/litesweep/litesweep/collectors/recipes"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Options are what host-tree collectors need to know about a sweep. The same
// collectors run on image layers, where Live is false and Homes come from
// the image's own etc/passwd.
type Options struct {
	Matcher *iocs.Matcher
	// Homes are the users' homes inside the tree.
	Homes []sweep.Home
	// Window is the exposure window used to grade timestamps.
	Window sweep.Window
	// Live is true when sweeping the running host (not a mounted root or image).
	Live bool
	// MaxHashSize caps how many bytes of one file are hashed or scanned.
	MaxHashSize int64
	// Now is the sweep's clock.
	Now func() time.Time
}

// DefaultMaxHashSize is the default cap on bytes hashed or scanned per file.
const DefaultMaxHashSize = 64 << 20

// Host returns the file collectors of a host sweep (and of an image layer).
func Host(o Options) []sweep.Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = DefaultMaxHashSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var cs []sweep.Collector
	// Each family adds its constructor here; a package ecosystem adds its
	// collectors to Ecosystems.
	if o.Matcher != nil {
		cs = append(cs, creds.New(creds.Options{Pack: o.Matcher.Pack().Pack, Homes: o.Homes, Live: o.Live}))
		cs = append(cs, persistence.New(persistence.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize}))
		for _, e := range Ecosystems() {
			cs = append(cs, e.Collectors(o)...)
		}
		ho := history.Options{Matcher: o.Matcher, Homes: o.Homes, Window: o.Window, MaxBytes: o.MaxHashSize}
		cs = append(cs, history.New(ho), history.NewIPython(ho), history.NewNotebook(ho))
		cs = append(cs, recipes.New(recipes.Options{Matcher: o.Matcher, Homes: o.Homes}))
		// Last: its Finish matches copies of what the others learned.
		cs = append(cs, payloads.New(payloads.Options{Homes: o.Homes, MaxHashSize: o.MaxHashSize}))
	}
	return cs
}

// Ecosystem is one package ecosystem on a swept tree: how its names and
// versions compare (iocs.Ecosystem, which the matcher uses) and the
// collectors that find its installs, lockfiles and caches. Each collector
// asks o.Matcher.Release(Eco, name, version); nothing else in the walk, the
// dispatch or the report model knows the ecosystem.
type Ecosystem struct {
	Eco        iocs.Ecosystem
	Collectors func(o Options) []sweep.Collector
}

// Ecosystems lists the package ecosystems a host sweep (and each image
// layer) covers, in order.
func Ecosystems() []Ecosystem {
	return []Ecosystem{
		{Eco: iocs.PyPI, Collectors: func(o Options) []sweep.Collector {
			return []sweep.Collector{
				python.New(python.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize}),
				lockfile.New(o.Matcher, o.Homes),
				cache.New(cache.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize}),
			}
		}},
		{Eco: iocs.NPM, Collectors: func(o Options) []sweep.Collector {
			return npm.New(npm.Options{Matcher: o.Matcher, Homes: o.Homes})
		}},
		{Eco: iocs.VSCode, Collectors: func(o Options) []sweep.Collector {
			return []sweep.Collector{extensions.New(extensions.Options{Matcher: o.Matcher, Homes: o.Homes})}
		}},
	}
}

var nameRe = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9-]+$`)

// Validate checks collector names are unique and well-formed.
func Validate(cs []sweep.Collector) error {
	seen := map[string]bool{}
	for _, c := range cs {
		n := c.Name()
		if !nameRe.MatchString(n) {
			return fmt.Errorf("collector name %q is not group/name", n)
		}
		if seen[n] {
			return fmt.Errorf("collector name %q is used twice", n)
		}
		seen[n] = true
	}
	return nil
}

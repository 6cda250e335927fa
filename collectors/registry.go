// Package collectors holds litesweep's concrete collectors, one subpackage
// per family (python environments, persistence, caches, lockfiles, history,
// credentials, live state, images, GitHub), and this registry, the only place
// that lists them. Nothing registers itself at init time.
package collectors

import (
	"fmt"
	"regexp"
	"time"

	"github.com/litesweep/litesweep/collectors/binaries"
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

// Host returns the file collectors of a host sweep (and of an image layer):
// every family's, in the families' order.
func Host(o Options) []sweep.Collector {
	if o.MaxHashSize <= 0 {
		o.MaxHashSize = DefaultMaxHashSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var cs []sweep.Collector
	if o.Matcher != nil {
		for _, f := range families() {
			cs = append(cs, f.Collectors(o)...)
		}
	}
	return cs
}

// Categories are the categories the file collectors declare, one list per
// family (each package's exported Categories): what package catalog
// assembles, so a new family is declared here only.
func Categories() [][]sweep.CategoryInfo {
	var out [][]sweep.CategoryInfo
	for _, f := range families() {
		out = append(out, f.Categories...)
	}
	return out
}

// family is one family of file collectors: the categories its packages
// declare and the collectors it builds for a sweep.
type family struct {
	Categories [][]sweep.CategoryInfo
	Collectors func(o Options) []sweep.Collector
}

// families is the one list of file collectors, in the order a sweep
// offers them files. A new family adds its entry here (a package
// ecosystem's collectors go into Ecosystems).
func families() []family {
	fs := []family{
		{[][]sweep.CategoryInfo{creds.Categories}, func(o Options) []sweep.Collector {
			return []sweep.Collector{creds.New(creds.Options{Pack: o.Matcher.Pack().Pack, Homes: o.Homes, Live: o.Live})}
		}},
		{[][]sweep.CategoryInfo{persistence.Categories}, func(o Options) []sweep.Collector {
			return []sweep.Collector{persistence.New(persistence.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize})}
		}},
	}
	for _, e := range Ecosystems() {
		fs = append(fs, family{e.Categories, e.Collectors})
	}
	return append(fs,
		family{[][]sweep.CategoryInfo{history.Categories}, func(o Options) []sweep.Collector {
			ho := history.Options{Matcher: o.Matcher, Homes: o.Homes, Window: o.Window, MaxBytes: o.MaxHashSize}
			return []sweep.Collector{history.New(ho), history.NewIPython(ho), history.NewNotebook(ho)}
		}},
		family{[][]sweep.CategoryInfo{recipes.Categories}, func(o Options) []sweep.Collector {
			return []sweep.Collector{recipes.New(recipes.Options{Matcher: o.Matcher, Homes: o.Homes})}
		}},
		family{[][]sweep.CategoryInfo{binaries.Categories}, func(o Options) []sweep.Collector {
			return []sweep.Collector{binaries.New(binaries.Options{Matcher: o.Matcher, Homes: o.Homes, MaxSize: max(o.MaxHashSize, binaries.DefaultMaxSize)})}
		}},
		// Last: its Finish matches copies of what the others learned.
		family{[][]sweep.CategoryInfo{payloads.Categories}, func(o Options) []sweep.Collector {
			return []sweep.Collector{payloads.New(payloads.Options{Homes: o.Homes, MaxHashSize: o.MaxHashSize})}
		}},
	)
}

// Ecosystem is one package ecosystem on a swept tree: how its names and
// versions compare (iocs.Ecosystem, which the matcher uses), the
// collectors that find its installs, lockfiles and caches, and the
// categories their packages declare. Each collector asks
// o.Matcher.Release(Eco, name, version); nothing else in the walk, the
// dispatch or the report model knows the ecosystem.
type Ecosystem struct {
	Eco        iocs.Ecosystem
	Categories [][]sweep.CategoryInfo
	Collectors func(o Options) []sweep.Collector
}

// Ecosystems lists the package ecosystems a host sweep (and each image
// layer) covers, in order.
func Ecosystems() []Ecosystem {
	return []Ecosystem{
		{Eco: iocs.PyPI, Categories: [][]sweep.CategoryInfo{python.Categories, lockfile.Categories, cache.Categories},
			Collectors: func(o Options) []sweep.Collector {
				return []sweep.Collector{
					python.New(python.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize}),
					lockfile.New(o.Matcher, o.Homes),
					cache.New(cache.Options{Matcher: o.Matcher, Homes: o.Homes, MaxHashSize: o.MaxHashSize}),
				}
			}},
		{Eco: iocs.NPM, Categories: [][]sweep.CategoryInfo{npm.Categories}, Collectors: func(o Options) []sweep.Collector {
			return npm.New(npm.Options{Matcher: o.Matcher, Homes: o.Homes})
		}},
		{Eco: iocs.VSCode, Categories: [][]sweep.CategoryInfo{extensions.Categories}, Collectors: func(o Options) []sweep.Collector {
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

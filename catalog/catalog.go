// Package catalog assembles the finding categories that every collector
// and target declares (each package's exported Categories, next to its
// typed constants) into the one sweep.Catalog that the timeline's
// verdicts and the renderers read. It holds no state: All builds the
// catalogue from the packages' read-only declarations.
//
// A new file collector adds its list here, a new target its Categories
// method (the registry lists it); TestEveryEmittedCategoryIsDeclared fails
// until it does.
package catalog

import (
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
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets"
	"github.com/litesweep/litesweep/targets/images"
)

// lists are the declarations, file collectors first, then every
// registered target's (package targets).
func lists() [][]sweep.CategoryInfo {
	ls := [][]sweep.CategoryInfo{
		python.Categories, persistence.Categories, cache.Categories, lockfile.Categories,
		npm.Categories, extensions.Categories, history.Categories, recipes.Categories, creds.Categories, payloads.Categories,
	}
	for _, t := range targets.All() {
		ls = append(ls, t.Categories())
	}
	return ls
}

// New assembles the catalogue, refusing a category declared twice or a
// declaration without its texts.
func New() (sweep.Catalog, error) {
	c, err := sweep.NewCatalog(lists()...)
	if err != nil {
		return sweep.Catalog{}, err
	}
	return c.WithImageHelp(images.ImageHelp), nil
}

// All is New for callers that rely on the declarations being valid, which
// this package's tests guarantee; it panics on an invalid declaration.
func All() sweep.Catalog {
	c, err := New()
	if err != nil {
		panic("catalog: " + err.Error())
	}
	return c
}

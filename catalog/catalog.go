// Package catalog assembles the finding categories that every collector
// and target declares (each package's exported Categories, next to its
// typed constants) into the one sweep.Catalog that the timeline's
// verdicts and the renderers read. It holds no state: All builds the
// catalogue from the packages' read-only declarations.
//
// A new emitter adds its list here; TestEveryEmittedCategoryIsDeclared
// fails until it does.
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
	"github.com/litesweep/litesweep/targets/ghorg"
	"github.com/litesweep/litesweep/targets/images"
	"github.com/litesweep/litesweep/targets/kube"
	"github.com/litesweep/litesweep/targets/live"
	"github.com/litesweep/litesweep/targets/mirror"
	"github.com/litesweep/litesweep/targets/sbom"
)

// lists are the declarations, file collectors first, then the targets.
func lists() [][]sweep.CategoryInfo {
	return [][]sweep.CategoryInfo{
		python.Categories, persistence.Categories, cache.Categories, lockfile.Categories,
		npm.Categories, extensions.Categories, history.Categories, recipes.Categories, creds.Categories, payloads.Categories,
		live.Categories, images.Categories, ghorg.Categories, kube.Categories, sbom.Categories, mirror.Categories,
	}
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

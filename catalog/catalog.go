// Package catalog assembles the finding categories that every collector
// and target declares (each package's exported Categories, next to its
// typed constants) into the one sweep.Catalog that the timeline's
// verdicts and the renderers read. It holds no state: All builds the
// catalogue from the packages' read-only declarations.
//
// Nothing is listed here: a new file collector declares its Categories in
// its package and names them in its collectors/registry.go entry, a new
// target returns them from its Categories method (targets/registry.go
// lists it); TestEveryEmittedCategoryIsDeclared fails until it does.
package catalog

import (
	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/targets"
	"github.com/litesweep/litesweep/targets/images"
)

// lists are the declarations: the file collectors' (collectors.Categories,
// from the one registry of collectors), then every registered target's
// (package targets).
func lists() [][]sweep.CategoryInfo {
	ls := collectors.Categories()
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

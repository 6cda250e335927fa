package sweep

import (
	"fmt"
	"sort"
)

// Category says what kind of evidence a finding is ("python-package",
// "ci-log", "image/build-step", ...). Every category is a typed constant
// declared by the collector or target that emits it, next to a
// CategoryInfo in that package's exported Categories list; package catalog
// assembles those lists into one Catalog. Code outside the emitter never
// compares a category with a string: it reads the declaration (Catalog).
// In JSON a category is its bare string; a report written by an older
// version may hold a category no package declares any more, and every
// reader treats such a finding generically.
type Category string

// CategoryInfo declares one category: what its findings are, the text of
// its SARIF rule and what to do about one, and how the per-environment
// verdict reads it.
type CategoryInfo struct {
	Category Category
	// Description says in a sentence or two what a finding of this
	// category is and how it was found (SARIF fullDescription of the
	// category's rule, docs).
	Description string
	// Short names the category in a few words (SARIF shortDescription).
	Short string
	// Help is what to do about a finding of this category, one step per
	// element, after the severity's first step (SARIF rule help).
	Help []string
	// Ran: a finding of this category (medium or above) is evidence that
	// the payload ran (a running process, a module an interpreter
	// imported), not only that it is or was present.
	Ran bool
	// Runtime: observed on the running system (a process, a connection, a
	// loaded unit) rather than in a file. Its Finding.Environment is a
	// guess from an interpreter path, so it only attaches to an
	// environment the sweep recorded.
	Runtime bool
}

// Catalog is the read-only set of declared categories, looked up by
// category. The zero Catalog declares nothing: every category reads as
// unknown (rendered generically, neither ran nor runtime evidence).
type Catalog struct {
	all   []CategoryInfo
	index map[Category]int
	image []string
}

// NewCatalog assembles declaration lists into a Catalog. It refuses a
// category declared twice and a declaration without its category,
// description, short text or help.
func NewCatalog(lists ...[]CategoryInfo) (Catalog, error) {
	c := Catalog{index: map[Category]int{}}
	for _, l := range lists {
		for _, ci := range l {
			switch {
			case ci.Category == "":
				return Catalog{}, fmt.Errorf("category declaration %q has no category", ci.Short)
			case ci.Description == "" || ci.Short == "" || len(ci.Help) == 0:
				return Catalog{}, fmt.Errorf("category %q: declaration needs a description, short text and help", ci.Category)
			}
			if _, dup := c.index[ci.Category]; dup {
				return Catalog{}, fmt.Errorf("category %q declared twice", ci.Category)
			}
			c.index[ci.Category] = len(c.all)
			c.all = append(c.all, ci)
		}
	}
	return c, nil
}

// Lookup returns the declaration of cat; ok is false for a category this
// build does not declare.
func (c Catalog) Lookup(cat Category) (CategoryInfo, bool) {
	i, ok := c.index[cat]
	if !ok {
		return CategoryInfo{}, false
	}
	return c.all[i], true
}

// Ran reports whether cat is declared as evidence that the payload ran.
func (c Catalog) Ran(cat Category) bool {
	ci, _ := c.Lookup(cat)
	return ci.Ran
}

// Runtime reports whether cat is declared as an observation of the
// running system.
func (c Catalog) Runtime(cat Category) bool {
	ci, _ := c.Lookup(cat)
	return ci.Runtime
}

// All returns a copy of every declaration, sorted by category.
func (c Catalog) All() []CategoryInfo {
	out := append([]CategoryInfo(nil), c.all...)
	sort.Slice(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	return out
}

// WithImageHelp returns c with the steps to take about any finding located
// in a container image (declared by the images target), which follow the
// category's own help wherever the finding came from.
func (c Catalog) WithImageHelp(steps []string) Catalog {
	c.image = steps
	return c
}

// ImageHelp is what to do about any finding located in an image, after
// its category's help (nil unless set with WithImageHelp).
func (c Catalog) ImageHelp() []string { return c.image }

// ErrorKind classifies an Error: whether it leaves something unchecked.
type ErrorKind string

// Error kinds (Error.Kind), declared here once.
const (
	ErrKindError      ErrorKind = "error"      // could not check: counts against CLEAN
	ErrKindUnverified ErrorKind = "unverified" // evidence present but unreadable or gone: counts against CLEAN
	ErrKindSkipped    ErrorKind = "skipped"    // deliberately not read, with the reason: does not count
)

package catalog_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/sweep"
)

// olderReport is the one fixture that deliberately holds a category this
// version does not declare: a saved report written by a version before
// the categories were declared (see fleet/testdata/README.md). The
// merge and its renderers must treat such a finding generically.
const olderReport = "fleet/testdata/older/web-03.json"

// TestFixtureCategoriesAreDeclared reads every JSON file under the
// module's testdata directories (reports, fleet files, goldens, SARIF) and
// fails on a finding whose category no collector or target declares, so
// no renderer or merge test passes on an invented category that real
// output never holds. A finding is any JSON object with a string
// "category" (report findings, fleet indexes, SARIF result properties);
// a SARIF rule id "litesweep/<category>" counts too. Files that are not
// JSON (truncated or garbage fixtures) are skipped.
func TestFixtureCategoriesAreDeclared(t *testing.T) {
	cat := catalog.All()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.Type().IsRegular() && strings.Contains("/"+rel, "/testdata/") &&
			(strings.HasSuffix(rel, ".json") || strings.HasSuffix(rel, ".golden") || strings.HasSuffix(rel, ".sarif")) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	seen, findings, olderUnknown := 0, 0, 0
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			continue // a deliberately broken fixture, or not JSON
		}
		seen++
		var cats []string
		collectCategories(doc, &cats)
		findings += len(cats)
		for _, c := range cats {
			if _, ok := cat.Lookup(sweep.Category(c)); ok {
				continue
			}
			if rel == olderReport {
				olderUnknown++
				continue
			}
			t.Errorf("%s: category %q is not declared by any collector (catalog.All): use the category a real collector emits for that finding (docs/categories.md)", rel, c)
		}
	}
	if seen < 10 || findings < 50 {
		t.Errorf("read %d JSON fixtures with %d categories: the walk missed the testdata", seen, findings)
	}
	if olderUnknown == 0 {
		t.Errorf("%s holds no undeclared category: the older-version fixture lost its point", olderReport)
	}
	t.Logf("%d JSON fixtures, %d categories checked", seen, findings)
}

// collectCategories appends every category v holds: the string value of
// a "category" key anywhere, and the category of a SARIF rule id
// "litesweep/<category>".
func collectCategories(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x["category"].(string); ok {
			*out = append(*out, c)
		}
		for _, k := range []string{"ruleId", "id"} {
			if s, ok := x[k].(string); ok {
				if c, ok := strings.CutPrefix(s, "litesweep/"); ok && (k == "ruleId" || x["shortDescription"] != nil) {
					*out = append(*out, c)
				}
			}
		}
		for _, e := range x {
			collectCategories(e, out)
		}
	case []any:
		for _, e := range x {
			collectCategories(e, out)
		}
	}
}

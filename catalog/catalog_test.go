package catalog_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/catalog"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

const sweepPath = "github.com/litesweep/litesweep/sweep"

func TestCatalogDeclarations(t *testing.T) {
	c, err := catalog.New()
	if err != nil {
		t.Fatal(err)
	}
	all := c.All()
	if len(all) == 0 {
		t.Fatal("empty catalogue")
	}
	for _, ci := range all {
		if ci.Description == "" || ci.Short == "" || len(ci.Help) == 0 {
			t.Errorf("%s: declaration without its texts: %+v", ci.Category, ci)
		}
		for _, h := range ci.Help {
			if strings.TrimSpace(h) == "" || !strings.HasSuffix(h, ".") {
				t.Errorf("%s: help step %q is not a sentence", ci.Category, h)
			}
		}
	}
	// Only what the running system shows is runtime evidence, and all of it
	// is evidence that the payload ran.
	for _, ci := range all {
		if ci.Runtime && !ci.Ran {
			t.Errorf("%s: runtime but not ran evidence", ci.Category)
		}
	}
}

// goPackage is the part of `go list -json` this test reads.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	Module     *struct{ Main bool }
}

// modulePackages lists the module's packages (non-test files, as the build
// selects them for this platform) and the export data of every dependency.
func modulePackages(t *testing.T) ([]goPackage, map[string]string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-e", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,CgoFiles,Export,Module", "./...")
	cmd.Dir = ".."
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (the go command lists the module's packages): %v", err)
	}
	var own []goPackage
	exports := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Main {
			own = append(own, p)
		}
	}
	if len(own) < 20 {
		t.Fatalf("go list found only %d packages of the module", len(own))
	}
	return own, exports
}

// named reports whether t is the named type sweep.<name>.
func named(t types.Type, name string) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == sweepPath && n.Obj().Name() == name
}

// TestEveryEmittedCategoryIsDeclared type-checks every non-test file of the
// module and follows where category and error-kind values come from. A
// value of type sweep.Category can only be made from a constant or a
// conversion, so the test asserts that:
//   - no string literal and no conversion makes a Category or an ErrorKind
//     outside a const declaration (`Category: "ci"`, `case "python":`,
//     `f.Category == "process"` are all refused);
//   - every constant Category value anywhere (a finding's field, a
//     comparison, a switch case) is declared in the catalogue, so every
//     category a collector can emit, and every branch a renderer or the
//     timeline takes on one, is declared;
//   - every declared constant is in the catalogue once, and each
//     declaration names a constant of its own package;
//   - nothing converts a category back to a string to test its text
//     (strings.Contains(string(f.Category), "execution")).
func TestEveryEmittedCategoryIsDeclared(t *testing.T) {
	cat := catalog.All()
	inCatalog := map[string]bool{}
	for _, ci := range cat.All() {
		inCatalog[string(ci.Category)] = true
	}
	pkgs, exports := modulePackages(t)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f := exports[path]
		if f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	type constDecl struct{ pkg, name string }
	declaredBy := map[string][]constDecl{} // category value → constants
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	bad := func(pos token.Pos, format string, a ...any) {
		p := fset.Position(pos)
		if rel, err := filepath.Rel(root, p.Filename); err == nil {
			p.Filename = rel
		}
		problems = append(problems, p.String()+": "+fmt.Sprintf(format, a...))
	}
	checked := 0
	for _, p := range pkgs {
		var files []*ast.File
		for _, name := range append(append([]string(nil), p.GoFiles...), p.CgoFiles...) {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		if len(files) == 0 {
			continue
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp, FakeImportC: true}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", p.ImportPath, err)
		}
		checked++
		for _, f := range files {
			checkFile(f, p.ImportPath, info, inCatalog, bad)
		}
		for id, obj := range info.Defs {
			c, ok := obj.(*types.Const)
			if !ok {
				continue
			}
			switch {
			case named(c.Type(), "Category"):
				v := constant.StringVal(c.Val())
				declaredBy[v] = append(declaredBy[v], constDecl{p.ImportPath, c.Name()})
				if !inCatalog[v] {
					bad(id.Pos(), "category constant %s = %q is not in the catalogue: add a CategoryInfo to %s's Categories and name that list in its collectors/registry.go entry (a target: its Categories method)", c.Name(), v, p.ImportPath)
				}
			case named(c.Type(), "ErrorKind") && p.ImportPath != sweepPath:
				bad(id.Pos(), "error kind constant %s declared outside package sweep: use sweep.ErrKind*", c.Name())
			}
		}
	}
	for v, ds := range declaredBy {
		if len(ds) > 1 {
			problems = append(problems, fmt.Sprintf("category %q is declared by %d constants %v: declare it once", v, len(ds), ds))
		}
	}
	for v := range inCatalog {
		if len(declaredBy[v]) == 0 {
			problems = append(problems, fmt.Sprintf("catalogue entry %q has no typed constant", v))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("type-checked %d packages; %d categories declared", checked, len(inCatalog))
	emitter := map[sweep.Category]string{}
	for v, ds := range declaredBy {
		emitter[sweep.Category(v)] = strings.TrimPrefix(ds[0].pkg, "github.com/litesweep/litesweep/") + "." + ds[0].name
	}
	sweeptest.Golden(t, filepath.Join("..", "docs", "categories.md"), categoriesDoc(cat, emitter), *update)
}

var update = flag.Bool("update", false, "rewrite docs/categories.md")

// categoriesDoc is docs/categories.md: the catalogue as a table.
func categoriesDoc(cat sweep.Catalog, emitter map[sweep.Category]string) []byte {
	var b strings.Builder
	b.WriteString("# Finding categories\n\n")
	b.WriteString("Generated from the declarations (`go test ./catalog -update`); do not edit. Each category is a typed\n")
	b.WriteString("constant declared by the package that emits it, with its description, SARIF rule text and help\n")
	b.WriteString("(`sweep.CategoryInfo`); `catalog.All` assembles them. *Ran*: evidence that the payload ran (the\n")
	b.WriteString("per-environment verdict \"payload present and executed\"). *Runtime*: observed on the running system.\n")
	b.WriteString("A report may hold a category this table does not list (written by another version): it renders\n")
	b.WriteString("generically.\n\n")
	b.WriteString("| Category | Declared by | Ran | Runtime | Short | Description |\n|---|---|---|---|---|---|\n")
	yes := func(v bool) string {
		if v {
			return "yes"
		}
		return ""
	}
	for _, ci := range cat.All() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s |\n", ci.Category, emitter[ci.Category], yes(ci.Ran), yes(ci.Runtime),
			strings.ReplaceAll(ci.Short, "|", "\\|"), strings.ReplaceAll(ci.Description, "|", "\\|"))
	}
	b.WriteString("\nFor a finding located in a container image, the image steps follow its category's help:\n\n")
	for _, h := range cat.ImageHelp() {
		b.WriteString("- " + h + "\n")
	}
	return []byte(b.String())
}

// checkFile applies the rules of TestEveryEmittedCategoryIsDeclared to one
// file.
func checkFile(f *ast.File, pkg string, info *types.Info, inCatalog map[string]bool, bad func(token.Pos, string, ...any)) {
	isConv := func(call *ast.CallExpr, name string) bool {
		tv, ok := info.Types[call.Fun]
		return ok && tv.IsType() && named(tv.Type, name)
	}
	// stringOfCategory is string(x) with x a category.
	stringOfCategory := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return false
		}
		tv, ok := info.Types[call.Fun]
		if !ok || !tv.IsType() || tv.Type != types.Typ[types.String] {
			return false
		}
		return named(info.TypeOf(call.Args[0]), "Category")
	}
	var walk func(n ast.Node, inConst bool)
	walk = func(n ast.Node, inConst bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.GenDecl:
				if x.Tok == token.CONST && !inConst {
					for _, s := range x.Specs {
						walk(s, true)
					}
					return false
				}
			case *ast.BasicLit:
				// "" is the zero value (no category), not a category.
				if tv, ok := info.Types[x]; ok && !inConst && x.Value != `""` {
					switch {
					case named(tv.Type, "Category"):
						bad(x.Pos(), "string literal %s used as a category: use the emitting package's declared constant", x.Value)
					case named(tv.Type, "ErrorKind"):
						bad(x.Pos(), "string literal %s used as an error kind: use sweep.ErrKind*", x.Value)
					}
				}
			case *ast.CallExpr:
				if !inConst && (isConv(x, "Category") || isConv(x, "ErrorKind")) {
					bad(x.Pos(), "conversion to a category or error kind: use a declared constant")
				}
				if fn, ok := ast.Unparen(x.Fun).(*ast.SelectorExpr); ok {
					if id, ok := fn.X.(*ast.Ident); ok {
						if pn, ok := info.Uses[id].(*types.PkgName); ok && pn.Imported().Path() == "strings" {
							for _, a := range x.Args {
								if stringOfCategory(a) {
									bad(a.Pos(), "strings.%s on a category's text: read its declaration (sweep.Catalog) instead", fn.Sel.Name)
								}
							}
						}
					}
				}
			case *ast.BinaryExpr:
				if (x.Op == token.EQL || x.Op == token.NEQ) && (stringOfCategory(x.X) || stringOfCategory(x.Y)) {
					bad(x.Pos(), "a category compared as a string: compare with a declared constant")
				}
			case *ast.CompositeLit:
				if named(info.TypeOf(x), "CategoryInfo") {
					for _, el := range x.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if !ok {
							bad(el.Pos(), "CategoryInfo without field names")
							continue
						}
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Category" {
							id, ok := kv.Value.(*ast.Ident)
							if c, isConst := info.Uses[id].(*types.Const); !ok || !isConst || c.Pkg().Path() != pkg {
								bad(kv.Value.Pos(), "a CategoryInfo declares a constant of its own package")
							}
						}
					}
				}
			}
			if e, ok := n.(ast.Expr); ok {
				if tv, ok := info.Types[e]; ok && tv.Value != nil && named(tv.Type, "Category") {
					if v := constant.StringVal(tv.Value); v != "" && !inCatalog[v] {
						bad(e.Pos(), "category %q is not declared in the catalogue", v)
					}
				}
			}
			return true
		})
	}
	walk(f, false)
}

// TestCatalogUnknownCategory: a category no package declares (an older
// report's) is neither ran nor runtime evidence.
func TestCatalogUnknownCategory(t *testing.T) {
	c := catalog.All()
	gone := sweep.Category(strings.ToUpper("gone"))
	if _, ok := c.Lookup(gone); ok || c.Ran(gone) || c.Runtime(gone) {
		t.Errorf("unknown category reads as declared")
	}
	if len(c.ImageHelp()) == 0 {
		t.Errorf("the catalogue has no image steps")
	}
}

package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// parseDir parses the non-test Go files of dir.
func parseDir(t *testing.T, dir string) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = f
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

// commandOf is the command a cmd_*.go file belongs to: cmd_iocs_learned.go
// is part of iocs. cmd_common.go and main.go belong to every command ("").
func commandOf(file string) string {
	if file == "cmd_common.go" || !strings.HasPrefix(file, "cmd_") {
		return ""
	}
	name := strings.TrimSuffix(strings.TrimPrefix(file, "cmd_"), ".go")
	name, _, _ = strings.Cut(name, "_")
	return name
}

// TestCommandFilesDoNotCallEachOther keeps the commands thin and separate:
// a cmd_X.go may call what cmd_common.go, main.go and its own files declare,
// and the scan layer, never a function of another command's file (shared
// helpers move to cmd_common.go, shared pipelines to package scan).
func TestCommandFilesDoNotCallEachOther(t *testing.T) {
	files := parseDir(t, ".")
	declared := map[string]string{} // top-level function -> file
	for name, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				declared[fd.Name.Name] = name
			}
		}
	}
	if declared["runHost"] != "cmd_host.go" || declared["emitReport"] != "cmd_common.go" {
		t.Fatalf("the test no longer finds the commands' functions: %v", declared)
	}
	var bad []string
	for name, f := range files {
		cmd := commandOf(name)
		if cmd == "" {
			continue
		}
		// Field and method names (x.Name) and composite-literal keys
		// (Name: ...) are not references to top-level functions.
		notRef := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				notRef[n.Sel] = true
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					notRef[id] = true
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok || notRef[id] || (id.Obj != nil && id.Obj.Kind != ast.Fun) {
				return true // a local name shadowing a function is not a use of it
			}
			// Calls and function values alike (Action: runHost).
			if in, ok := declared[id.Name]; ok {
				if other := commandOf(in); other != "" && other != cmd {
					bad = append(bad, name+" uses "+id.Name+" of "+in)
				}
			}
			return true
		})
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("command files reach into other commands' files (move the helper to cmd_common.go or package scan):\n%s", strings.Join(bad, "\n"))
	}
}

// moduleFiles parses every non-test Go file of the module (imports and
// bodies), keyed by its slash path from the module root; testdata and
// hidden directories are left out.
func moduleFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != "." && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(p)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestReportFinishedOnce: in the whole module (the fleet included) a
// report is finalised in exactly one place, scan.finish, and finish is
// called only by scan.Run, the one entry point that makes a report: a
// target sweeps into the report Run started, and Run finishes it. The
// benchmark report generator (bench/genreports, a development tool that
// writes synthetic saved reports) is the one exception.
func TestReportFinishedOnce(t *testing.T) {
	var finalize, finishes []string
	for name, f := range moduleFiles(t) {
		if strings.HasPrefix(name, "bench/") {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if fun.Sel.Name == "Finalize" {
						finalize = append(finalize, name+":"+fd.Name.Name)
					}
				case *ast.Ident:
					if fun.Name == "finish" && f.Name.Name == "scan" {
						finishes = append(finishes, name+":"+fd.Name.Name)
					}
				}
				return true
			})
		}
	}
	if len(finalize) != 1 || finalize[0] != "scan/scan.go:finish" {
		t.Errorf("Finalize is called in %v; want only in scan/scan.go:finish", finalize)
	}
	if len(finishes) != 1 || finishes[0] != "scan/scan.go:Run" {
		t.Errorf("finish is called in %v; want only in scan/scan.go:Run", finishes)
	}
	entries := 0
	for name, f := range parseDir(t, "scan") {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() && returnsReport(fd) {
				entries++
				if fd.Name.Name != "Run" {
					t.Errorf("scan/%s: %s returns a report; only Run makes reports", name, fd.Name.Name)
				}
			}
		}
	}
	if entries != 1 {
		t.Errorf("found %d functions returning *sweep.Report in package scan; want Run", entries)
	}
}

// commandLayers are the module's folders the commands (package main) may
// import: flags become scan's options, scan.Run sweeps, render writes;
// sweep holds the report model, iocs the packs, fleet and remediate the
// saved-report and rotation workflows, catalog the categories. Never a
// target (targets/...) or a collector (collectors/...): what a command
// needs of them, scan re-exports (its defaults) or a lower layer holds.
var commandLayers = []string{"catalog", "fleet", "iocs", "remediate", "render", "scan", "sweep"}

// TestCommandsImportNoEngine: the commands (package main) reach targets
// and collectors only through scan.Run and the options it takes, never a
// target's or a collector's package directly.
func TestCommandsImportNoEngine(t *testing.T) {
	const module = "github.com/litesweep/litesweep/"
	for name, f := range parseDir(t, ".") {
		for _, imp := range f.Imports {
			p, ok := strings.CutPrefix(strings.Trim(imp.Path.Value, `"`), module)
			if !ok {
				continue
			}
			top, _, _ := strings.Cut(p, "/")
			if !slices.Contains(commandLayers, top) {
				t.Errorf("%s imports %s: commands reach only %v (go through scan: options, Run)", name, p, commandLayers)
			}
		}
	}
}

// layerRanks reads the layer table of docs/ARCHITECTURE.md ("Layers,
// bottom up"): each top-level folder its packages column names (the first
// row naming a folder places it; package main is the root) gets its row's
// rank.
func layerRanks(t *testing.T) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "## Layers, bottom up")
	if !ok {
		t.Fatal("docs/ARCHITECTURE.md has no \"Layers, bottom up\" section")
	}
	table, _, _ = strings.Cut(table, "\n\n## ")
	ranks := map[string]int{}
	row := 0
	for _, line := range strings.Split(table, "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 4 || strings.HasPrefix(strings.TrimSpace(cols[1]), "---") || strings.TrimSpace(cols[1]) == "layer" {
			continue
		}
		row++
		pkgs := cols[2]
		if strings.Contains(pkgs, "package `main`") {
			ranks["."] = row
		}
		for _, tok := range codeSpans.FindAllStringSubmatch(pkgs, -1) {
			top, _, _ := strings.Cut(tok[1], "/")
			top, _, _ = strings.Cut(top, "{")
			if top == "" || strings.ContainsAny(top, "*.") {
				continue
			}
			if _, seen := ranks[top]; !seen {
				ranks[top] = row
			}
		}
	}
	if len(ranks) < 8 {
		t.Fatalf("read only %v from the layer table of docs/ARCHITECTURE.md", ranks)
	}
	return ranks
}

var codeSpans = regexp.MustCompile("`([^`]+)`")

// TestLayersFollowTheTable: what docs/ARCHITECTURE.md's layer table
// claims, "a folder imports only folders above it in this table", holds
// for every non-test import between the module's top-level folders; a
// folder the table does not place fails too. It also rules out a cycle
// between top-level folders.
func TestLayersFollowTheTable(t *testing.T) {
	const module = "github.com/litesweep/litesweep"
	ranks := layerRanks(t)
	var bad []string
	for name, f := range moduleFiles(t) {
		from, _, _ := strings.Cut(name, "/")
		if !strings.Contains(name, "/") {
			from = "."
		}
		rf, ok := ranks[from]
		if !ok {
			bad = append(bad, name+": folder "+from+" is not in the layer table")
			continue
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			rest, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			to, _, _ := strings.Cut(rest, "/")
			if to == from {
				continue
			}
			if rt, ok := ranks[to]; !ok || rt >= rf {
				bad = append(bad, fmt.Sprintf("%s imports %s: layer %s (row %d) may import only rows above it, %s is row %d", name, rest, from, rf, to, rt))
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("imports against docs/ARCHITECTURE.md's layer table:\n%s", strings.Join(bad, "\n"))
	}
}

// returnsReport reports whether fd returns (*sweep.Report, error).
func returnsReport(fd *ast.FuncDecl) bool {
	r := fd.Type.Results
	if r == nil || len(r.List) != 2 {
		return false
	}
	star, ok := r.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Report"
}

// TestScanKnowsNoFlags: package scan takes options, never flags; no
// string of it names a flag ("--jobs"): a refused option is a
// sweep.OptionError naming the field, which the command maps to its flag.
func TestScanKnowsNoFlags(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s("'])--[a-z][a-z-]+`)
	for name, f := range parseDir(t, "scan") {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && flag.MatchString(lit.Value) {
				t.Errorf("scan/%s: %s names a flag: scan knows options (return a sweep.OptionError)", name, lit.Value)
			}
			return true
		})
	}
}

package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
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

// TestReportFinishedOnce: package main and package scan finalise a report
// in exactly one place, scan.finish, and every entry point of package scan
// that returns a report returns what finish made (or nil with an error).
// The commands only render.
func TestReportFinishedOnce(t *testing.T) {
	var finalize []string
	for _, dir := range []string{".", "scan"} {
		for name, f := range parseDir(t, dir) {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Finalize" {
							finalize = append(finalize, filepath.Join(dir, name)+":"+fd.Name.Name)
						}
					}
					return true
				})
			}
		}
	}
	if len(finalize) != 1 || finalize[0] != "scan/scan.go:finish" {
		t.Errorf("Finalize is called in %v; want only in scan/scan.go:finish", finalize)
	}

	entries := 0
	for name, f := range parseDir(t, "scan") {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || !returnsReport(fd) {
				continue
			}
			entries++
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				ret, ok := n.(*ast.ReturnStmt)
				if !ok || len(ret.Results) == 0 {
					return true
				}
				switch first := ret.Results[0].(type) {
				case *ast.Ident:
					if first.Name == "nil" {
						return true
					}
				case *ast.CallExpr:
					if id, ok := first.Fun.(*ast.Ident); ok && id.Name == "finish" {
						return true
					}
				}
				t.Errorf("scan/%s: %s returns a report that finish did not make", name, fd.Name.Name)
				return true
			})
		}
	}
	if entries < 6 {
		t.Errorf("found %d entry points returning *sweep.Report in package scan; want Host, Images, GitHub, Kube, SBOM, Mirror", entries)
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

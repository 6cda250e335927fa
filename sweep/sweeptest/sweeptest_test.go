package sweeptest_test

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// pathCollector reports every regular file it is handed as a finding.
type pathCollector struct{}

func (pathCollector) Name() string                     { return "test/paths" }
func (pathCollector) FileRequired(e *sweep.Entry) bool { return e.Type.IsRegular() }
func (pathCollector) Collect(_ context.Context, f *sweep.File, out sweep.Sink) {
	b, err := f.ReadAll(64)
	if err != nil {
		out.Error(sweep.ErrorAt(f.Location(), "test/paths", err))
		return
	}
	out.Finding(sweep.Finding{Title: string(b), Location: f.Location()})
}

func summary(fs []sweep.Finding, es []sweep.Error) []string {
	var out []string
	for _, f := range fs {
		out = append(out, "finding "+f.Location.Path+" "+f.Title)
	}
	for _, e := range es {
		out = append(out, string(e.Kind)+" "+e.Location.Path+" "+e.Message)
	}
	slices.Sort(out)
	return out
}

func TestMkTreeAndSweep(t *testing.T) {
	strs := sweeptest.MkTree(t, map[string]string{"/a/b.txt": "b", "proc/1/environ": "skipped", "run/x": "skipped"})
	byts := sweeptest.MkTree(t, map[string][]byte{"a/b.txt": []byte("b"), "c": nil})
	for _, tc := range []struct {
		root string
		want []string
	}{
		{strs, []string{
			"finding /a/b.txt b",
			"skipped /proc not walked: pseudo filesystem",
			"skipped /run not walked: runtime state (use --pseudo to include)",
		}},
		{byts, []string{"finding /a/b.txt b", "finding /c "}},
	} {
		got := summary(sweeptest.Sweep(t, tc.root, pathCollector{}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("sweep of %v:\n got %q\nwant %q", tc.root, got, tc.want)
		}
	}
	fi, err := os.Stat(filepath.Join(strs, "a", "b.txt"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode: %v %v", fi, err)
	}
}

// Walk keeps the caller's walker options: without skips /proc is walked.
func TestWalkKeepsOptions(t *testing.T) {
	root := sweeptest.MkTree(t, map[string]string{"proc/1/environ": "walked"})
	w := &sweep.Walker{Root: root, Collectors: []sweep.Collector{pathCollector{}}, Workers: 1}
	c := sweeptest.Walk(t, w)
	if got, want := summary(c.Drain()), []string{"finding /proc/1/environ walked"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if w.Counters == nil || w.Counters.FilesRead.Load() != 1 || w.Sink != c {
		t.Errorf("walker not wired to the returned collection: %+v", w)
	}
}

func TestMatcher(t *testing.T) {
	m := sweeptest.Matcher(t)
	if _, bad := m.Package("LiteLLM", "1.82.8"); !bad {
		t.Error("builtin pack does not flag litellm 1.82.8")
	}
	if _, bad := m.Package("litellm", "1.82.6"); bad {
		t.Error("builtin pack flags the clean litellm 1.82.6")
	}
}

func TestMatcherWith(t *testing.T) {
	const sysmon = "6cf223aea68b0e8031ff68251e30b6017a0513fe152e235c26f248ba1e15c92a"
	fixture := strings.Repeat("ab", 32)
	if _, ok := sweeptest.Matcher(t).File(sysmon); !ok {
		t.Fatal("the builtin pack no longer names sysmon.py's hash: pick another")
	}
	m := sweeptest.MatcherWith(t, sysmon, fixture)
	if _, ok := m.File(fixture); !ok {
		t.Error("replaced hash not matched")
	}
	if _, ok := m.File(sysmon); ok {
		t.Error("original hash still matched")
	}
	if !strings.HasPrefix(m.Pack().From, "test/") {
		t.Errorf("pack from %q", m.Pack().From)
	}
	for _, oldnew := range [][]string{
		{"no such text in the pack", "x"}, // absent
		{"litellm", "x"},                  // more than once
		{sysmon},                          // odd
	} {
		r := record(t, func(tb testing.TB) { sweeptest.MatcherWith(tb, oldnew...) })
		if !r.fatal {
			t.Errorf("MatcherWith(%q) did not fail", oldnew)
		}
	}
}

// recorder is a testing.TB that records failures instead of failing; like
// the testing package, Fatal stops the calling goroutine.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

// record runs fn with a recorder on its own goroutine and returns what it
// recorded.
func record(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%v", fmt.Sprint(args...)) }

func TestGolden(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nested", "out.golden")
	r := record(t, func(tb testing.TB) { sweeptest.Golden(tb, p, []byte("a\nb\n"), false) })
	if !r.fatal || len(r.errors) != 1 || !strings.Contains(r.errors[0], "-update") {
		t.Fatalf("missing golden file not fatal: %+v", r)
	}

	sweeptest.Golden(t, p, []byte("a\nb\n"), true) // creates the directory
	if b, err := os.ReadFile(p); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("update wrote %q, %v", b, err)
	}
	r = record(t, func(tb testing.TB) { sweeptest.Golden(tb, p, []byte("a\nb\n"), false) })
	if len(r.errors) != 0 {
		t.Errorf("equal output reported: %q", r.errors)
	}
	r = record(t, func(tb testing.TB) { sweeptest.Golden(tb, p, []byte("a\nB\n"), false) })
	if len(r.errors) != 1 || r.fatal || !strings.Contains(r.errors[0], "- b") || !strings.Contains(r.errors[0], "+ B") {
		t.Errorf("mismatch not reported with its lines: %+v", r)
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ want, got, out string }{
		{"x\n", "x\n", ""},
		{"1\n2\n3\n4\n5\n", "1\n2\n3\n4\nfive\n",
			"first difference at line 5 (want 6 lines, got 6)\n  2\n  3\n  4\n- 5\n- \n+ five\n+ \n"},
		{"a\n", "a\nb\n", "first difference at line 2 (want 2 lines, got 3)\n  a\n- \n+ b\n+ \n"},
		{"a\nb", "", "first difference at line 1 (want 2 lines, got 1)\n- a\n- b\n+ \n"},
	} {
		if got := sweeptest.FirstDiff(tc.want, tc.got); got != tc.out {
			t.Errorf("FirstDiff(%q, %q) =\n%s\nwant\n%s", tc.want, tc.got, got, tc.out)
		}
	}
}

func TestTestdata(t *testing.T) {
	if b := sweeptest.Testdata(t, "sub/x.txt"); string(b) != "x\n" {
		t.Errorf("Testdata = %q", b)
	}
	r := record(t, func(tb testing.TB) { sweeptest.Testdata(tb, "missing") })
	if !r.fatal {
		t.Error("a missing testdata file is not fatal")
	}
}

// TestOnlyTestsImportIt checks that no production file of the module
// imports this package.
func TestOnlyTestsImportIt(t *testing.T) {
	const self = "github.com/litesweep/litesweep/sweep/sweeptest"
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "sweeptest") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == self {
				t.Errorf("%s imports %s, which is for tests only", p, self)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("checked only %d files: is %s the module root?", checked, root)
	}
}

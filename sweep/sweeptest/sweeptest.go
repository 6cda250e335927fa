// Package sweeptest holds the helpers the tests of litesweep's packages
// share: temporary trees, a real walk over them, the builtin IOC matcher,
// testdata files and golden-file comparison.
//
// It is for tests only: no production package imports it (a test in this
// package checks). It imports sweep and iocs, so the internal tests of those
// two packages cannot use it.
package sweeptest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// Body is the content of a file written by MkTree or WriteFiles.
type Body interface{ ~string | ~[]byte }

// MkTree returns a new temporary directory holding files, keyed by slash
// path below the root (a leading "/" is allowed).
func MkTree[B Body](t testing.TB, files map[string]B) string {
	t.Helper()
	root := t.TempDir()
	WriteFiles(t, root, files)
	return root
}

// WriteFiles writes files, keyed by slash path, below root.
func WriteFiles[B Body](t testing.TB, root string, files map[string]B) {
	t.Helper()
	for p, body := range files {
		WriteFile(t, root, p, []byte(body))
	}
}

// WriteFile writes data at the slash path rel below root, creating the
// parent directories (0755); the file is 0644.
func WriteFile(t testing.TB, root, rel string, data []byte) {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Sweep runs a real sweep.Walker over root with the given collectors and
// sweep.DefaultSkips, and returns what they reported.
func Sweep(t testing.TB, root string, cs ...sweep.Collector) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	return Walk(t, &sweep.Walker{Root: root, Collectors: cs, Skips: sweep.DefaultSkips}).Drain()
}

// Walk runs w as configured by the caller (Root, Collectors, Skips,
// Workers...) with a new sweep.Collection as its sink, replacing w.Sink,
// and returns the collection. The collection counts errors into
// w.Counters, which is created when nil. A walk error fails the test.
func Walk(t testing.TB, w *sweep.Walker) *sweep.Collection {
	t.Helper()
	if w.Counters == nil {
		w.Counters = &sweep.Counters{}
	}
	sink := sweep.NewCollection(w.Counters)
	w.Sink = sink
	if err := w.Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sink
}

// Matcher compiles the builtin IOC pack.
func Matcher(t testing.TB) *iocs.Matcher {
	t.Helper()
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// MatcherFromYAML compiles a test pack (which may lack whole sections),
// such as one naming invented packages of several ecosystems.
func MatcherFromYAML(t testing.TB, yaml string) *iocs.Matcher {
	t.Helper()
	l, err := iocs.ParseWith([]byte(yaml), "test", iocs.LoadOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// MatcherWith compiles the builtin IOC packs with strings replaced, given
// as old, new pairs as for strings.NewReplacer: each old must occur exactly
// once across the packs (so a test notices when the packs change under
// it). Tests use it to put the hash of a harmless fixture, or a loopback
// address, where the real indicator stands. The packs are composed with
// iocs.Compose under the names "test/FILE".
func MatcherWith(t testing.TB, oldnew ...string) *iocs.Matcher {
	t.Helper()
	if len(oldnew)%2 != 0 {
		t.Fatalf("MatcherWith: odd number of old, new strings (%d)", len(oldnew))
	}
	srcs, err := iocs.BuiltinSources()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err = iocs.Replace(iocs.Renamed(srcs, "test/"), oldnew...)
	if err != nil {
		t.Fatal(err)
	}
	l, err := iocs.Compose(srcs, iocs.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Testdata reads testdata/name (a slash path) from the package under test:
// from testdata/fixtures.txtar when the archive holds name, else the file.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := ReadTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadTestdata is Testdata for callers without a testing.TB (resolvers).
func ReadTestdata(name string) ([]byte, error) {
	name = strings.TrimPrefix(name, "/")
	b, ok, err := archiveFile(filepath.Join("testdata", FixturesArchive), name)
	if err != nil || ok {
		return b, err
	}
	return os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
}

// Golden compares got with the golden file at path. With update (the
// caller's -update flag) it writes got there instead, creating the
// directory. A mismatch is reported with the first lines that differ.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, FirstDiff(string(want), string(got)))
	}
}

// FirstDiff shows where got first departs from want: the line number, a
// few lines of context, and the wanted and actual lines ("" when equal).
func FirstDiff(want, got string) string {
	if want == got {
		return ""
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (want %d lines, got %d)\n", i+1, len(wl), len(gl))
	for j := max(0, i-3); j < i; j++ {
		fmt.Fprintf(&b, "  %s\n", wl[j])
	}
	for j := i; j < min(len(wl), i+3); j++ {
		fmt.Fprintf(&b, "- %s\n", wl[j])
	}
	for j := i; j < min(len(gl), i+3); j++ {
		fmt.Fprintf(&b, "+ %s\n", gl[j])
	}
	return b.String()
}

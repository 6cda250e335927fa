package python

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

type result struct {
	findings []sweep.Finding
	errors   []sweep.Error
	envs     []sweep.Environment
}

// sweepTree runs the real walker with this collector over root.
func sweepTree(t *testing.T, root string, m *iocs.Matcher, maxHash int64) result {
	t.Helper()
	fsys := os.DirFS(root)
	homes := sweep.Homes(fsys)
	c := New(Options{Matcher: m, Homes: homes, MaxHashSize: maxHash})
	sink := sweeptest.Walk(t, &sweep.Walker{Root: root, Collectors: []sweep.Collector{c}, Skips: sweep.DefaultSkips, Workers: 4})
	f, e := sink.Drain()
	sort.Slice(f, func(i, j int) bool {
		if f[i].Location.Path != f[j].Location.Path {
			return f[i].Location.Path < f[j].Location.Path
		}
		return f[i].Title < f[j].Title
	})
	sort.Slice(e, func(i, j int) bool { return e[i].Location.Path+e[i].Message < e[j].Location.Path+e[j].Message })
	return result{findings: f, errors: e, envs: sink.Environments()}
}

// summary renders findings as "severity|category|path|title" lines.
func (r result) summary() []string {
	var out []string
	for _, f := range r.findings {
		out = append(out, string(f.Severity)+"|"+string(f.Category)+"|"+f.Location.Path+"|"+f.Title)
	}
	return out
}

func (r result) dump(t *testing.T) {
	t.Helper()
	for _, f := range r.findings {
		t.Logf("finding %s %s %s %q env=%s user=%s ev=%+v", f.Severity, f.Category, f.Location.Path, f.Title, f.Environment, f.User, f.Evidence)
	}
	for _, e := range r.errors {
		t.Logf("error %s %s %s", e.Kind, e.Location.Path, e.Message)
	}
	for _, e := range r.envs {
		t.Logf("env %+v", e)
	}
}

// unpackWheel extracts a fixture wheel into site (as an installer would,
// without bytecode) and writes INSTALLER.
func unpackWheel(t *testing.T, root, site string, w pyindex.Wheel, installer string) {
	t.Helper()
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		r, _ := f.Open()
		d, _ := io.ReadAll(r)
		r.Close()
		sweeptest.WriteFile(t, root, site+"/"+f.Name, d)
	}
	if installer != "" {
		sweeptest.WriteFile(t, root, site+"/"+w.DistInfo()+"/INSTALLER", []byte(installer+"\n"))
	}
}

func joinLines(s []string) string { return strings.Join(s, "\n") }

package cache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

func mkTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func sweepTree(t *testing.T, root string, c sweep.Collector) ([]sweep.Finding, []sweep.Error) {
	t.Helper()
	counters := &sweep.Counters{}
	sink := sweep.NewCollection(counters)
	w := &sweep.Walker{Root: root, Collectors: []sweep.Collector{c}, Sink: sink, Counters: counters}
	if err := w.Walk(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sink.Drain()
}

type pyindexMatcher struct{ m *iocs.Matcher }

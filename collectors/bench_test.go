package collectors_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// benchTree is LITESWEEP_BENCH_TREE (e.g. the tree bench/gentree.py makes)
// or a generated tree of 60,000 files shaped like a host.
func benchTree(b *testing.B) string {
	if t := os.Getenv("LITESWEEP_BENCH_TREE"); t != "" {
		return t
	}
	root := b.TempDir()
	for u := 0; u < 3; u++ {
		sp := filepath.Join(root, fmt.Sprintf("home/u%d/.venv/lib/python3.11/site-packages", u))
		for i := 0; i < 200; i++ {
			d := filepath.Join(sp, fmt.Sprintf("pkg%d-1.0.dist-info", i))
			must(b, os.MkdirAll(d, 0o755))
			for _, n := range []string{"METADATA", "RECORD", "WHEEL"} {
				must(b, os.WriteFile(filepath.Join(d, n), nil, 0o644))
			}
		}
	}
	for i := 0; i < 5000; i++ {
		d := filepath.Join(root, fmt.Sprintf("usr/share/d%d/e%d", i/50, i%50))
		must(b, os.MkdirAll(d, 0o755))
		for j := 0; j < 10; j++ {
			must(b, os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d.txt", j)), nil, 0o644))
		}
	}
	return root
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHostWalk measures the one walk with every host collector
// subscribed, against the same walk with none (the baseline), so the
// predicates' cost shows as a ratio. LITESWEEP_BENCH_WITHOUT=NAME[,NAME]
// adds the walk without those collectors (a collector's own cost, before
// and after, in the same run).
func BenchmarkHostWalk(b *testing.B) {
	root := benchTree(b)
	m := sweeptest.Matcher(b)
	r, err := os.OpenRoot(root)
	must(b, err)
	homes := sweep.Homes(r.FS())
	r.Close()
	all := func() []sweep.Collector { return collectors.Host(collectors.Options{Matcher: m, Homes: homes}) }
	type bench struct {
		name string
		cs   func() []sweep.Collector
	}
	benches := []bench{
		{"baseline-no-collectors", func() []sweep.Collector { return nil }},
		{"all-host-collectors", all},
	}
	if without := os.Getenv("LITESWEEP_BENCH_WITHOUT"); without != "" {
		drop := strings.Split(without, ",")
		benches = append(benches, bench{"all-host-collectors-without-" + strings.ReplaceAll(without, "/", "-"), func() []sweep.Collector {
			return slices.DeleteFunc(all(), func(c sweep.Collector) bool { return slices.Contains(drop, c.Name()) })
		}})
	}
	for _, tc := range benches {
		b.Run(tc.name, func(b *testing.B) {
			var files int64
			for i := 0; i < b.N; i++ {
				w := &sweep.Walker{Root: root, Collectors: tc.cs(), Skips: sweep.DefaultSkips}
				sweeptest.Walk(b, w)
				files = w.Counters.FilesSeen.Load()
			}
			b.ReportMetric(float64(files), "files/op")
		})
	}
}

// BenchmarkDispatchWant measures sweep.Dispatch.Want (every host
// collector's predicate, each under the panic policy) against calling the
// predicates directly (the baseline), on entries shaped like a host's.
func BenchmarkDispatchWant(b *testing.B) {
	m := sweeptest.Matcher(b)
	cs := collectors.Host(collectors.Options{Matcher: m})
	var entries []*sweep.Entry
	for i := 0; i < 1000; i++ {
		for _, p := range []string{
			fmt.Sprintf("/usr/share/d%d/f.txt", i),
			fmt.Sprintf("/home/u/.venv/lib/python3.11/site-packages/pkg%d-1.0.dist-info/RECORD", i),
			fmt.Sprintf("/usr/lib/python3/dist-packages/m%d.py", i),
			fmt.Sprintf("/etc/x%d.conf", i),
		} {
			entries = append(entries, sweep.NewEntry(p, 0, nil))
		}
	}
	d := &sweep.Dispatch{Collectors: cs, Sink: sweep.NewCollection(nil)}
	b.Run("baseline-direct-predicates", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			for _, e := range entries {
				for _, c := range cs {
					if c.FileRequired(e) {
						n++
					}
				}
			}
		}
		b.ReportMetric(float64(n)/float64(b.N), "wanted/op")
	})
	b.Run("dispatch-want", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			for _, e := range entries {
				n += len(d.Want(e))
			}
		}
		b.ReportMetric(float64(n)/float64(b.N), "wanted/op")
	})
}

package recipes

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/litesweep/litesweep/collectors/history"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkFileRequired measures this collector's predicate on host-shaped
// paths against the shell-history collector's (the baseline, a predicate
// every sweep already pays), as a ratio in the same run.
func BenchmarkFileRequired(b *testing.B) {
	m := sweeptest.Matcher(b)
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
	for _, tc := range []struct {
		name string
		c    sweep.Collector
	}{
		{"baseline-history-shell", history.New(history.Options{Matcher: m})},
		{"recipes", New(Options{Matcher: m})},
		{"history-ipython", history.NewIPython(history.Options{Matcher: m})},
		{"history-notebook", history.NewNotebook(history.Options{Matcher: m})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				for _, e := range entries {
					if tc.c.FileRequired(e) {
						n++
					}
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "wanted/op")
		})
	}
}

// BenchmarkWorkflowUses measures matching a workflow's `uses:` (the walk
// and the matcher, on the parsed document) against parsing the file (the
// baseline: the collector already parsed every workflow for its run:
// steps), as a ratio in the same run.
func BenchmarkWorkflowUses(b *testing.B) {
	m := sweeptest.Matcher(b)
	c := New(Options{Matcher: m})
	data := []byte(scanWorkflow[:strings.Index(scanWorkflow, "  again:")])
	f := &sweep.File{Entry: sweep.NewEntry("/r/.github/workflows/scan.yml", 0, nil)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-parse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var d yaml.Node
			if err := yaml.Unmarshal(data, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uses", func(b *testing.B) {
		var n countSink
		for i := 0; i < b.N; i++ {
			c.actionUses(f, &doc, kindWorkflow, &n)
		}
		b.ReportMetric(float64(n)/float64(b.N), "findings/op")
	})
}

type countSink int

func (n *countSink) Finding(sweep.Finding) { *n++ }
func (*countSink) Error(sweep.Error)       {}

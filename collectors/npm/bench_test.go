package npm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkNodeModules walks a project whose node_modules holds 10,000
// packages (package.json of ~1.2 KB, index.js, README.md, LICENSE each;
// a tenth scoped), with the npm collectors against the same walk with none:
// every package.json is read (an alias can hide a tracked package under
// any directory name), so the ratio is the cost of reading them.
func BenchmarkNodeModules(b *testing.B) {
	root := b.TempDir()
	nm := filepath.Join(root, "home/u/app/node_modules")
	pad := strings.Repeat(`"keywords-padding-entry",`, 40)
	for i := 0; i < 10000; i++ {
		name := fmt.Sprintf("pkg-%d", i)
		if i%10 == 0 {
			name = fmt.Sprintf("@scope%d/pkg-%d", i%7, i)
		}
		d := filepath.Join(nm, filepath.FromSlash(name))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		pj := fmt.Sprintf(`{"name":%q,"version":"1.%d.0","keywords":[%s"x"],"dependencies":{"dep-a":"^1.0.0"}}`, name, i%50, pad)
		for n, body := range map[string]string{"package.json": pj, "index.js": "module.exports = 1\n", "README.md": "# readme\n", "LICENSE": "MIT\n"} {
			if err := os.WriteFile(filepath.Join(d, n), []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	m := testMatcher(b)
	for _, tc := range []struct {
		name string
		cs   func() []sweep.Collector
	}{
		{"baseline-no-collectors", func() []sweep.Collector { return nil }},
		{"npm-collectors", func() []sweep.Collector { return New(Options{Matcher: m}) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var files, bytes int64
			for i := 0; i < b.N; i++ {
				w := &sweep.Walker{Root: root, Collectors: tc.cs(), Skips: sweep.DefaultSkips}
				sweeptest.Walk(b, w)
				files, bytes = w.Counters.FilesSeen.Load(), w.Counters.BytesRead.Load()
			}
			b.ReportMetric(float64(files), "files/op")
			b.ReportMetric(float64(bytes), "bytes-read/op")
		})
	}
}

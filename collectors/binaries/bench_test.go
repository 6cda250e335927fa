package binaries_test

import (
	"fmt"
	"testing"

	"github.com/litesweep/litesweep/collectors/binaries"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkFileRequired is what the collector adds to the walk for a file
// it does not want (nearly every file): its predicate, one map lookup of
// the base name (ns/op is per entry), on names shaped like a host's, with
// a Windows-style .exe among them.
func BenchmarkFileRequired(b *testing.B) {
	c := binaries.New(binaries.Options{Matcher: sweeptest.Matcher(b)})
	var entries []*sweep.Entry
	for i := 0; i < 1000; i++ {
		for _, p := range []string{
			fmt.Sprintf("/usr/share/d%d/f.txt", i),
			fmt.Sprintf("/home/u/.venv/lib/python3.11/site-packages/pkg%d-1.0.dist-info/RECORD", i),
			fmt.Sprintf("/usr/lib/python3/dist-packages/m%d.py", i),
			fmt.Sprintf("/Windows/System32/svc%d.EXE", i),
		} {
			entries = append(entries, sweep.NewEntry(p, 0, nil))
		}
	}
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		if c.FileRequired(entries[i%len(entries)]) {
			n++
		}
	}
	if n != 0 {
		b.Fatalf("%d wanted", n)
	}
}

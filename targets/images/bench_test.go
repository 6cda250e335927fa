package images

import (
	"context"
	"os"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkArchive scans the docker save tarball named by
// LITESWEEP_BENCH_IMAGE (bench/genimage.py writes one) with the real host
// collectors. bench/images.sh compares the CLI with cat and tar.
func BenchmarkArchive(b *testing.B) {
	file := os.Getenv("LITESWEEP_BENCH_IMAGE")
	if file == "" {
		b.Skip("LITESWEEP_BENCH_IMAGE not set (python3 bench/genimage.py FILE)")
	}
	fi, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	m := sweeptest.Matcher(b)
	b.SetBytes(fi.Size())
	for b.Loop() {
		sink := sweep.NewCollection(nil)
		s := &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink}
		s.ScanArchiveFile(context.Background(), file)
		if fs, _ := sink.Drain(); len(fs) == 0 {
			b.Fatal("no findings in the benchmark image")
		}
	}
}

package osv

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/litesweep/litesweep/iocs"
	"github.com/litesweep/litesweep/sweep"
)

// BenchmarkLoadCompile loads the OSV export named by LITESWEEP_OSV_BENCH
// (bench/genosv.py writes one) into the built-in packs and compiles the
// matcher: what `litesweep iocs --osv` does. For profiles (-cpuprofile,
// -memprofile); it reports the live heap after compiling (live-MB), and
// LITESWEEP_OSV_HEAP names a file for a heap profile taken then (what the
// loaded records and the matcher hold). bench/osv.sh gives the ratios.
func BenchmarkLoadCompile(b *testing.B) {
	zp := os.Getenv("LITESWEEP_OSV_BENCH")
	if zp == "" {
		b.Skip("LITESWEEP_OSV_BENCH names no OSV export")
	}
	for b.Loop() {
		l, err := iocs.Builtin()
		if err != nil {
			b.Fatal(err)
		}
		if err := AddTo(context.Background(), l, []string{zp}, Options{Open: sweep.OpenInput}); err != nil {
			b.Fatal(err)
		}
		m, err := iocs.Compile(l)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/1e6, "live-MB")
		if hp := os.Getenv("LITESWEEP_OSV_HEAP"); hp != "" {
			f, _ := os.Create(hp)
			pprof.WriteHeapProfile(f)
			f.Close()
		}
		runtime.KeepAlive(m)
	}
}

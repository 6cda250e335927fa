package fleet_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/render"
)

// BenchmarkMerge merges the reports in $LITESWEEP_BENCH_REPORTS (written by
// go run ./bench/genreports) and renders the fleet JSON; bench/merge.sh
// times the command against jq over the same files.
func BenchmarkMerge(b *testing.B) {
	dir := os.Getenv("LITESWEEP_BENCH_REPORTS")
	if dir == "" {
		b.Skip("set LITESWEEP_BENCH_REPORTS to a directory of reports (go run ./bench/genreports)")
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for b.Loop() {
		bl := &fleet.Builder{}
		for _, p := range paths {
			bl.AddFile(p)
		}
		f := bl.Fleet()
		for _, format := range []string{"json", "html"} {
			if err := render.WriteFleet(io.Discard, format, f, render.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

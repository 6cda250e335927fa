package cache

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/pyindex"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// BenchmarkHTTPv2Cache sweeps a pip http-v2 cache of 500 wheel entries of
// another package with PyPI headers plus 500 mirror entries without headers
// (identified from the zip's central directory), 128 KiB of incompressible
// data each: it reports the bytes the process read per sweep (rchar from
// /proc/self/io), which stays far below the cache's size because bodies are
// never hashed unless they are a tracked package's.
func BenchmarkHTTPv2Cache(b *testing.B) {
	fx := pyindex.Litellm()
	m := fx.TestMatcher(b)
	root := b.TempDir()
	noise := make([]byte, 128<<10)
	rand.Read(noise)
	other, err := pyindex.Wheel{Name: "requests", Version: "2.0", Files: []pyindex.File{{Path: "requests/data.bin", Data: noise}}}.Build()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for i := 0; i < 1000; i++ {
		hdr := map[string]string{"date": date, "content-type": "application/octet-stream"}
		if i%2 == 0 {
			hdr["x-pypi-file-project"], hdr["x-pypi-file-version"] = "requests", "2.0"
		}
		p := filepath.Join(root, filepath.FromSlash(httpPath("/c/pip/http-v2", fmt.Sprint("https://x/", i))))
		os.MkdirAll(filepath.Dir(p), 0o755)
		e := ccEntry(b, hdr, nil)
		os.WriteFile(p, e, 0o644)
		os.WriteFile(p+".body", other, 0o644)
		total += int64(len(e) + len(other))
	}
	c := New(Options{Matcher: m})
	b.ResetTimer()
	var read int64
	read0 := rchar()
	for i := 0; i < b.N; i++ {
		sink := sweeptest.Walk(b, &sweep.Walker{Root: root, Collectors: []sweep.Collector{c}})
		if f, e := sink.Drain(); len(f)+len(e) != 0 {
			b.Fatalf("unexpected findings/errors: %v %v", f, e)
		}
	}
	b.StopTimer()
	read = rchar() - read0
	b.ReportMetric(float64(total)/1e6, "cacheMB")
	b.ReportMetric(float64(read)/float64(b.N)/1e6, "readMB/op")
}

// rchar is the bytes this process has read through syscalls (Linux).
func rchar() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	var n int64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "rchar: "); ok {
			n, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return n
}

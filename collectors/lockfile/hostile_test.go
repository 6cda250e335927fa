package lockfile

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostileLockfiles are large files of many small entries, the shapes that
// made per-entry line lookups quadratic.
func hostileLockfiles(size int) map[string]struct {
	kind Kind
	data string
} {
	gen := func(head, format string) string {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, format, i, i)
		}
		return b.String()
	}
	return map[string]struct {
		kind Kind
		data string
	}{
		"poetry.lock":       {PoetryLock, gen("", "[[package]]\nname = \"p%d\"\nversion = \"1.%d\"\n")},
		"pyproject-poetry":  {PyProject, gen("[tool.poetry.dependencies]\n", "p%d = \"^1.%d\"\n")},
		"pyproject-pep621":  {PyProject, "[project]\ndependencies = [\n" + gen("", "\"p%d==1.%d\",\n") + "]\n"},
		"Pipfile":           {Pipfile, gen("[packages]\n", "p%d = \"==1.%d\"\n")},
		"Pipfile.lock":      {PipfileLock, "{\"default\": {" + strings.TrimSuffix(gen("", "\"p%d\": {\"version\": \"==1.%d\"},"), ",") + "}}"},
		"requirements.txt":  {Requirements, gen("", "p%d==1.%d\n")},
		"requirements-cont": {Requirements, gen("", "p%d==1.%d \\\n")},
		"environment.yml":   {CondaEnv, gen("dependencies:\n  - pip:\n", "    - p%d==1.%d\n")},
	}
}

// TestLockfileHostileBounded: parsing time is linear and the memory the
// result holds a bounded multiple of the file (1 MiB files of ~50,000 entries; the
// quadratic line lookups took 6 s for a 128 KiB poetry.lock and 24 s and
// 1 GB for a 128 KiB pyproject.toml).
func TestLockfileHostileBounded(t *testing.T) {
	const size = 1 << 20
	for name, tc := range hostileLockfiles(size) {
		t.Run(name, func(t *testing.T) {
			var a, b runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&a)
			start := time.Now()
			r, err := ParseKind(tc.kind, "/p/"+name, []byte(tc.data), nil)
			took := time.Since(start)
			runtime.ReadMemStats(&b)
			alloc := b.TotalAlloc - a.TotalAlloc
			runtime.GC()
			runtime.ReadMemStats(&b)
			live := int64(b.HeapAlloc) - int64(a.HeapAlloc)
			runtime.KeepAlive(r)
			t.Logf("%s: %d bytes, %d requirements, %v, %d bytes allocated in all (%.0fx), %d live after (%.1fx), err %v", name, len(tc.data),
				len(r.Requirements), took, alloc, float64(alloc)/float64(len(tc.data)), live, float64(live)/float64(len(tc.data)), err)
			if live > 32*int64(len(tc.data)) {
				t.Errorf("result holds %d bytes for a %d-byte file", live, len(tc.data))
			}
			if took > time.Minute {
				t.Errorf("took %v", took)
			}
		})
	}
}

package scan

import (
	"testing"
	"time"

	"github.com/litesweep/litesweep/iocs"
)

// testEnv is the built-in pack with a fixed clock and no progress.
func testEnv(t testing.TB) Env {
	t.Helper()
	l, err := iocs.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return Env{Pack: l, Matcher: m, Tool: Tool{Name: "litesweep", Version: "test"},
		Now: func() time.Time { return time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC) }}
}

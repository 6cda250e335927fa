package sweep

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Show(s string) { r.mu.Lock(); r.lines = append(r.lines, s); r.mu.Unlock() }

func TestEveryClearsOnStop(t *testing.T) {
	Every(nil, func() string { return "x" })() // no progress: nothing, no panic
	rec := &recorder{}
	stop := Every(rec, func() string { return "working" })
	stop()
	stop()
	if !slices.Equal(rec.lines, []string{""}) {
		t.Errorf("lines %q, want one clear", rec.lines)
	}
}

func TestUsageErrorUnwraps(t *testing.T) {
	base := errors.New("bad")
	err := error(&UsageError{base})
	if !IsUsage(err) || !errors.Is(err, base) || err.Error() != "bad" || IsUsage(base) {
		t.Errorf("%v", err)
	}
}

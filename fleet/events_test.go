package fleet

import (
	"fmt"
	"testing"
	"time"

	"github.com/litesweep/litesweep/sweep"
)

// TestEventHeapKeepsEarliest: whatever the order events arrive in, the
// kept ones are the max earliest (ties by finding id), earliest first,
// and every other one is counted as dropped.
func TestEventHeapKeepsEarliest(t *testing.T) {
	t0 := time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC)
	ev := func(min int, id string) Event {
		return Event{TimelineEvent: sweep.TimelineEvent{Time: t0.Add(time.Duration(min) * time.Minute), Finding: id}}
	}
	for _, tc := range []struct {
		name string
		in   []int
		max  int
		want string
	}{
		{"under the bound", []int{3, 1, 2}, 5, "1 2 3"},
		{"latest arrive last", []int{1, 2, 3, 4, 5}, 3, "1 2 3"},
		{"earliest arrive last", []int{5, 4, 3, 2, 1}, 3, "1 2 3"},
		{"interleaved with ties", []int{7, 1, 7, 0, 9, 1}, 4, "0 1 1 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h eventHeap
			dropped := 0
			for i, m := range tc.in {
				if h.keep(ev(m, fmt.Sprintf("LS-%02d", i)), tc.max) {
					dropped++
				}
			}
			got := ""
			for i, e := range h.sorted() {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprint(int(e.Time.Sub(t0).Minutes()))
			}
			if got != tc.want {
				t.Errorf("kept %q, want %q", got, tc.want)
			}
			if wantDropped := max(0, len(tc.in)-tc.max); dropped != wantDropped {
				t.Errorf("dropped %d, want %d", dropped, wantDropped)
			}
		})
	}
}

package fleet

import (
	"container/heap"
	"sort"
)

// MaxEventsPerSystem bounds one system's events in the fleet timeline: its
// earliest dated events are kept (how it started), the rest are counted
// (Host.TimelineOmitted) and left to the system's own report. A report
// with 100,000 dated findings costs the merge a few hundred events, not
// 100,000.
const MaxEventsPerSystem = 200

// eventHeap keeps the earliest events seen: a max-heap on time, so the
// latest kept event is the one a new, earlier event replaces.
type eventHeap []Event

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return later(h[i], h[j]) }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(Event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// later orders events by time, then finding id (sweep.Timeline's order),
// reversed.
func later(a, b Event) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	return a.Finding > b.Finding
}

// keep adds e when fewer than max events are kept or e is earlier than the
// latest kept one (which it replaces); it reports whether an event was
// dropped.
func (h *eventHeap) keep(e Event, max int) (dropped bool) {
	if h.Len() < max {
		heap.Push(h, e)
		return false
	}
	if h.Len() == 0 || !later((*h)[0], e) {
		return true
	}
	(*h)[0] = e
	heap.Fix(h, 0)
	return true
}

// sorted returns the kept events, earliest first.
func (h eventHeap) sorted() []Event {
	out := append([]Event(nil), h...)
	sort.SliceStable(out, func(i, j int) bool { return later(out[j], out[i]) })
	return out
}

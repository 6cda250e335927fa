package images

import (
	"crypto/sha256"
	"hash"
	"sync"
)

// asyncHash computes a SHA-256 on its own goroutine, so that verifying a
// layer's digest overlaps with parsing its tar instead of adding to it.
// Write copies p (the caller reuses its buffer); Sum waits for the queue.
type asyncHash struct {
	ch   chan []byte
	done chan struct{}
	h    hash.Hash
	pool sync.Pool
	sum  []byte
}

func newAsyncHash() *asyncHash {
	a := &asyncHash{ch: make(chan []byte, 16), done: make(chan struct{}), h: sha256.New()}
	a.pool.New = func() any { b := make([]byte, 0, 64<<10); return &b }
	go func() {
		defer close(a.done)
		for b := range a.ch {
			a.h.Write(b)
			b = b[:0]
			a.pool.Put(&b)
		}
	}()
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		bp := a.pool.Get().(*[]byte)
		n := min(len(p), cap(*bp))
		b := append((*bp)[:0], p[:n]...)
		a.ch <- b
		p = p[n:]
	}
	return total, nil
}

// Sum finishes the hash; it must be called exactly once, after the last Write.
func (a *asyncHash) Sum() []byte {
	if a.sum == nil {
		close(a.ch)
		<-a.done
		a.sum = a.h.Sum(nil)
	}
	return a.sum
}

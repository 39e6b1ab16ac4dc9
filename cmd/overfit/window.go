package main

import "sync"

// Sizes used when a client reports zero (some do when they do not know).
const (
	fallbackWidth  = 80
	fallbackHeight = 24
)

// clampSize bounds a client-reported window size. Clients can claim any
// uint32; nothing may be allocated from an unclamped value.
func clampSize(w, h uint32, maxW, maxH int) (int, int) {
	clamp := func(v uint32, fallback, limit int) int {
		switch {
		case v == 0:
			return min(fallback, limit)
		case v > uint32(limit):
			return limit
		default:
			return int(v)
		}
	}
	return clamp(w, fallbackWidth, maxW), clamp(h, fallbackHeight, maxH)
}

// windowBox holds the latest window size of a session. The SSH request loop
// puts sizes in without ever blocking (a window-change may arrive before the
// shell request, or thousands per second); the UI takes only the newest.
type windowBox struct {
	mu     sync.Mutex
	w, h   int
	notify chan struct{} // one slot: "there is a newer size"
}

func newWindowBox(w, h int) *windowBox {
	return &windowBox{w: w, h: h, notify: make(chan struct{}, 1)}
}

// put records a size and wakes the reader if it is not already woken.
func (b *windowBox) put(w, h int) {
	b.mu.Lock()
	b.w, b.h = w, h
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// get returns the newest size.
func (b *windowBox) get() (int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w, b.h
}

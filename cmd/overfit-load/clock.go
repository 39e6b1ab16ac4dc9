package main

import (
	"sync/atomic"
	"time"
)

// clock is the run's shared time base. Times are monotonic durations since
// the run started, so they fit in atomics and never jump with the wall clock.
// It also publishes the steady window to the session readers, which need it
// for the once-per-second frame check.
type clock struct {
	t0       time.Time
	winStart atomic.Int64 // 0 until the window begins
	winEnd   atomic.Int64
}

func newClock() *clock { return &clock{t0: time.Now()} }

// now returns the time since the run started; never 0, so 0 can mean "never".
func (c *clock) now() time.Duration { return max(time.Since(c.t0), 1) }

// setWindow publishes the steady window. End is stored first so a reader that
// sees the start also sees the end.
func (c *clock) setWindow(start, end time.Duration) {
	c.winEnd.Store(int64(end))
	c.winStart.Store(int64(start))
}

// window returns the published steady window; start 0 means not yet begun.
func (c *clock) window() (start, end time.Duration) {
	start = time.Duration(c.winStart.Load())
	end = time.Duration(c.winEnd.Load())
	return start, end
}

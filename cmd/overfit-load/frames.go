package main

import "time"

// A frame is a burst of output separated from the previous burst by at least
// gap of quiet. The Bubble Tea v2 renderer only wraps frames in synchronized
// output (mode 2026) when the terminal answers its query, and it does not ask
// over SSH, so escape-sequence markers are not reliable; bursts are, as long
// as frames are further apart than gap (20 ms by default: up to ~50 fps).
type frameCounter struct {
	gap      time.Duration
	lastRead time.Duration // time of the previous read; valid when seen
	seen     bool
}

// observe records a read that completed at `at` (time since the run's epoch)
// and reports whether it starts a new frame.
func (f *frameCounter) observe(at time.Duration) bool {
	start := !f.seen || at-f.lastRead >= f.gap
	f.lastRead, f.seen = at, true
	return start
}

// slotTracker follows the frame starts inside the steady window without
// keeping a history. It checks "at least one frame in every whole second":
// a second with no frame start shows up as a jump of more than one slot
// between consecutive frame starts, or as a last slot before the final whole
// second. It also keeps the longest silence between frames, which tells a
// server-wide stall (every session, same length) from a slow frame rate.
type slotTracker struct {
	last   int64 // slot of the latest frame start inside the window; -1 before
	missed bool
	first  time.Duration // first frame start inside the window; 0 = none
	prev   time.Duration // latest frame start inside the window
	maxGap time.Duration // longest time between two frame starts inside the window
}

func newSlotTracker() slotTracker { return slotTracker{last: -1} }

// frame records a frame start at `at`, given the window [start, end); end 0
// means the window is still open.
func (s *slotTracker) frame(at, start, end time.Duration) {
	if start <= 0 || at < start || (end > 0 && at >= end) {
		return
	}
	slot := int64((at - start) / time.Second)
	if slot > s.last+1 {
		s.missed = true
	}
	if slot > s.last {
		s.last = slot
	}
	if s.first == 0 {
		s.first = at
	} else {
		s.maxGap = max(s.maxGap, at-s.prev)
	}
	s.prev = at
}

// below reports whether some whole second of a window of length window had no
// frame start. A trailing partial second is not judged on its own, but a
// recorded gap always covers at least one whole second before it.
func (s slotTracker) below(window time.Duration) bool {
	full := int64(window / time.Second)
	if full == 0 {
		return false
	}
	return s.missed || s.last < full-1
}

// longestSilence is the longest stretch of the window [start, end) without a
// frame start, the edges included.
func (s slotTracker) longestSilence(start, end time.Duration) time.Duration {
	if s.first == 0 {
		return end - start
	}
	return max(s.maxGap, s.first-start, end-s.prev)
}

package main

import (
	"testing"
	"time"
)

const ms1 = time.Millisecond

func TestFrameCounterSplitsOnQuiet(t *testing.T) {
	fc := frameCounter{gap: 20 * ms1}
	// Two reads 5 ms apart are one frame; 20 ms of quiet starts a new one;
	// 19 ms does not.
	reads := []struct {
		at    time.Duration
		start bool
	}{
		{100 * ms1, true},
		{105 * ms1, false},
		{125 * ms1, true},
		{144 * ms1, false},
		{300 * ms1, true},
		{301 * ms1, false},
	}
	frames := 0
	for _, r := range reads {
		got := fc.observe(r.at)
		if got != r.start {
			t.Errorf("read at %s: new frame = %v, want %v", r.at, got, r.start)
		}
		if got {
			frames++
		}
	}
	if frames != 3 {
		t.Fatalf("frames = %d, want 3", frames)
	}
}

func TestSlotTracker(t *testing.T) {
	sec := time.Second
	start, window := 10*sec, 3*sec
	end := start + window
	cases := []struct {
		name   string
		frames []time.Duration // offsets from start
		below  bool
	}{
		{"one per second", []time.Duration{100 * ms1, 1100 * ms1, 2100 * ms1}, false},
		{"many per second", []time.Duration{0, 10 * ms1, 999 * ms1, 1500 * ms1, 2999 * ms1}, false},
		{"no frames", nil, true},
		{"gap in the middle", []time.Duration{100 * ms1, 2100 * ms1}, true},
		{"stops early", []time.Duration{100 * ms1, 1100 * ms1}, true},
		{"starts late", []time.Duration{1100 * ms1, 2100 * ms1}, true},
		{"before and after the window do not count", []time.Duration{-500 * ms1, 100 * ms1, 1100 * ms1, 3100 * ms1}, true},
	}
	for _, c := range cases {
		tr := newSlotTracker()
		for _, f := range c.frames {
			tr.frame(start+f, start, end)
		}
		if got := tr.below(window); got != c.below {
			t.Errorf("%s: below = %v, want %v (tracker %+v)", c.name, got, c.below, tr)
		}
	}
}

func TestSlotTrackerIgnoresFramesBeforeTheWindowOpens(t *testing.T) {
	tr := newSlotTracker()
	tr.frame(5*time.Second, 0, 0) // window not published yet
	if tr.last != -1 || tr.missed {
		t.Fatalf("frame before the window changed the tracker: %+v", tr)
	}
	// A trailing partial second is not judged.
	tr.frame(10*time.Second+500*ms1, 10*time.Second, 11*time.Second+500*ms1)
	if tr.below(1500 * ms1) {
		t.Fatalf("one frame in the single whole second should pass")
	}
	if (slotTracker{last: -1}).below(500 * ms1) {
		t.Fatalf("a window shorter than a second cannot fall below")
	}
}

func TestSlotTrackerLongestSilence(t *testing.T) {
	sec := time.Second
	start, end := 10*sec, 13*sec
	tr := newSlotTracker()
	if got := tr.longestSilence(start, end); got != 3*sec {
		t.Fatalf("no frames: silence %s, want the whole window", got)
	}
	for _, at := range []time.Duration{10200 * ms1, 10600 * ms1, 11900 * ms1, 12100 * ms1} {
		tr.frame(at, start, end)
	}
	if got := tr.longestSilence(start, end); got != 1300*ms1 {
		t.Fatalf("silence %s, want 1.3s (10.6 → 11.9)", got)
	}
	tr.frame(12500*ms1, start, end)
	tr.frame(14*sec, start, end) // after the window: ignored
	if got := tr.longestSilence(start, 16*sec); got != 3500*ms1 {
		t.Fatalf("silence to a later end %s, want 3.5s (12.5 → 16)", got)
	}
}

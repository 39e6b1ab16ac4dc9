package screen

import (
	"testing"

	"github.com/charmbracelet/colorprofile"
)

// Bytes the previous renderer (Bubble Tea's, patched with a row model)
// wrote for the same frames at the same profile, measured before it was
// replaced: the new renderer must not send more.
const (
	previousDashboardBytes = 30190
	previousScrollingBytes = 6501
)

func countBytes(frames [][]string, w, h int) int {
	r := New(w, h, colorprofile.ANSI256)
	var out []byte
	n := 0
	for _, f := range frames {
		out = r.Render(out[:0], f)
		n += len(out)
	}
	return n
}

func TestBytesNoMoreThanBefore(t *testing.T) {
	if n := countBytes(dashboardFrames(t), 120, 40); n > previousDashboardBytes {
		t.Errorf("dashboard: %d bytes, the previous renderer sent %d", n, previousDashboardBytes)
	} else {
		t.Logf("dashboard: %d bytes (previous renderer %d)", n, previousDashboardBytes)
	}
	if n := countBytes(scrollFrames(24, 60), 80, 24); n > previousScrollingBytes {
		t.Errorf("scrolling: %d bytes, the previous renderer sent %d", n, previousScrollingBytes)
	} else {
		t.Logf("scrolling: %d bytes (previous renderer %d)", n, previousScrollingBytes)
	}
}

// BenchmarkDashboardFrame is one recorded 120×40 dashboard frame through the
// renderer (each frame a fresh set of strings, as when nothing is shared
// with the frame before: the worst case for the row comparison).
func BenchmarkDashboardFrame(b *testing.B) {
	frames := dashboardFrames(b)
	r := New(120, 40, colorprofile.ANSI256)
	out := r.Render(nil, frames[0])
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		out = r.Render(out[:0], frames[1+i%(len(frames)-1)])
		n += len(out)
	}
	b.ReportMetric(float64(n)/float64(b.N), "B/frame")
}

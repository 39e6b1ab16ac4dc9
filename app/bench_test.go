package app

import (
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/overfit/overfit/app/screen"
	"github.com/overfit/overfit/sim"
)

// benchView measures building one full frame from scratch (every region
// rebuilt, the loss chart redrawn) for a training session at w×h.
func benchView(b *testing.B, w, h int, plain bool) {
	m := modelInto(b, goldenSeed, sim.PhaseTrain, time.Minute, w, h)
	m.plain = plain
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		// Every region rebuilt, panels included (they refresh once a
		// second in a session).
		m.dirty, m.panelsDue, m.gpusDue = true, true, true
		m.chart.invalidate()
		_ = m.View()
	}
}

func BenchmarkView120x40(b *testing.B)      { benchView(b, 120, 40, false) }
func BenchmarkView200x60(b *testing.B)      { benchView(b, 200, 60, false) }
func BenchmarkView80x24(b *testing.B)       { benchView(b, 80, 24, false) }
func BenchmarkViewPlain120x40(b *testing.B) { benchView(b, 120, 40, true) }

// BenchmarkTickView120x40 is one steady-state frame of a watching session:
// a tick (advance, pull events, snapshot) and the view it triggers.
func BenchmarkTickView120x40(b *testing.B) {
	m := modelInto(b, goldenSeed, sim.PhaseTrain, time.Minute, 120, 40)
	// modelInto moves the stream, not the model's clock: tick from where
	// the stream is, or the live model's first tick seeks back to the
	// start of the run (a seek and a phase change, not a steady frame).
	at := liveAt(m)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		at = at.Add(DefaultTick)
		m.Update(tickMsg{at: at, gen: m.gen})
		_ = m.View()
		if m.snap.Phase != sim.PhaseTrain {
			b.StopTimer()
			m = modelAt(b, 1, sim.PhaseTrain, 120, 40)
			at = liveAt(m)
			b.StartTimer()
		}
	}
}

// BenchmarkTickFrame120x40 is one steady-state frame of a session as the
// server runs it: a tick, the frame's rows, and those rows through the
// renderer into the bytes sent to the client.
func BenchmarkTickFrame120x40(b *testing.B) {
	m := modelInto(b, goldenSeed, sim.PhaseTrain, time.Minute, 120, 40)
	r := screen.New(120, 40, colorprofile.TrueColor)
	at := liveAt(m)
	out := r.Render(nil, m.Frame())
	sent := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		at = at.Add(DefaultTick)
		m.Update(tickMsg{at: at, gen: m.gen})
		out = r.Render(out[:0], m.Frame())
		sent += len(out)
		if m.snap.Phase != sim.PhaseTrain {
			b.StopTimer()
			m = modelAt(b, 1, sim.PhaseTrain, 120, 40)
			at = liveAt(m)
			r.Invalidate()
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(sent)/float64(b.N), "B/frame")
}

// BenchmarkCachedView is View with nothing changed (a stray key, a focus
// event): it must cost next to nothing.
func BenchmarkCachedView(b *testing.B) {
	m := modelInto(b, goldenSeed, sim.PhaseTrain, time.Minute, 120, 40)
	_ = m.View()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

// BenchmarkFirstFrame120x40 is a session's start: New, the start-up tick
// (a join two hours into its run, so a seek) and the first frame.
func BenchmarkFirstFrame120x40(b *testing.B) {
	o := testOptions(goldenSeed)
	b.ReportAllocs()
	for range b.N {
		m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: 120, Height: 40})
		if err != nil {
			b.Fatal(err)
		}
		m.Update(tickMsg{at: o.Start.Add(2 * time.Hour), gen: m.gen})
		_ = m.View()
	}
}

// liveAt is the wall time at which a live viewer sees m's stream where it
// is now.
func liveAt(m *Model) time.Time {
	o := m.stream.Options()
	return o.Start.Add(time.Duration(float64(m.stream.Now()) / speedOf(o)))
}

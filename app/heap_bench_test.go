package app

import (
	"runtime"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/overfit/overfit/app/screen"
	"github.com/overfit/overfit/sim"
)

// BenchmarkLiveHeap reports what a session's model and renderer keep alive
// after two minutes of ticks at 120×40: the live heap the garbage collector
// marks on every cycle, per session (objects and bytes). A server holds
// thousands, so this, not the time per tick, is what bounds 5,000 sessions
// (docs/performance.md).
func BenchmarkLiveHeap(b *testing.B) {
	const n = 200
	for range b.N {
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ms := make([]*Model, n)
		rs := make([]*screen.Renderer, n)
		var out []byte
		for i := range ms {
			o := sim.Options{Seed: uint64(i + 1), Start: now.Add(-time.Duration(i) * time.Minute)}
			m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222}, Width: 120, Height: 40})
			if err != nil {
				b.Fatal(err)
			}
			ms[i], rs[i] = m, screen.New(120, 40, colorprofile.ANSI256)
		}
		for k := range 240 {
			at := now.Add(time.Duration(k) * DefaultTick)
			for i, m := range ms {
				m.Update(m.TickAt(at))
				out = rs[i].Render(out[:0], m.Frame())
			}
		}
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/n, "objects/session")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		runtime.KeepAlive(ms)
		runtime.KeepAlive(rs)
	}
}

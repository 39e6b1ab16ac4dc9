package app

import (
	"testing"
	"time"

	"github.com/overfit/overfit/sim"
)

// benchLive measures a live viewer's steady ticks (tick, then the frame it
// triggers) of a run started `age` ago at speed, after the join: the
// start-up tick (its seek, if any) is not timed. Every tick is the next
// 500 ms of wall time, so at x128 each is 64 s of run time.
func benchLive(b *testing.B, o sim.Options, age time.Duration) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	o.Start = now.Add(-age)
	m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: 120, Height: 40})
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tickMsg{at: now, gen: m.gen})
	_ = m.Frame()
	at := now
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		at = at.Add(DefaultTick)
		m.Update(tickMsg{at: at, gen: m.gen})
		_ = m.Frame()
	}
}

// BenchmarkLive: a x1 viewer, a x128 viewer 6 h into its run (768 h of run
// time), and the costliest join allowed: x128, --steps 1 (the shortest
// runs, so the most to walk), as far in as a run id may be.
func BenchmarkLive(b *testing.B) {
	b.Run("x1", func(b *testing.B) { benchLive(b, sim.Options{Seed: 42}, time.Hour) })
	b.Run("x128-6h", func(b *testing.B) { benchLive(b, sim.Options{Seed: 42, Speed: 128}, 6*time.Hour) })
	b.Run("x128-worst-join", func(b *testing.B) {
		o := sim.Options{Seed: 42, Speed: 128, Steps: 1}
		benchLive(b, o, worstJoinAge(b, o))
	})
}

// worstJoinAge is the oldest age at which o's run id can still be joined.
func worstJoinAge(b *testing.B, o sim.Options) time.Duration {
	now := time.Now()
	lo, hi := time.Duration(0), sim.MaxSeek
	for hi-lo > time.Minute {
		mid := (lo + hi) / 2
		o.Start = now.Add(-mid)
		if _, err := sim.JoinOffset(o, now); err == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		b.Fatal("no joinable age")
	}
	return lo
}

// BenchmarkJoin is the start-up tick of a join: New, the seek to the run
// id's position and the first frame, for a join 1 h into a x1 run and the
// costliest join allowed (see BenchmarkLive).
func BenchmarkJoin(b *testing.B) {
	for _, c := range []struct {
		name string
		o    sim.Options
		age  func(*testing.B, sim.Options) time.Duration
	}{
		{"x1-1h", sim.Options{Seed: 42}, func(*testing.B, sim.Options) time.Duration { return time.Hour }},
		{"x128-worst", sim.Options{Seed: 42, Speed: 128, Steps: 1}, worstJoinAge},
	} {
		b.Run(c.name, func(b *testing.B) {
			now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			o := c.o
			o.Start = now.Add(-c.age(b, o))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: 120, Height: 40})
				if err != nil {
					b.Fatal(err)
				}
				m.Update(tickMsg{at: now, gen: m.gen})
				_ = m.Frame()
			}
		})
	}
}

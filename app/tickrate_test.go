package app

import (
	"testing"
	"time"

	"github.com/overfit/overfit/sim"
)

// TestEveryTickChangesTheScreen: in steady training at 1×, every tick of the
// default grid draws something new (the clocks on the run's second, the
// panels half a second later), so frames come evenly twice a second rather
// than with the 900 ms holes a tick that does not divide the second leaves.
func TestEveryTickChangesTheScreen(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		m := modelInto(t, seed, sim.PhaseTrain, 30*time.Second, 120, 40)
		// modelInto moved the stream, not the wall clock: off the run id's
		// clock, ticks advance it by their spacing.
		m.live = false
		prev := m.View().Content
		ticks := 0
		at := m.last
		for i := range 60 {
			at = at.Add(m.tick)
			m.Update(tickMsg{at: at, gen: m.gen})
			if m.snap.Phase != sim.PhaseTrain {
				break
			}
			cur := m.View().Content
			if cur == prev {
				t.Fatalf("seed %d: tick %d (%v into the window) left the screen unchanged", seed, i, time.Duration(i+1)*m.tick)
			}
			prev = cur
			ticks++
		}
		if ticks < 20 {
			t.Fatalf("seed %d: only %d ticks of training", seed, ticks)
		}
	}
}

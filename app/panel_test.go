package app

import (
	"testing"
	"time"
	"unsafe"

	"github.com/overfit/overfit/sim"
)

// A panel's rows are drawn once and copied from its cache until its inputs,
// size or theme change; the fill count tells the model whether the band's
// rows must be composed again.
func TestPanelRowsCachedUntilChanged(t *testing.T) {
	th := newTheme(true, 0)
	var v configView
	v.th = &th
	v.setSize(58, 10)
	v.setRun(&sim.Run{TP: 8, PP: 4, DP: 2, SeqLen: 8192, GlobalBatch: 1024, OutputDir: "/ckpt/run"})
	if _, ok := v.rows.current(58, 10); ok {
		t.Fatal("rows current before any was drawn")
	}
	first := panelText(&v)
	fills, ok := v.rows.current(58, 10)
	if !ok {
		t.Fatal("rows not current after drawing them all")
	}
	checkFrame(t, first, 58, 10, "config panel")
	if again := panelText(&v); again != first {
		t.Fatalf("cached rows differ from drawn ones:\n%s\n%s", first, again)
	}
	if f, ok := v.rows.current(58, 10); !ok || f != fills {
		t.Fatalf("unchanged inputs refilled the cache: fill %d -> %d (current %v)", fills, f, ok)
	}
	v.invalidate()
	if _, ok := v.rows.current(58, 10); ok {
		t.Fatal("rows still current after invalidate")
	}
	if again := panelText(&v); again != first {
		t.Fatalf("redrawn rows differ from the first drawing:\n%s\n%s", first, again)
	}
	if f, _ := v.rows.current(58, 10); f != fills+1 {
		t.Fatalf("invalidate then draw: fill %d, want %d", f, fills+1)
	}
	v.setSize(40, 10)
	if _, ok := v.rows.current(40, 10); ok {
		t.Fatal("rows current at a new size before being drawn at it")
	}
	checkFrame(t, panelText(&v), 40, 10, "config panel resized")
}

// Frame keeps the very string of every row whose text did not change, so
// the renderer can compare rows by pointer; the band is not recomposed on
// ticks that refilled no panel.
func TestFrameKeepsUnchangedRows(t *testing.T) {
	m := modelInto(t, goldenSeed, sim.PhaseTrain, time.Minute, 120, 40)
	at := liveAt(m)
	prev := append([]string(nil), m.Frame()...)
	kept := 0
	for range 8 {
		at = at.Add(DefaultTick)
		m.Update(tickMsg{at: at, gen: m.gen})
		cur := m.Frame()
		for r, s := range cur {
			if s != prev[r] {
				continue
			}
			if unsafe.StringData(s) != unsafe.StringData(prev[r]) && s != "" {
				t.Fatalf("row %d has the same text as the last frame but a new string: %q", r, s)
			}
			kept++
		}
		prev = append(prev[:0], cur...)
	}
	if kept == 0 {
		t.Fatal("no row stayed the same over 8 ticks: the test saw nothing")
	}
}

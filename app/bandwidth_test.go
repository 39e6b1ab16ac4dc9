package app

import (
	"bytes"
	"sort"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/overfit/overfit/sim"
)

// BenchmarkBytesPerSecond120x40 replays a minute of training of the golden
// run at the default tick through ultraviolet's terminal renderer, the
// cell-diffing renderer Bubble Tea v2 uses, and reports what a client would
// receive in steady state (the target: ≤ 1 KiB/s at 120×40). It measures bytes,
// not time: run it with -benchtime 1x.
func BenchmarkBytesPerSecond120x40(b *testing.B) {
	for _, p := range []colorprofile.Profile{colorprofile.ANSI256, colorprofile.TrueColor} {
		b.Run(p.String(), func(b *testing.B) {
			var perSec, perFrame float64
			for range b.N {
				perSec, perFrame = replayBytes(b, goldenSeed, p, false, 120, 40, time.Minute)
			}
			b.ReportMetric(perSec, "B/s")
			b.ReportMetric(perFrame, "B/frame")
		})
	}
}

// BenchmarkBytesPerSecondMedian120x40 is the median over 16 runs (models,
// clusters and log styles differ) of a minute of training, 256 colors, for
// the dashboard and plain mode. Run it with -benchtime 1x.
func BenchmarkBytesPerSecondMedian120x40(b *testing.B) {
	for _, plain := range []bool{false, true} {
		name := "dashboard"
		if plain {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			var median float64
			for range b.N {
				var all []float64
				for seed := uint64(1); seed <= 16; seed++ {
					s, _ := replayBytes(b, seed, colorprofile.ANSI256, plain, 120, 40, time.Minute)
					all = append(all, s)
				}
				sort.Float64s(all)
				median = all[len(all)/2]
			}
			b.ReportMetric(median, "B/s")
		})
	}
}

// replayBytes renders d of wall time of run seed's training and returns the
// bytes per second and per frame the renderer wrote after the first frame.
func replayBytes(tb testing.TB, seed uint64, p colorprofile.Profile, plain bool, w, h int, d time.Duration) (float64, float64) {
	m := modelInto(tb, seed, sim.PhaseTrain, 30*time.Second, w, h)
	m.plain = plain
	m.Update(colorProfileMsg(p))
	var out bytes.Buffer
	scr := uv.NewTerminalRenderer(&out, []string{"TERM=xterm-256color"})
	scr.SetColorProfile(p)
	scr.SetFullscreen(true)
	scr.SetRelativeCursor(false)
	scr.SetScrollOptim(true)
	scr.SetTabStops(-1)
	scr.Resize(w, h)
	buf := uv.NewScreenBuffer(w, h)
	draw := func() {
		buf.Clear()
		uv.NewStyledString(m.View().Content).Draw(buf, buf.Bounds())
		scr.Render(buf.RenderBuffer)
		if err := scr.Flush(); err != nil {
			tb.Fatal(err)
		}
	}
	draw()
	out.Reset()
	frames := 0
	at := m.last
	for el := time.Duration(0); el < d; el += m.tick {
		at = at.Add(m.tick)
		m.Update(tickMsg{at: at, gen: m.gen})
		draw()
		frames++
	}
	return float64(out.Len()) / d.Seconds(), float64(out.Len()) / float64(frames)
}

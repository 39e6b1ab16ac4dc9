package app

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/overfit/overfit/sim"
)

// BenchmarkBytesPerSecond120x40 replays a minute of a training session at
// the default tick through ultraviolet's terminal renderer, the cell-diffing
// renderer Bubble Tea v2 uses, and reports what a client would receive in
// steady state (SPEC §5: ≤ 1 KiB/s at 120×40). It measures bytes, not time.
func BenchmarkBytesPerSecond120x40(b *testing.B) {
	for _, p := range []colorprofile.Profile{colorprofile.ANSI256, colorprofile.TrueColor} {
		b.Run(p.String(), func(b *testing.B) {
			var perSec, perFrame float64
			for range b.N {
				perSec, perFrame = replayBytes(b, p, 120, 40, time.Minute)
			}
			b.ReportMetric(perSec, "B/s")
			b.ReportMetric(perFrame, "B/frame")
		})
	}
}

// replayBytes renders d of wall time of a training session and returns the
// bytes per second and per frame the renderer wrote after the first frame.
func replayBytes(tb testing.TB, p colorprofile.Profile, w, h int, d time.Duration) (float64, float64) {
	m := modelInto(tb, goldenSeed, sim.PhaseTrain, 30*time.Second, w, h)
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

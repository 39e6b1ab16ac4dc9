package tea

// Tests and benchmarks of WithRowRenderer (overfit patch): full-screen
// frames drawn by uv.RowRenderer reach a terminal emulator exactly, cost
// no more bytes than the cell-buffer path, and the renderer switches to
// and from that path cleanly.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/vt"
)

// rowFrame is one frame of a row-renderer test: the view and, when set, a
// resize before it.
type rowFrame struct {
	view   View
	resize [2]int
}

// runRowFrames renders frames through a cursed renderer with the row
// renderer on into an emulator and checks every frame; it returns the
// renderer for further checks.
func runRowFrames(t *testing.T, frames []rowFrame, w, h int) *cursedRenderer {
	t.Helper()
	emu := vt.NewEmulator(w, h)
	s := newCursedRendererRows(emu, []string{"TERM=xterm-256color"}, w, h, true)
	s.setNoInput(true)
	s.setColorProfile(colorprofile.TrueColor)
	s.start()
	for i, f := range frames {
		if f.resize != [2]int{} {
			w, h = f.resize[0], f.resize[1]
			emu.Resize(w, h)
			s.resize(w, h)
		}
		s.render(f.view)
		if err := s.flush(false); err != nil {
			t.Fatal(err)
		}
		checkEmulator(t, emu, referenceBuffer(f.view.Content, w, h), fmt.Sprintf("frame %d", i))
	}
	return s
}

// altFrames makes full-screen frames of contents.
func altFrames(contents []string) []rowFrame {
	frames := make([]rowFrame, len(contents))
	for i, c := range contents {
		frames[i] = rowFrame{view: View{Content: c, AltScreen: true}}
	}
	return frames
}

func TestRowRendererDashboard(t *testing.T) {
	s := runRowFrames(t, altFrames(overfitFrames(t)), 120, 40)
	if s.rowsOff || !s.rrDrew {
		t.Fatalf("the dashboard left the row renderer (off %v, drew %v)", s.rowsOff, s.rrDrew)
	}
	if s.cellbuf.Width() != 0 || s.cellbuf.Height() != 0 {
		t.Errorf("cell buffer allocated: %dx%d", s.cellbuf.Width(), s.cellbuf.Height())
	}
}

func TestRowRendererScrolling(t *testing.T) {
	runRowFrames(t, altFrames(scrollFrames(80, 24, 60)), 80, 24)
}

func TestRowRendererEcho(t *testing.T) {
	runRowFrames(t, altFrames(echoFrames(60, 20)), 60, 20)
}

func TestRowRendererResize(t *testing.T) {
	frames := altFrames(scrollFrames(80, 24, 30))
	frames[10].resize = [2]int{73, 21}
	frames[20].resize = [2]int{100, 30}
	runRowFrames(t, frames, 80, 24)
}

// randomRowText is a row of text with SGR changes (backgrounds left open
// across rows too), wide and combining characters and block glyphs.
func randomRowText(r *rand.Rand) string {
	pieces := []string{
		"abc", " ", "世界", "e\u0301", "\x1b[31m", "\x1b[1;44m", "\x1b[m", "\x1b[38;5;208m",
		"\x1b[38;2;10;20;30m", "·", "│", "█▉", "\x1b[7m", "\x1b[48;5;22m", "  ", "漢", "x",
	}
	var sb strings.Builder
	for range r.IntN(40) {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

// TestRowRendererRandomFrames: random walks of frames (rows replaced, wide
// characters moving over each other, blocks scrolled by 1-3 rows, pens left
// open) reach the emulator exactly.
func TestRowRendererRandomFrames(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const w, h = 36, 14
	for run := range 25 {
		rows := make([]string, h)
		for i := range rows {
			rows[i] = randomRowText(rnd)
		}
		contents := make([]string, 30)
		for f := range contents {
			if rnd.IntN(3) == 0 {
				top, bot, k := rnd.IntN(h/2), h-1-rnd.IntN(2), 1+rnd.IntN(3)
				copy(rows[top:bot-k+1], rows[top+k:bot+1])
				for i := bot - k + 1; i <= bot; i++ {
					rows[i] = randomRowText(rnd)
				}
			}
			for range rnd.IntN(4) {
				y := rnd.IntN(h)
				// Often a small edit, so that wide cells shift by one.
				if rnd.IntN(2) == 0 && rows[y] != "" {
					rows[y] = "x" + rows[y]
				} else {
					rows[y] = randomRowText(rnd)
				}
			}
			contents[f] = strings.Join(rows, "\n")
		}
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			runRowFrames(t, altFrames(contents), w, h)
		})
	}
}

// TestRowRendererSwitchesPaths: frames with a visible cursor or outside the
// alternate screen go through the cell buffer; the screen is right across
// every switch in both directions.
func TestRowRendererSwitchesPaths(t *testing.T) {
	contents := scrollFrames(60, 15, 12)
	frames := altFrames(contents)
	frames[3].view.Cursor = NewCursor(2, 3)
	frames[4].view.Cursor = NewCursor(5, 1)
	s := runRowFrames(t, frames, 60, 15)
	if s.rowsOff || !s.rrDrew {
		t.Errorf("row renderer not back after the cursor frames (off %v, drew %v)", s.rowsOff, s.rrDrew)
	}
}

// TestRowRendererFallback: a frame with a hyperlink (an OSC, which may
// span rows) is drawn by the cell buffer path, which every later frame
// keeps, and the screen stays right.
func TestRowRendererFallback(t *testing.T) {
	contents := scrollFrames(60, 12, 12)
	contents[5] = strings.Replace(contents[5], "line", "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", 1)
	s := runRowFrames(t, altFrames(contents), 60, 12)
	if !s.rowsOff || s.rr != nil {
		t.Errorf("after a hyperlink frame: off %v, rr %v", s.rowsOff, s.rr)
	}
}

// TestRowRendererBytes: the row renderer sends no more than the cell
// buffer path for the dashboard and the scrolling log (bandwidth is a
// target of its own).
func TestRowRendererBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames []string
		w, h   int
	}{
		{"dashboard", overfitFrames(t), 120, 40},
		{"scrolling", scrollFrames(80, 24, 60), 80, 24},
	} {
		var n [2]int64
		for i, rows := range []bool{false, true} {
			var out countWriter
			s := newCursedRendererRows(&out, []string{"TERM=xterm-256color"}, tc.w, tc.h, rows)
			s.setNoInput(true)
			s.setColorProfile(colorprofile.ANSI256)
			for _, f := range tc.frames {
				s.render(View{Content: f, AltScreen: true})
				if err := s.flush(false); err != nil {
					t.Fatal(err)
				}
			}
			n[i] = out.n
		}
		t.Logf("%s: cell buffer path %d bytes, row renderer %d bytes", tc.name, n[0], n[1])
		if n[1] > n[0]*11/10 {
			t.Errorf("%s: row renderer wrote %d bytes, cell buffer path %d", tc.name, n[1], n[0])
		}
	}
}

// BenchmarkOverfitFrameRows is BenchmarkOverfitFrame with WithRowRenderer.
func BenchmarkOverfitFrameRows(b *testing.B) {
	frames := overfitFrames(b)
	var out countWriter
	s := newCursedRendererRows(&out, []string{"TERM=xterm-256color"}, 120, 40, true)
	s.setNoInput(true)
	s.setColorProfile(colorprofile.ANSI256)
	s.render(View{Content: frames[0], AltScreen: true})
	_ = s.flush(false)
	out.n = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.render(View{Content: frames[1+i%(len(frames)-1)], AltScreen: true})
		if err := s.flush(false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n)/float64(b.N), "B/frame")
}

// TestWithRowRenderer: the option reaches the program's renderer, whose
// frames then come from the row renderer, and views still reach the screen.
func TestWithRowRenderer(t *testing.T) {
	var out syncBuffer
	p := NewProgram(&counterModel{},
		WithInput(nil),
		WithOutput(&out),
		WithEnvironment([]string{"TERM=xterm-256color"}),
		WithoutSignalHandler(),
		WithWindowSize(40, 5),
		WithRenderOnChange(),
		WithRowRenderer(),
	)
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	waitFor(t, &out, "count 0")
	for i := 1; i <= 3; i++ {
		p.Send(counterMsg(i))
		waitFor(t, &out, fmt.Sprintf("count %d", i))
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r, ok := p.renderer.(*cursedRenderer)
	if !ok {
		t.Fatalf("renderer is %T", p.renderer)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.useRows || r.rowsOff || r.rr == nil {
		t.Errorf("row renderer not used: on %v, off %v, rr %v", r.useRows, r.rowsOff, r.rr != nil)
	}
	if r.cellbuf.Width() != 0 {
		t.Errorf("cell buffer allocated: %dx%d", r.cellbuf.Width(), r.cellbuf.Height())
	}
}

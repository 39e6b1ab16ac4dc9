package tea

// Tests and benchmarks of the overfit patch: cellbuf keeps the previous
// frame and only changed rows are drawn (uv.StyledRows), and the terminal
// renderer no longer rehashes untouched rows for scroll detection.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"image/color"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
)

// overfitFrames are 121 consecutive 120×40 frames of overfit's training
// dashboard (app at ff105d5: panels above a full-width log), one tick
// (450 ms) apart: ~6.4 rows change per tick, the clocks, bars and, when a
// line arrives, the scrolling log.
func overfitFrames(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("testdata/overfit_120x40.frames.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close() //nolint:errcheck
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(string(b), "\x00")
}

// scrollFrames is a full-width log that scrolls by one line per frame under
// a changing status line: the case the scroll optimization is for.
func scrollFrames(w, h, n int) []string {
	frames := make([]string, n)
	for f := range frames {
		var sb strings.Builder
		for y := range h - 1 {
			line := fmt.Sprintf("\x1b[3%dmline %04d\x1b[m wide 世界 %s", (f+y)%8, f+y, strings.Repeat("·", (f+y)%17))
			sb.WriteString(line + "\n")
		}
		fmt.Fprintf(&sb, "\x1b[1;7m status frame %d \x1b[m", f)
		frames[f] = sb.String()
	}
	return frames
}

// echoFrames change a row, then bring its old text back on another row
// while the first row keeps its new text: scroll detection must know the
// screen no longer shows the old text where it was.
func echoFrames(w, h int) []string {
	rows := make([]string, h)
	for y := range rows {
		rows[y] = fmt.Sprintf("\x1b[3%dmrow %02d\x1b[m %s", y%8, y, strings.Repeat("=", y%w))
	}
	frames := []string{strings.Join(rows, "\n")}
	for k := range h - 6 {
		old := rows[k]
		rows[k] = fmt.Sprintf("changed %d", k)
		frames = append(frames, strings.Join(rows, "\n"))
		rows[k+5] = old
		frames = append(frames, strings.Join(rows, "\n"))
	}
	return frames
}

// referenceBuffer is what upstream draws for content: a cleared buffer and
// the whole styled string.
func referenceBuffer(content string, w, h int) uv.ScreenBuffer {
	ref := uv.NewScreenBuffer(w, h)
	ref.Clear()
	uv.NewStyledString(content).Draw(ref, ref.Bounds())
	return ref
}

func colorsEqual(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// checkScreen compares the renderer's cell buffer with upstream's and a
// terminal emulator fed the renderer's output with the content.
func checkScreen(t *testing.T, s *cursedRenderer, emu *vt.Emulator, content string, w, h int, ctx string) {
	t.Helper()
	ref := referenceBuffer(content, w, h)
	for y := range h {
		for x := range w {
			if got, want := s.cellbuf.CellAt(x, y), ref.CellAt(x, y); !got.Equal(want) {
				t.Fatalf("%s: cellbuf (%d,%d) = %+v, upstream draws %+v", ctx, x, y, got, want)
			}
		}
	}
	checkEmulator(t, emu, ref, ctx)
}

// checkEmulator compares what a terminal emulator shows with the cells a
// whole-string draw of the frame gives.
func checkEmulator(t *testing.T, emu *vt.Emulator, ref uv.ScreenBuffer, ctx string) {
	t.Helper()
	for y := range ref.Height() {
		for x := range ref.Width() {
			want := ref.CellAt(x, y)
			got := emu.CellAt(x, y)
			if got == nil {
				t.Fatalf("%s: emulator has no cell at (%d,%d)", ctx, x, y)
			}
			wc, gc := want.Content, got.Content
			if wc == "" && want.Width == 0 {
				continue // placeholder of a wide cell
			}
			if wc == "" {
				wc = " "
			}
			if gc == "" {
				gc = " "
			}
			same := wc == gc && colorsEqual(got.Style.Bg, want.Style.Bg)
			if wc == " " {
				// The renderer may erase a blank whose foreground and
				// text attributes cannot show.
				same = same && got.Style.Attrs&uv.AttrReverse == want.Style.Attrs&uv.AttrReverse
			} else {
				same = same && got.Style.Attrs == want.Style.Attrs && colorsEqual(got.Style.Fg, want.Style.Fg)
			}
			if !same {
				t.Fatalf("%s: terminal shows %q %+v at (%d,%d), frame has %q %+v",
					ctx, gc, got.Style, x, y, wc, want.Style)
			}
		}
	}
}

// runFrames renders frames through a cursed renderer into an emulator and
// checks every frame.
func runFrames(t *testing.T, frames []string, w, h int, resizeAt int) {
	t.Helper()
	// No input, so the renderer sends no queries the emulator would answer.
	emu := vt.NewEmulator(w, h)
	s := newCursedRenderer(emu, []string{"TERM=xterm-256color"}, w, h)
	s.setNoInput(true)
	s.setColorProfile(colorprofile.TrueColor)
	s.start()
	for i, f := range frames {
		if i == resizeAt {
			w, h = w-7, h-3
			emu.Resize(w, h)
			s.resize(w, h)
		}
		s.render(View{Content: f, AltScreen: true})
		if err := s.flush(false); err != nil {
			t.Fatal(err)
		}
		checkScreen(t, s, emu, f, w, h, fmt.Sprintf("frame %d", i))
	}
}

func TestOverfitRowsDashboard(t *testing.T) {
	frames := overfitFrames(t)
	runFrames(t, frames, 120, 40, -1)
}

func TestOverfitRowsScrolling(t *testing.T) {
	runFrames(t, scrollFrames(80, 24, 60), 80, 24, -1)
}

func TestOverfitRowsEcho(t *testing.T) {
	runFrames(t, echoFrames(60, 20), 60, 20, -1)
}

func TestOverfitRowsResize(t *testing.T) {
	frames := scrollFrames(80, 24, 30)
	runFrames(t, frames, 80, 24, 15)
}

// TestOverfitRowsFallback: a frame with a hyperlink (an OSC, which may span
// rows) is drawn whole, and later frames still come out right.
func TestOverfitRowsFallback(t *testing.T) {
	frames := scrollFrames(60, 12, 12)
	frames[5] = strings.Replace(frames[5], "line", "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", 1)
	runFrames(t, frames, 60, 12, -1)
}

// TestOverfitRowsTouchOnlyChanged: a frame that changes one row touches
// that row only, so the renderer compares one row.
func TestOverfitRowsTouchOnlyChanged(t *testing.T) {
	frames := overfitFrames(t)
	s := newCursedRenderer(io.Discard, []string{"TERM=xterm-256color"}, 120, 40)
	s.setNoInput(true)
	s.render(View{Content: frames[0], AltScreen: true})
	if err := s.flush(false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(frames[0], "\n")
	lines[7] = strings.Replace(lines[7], "s", "S", 1)
	next := strings.Join(lines, "\n")
	if next == frames[0] {
		t.Fatal("test frame did not change")
	}
	var drawn int
	var ok bool
	rows := s.rows // a copy: the renderer's own state is left alone
	drawn, ok = rows.Draw(s.cellbuf, s.cellbuf.Bounds(), next)
	if !ok || drawn != 1 {
		t.Fatalf("Draw drew %d rows (ok %v), want 1", drawn, ok)
	}
	for y, ld := range s.cellbuf.Touched {
		touched := ld != nil && (ld.FirstCell != -1 || ld.LastCell != -1)
		if touched != (y == 7) {
			t.Errorf("row %d touched = %v", y, touched)
		}
	}
}

// upstreamDigests are sha256 digests of what bubbletea v2.1.1 on
// ultraviolet 6b8d4baf91b4, unpatched, writes for the frame sequences below
// (each frame's output prefixed by its length): the patch must change how
// much work a frame is, never what reaches the terminal.
var upstreamDigests = map[string]string{
	"dashboard": "cba0475419a8072e7d3d00ec75e61157698bc38bea4317f5bd969c584cfd7367",
	"scrolling": "2b9bea3b1a535dd3fc35b7260d90b2c70627c9d7347b4c417d958572691d30ac",
	"echo":      "613531667a390ad0b79368ddb8b659c93f0ee5a51dc412ff20218ff4bdcfb1d0",
}

func TestOverfitPatchWritesUpstreamBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames []string
		w, h   int
	}{
		{"dashboard", overfitFrames(t), 120, 40},
		{"scrolling", scrollFrames(80, 24, 60), 80, 24},
		{"echo", echoFrames(60, 20), 60, 20},
	} {
		var out bytes.Buffer
		s := newCursedRenderer(&out, []string{"TERM=xterm-256color"}, tc.w, tc.h)
		s.setNoInput(true)
		s.setColorProfile(colorprofile.ANSI256)
		h := sha256.New()
		for _, f := range tc.frames {
			out.Reset()
			s.render(View{Content: f, AltScreen: true})
			if err := s.flush(false); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%d:", out.Len())
			h.Write(out.Bytes())
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != upstreamDigests[tc.name] {
			t.Errorf("%s: output digest %s, upstream wrote %s", tc.name, got, upstreamDigests[tc.name])
		}
	}
}

// countWriter counts the bytes a renderer writes.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkOverfitFrame is one frame diff/write of overfit's dashboard at
// 120×40 through the real renderer into a counting io.Discard: the frame
// of the next tick is drawn into the cell buffer, compared with the screen
// and written.
func BenchmarkOverfitFrame(b *testing.B) {
	frames := overfitFrames(b)
	var out countWriter
	s := newCursedRenderer(&out, []string{"TERM=xterm-256color"}, 120, 40)
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

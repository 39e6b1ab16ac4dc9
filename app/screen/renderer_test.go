package screen

import (
	"compress/gzip"
	"fmt"
	"hash/maphash"
	"image/color"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
)

// dashboardFrames are 120×40 frames of a real overfit session (recorded
// from the app at ×16), one string per frame, rows separated by "\n".
func dashboardFrames(tb testing.TB) [][]string {
	tb.Helper()
	f, err := os.Open("testdata/overfit_120x40.frames.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // read-only
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	var frames [][]string
	for _, fr := range strings.Split(string(b), "\x00") {
		frames = append(frames, strings.Split(fr, "\n"))
	}
	return frames
}

// scrollFrames is a full-width log that scrolls by one line per frame under
// a changing status line: the case the scroll optimization is for.
func scrollFrames(h, n int) [][]string {
	frames := make([][]string, n)
	for f := range frames {
		rows := make([]string, h)
		for y := range h - 1 {
			rows[y] = fmt.Sprintf("\x1b[3%dmline %04d\x1b[m wide 世界 %s", (f+y)%8, f+y, strings.Repeat("·", (f+y)%17))
		}
		rows[h-1] = fmt.Sprintf("\x1b[1;7m status frame %d \x1b[m", f)
		frames[f] = rows
	}
	return frames
}

// echoFrames change a row, then bring its old text back on another row
// while the first row keeps its new text: scroll detection must know the
// screen no longer shows the old text where it was.
func echoFrames(h int) [][]string {
	rows := make([]string, h)
	for y := range rows {
		rows[y] = fmt.Sprintf("\x1b[3%dmrow %02d\x1b[m %s", y%8, y, strings.Repeat("=", y))
	}
	frames := [][]string{append([]string(nil), rows...)}
	for k := range h - 6 {
		old := rows[k]
		rows[k] = fmt.Sprintf("changed %d", k)
		frames = append(frames, append([]string(nil), rows...))
		rows[k+5] = old
		frames = append(frames, append([]string(nil), rows...))
	}
	return frames
}

// randomRow is a row of text, wide and combined graphemes, box glyphs and
// SGR sequences, often left with its pen open (the next row starts in it).
func randomRow(r *rand.Rand) string {
	pieces := []string{
		"abc", " ", "世界", "e\u0301", "\x1b[31m", "\x1b[1;44m", "\x1b[m", "\x1b[38;5;208m",
		"\x1b[38;2;10;20;30m", "·", "│", "█▉", "\x1b[7m", "\x1b[48;5;22m", "  ", "漢", "x",
		"\x1b[3;4m", "👍", "\x1b]8;;https://example.com\x1b\\", "\x07", "\x1b[2K",
	}
	var sb strings.Builder
	for range r.IntN(40) {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

// reference is what the frame looks like drawn whole on a cleared screen:
// ultraviolet's styled-string drawing, which cuts rows at the width as a
// frame's rows are cut. Escapes other than SGR are removed first: the
// renderer drops them by contract.
func reference(rows []string, w, h int) uv.ScreenBuffer {
	ref := uv.NewScreenBuffer(w, h)
	ref.Clear()
	if len(rows) > h {
		rows = rows[:h]
	}
	clean := make([]string, len(rows))
	for i, row := range rows {
		clean[i] = onlySGR(row)
	}
	uv.NewStyledString(strings.Join(clean, "\n")).Draw(ref, ref.Bounds())
	return ref
}

// onlySGR removes the test rows' non-SGR escapes and controls.
func onlySGR(s string) string {
	for _, drop := range []string{"\x1b]8;;https://example.com\x1b\\", "\x07", "\x1b[2K"} {
		s = strings.ReplaceAll(s, drop, "")
	}
	return s
}

func colorsEqual(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// checkEmulator compares, cell by cell, what a terminal emulator fed the
// renderer's output shows with the reference drawing of the frame.
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
				// A blank's foreground and text attributes cannot show, so
				// the renderer may erase it in another pen.
				same = same && got.Style.Attrs&uv.AttrReverse == want.Style.Attrs&uv.AttrReverse
			} else {
				same = same && got.Style.Attrs == want.Style.Attrs &&
					got.Style.Underline == want.Style.Underline && colorsEqual(got.Style.Fg, want.Style.Fg)
			}
			if !same {
				t.Fatalf("%s: terminal shows %q %+v at (%d,%d), frame has %q %+v",
					ctx, gc, got.Style, x, y, wc, want.Style)
			}
		}
	}
}

// step is one frame of a test, with a resize before it when set.
type step struct {
	rows   []string
	resize [2]int
}

func steps(frames [][]string) []step {
	s := make([]step, len(frames))
	for i, f := range frames {
		s[i].rows = f
	}
	return s
}

// play renders steps into an emulator, checks every frame cell by cell,
// and returns the bytes written.
func play(t *testing.T, frames []step, w, h int, profile colorprofile.Profile) int {
	t.Helper()
	emu := vt.NewEmulator(w, h)
	r := New(w, h, profile)
	var out []byte
	total := 0
	for i, f := range frames {
		if f.resize != [2]int{} {
			w, h = f.resize[0], f.resize[1]
			emu.Resize(w, h)
			r.Resize(w, h)
		}
		out = r.Render(out[:0], f.rows)
		total += len(out)
		if _, err := emu.Write(out); err != nil {
			t.Fatal(err)
		}
		checkEmulator(t, emu, reference(f.rows, w, h), fmt.Sprintf("frame %d", i))
	}
	return total
}

func TestDashboardFrames(t *testing.T) {
	play(t, steps(dashboardFrames(t)), 120, 40, colorprofile.TrueColor)
}

func TestScrollingLog(t *testing.T) {
	n := play(t, steps(scrollFrames(24, 60)), 80, 24, colorprofile.TrueColor)
	// A one-line scroll of 23 rows costs a scroll command, the new row and
	// the status line: well under a full repaint of the rows per frame.
	if per := n / 60; per > 400 {
		t.Errorf("scrolling log: %d bytes per frame, want a scroll (≤ 400)", per)
	}
}

func TestEchoedRows(t *testing.T) {
	play(t, steps(echoFrames(20)), 60, 20, colorprofile.TrueColor)
}

func TestResizes(t *testing.T) {
	frames := steps(scrollFrames(30, 40))
	frames[10].resize = [2]int{73, 21}
	frames[20].resize = [2]int{100, 30}
	frames[30].resize = [2]int{20, 5}
	play(t, frames, 80, 24, colorprofile.TrueColor)
}

// TestRandomFrames: random walks of frames (rows replaced, wide characters
// moving over each other, blocks scrolled by 1-3 rows, pens left open,
// short and too-tall frames, resizes) reach the emulator exactly.
func TestRandomFrames(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	for run := range 25 {
		w, h := 20+rnd.IntN(40), 5+rnd.IntN(15)
		rows := make([]string, h)
		for i := range rows {
			rows[i] = randomRow(rnd)
		}
		w0, h0 := w, h
		var frames []step
		for range 30 {
			var st step
			switch rnd.IntN(10) {
			case 0, 1, 2:
				top, bot := rnd.IntN(h/2), h-1-rnd.IntN(2)
				k := 1 + rnd.IntN(min(3, bot-top))
				copy(rows[top:bot-k+1], rows[top+k:bot+1])
				for i := bot - k + 1; i <= bot; i++ {
					rows[i] = randomRow(rnd)
				}
			case 3:
				w, h = 20+rnd.IntN(40), 5+rnd.IntN(15)
				st.resize = [2]int{w, h}
				rows = append(rows, make([]string, max(0, h-len(rows)))...)[:h]
			default:
				for range 1 + rnd.IntN(3) {
					rows[rnd.IntN(h)] = randomRow(rnd)
				}
			}
			st.rows = append([]string(nil), rows...)
			if n := rnd.IntN(8); n == 0 {
				st.rows = st.rows[:rnd.IntN(h)] // short: the rest is blank
			} else if n == 1 {
				st.rows = append(st.rows, randomRow(rnd)) // too tall: cut
			}
			frames = append(frames, st)
		}
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			play(t, frames, w0, h0, colorprofile.TrueColor)
		})
	}
}

// TestProfiles: colors are downsampled to the client's profile, and with no
// colors at all a frame carries no SGR color codes.
func TestProfiles(t *testing.T) {
	rows := []string{"\x1b[38;2;203;166;247mtrue color\x1b[m", "\x1b[1;38;5;208mindexed\x1b[m plain"}
	for _, p := range []colorprofile.Profile{colorprofile.TrueColor, colorprofile.ANSI256, colorprofile.ANSI, colorprofile.Ascii} {
		r := New(30, 3, p)
		out := string(r.Render(nil, rows))
		hasTrue := strings.Contains(out, "38;2;")
		has256 := strings.Contains(out, "38;5;")
		switch p {
		case colorprofile.TrueColor:
			if !hasTrue {
				t.Errorf("%v: true color lost: %q", p, out)
			}
		case colorprofile.ANSI256:
			if hasTrue || !has256 {
				t.Errorf("%v: want 256 colors only: %q", p, out)
			}
		default:
			if hasTrue || has256 {
				t.Errorf("%v: want no extended colors: %q", p, out)
			}
		}
	}
}

// TestUnchangedFrameWritesNothing: the same rows again cost no bytes, and
// one changed cell costs a cursor move and that cell.
func TestUnchangedFrameWritesNothing(t *testing.T) {
	rows := scrollFrames(10, 1)[0]
	r := New(40, 10, colorprofile.TrueColor)
	r.Render(nil, rows)
	if out := r.Render(nil, rows); len(out) != 0 {
		t.Fatalf("same frame again wrote %q", out)
	}
	rows = append([]string(nil), rows...)
	rows[9] = strings.Replace(rows[9], "frame 0", "frame 1", 1)
	if out := string(r.Render(nil, rows)); out != "\x1b[10;15H\x1b[1;7m1\x1b[m" {
		t.Fatalf("one changed cell wrote %q", out)
	}
}

// TestTablesStayBounded: a frame stream with ever-new styles and graphemes
// starts the renderer's tables over instead of growing them, and still
// draws correctly.
func TestTablesStayBounded(t *testing.T) {
	const w, h = 40, 4
	emu := vt.NewEmulator(w, h)
	r := New(w, h, colorprofile.TrueColor)
	var out []byte
	for i := range maxStyles + 100 {
		rows := []string{
			fmt.Sprintf("\x1b[38;2;%d;%d;%dmstyle %d\x1b[m", i%256, i/256%256, 7, i),
			fmt.Sprintf("e\u0301%c\u0301 grapheme", rune(0x4e00+i%5000)),
		}
		out = r.Render(out[:0], rows)
		if _, err := emu.Write(out); err != nil {
			t.Fatal(err)
		}
		if len(r.styles) > maxStyles+1 || len(r.names) > maxNames+1 || len(r.sgr) > maxStyles+1 ||
			len(r.diffs) > maxStyles+1 || len(r.arena) > maxArena+4096 {
			t.Fatalf("frame %d: tables grew to %d styles, %d names, %d SGR, %d diffs, %d arena bytes",
				i, len(r.styles), len(r.names), len(r.sgr), len(r.diffs), len(r.arena))
		}
		if i%997 == 0 {
			checkEmulator(t, emu, reference(rows, w, h), fmt.Sprintf("frame %d", i))
		}
	}
}

// TestSGRHashCollision: two SGR sequences whose hashes meet must not share
// a memo: the second is parsed, not taken for the first.
func TestSGRHashCollision(t *testing.T) {
	r := New(10, 1, colorprofile.TrueColor)
	bold := r.applySGR(0, "\x1b[1m")
	red := "\x1b[31m"
	// Plant bold's memo under red's key, as a collision would.
	memo := r.sgr[sgrKey{from: 0, sum: maphash.String(r.seed, "\x1b[1m")}]
	r.sgr[sgrKey{from: 0, sum: maphash.String(r.seed, red)}] = memo
	r.recent = [8]sgrMemo{}
	got := r.applySGR(0, red)
	if got == bold {
		t.Fatal("red took bold's memo")
	}
	if st := r.styles[got]; st.Fg == nil || st.Attrs != 0 {
		t.Fatalf("red parsed to %+v", st)
	}
	if again := r.applySGR(0, red); again != got {
		t.Fatalf("red twice: %d then %d", got, again)
	}
}

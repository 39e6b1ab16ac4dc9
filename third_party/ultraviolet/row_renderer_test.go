package uv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// modelCell decodes the renderer's packed cell at (x, y).
func (r *RowRenderer) modelCell(x, y int) Cell {
	c := r.cells[y*r.width+x]
	cell := Cell{Width: cellWidth(c), Style: r.styles[cellStyle(c)]}
	if t := cellText(c); t&nameFlag != 0 {
		cell.Content = r.names[t&^nameFlag]
	} else if c != 0 {
		cell.Content = string(rune(t))
	}
	return cell
}

// sameModel checks the renderer's model against a whole-string draw.
func sameModel(t *testing.T, r *RowRenderer, str string, ctx string) {
	t.Helper()
	want := reference(str, r.width, r.height)
	for y := range r.height {
		for x := range r.width {
			if g, w := r.modelCell(x, y), want.CellAt(x, y); !g.Equal(w) {
				t.Fatalf("%s: model (%d,%d) = %+v, whole-string draw gives %+v", ctx, x, y, g, *w)
			}
		}
	}
}

// scrollRows shifts rows[top:bot+1] up by k and fills the bottom with new
// rows, as a log pane does.
func scrollRows(r *rand.Rand, rows []string, top, bot, k int) {
	copy(rows[top:bot-k+1], rows[top+k:bot+1])
	for i := bot - k + 1; i <= bot; i++ {
		rows[i] = randomRow(r)
	}
}

// TestRowRendererModelMatchesStyledString draws random walks of frames
// (rows changed, blocks scrolled, short and too-tall frames) and compares
// the renderer's screen model with a fresh whole-string draw every frame.
func TestRowRendererModelMatchesStyledString(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const w, h = 40, 12
	scrolls := 0
	for run := range 30 {
		rows := make([]string, h+rnd.IntN(3)-1)
		for i := range rows {
			rows[i] = randomRow(rnd)
		}
		rr := NewRowRenderer(w, h, ansi.WcWidth, colorprofile.TrueColor)
		var out bytes.Buffer
		for f := range 40 {
			if rnd.IntN(3) == 0 && len(rows) > 4 {
				top := rnd.IntN(len(rows) / 2)
				bot := len(rows) - 1 - rnd.IntN(2)
				scrollRows(rnd, rows, top, bot, 1+rnd.IntN(3))
			}
			for range rnd.IntN(3) {
				rows[rnd.IntN(len(rows))] = randomRow(rnd)
			}
			str := strings.Join(rows, "\n")
			before := out.Len()
			if !rr.Render(&out, str) {
				t.Fatalf("run %d frame %d: plain SGR text refused", run, f)
			}
			if bytes.Contains(out.Bytes()[before:], []byte("S\x1b[r")) {
				scrolls++
			}
			sameModel(t, rr, str, fmt.Sprintf("run %d frame %d", run, f))
		}
	}
	if scrolls == 0 {
		t.Error("no frame was sent as a scroll")
	}
}

// TestRowRendererRefusesCrossRowSequences: a frame with a sequence other
// than SGR writes nothing and reports false.
func TestRowRendererRefusesCrossRowSequences(t *testing.T) {
	for _, frame := range []string{
		"ok\n\x1b]8;;http://x\x07link\x1b]8;;\x07",
		"ok\n\x1b[2Jcleared",
		"ok\n\u0301mark first",
	} {
		rr := NewRowRenderer(20, 3, ansi.WcWidth, colorprofile.TrueColor)
		var out bytes.Buffer
		if !rr.Render(&out, "first frame") {
			t.Fatal("plain frame refused")
		}
		n := out.Len()
		if rr.Render(&out, frame) {
			t.Errorf("%q: accepted", frame)
		}
		if out.Len() != n {
			t.Errorf("%q: wrote %q before refusing", frame, out.Bytes()[n:])
		}
	}
}

// TestRowRendererWritesOnlyChanges: an unchanged frame writes nothing but
// the closing pen reset, and one changed cell costs a move and the cell.
func TestRowRendererWritesOnlyChanges(t *testing.T) {
	rr := NewRowRenderer(30, 4, ansi.WcWidth, colorprofile.TrueColor)
	var out bytes.Buffer
	frame := "step 1\n\x1b[1mloss 2.31\x1b[m\nthird\nfourth"
	rr.Render(&out, frame)
	out.Reset()
	rr.Render(&out, frame)
	if out.Len() != 0 {
		t.Errorf("unchanged frame wrote %q", out.String())
	}
	rr.Render(&out, strings.ReplaceAll(frame, "\n", "\r\n"))
	if out.Len() != 0 {
		t.Errorf("the same frame with CRLF rows wrote %q", out.String())
	}
	rr.Render(&out, strings.Replace(frame, "2.31", "2.30", 1))
	if got, want := out.String(), "\x1b[2;9H\x1b[1m0\x1b[m"; got != want {
		t.Errorf("one changed cell wrote %q, want %q", got, want)
	}
}

// TestRowRendererScrollsALog: a log shifted up by two rows is sent as a
// scroll of its region plus the two new rows, not as every row.
func TestRowRendererScrollsALog(t *testing.T) {
	const w, h = 40, 10
	rows := make([]string, h)
	rows[0] = "header"
	for i := 1; i < h; i++ {
		rows[i] = fmt.Sprintf("log line %d with some text", i)
	}
	rr := NewRowRenderer(w, h, ansi.WcWidth, colorprofile.TrueColor)
	var out bytes.Buffer
	rr.Render(&out, strings.Join(rows, "\n"))
	out.Reset()
	copy(rows[1:], rows[3:])
	rows[h-2], rows[h-1] = "log line 10 new", "log line 11 new"
	str := strings.Join(rows, "\n")
	rr.Render(&out, str)
	sameModel(t, rr, str, "after scroll")
	got := out.String()
	if !strings.HasPrefix(got, "\x1b[2;10r\x1b[2S\x1b[r") {
		t.Errorf("output %q does not start with a scroll of rows 2-10 by 2", got)
	}
	if strings.Contains(got, "line 5") {
		t.Errorf("output %q redraws a row the scroll moved", got)
	}
}

// TestRowRendererTables: the style and grapheme tables start over instead
// of growing without bound, and the frame after that is still right.
func TestRowRendererTables(t *testing.T) {
	rr := NewRowRenderer(20, 2, ansi.WcWidth, colorprofile.TrueColor)
	var out bytes.Buffer
	for i := range maxRowStyles + 10 {
		str := fmt.Sprintf("\x1b[38;2;%d;%d;%dmx\x1b[m\ny", i>>16&0xff, i>>8&0xff, i&0xff)
		rr.Render(&out, str)
		if len(rr.styles) > maxRowStyles+1 {
			t.Fatalf("frame %d: %d styles kept", i, len(rr.styles))
		}
		if i%997 == 0 || i > maxRowStyles {
			sameModel(t, rr, str, fmt.Sprintf("frame %d", i))
		}
	}
}

// TestRowRendererZeroSize: a zero-sized screen renders without panicking.
func TestRowRendererZeroSize(t *testing.T) {
	rr := NewRowRenderer(0, 0, ansi.WcWidth, colorprofile.TrueColor)
	var out bytes.Buffer
	if !rr.Render(&out, "anything\nat all") {
		t.Error("refused")
	}
	rr.Resize(5, 1)
	if !rr.Render(&out, "hello world") {
		t.Error("refused after resize")
	}
	sameModel(t, rr, "hello world", "5x1")
}

func BenchmarkRowRendererFrame(b *testing.B) {
	rnd := rand.New(rand.NewPCG(5, 6))
	const w, h = 120, 40
	rows := make([]string, h)
	for i := range rows {
		rows[i] = strings.Repeat(randomRow(rnd), 3)
	}
	frames := make([]string, 64)
	for f := range frames {
		for range 6 {
			rows[rnd.IntN(h)] = strings.Repeat(randomRow(rnd), 3)
		}
		frames[f] = strings.Join(rows, "\n")
	}
	rr := NewRowRenderer(w, h, ansi.WcWidth, colorprofile.ANSI256)
	var out bytes.Buffer
	b.ReportAllocs()
	for i := range b.N {
		out.Reset()
		rr.Render(&out, frames[i%len(frames)])
	}
}

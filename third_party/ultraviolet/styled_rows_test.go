package uv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// randomRow is a row of text with SGR changes, wide and combining
// characters, and occasionally a pen left open for the next row.
func randomRow(r *rand.Rand) string {
	var sb strings.Builder
	pieces := []string{
		"abc", " ", "世界", "e\u0301", "\x1b[31m", "\x1b[1;44m", "\x1b[m", "\x1b[38;5;208m",
		"\x1b[38;2;10;20;30m", "·", "│", "\t", "█▉", "\x1b[7m",
	}
	for range r.IntN(30) {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

// reference draws str as upstream's renderer does: clear, then the whole
// styled string.
func reference(str string, w, h int) ScreenBuffer {
	b := NewScreenBuffer(w, h)
	b.Clear()
	NewStyledString(str).Draw(b, b.Bounds())
	return b
}

func sameCells(t *testing.T, got, want ScreenBuffer, ctx string) {
	t.Helper()
	for y := range want.Height() {
		for x := range want.Width() {
			if g, w := got.CellAt(x, y), want.CellAt(x, y); !g.Equal(w) {
				t.Fatalf("%s: cell (%d,%d) = %+v, whole-string draw gives %+v", ctx, x, y, g, w)
			}
		}
	}
}

// TestStyledRowsMatchesStyledString draws a random walk of frames, each
// changing a few rows of the last, and compares every frame with a fresh
// whole-string draw.
func TestStyledRowsMatchesStyledString(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 40, 12
	full := 0
	for run := range 20 {
		rows := make([]string, h+r.IntN(3)-1) // sometimes short, sometimes too tall
		for i := range rows {
			rows[i] = randomRow(r)
		}
		buf := NewScreenBuffer(w, h)
		buf.Clear()
		var sr StyledRows
		for f := range 40 {
			for range r.IntN(4) {
				rows[r.IntN(len(rows))] = randomRow(r)
			}
			str := strings.Join(rows, "\n")
			if !sr.Valid() {
				buf.Clear()
			}
			drawn, ok := sr.Draw(buf, buf.Bounds(), str)
			if !ok {
				t.Fatalf("run %d frame %d: plain SGR text fell back", run, f)
			}
			if f > 0 && drawn == h {
				full++
			}
			sameCells(t, buf, reference(str, w, h), fmt.Sprintf("run %d frame %d", run, f))
		}
	}
	if full > 20*39/2 {
		t.Errorf("%d of %d frames after the first drew every row", full, 20*39)
	}
}

// TestStyledRowsSkipsUnchanged: only changed rows, and rows whose starting
// pen changed, are drawn and touched.
func TestStyledRowsSkipsUnchanged(t *testing.T) {
	rows := []string{"\x1b[31mred", "plain\x1b[m", "a", "b", "c"}
	buf := NewScreenBuffer(10, 5)
	buf.Clear()
	var sr StyledRows
	if n, ok := sr.Draw(buf, buf.Bounds(), strings.Join(rows, "\n")); !ok || n != 5 {
		t.Fatalf("first draw: %d rows, ok %v; want all 5", n, ok)
	}
	buf.Touched = nil
	rows[3] = "B"
	if n, ok := sr.Draw(buf, buf.Bounds(), strings.Join(rows, "\n")); !ok || n != 1 {
		t.Fatalf("one row changed: drew %d rows, ok %v", n, ok)
	}
	for y, ld := range buf.Touched {
		if touched := ld != nil; touched != (y == 3) {
			t.Errorf("row %d touched = %v", y, touched)
		}
	}
	// Row 0 no longer leaves red on: row 1 starts with another pen and
	// has to be drawn again although its text is the same.
	rows[0] = "\x1b[31mred\x1b[m"
	if n, _ := sr.Draw(buf, buf.Bounds(), strings.Join(rows, "\n")); n != 2 {
		t.Fatalf("pen change: drew %d rows, want 2", n)
	}
	sameCells(t, buf, reference(strings.Join(rows, "\n"), 10, 5), "pen change")
}

// TestStyledRowsFallsBack: sequences that may act across rows are not
// drawn row by row.
func TestStyledRowsFallsBack(t *testing.T) {
	for _, str := range []string{
		"a\n\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", // OSC hyperlink
		"a\n\u0301b",              // mark at the start of a row
		"a\x1b[2Kb\nc",            // erase in line
		"a\x1b_payload\x1b\\b\nc", // APC pass-through
		"a\x1b[31",                // unterminated CSI
		"ab\x1b]0;title\x07\nc",   // window title
		"x\n\x1b[31m\u0301",       // mark after SGR at row start
		"a\n\u0085b",              // C1 next line
	} {
		var sr StyledRows
		buf := NewScreenBuffer(10, 3)
		if _, ok := sr.Draw(buf, buf.Bounds(), str); ok {
			t.Errorf("%q: drawn row by row", str)
		}
		if sr.Valid() {
			t.Errorf("%q: still valid after falling back", str)
		}
	}
}

// TestStyledRowsInvalidate: after Invalidate every row is drawn again.
func TestStyledRowsInvalidate(t *testing.T) {
	buf := NewScreenBuffer(5, 2)
	var sr StyledRows
	sr.Draw(buf, buf.Bounds(), "a\nb")
	if n, _ := sr.Draw(buf, buf.Bounds(), "a\nb"); n != 0 {
		t.Fatalf("unchanged frame drew %d rows", n)
	}
	sr.Invalidate()
	if n, _ := sr.Draw(buf, buf.Bounds(), "a\nb"); n != 2 {
		t.Fatalf("after Invalidate drew %d rows, want 2", n)
	}
	if n, _ := sr.Draw(buf, Rect(0, 0, 5, 1), "a\nb"); n != 1 {
		t.Fatalf("new area drew %d rows, want 1", n)
	}
}

// TestStyledRowsKeepsOnlyTheLastFrame: rows cut from the frame just drawn,
// not from the older frames they were first drawn from, so a session holds
// one frame's text however long its rows stay unchanged.
func TestStyledRowsKeepsOnlyTheLastFrame(t *testing.T) {
	buf := NewScreenBuffer(10, 2)
	var sr StyledRows
	first := strings.Clone("same\nold")
	sr.Draw(buf, buf.Bounds(), first)
	second := strings.Clone("same\nnew")
	sr.Draw(buf, buf.Bounds(), second)
	base := unsafe.StringData(second)
	for i, row := range sr.rows {
		p := unsafe.StringData(row.text)
		if uintptr(unsafe.Pointer(p)) < uintptr(unsafe.Pointer(base)) ||
			uintptr(unsafe.Pointer(p)) >= uintptr(unsafe.Pointer(base))+uintptr(len(second)) {
			t.Errorf("row %d text %q is not cut from the last frame", i, row.text)
		}
	}
}

// TestStyledRowsCellsDoNotPinFrames: cell contents are not substrings of
// the frame, so a frame can be collected while its cells stay on screen.
func TestStyledRowsCellsDoNotPinFrames(t *testing.T) {
	buf := NewScreenBuffer(12, 1)
	var sr StyledRows
	frame := strings.Clone("ab│█世e\u0301")
	sr.Draw(buf, buf.Bounds(), frame)
	lo := uintptr(unsafe.Pointer(unsafe.StringData(frame)))
	for x := range 12 {
		c := buf.CellAt(x, 0)
		if c == nil || c.Content == "" {
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(c.Content)))
		if p >= lo && p < lo+uintptr(len(frame)) {
			t.Errorf("cell %d %q points into the frame", x, c.Content)
		}
	}
	var n contentNames
	for i := range 2 * maxContentNames {
		n.intern(string(rune(0x4e00 + i)))
	}
	if len(n.m) > maxContentNames {
		t.Errorf("%d names kept, want at most %d", len(n.m), maxContentNames)
	}
}

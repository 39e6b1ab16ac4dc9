package uv

// overfit patch: a full-screen renderer that keeps an 8-byte-per-cell model
// of the terminal instead of two [Buffer]s of 112-byte cells.

import (
	"bytes"
	"hash/maphash"
	"image/color"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// RowRenderer renders full-screen frames made of styled rows (text and SGR
// only, as [StyledRows] accepts them) to a terminal. It keeps what the
// terminal shows as one packed 8-byte word per cell (content, style index,
// width) and a 64-bit hash of every row's text, so a frame costs hashing its
// text, and the parse and a word compare of the rows whose hash changed
// (a collision would leave one row stale until it changes again: with a
// seeded 64-bit hash, not a practical concern). A session holds ~40 KB at
// 120×40 instead of the ~1 MB of a [TerminalRenderer]'s screen model plus
// the frame's cell buffer. The cells hold no pointers, so the garbage
// collector does not scan them either.
//
// A frame whose rows shift up as a block (a log that scrolls) is sent as a
// scroll of that region followed by the rows that really changed.
//
// The caller owns the terminal modes (alternate screen, cursor visibility);
// RowRenderer only writes text, SGR, cursor moves, erases and scroll
// regions, and leaves the pen reset after every frame. Call
// [RowRenderer.Invalidate] whenever anything else wrote to the screen.
//
// The zero value is not ready: use [NewRowRenderer].
type RowRenderer struct {
	width, height int
	method        WidthMethod
	profile       colorprofile.Profile

	seed  maphash.Seed
	blank uint64   // the sum of an empty row
	rows  []rowSum // what every row of the screen was drawn from
	cells []uint64 // the screen, row-major: see packCell
	valid bool     // rows and cells are what the terminal shows

	styles  []Style          // style index → style as written (profile applied)
	styleIx map[styleKey]int // style → index, for styles of comparable colors
	names   []string         // content index → multi-rune grapheme
	nameIx  map[string]int
	diffs   map[uint32]string // (from, to) style index pair → SGR

	line compactLine // the row being parsed
	x, y int         // cursor; x < 0: unknown (or pending wrap)
	pen  int         // style index of the terminal's pen; -1: unknown
}

// Cell word layout: bits 0-31 content (a rune, or nameFlag|index into
// names), 32-47 style index, 48-55 width. The zero word is the placeholder
// that follows a wide cell, as Cell{} is in a [Buffer].
const (
	nameFlag   = 1 << 31
	styleShift = 32
	widthShift = 48
	blankCell  = uint64(' ') | 1<<widthShift

	// maxRowStyles bounds the style table; past it the table starts over
	// with a full redraw (an application drawing gradients, say).
	maxRowStyles = 4096
	// maxRowNames bounds the multi-rune grapheme table the same way.
	maxRowNames = 1 << 16
	// minScrollRows is the smallest block of shifted rows worth a scroll.
	minScrollRows = 2
)

func packCell(content uint32, style int, width int) uint64 {
	return uint64(content) | uint64(style)<<styleShift | uint64(width&0xff)<<widthShift
}

func cellWidth(c uint64) int   { return int(c >> widthShift & 0xff) }
func cellStyle(c uint64) int   { return int(c >> styleShift & 0xffff) }
func cellText(c uint64) uint32 { return uint32(c) }

// NewRowRenderer returns a renderer for a width×height screen whose first
// frame clears the screen.
func NewRowRenderer(width, height int, method WidthMethod, profile colorprofile.Profile) *RowRenderer {
	r := &RowRenderer{method: method, profile: profile, seed: maphash.MakeSeed()}
	r.blank = maphash.String(r.seed, "")
	r.resetTables()
	r.Resize(width, height)
	return r
}

// Resize changes the screen size; the next frame redraws everything.
func (r *RowRenderer) Resize(width, height int) {
	width, height = max(width, 0), max(height, 0)
	r.width, r.height = width, height
	if n := width * height; cap(r.cells) >= n {
		r.cells = r.cells[:n]
	} else {
		r.cells = make([]uint64, n)
	}
	if cap(r.rows) >= height {
		r.rows = r.rows[:height]
	} else {
		r.rows = make([]rowSum, height)
	}
	r.line.cells = make([]uint64, width)
	r.Invalidate()
}

// Size reports the screen size.
func (r *RowRenderer) Size() (width, height int) { return r.width, r.height }

// Invalidate makes the next frame clear the screen and draw every row, for
// when something else wrote to it.
func (r *RowRenderer) Invalidate() {
	r.valid = false
	r.x, r.pen = -1, -1
}

// SetWidthMethod sets how cell widths are measured; the next frame redraws
// everything.
func (r *RowRenderer) SetWidthMethod(m WidthMethod) {
	r.method = m
	r.Invalidate()
}

// SetColorProfile sets the profile styles are downsampled to; the next
// frame redraws everything.
func (r *RowRenderer) SetColorProfile(p colorprofile.Profile) {
	r.profile = p
	r.resetTables()
	r.Invalidate()
}

func (r *RowRenderer) resetTables() {
	r.styles = append(r.styles[:0], Style{}) // index 0 is the reset pen
	r.styleIx = map[styleKey]int{{}: 0}
	r.names = r.names[:0]
	r.nameIx = make(map[string]int)
	r.diffs = make(map[uint32]string)
	r.line.r = r
	r.line.lastStyle, r.line.lastIx = Style{}, 0
}

// Render writes to out what turns the screen into frame: rows are separated
// by "\n" (or "\r\n"); rows past the height are ignored, missing rows are
// blank, and rows are cut at the width. It reports false, writing nothing,
// when frame holds a sequence whose effect may cross rows (anything but SGR
// among escape sequences; see [StyledRows.Draw]): the caller then draws the
// frame another way and calls Invalidate.
func (r *RowRenderer) Render(out *bytes.Buffer, frame string) bool {
	start := out.Len()
	var lines [256]string
	split := lines[:0]
	if r.height > len(lines) {
		split = make([]string, 0, r.height)
	}
	rest := frame
	for range r.height {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		// "\r\n" ends a row as "\n" does (a scan per row, not a copy of
		// the frame).
		split = append(split, strings.TrimSuffix(line, "\r"))
	}

	if !r.valid {
		if r.styleOverflow() {
			r.resetTables()
		}
		r.setPen(out, 0)
		out.WriteString(ansi.CursorHomePosition)
		out.WriteString(ansi.EraseEntireScreen)
		r.x, r.y = 0, 0
		r.blankRows(r.rows)
		for i := range r.cells {
			r.cells[i] = blankCell
		}
		r.valid = true
	}

	var buf [256]uint64
	sums := buf[:0]
	if len(split) > len(buf) {
		sums = make([]uint64, 0, len(split))
	}
	for _, line := range split {
		sums = append(sums, maphash.String(r.seed, line))
	}

	r.scroll(out, sums)

	var p pen
	for y, line := range split {
		old := &r.rows[y]
		if old.sum == sums[y] && old.from == p {
			p = old.to
			continue
		}
		to, ok := r.parse(line, p)
		if !ok {
			out.Truncate(start) // nothing of this frame reaches the terminal
			r.Invalidate()
			return false
		}
		r.paintRow(out, y)
		r.rows[y] = rowSum{sum: sums[y], from: p, to: to}
		p = to
	}
	r.setPen(out, 0)
	if r.styleOverflow() {
		// Start the tables over with the next frame rather than grow them
		// without bound.
		r.resetTables()
		r.Invalidate()
	}
	return true
}

func (r *RowRenderer) styleOverflow() bool {
	return len(r.styles) > maxRowStyles || len(r.names) > maxRowNames
}

// parse prints line, starting with pen p, into r.line.
func (r *RowRenderer) parse(line string, p pen) (pen, bool) {
	rp := rowPrint{pen: p}
	printStringFrom(&r.line, r.method, 0, 0, Rect(0, 0, r.width, 1), line, true, "", &rp)
	if rp.crossed {
		return pen{}, false
	}
	for x := max(rp.end, 0); x < r.width; x++ {
		r.line.SetCell(x, 0, nil)
	}
	return rp.pen, true
}

// paintRow writes what turns row y of the screen into r.line and records it.
func (r *RowRenderer) paintRow(out *bytes.Buffer, y int) {
	w := r.width
	old := r.cells[y*w : y*w+w]
	nu := r.line.cells
	// The row ends in blanks that an erase to the end of the line draws.
	tail := w
	if w > 0 && canClearWith(&Cell{Content: " ", Width: 1, Style: r.styles[cellStyle(nu[w-1])]}) {
		for tail > 0 && nu[tail-1] == nu[w-1] && cellText(nu[tail-1]) == ' ' && cellWidth(nu[tail-1]) == 1 {
			tail--
		}
	}
	erase := func(x int) bool { return x >= tail && w-x > 3 }
	for x := 0; x < w; {
		if nu[x] == old[x] {
			x++
			continue
		}
		if erase(x) {
			r.moveTo(out, x, y)
			r.setPen(out, cellStyle(nu[w-1]))
			out.WriteString(ansi.EraseLineRight)
			break
		}
		// A run never starts on the right half of a wide cell: that half is
		// equal in both rows exactly when its left half is, so the left
		// half started the run or the whole cell is unchanged.
		r.moveTo(out, x, y)
		for start := x; x < w && (x == start || nu[x] != old[x]) && !erase(x); {
			c := nu[x]
			cw := max(cellWidth(c), 1) // a stray placeholder is drawn blank
			r.setPen(out, cellStyle(c))
			switch t := cellText(c); {
			case t&nameFlag != 0:
				out.WriteString(r.names[t&^nameFlag])
			case c == 0:
				out.WriteByte(' ')
			default:
				out.WriteRune(rune(t))
			}
			x += cw
			if r.x += cw; r.x >= w {
				r.x = -1 // pending wrap: the next move is absolute
			}
		}
	}
	copy(old, nu)
}

// moveTo moves the cursor to column x of row y.
func (r *RowRenderer) moveTo(out *bytes.Buffer, x, y int) {
	if r.x >= 0 && r.y == y && r.x == x {
		return
	}
	b := out.AvailableBuffer()
	if r.x >= 0 && r.y == y && x > r.x {
		b = append(b, "\x1b["...)
		if n := x - r.x; n > 1 {
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, 'C')
	} else {
		b = append(b, "\x1b["...)
		if y > 0 {
			b = strconv.AppendInt(b, int64(y+1), 10)
		}
		if x > 0 {
			b = append(b, ';')
			b = strconv.AppendInt(b, int64(x+1), 10)
		}
		b = append(b, 'H')
	}
	out.Write(b)
	r.x, r.y = x, y
}

// setPen makes style index ix the terminal's pen.
func (r *RowRenderer) setPen(out *bytes.Buffer, ix int) {
	if r.pen == ix {
		return
	}
	if r.pen < 0 {
		out.WriteString(ansi.ResetStyle)
		r.pen = 0
		if ix == 0 {
			return
		}
	}
	key := uint32(r.pen)<<16 | uint32(ix)
	seq, ok := r.diffs[key]
	if !ok {
		to := &r.styles[ix]
		seq = to.Diff(&r.styles[r.pen])
		if to.IsZero() && len(seq) > len(ansi.ResetStyle) {
			seq = ansi.ResetStyle
		}
		r.diffs[key] = seq
	}
	out.WriteString(seq)
	r.pen = ix
}

// scroll finds the largest block of rows that moved up together by the
// same number of rows (a scrolling log), scrolls that region of the
// terminal and of the model, and records the rows it brought in as blank.
func (r *RowRenderer) scroll(out *bytes.Buffer, sums []uint64) {
	h, changed := len(sums), 0
	for i, sum := range sums {
		if sum != r.rows[i].sum {
			changed++
		}
	}
	if changed < minScrollRows {
		return
	}
	bestN, bestTop, bestK := 0, 0, 0
	for k := 1; k < h/2+1; k++ {
		n := 0
		for i := 0; i+k < h; i++ {
			// A row already right needs no scroll, and blank rows are
			// cheaper to erase than to move.
			if sums[i] == r.rows[i+k].sum && sums[i] != r.rows[i].sum && sums[i] != r.blank {
				n++
				if n > bestN {
					bestN, bestTop, bestK = n, i-n+1, k
				}
			} else {
				n = 0
			}
		}
	}
	if bestN < minScrollRows {
		return
	}
	top, k := bestTop, bestK
	bot := top + bestN - 1 + k // last row of the region, in old rows
	// Moved rows keep the pens they were drawn with: one whose starting pen
	// differs in the new frame is drawn again by Render's row loop.
	r.setPen(out, 0) // the rows scrolled in are blank in the default pen
	b := out.AvailableBuffer()
	b = append(b, "\x1b["...)
	b = strconv.AppendInt(b, int64(top+1), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(bot+1), 10)
	b = append(b, 'r')
	b = append(b, "\x1b["...)
	if k > 1 {
		b = strconv.AppendInt(b, int64(k), 10)
	}
	b = append(b, 'S')
	b = append(b, "\x1b[r"...) // whole screen again; this homes the cursor
	out.Write(b)
	r.x, r.y = 0, 0

	w := r.width
	copy(r.cells[top*w:(bot-k+1)*w], r.cells[(top+k)*w:(bot+1)*w])
	for i := (bot - k + 1) * w; i < (bot+1)*w; i++ {
		r.cells[i] = blankCell
	}
	copy(r.rows[top:bot-k+1], r.rows[top+k:bot+1])
	r.blankRows(r.rows[bot-k+1 : bot+1])
}

// rowSum is what a row of the screen was drawn from: a hash of its text
// (the text itself would be a second copy of the frame to compare against,
// read from memory that has long left the cache, and would keep the frame
// alive) and the pens it started and ended with.
type rowSum struct {
	sum      uint64
	from, to pen
}

// blankRows records rows as drawn from empty text: blank.
func (r *RowRenderer) blankRows(rows []rowSum) {
	for i := range rows {
		rows[i] = rowSum{sum: r.blank}
	}
}

// styleKey identifies a style whose colors are of the common comparable
// kinds; other styles are searched for.
type styleKey struct {
	fg, bg, ul uint64
	underline  Underline
	attrs      uint8
}

// colorKey packs a color of a known kind with a tag of its kind: the same
// RGBA in two kinds is written differently. ok is false for other kinds.
func colorKey(c any) (uint64, bool) {
	switch c := c.(type) {
	case nil:
		return 0, true
	case ansi.BasicColor:
		return 1<<32 | uint64(c), true
	case ansi.IndexedColor:
		return 2<<32 | uint64(c), true
	case ansi.TrueColor:
		return 3<<32 | uint64(c), true
	case color.RGBA:
		return 4<<32 | uint64(c.R)<<24 | uint64(c.G)<<16 | uint64(c.B)<<8 | uint64(c.A), true
	}
	return 0, false
}

// styleIndex returns the index of s (as given, before the profile).
func (r *RowRenderer) styleIndex(s *Style) int {
	fg, ok1 := colorKey(s.Fg)
	bg, ok2 := colorKey(s.Bg)
	ul, ok3 := colorKey(s.UnderlineColor)
	if ok1 && ok2 && ok3 {
		k := styleKey{fg: fg, bg: bg, ul: ul, underline: s.Underline, attrs: s.Attrs}
		if ix, ok := r.styleIx[k]; ok {
			return ix
		}
		ix := r.addStyle(ConvertStyle(*s, r.profile))
		r.styleIx[k] = ix
		return ix
	}
	return r.addStyle(ConvertStyle(*s, r.profile))
}

// addStyle returns the index of the converted style cs, adding it if new.
func (r *RowRenderer) addStyle(cs Style) int {
	for i := range r.styles {
		if r.styles[i].Equal(&cs) {
			return i
		}
	}
	r.styles = append(r.styles, cs)
	return len(r.styles) - 1
}

// contentCode packs a cell's content: a single rune as itself, anything
// else (a grapheme cluster) as an index into names.
func (r *RowRenderer) contentCode(s string) uint32 {
	if len(s) == 1 {
		return uint32(s[0])
	}
	if ru, n := utf8.DecodeRuneInString(s); n == len(s) && ru != utf8.RuneError {
		return uint32(ru)
	}
	if ix, ok := r.nameIx[s]; ok {
		return nameFlag | uint32(ix)
	}
	s = strings.Clone(s)
	r.names = append(r.names, s)
	r.nameIx[s] = len(r.names) - 1
	return nameFlag | uint32(len(r.names)-1)
}

// compactLine is one row of packed cells that printStringFrom prints into,
// with the semantics of [Line.Set].
type compactLine struct {
	r         *RowRenderer
	cells     []uint64
	lastStyle Style // the style looked up last, and its index
	lastIx    int
	cell      Cell // CellAt's result
}

// Bounds implements [Screen].
func (l *compactLine) Bounds() Rectangle { return Rect(0, 0, len(l.cells), 1) }

// WidthMethod implements [Screen].
func (l *compactLine) WidthMethod() WidthMethod { return l.r.method }

// CellAt implements [Screen]; the cell is valid until the next call.
func (l *compactLine) CellAt(x, y int) *Cell {
	if y != 0 || x < 0 || x >= len(l.cells) {
		return nil
	}
	c := l.cells[x]
	l.cell = Cell{Width: cellWidth(c)}
	if t := cellText(c); t&nameFlag != 0 {
		l.cell.Content = l.r.names[t&^nameFlag]
	} else if c != 0 {
		l.cell.Content = string(rune(t))
	}
	// Cells keep the converted style; CellAt is only used to fold a mark
	// into the cell just printed, whose style the printer sets again.
	l.cell.Style = l.r.styles[cellStyle(c)]
	return &l.cell
}

func (l *compactLine) pack(c *Cell) uint64 {
	if !c.Style.Equal(&l.lastStyle) {
		l.lastStyle, l.lastIx = c.Style, l.r.styleIndex(&c.Style)
	}
	return packCell(l.r.contentCode(c.Content), l.lastIx, c.Width)
}

// blankOf is a blank cell in the style of c.
func blankOf(c uint64) uint64 {
	return blankCell | c&(0xffff<<styleShift)
}

// SetCell implements [Screen] exactly as [Line.Set] does.
func (l *compactLine) SetCell(x, y int, c *Cell) {
	cells := l.cells
	w := len(cells)
	if y != 0 || x < 0 || x >= w {
		return
	}
	prev := cells[x]
	if pw := cellWidth(prev); pw > 1 {
		for j := 0; j < pw && x+j < w; j++ {
			cells[x+j] = blankOf(prev)
		}
	} else if pw == 0 {
		for j := 1; x-j >= 0; j++ {
			if wide := cells[x-j]; cellWidth(wide) > 1 && j < cellWidth(wide) {
				for k := range cellWidth(wide) {
					if x-j+k < w {
						cells[x-j+k] = blankOf(wide)
					}
				}
				break
			}
		}
	}
	if c == nil {
		cells[x] = blankCell
		return
	}
	packed := l.pack(c)
	cells[x] = packed
	cw := c.Width
	if x+cw > w {
		for i := 0; i < cw && x+i < w; i++ {
			cells[x+i] = blankOf(packed)
		}
		return
	}
	for j := 1; j < cw && x+j < w; j++ {
		cells[x+j] = 0
	}
}

// Package screen draws full-screen frames made of styled rows to a
// terminal, sending only what changed since the last frame.
//
// A frame is a slice of rows: text with SGR sequences (colors and
// attributes) and nothing else. The renderer keeps what the terminal shows
// as one packed 8-byte word per cell plus the row strings it was drawn from,
// so a frame costs one string comparison per unchanged row (a pointer
// comparison when the caller hands back the same string) and a parse and
// word compare of each changed row. A block of rows that moved up together
// (a scrolling log) is sent as a scroll of that region.
//
// It replaces Bubble Tea's cell-buffer renderer for overfit's sessions: the
// cells hold no pointers (the garbage collector does not scan them), a
// session's screen model is ~40 KB at 120×40 instead of ~1 MB, and frames
// are never joined into one string. docs/renderer.md has the design and
// the measurements.
package screen

import (
	"hash/maphash"
	"image/color"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Renderer turns the terminal's screen into the frames it is given. It
// owns only the screen's contents: the caller enters and leaves the
// alternate screen and hides the cursor, and calls Invalidate whenever
// anything else wrote to the screen. Every frame leaves the pen reset.
//
// The zero value is not ready: use New. A Renderer is not safe for
// concurrent use.
type Renderer struct {
	width, height int
	profile       colorprofile.Profile

	seed  maphash.Seed
	rows  []string  // the text each screen row was drawn from
	sums  []uint64  // a hash of each row's text, for scroll detection; 0 = not computed
	pens  []rowPens // the pens each row started and ended with
	cells []uint64  // the screen, row-major: see packCell
	valid bool      // rows and cells are what the terminal shows

	styles  []uv.Style       // style index → style as written (profile applied)
	styleIx map[styleKey]int // style key → index, for styles of comparable colors
	names   []string         // content index → multi-rune grapheme
	nameIx  map[string]int
	diffs   map[uint32]span // (from, to) style index pair → SGR, in the arena
	// arena holds the SGR sequences the tables refer to: one buffer
	// instead of a string each.
	arena []byte

	line   []uint64 // the row being parsed, packed
	parser ansi.Parser
	sgr    map[sgrKey]sgrMemo // (pen, SGR sequence) → pen after it
	recent [8]sgrMemo         // the last SGR transitions looked up
	next   int                // where the next memo goes
	newSum []uint64           // scratch: hashes of the new frame's rows
	x, y   int                // cursor; x < 0: unknown (or pending wrap)
	pen    int                // style index of the terminal's pen; -1: unknown
}

// rowPens are the style indexes a row started and ended with: a row drawn
// with the same text from another pen looks different.
type rowPens struct{ from, to int32 }

// Cell word layout: bits 0-31 content (a rune, or nameFlag|index into
// names), 32-47 style index, 48-55 width. The zero word is the placeholder
// that follows a wide cell.
const (
	nameFlag   = 1 << 31
	styleShift = 32
	widthShift = 48
	blankCell  = uint64(' ') | 1<<widthShift

	// maxStyles bounds the style table; past it the tables start over with
	// a full redraw (a frame drawing gradients, say).
	maxStyles = 4096
	// maxNames bounds the multi-rune grapheme table the same way.
	maxNames = 1 << 12
	// maxArena bounds the bytes of SGR sequences the tables keep.
	maxArena = 1 << 16
	// minScrollRows is the smallest block of shifted rows worth a scroll.
	minScrollRows = 2
)

func packCell(content uint32, style int, width int) uint64 {
	return uint64(content) | uint64(style)<<styleShift | uint64(width&0xff)<<widthShift
}

func cellWidth(c uint64) int   { return int(c >> widthShift & 0xff) }
func cellStyle(c uint64) int   { return int(c >> styleShift & 0xffff) }
func cellText(c uint64) uint32 { return uint32(c) }

// New returns a renderer for a width×height screen whose first frame
// clears the screen. Styles are downsampled to profile.
func New(width, height int, profile colorprofile.Profile) *Renderer {
	r := &Renderer{profile: profile, seed: maphash.MakeSeed()}
	// Parameters only: OSC and DCS payloads are dropped, not collected.
	r.parser.SetParamsSize(32)
	r.resetTables()
	r.Resize(width, height)
	return r
}

// Resize changes the screen size; the next frame redraws everything.
func (r *Renderer) Resize(width, height int) {
	width, height = max(width, 0), max(height, 0)
	r.width, r.height = width, height
	r.cells = grow(r.cells, width*height)
	r.line = grow(r.line, width)
	r.sums = grow(r.sums, height)
	r.newSum = grow(r.newSum, height)
	if cap(r.rows) >= height {
		r.rows = r.rows[:height]
	} else {
		r.rows = make([]string, height)
	}
	if cap(r.pens) >= height {
		r.pens = r.pens[:height]
	} else {
		r.pens = make([]rowPens, height)
	}
	r.Invalidate()
}

func grow(s []uint64, n int) []uint64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]uint64, n)
}

// Size reports the screen size.
func (r *Renderer) Size() (width, height int) { return r.width, r.height }

// Invalidate makes the next frame clear the screen and draw every row.
func (r *Renderer) Invalidate() {
	r.valid = false
	r.x, r.pen = -1, -1
}

// SetColorProfile sets the profile styles are downsampled to; the next
// frame redraws everything.
func (r *Renderer) SetColorProfile(p colorprofile.Profile) {
	if p == r.profile {
		return
	}
	r.profile = p
	r.resetTables()
	r.Invalidate()
}

func (r *Renderer) resetTables() {
	r.styles = append(r.styles[:0], uv.Style{}) // index 0 is the reset pen
	r.styleIx = map[styleKey]int{{}: 0}
	r.names = r.names[:0]
	r.nameIx = make(map[string]int)
	r.diffs = make(map[uint32]span)
	r.arena = r.arena[:0]
	r.sgr = make(map[sgrKey]sgrMemo)
	r.recent = [8]sgrMemo{}
}

// Render appends to out what turns the screen into frame and returns the
// extended slice. Rows past the height are ignored, missing rows are
// blank, and rows are cut at the width. Escape sequences other than SGR
// are dropped: their effect could cross rows, which a row model cannot
// follow (the app never writes them).
func (r *Renderer) Render(out []byte, frame []string) []byte {
	if !r.valid {
		if r.overflow() {
			r.resetTables()
		}
		out = r.setPen(out, 0)
		out = append(out, ansi.CursorHomePosition...)
		out = append(out, ansi.EraseEntireScreen...)
		r.x, r.y = 0, 0
		clear(r.rows)
		clear(r.sums)
		clear(r.pens)
		for i := range r.cells {
			r.cells[i] = blankCell
		}
		r.valid = true
	}
	if len(frame) > r.height {
		frame = frame[:r.height]
	}
	out = r.scroll(out, frame)

	var p int32
	for y := range r.height {
		text := ""
		if y < len(frame) {
			text = frame[y]
		}
		if text == r.rows[y] && r.pens[y].from == p {
			p = r.pens[y].to
			continue
		}
		to := r.parse(text, p)
		out = r.paintRow(out, y)
		r.rows[y], r.sums[y] = text, r.newSum[y]
		r.pens[y] = rowPens{from: p, to: to}
		p = to
	}
	out = r.setPen(out, 0)
	if r.overflow() {
		// Start the tables over with the next frame rather than let them
		// grow without bound.
		r.resetTables()
		r.Invalidate()
	}
	return out
}

func (r *Renderer) overflow() bool {
	return len(r.styles) > maxStyles || len(r.names) > maxNames || len(r.sgr) > maxStyles ||
		len(r.diffs) > maxStyles || len(r.arena) > maxArena
}

// span is a piece of the renderer's arena: offset<<32 | length.
type span uint64

// keep copies s into the arena.
func (r *Renderer) keep(s string) span {
	off := len(r.arena)
	r.arena = append(r.arena, s...)
	return span(uint64(off)<<32 | uint64(len(s)))
}

// spanBytes is the arena's bytes of sp.
func (r *Renderer) spanBytes(sp span) []byte {
	off := int(sp >> 32)
	return r.arena[off : off+int(sp&0xffffffff)]
}

// spanIs reports whether sp holds s.
func (r *Renderer) spanIs(sp span, s string) bool { return string(r.spanBytes(sp)) == s }

// paintRow appends what turns row y of the screen into r.line, and records
// it in the model.
func (r *Renderer) paintRow(out []byte, y int) []byte {
	w := r.width
	old := r.cells[y*w : y*w+w]
	nu := r.line
	// The row ends in default-pen blanks that one erase to the end of the
	// line draws.
	tail := w
	for tail > 0 && nu[tail-1] == blankCell {
		tail--
	}
	erase := func(x int) bool { return x >= tail && w-x > 3 }
	for x := 0; x < w; {
		if nu[x] == old[x] {
			x++
			continue
		}
		if erase(x) {
			out = r.moveTo(out, x, y)
			out = r.setPen(out, 0)
			out = append(out, ansi.EraseLineRight...)
			break
		}
		// A run never starts on the right half of a wide cell: that half is
		// equal in both rows exactly when its left half is, so the left half
		// started the run or the whole cell is unchanged.
		out = r.moveTo(out, x, y)
		for start := x; x < w && (x == start || nu[x] != old[x]) && !erase(x); {
			c := nu[x]
			cw := max(cellWidth(c), 1) // a stray placeholder is drawn blank
			out = r.setPen(out, cellStyle(c))
			switch t := cellText(c); {
			case t&nameFlag != 0:
				out = append(out, r.names[t&^nameFlag]...)
			case c == 0:
				out = append(out, ' ')
			default:
				out = utf8.AppendRune(out, rune(t))
			}
			x += cw
			if r.x += cw; r.x >= w {
				r.x = -1 // pending wrap: the next move is absolute
			}
		}
	}
	copy(old, nu)
	return out
}

// moveTo moves the cursor to column x of row y.
func (r *Renderer) moveTo(out []byte, x, y int) []byte {
	if r.x >= 0 && r.y == y && r.x == x {
		return out
	}
	out = append(out, "\x1b["...)
	if r.x >= 0 && r.y == y && x > r.x {
		if n := x - r.x; n > 1 {
			out = strconv.AppendInt(out, int64(n), 10)
		}
		out = append(out, 'C')
	} else {
		if y > 0 {
			out = strconv.AppendInt(out, int64(y+1), 10)
		}
		if x > 0 {
			out = append(out, ';')
			out = strconv.AppendInt(out, int64(x+1), 10)
		}
		out = append(out, 'H')
	}
	r.x, r.y = x, y
	return out
}

// setPen makes style index ix the terminal's pen.
func (r *Renderer) setPen(out []byte, ix int) []byte {
	if r.pen == ix {
		return out
	}
	if r.pen < 0 {
		out = append(out, ansi.ResetStyle...)
		r.pen = 0
		if ix == 0 {
			return out
		}
	}
	key := uint32(r.pen)<<16 | uint32(ix)
	sp, ok := r.diffs[key]
	if !ok {
		to := &r.styles[ix]
		seq := uv.StyleDiff(&r.styles[r.pen], to)
		if to.IsZero() && len(seq) > len(ansi.ResetStyle) {
			seq = ansi.ResetStyle
		}
		sp = r.keep(seq)
		r.diffs[key] = sp
	}
	r.pen = ix
	return append(out, r.spanBytes(sp)...)
}

// styleKey identifies a style whose colors are of the common comparable
// kinds; other styles are searched for.
type styleKey struct {
	fg, bg, ul uint64
	underline  uv.Underline
	attrs      uint8
}

// colorKey packs a color of a known kind with a tag of its kind: the same
// RGBA in two kinds is written differently. ok is false for other kinds.
func colorKey(c color.Color) (uint64, bool) {
	switch c := c.(type) {
	case nil:
		return 0, true
	case ansi.BasicColor:
		return 1<<32 | uint64(c), true
	case ansi.IndexedColor:
		return 2<<32 | uint64(c), true
	case ansi.RGBColor: // ansi.TrueColor, which it replaces, is deprecated
		return 3<<32 | uint64(c.R)<<16 | uint64(c.G)<<8 | uint64(c.B), true
	case color.RGBA:
		return 4<<32 | uint64(c.R)<<24 | uint64(c.G)<<16 | uint64(c.B)<<8 | uint64(c.A), true
	}
	return 0, false
}

// styleIndex returns the index of s (as parsed, before the profile).
func (r *Renderer) styleIndex(s *uv.Style) int {
	fg, ok1 := colorKey(s.Fg)
	bg, ok2 := colorKey(s.Bg)
	ul, ok3 := colorKey(s.UnderlineColor)
	if ok1 && ok2 && ok3 {
		k := styleKey{fg: fg, bg: bg, ul: ul, underline: s.Underline, attrs: s.Attrs}
		if ix, ok := r.styleIx[k]; ok {
			return ix
		}
		ix := r.addStyle(uv.ConvertStyle(*s, r.profile))
		r.styleIx[k] = ix
		return ix
	}
	return r.addStyle(uv.ConvertStyle(*s, r.profile))
}

// addStyle returns the index of the converted style cs, adding it if new.
func (r *Renderer) addStyle(cs uv.Style) int {
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
func (r *Renderer) contentCode(s string) uint32 {
	if ru, n := utf8.DecodeRuneInString(s); n == len(s) && ru != utf8.RuneError {
		return uint32(ru)
	}
	if ix, ok := r.nameIx[s]; ok {
		return nameFlag | uint32(ix)
	}
	s = strings.Clone(s) // a substring would keep the caller's row alive
	r.names = append(r.names, s)
	r.nameIx[s] = len(r.names) - 1
	return nameFlag | uint32(len(r.names)-1)
}

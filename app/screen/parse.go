package screen

import (
	"hash/maphash"
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// sgrKey is an SGR sequence (by its hash) applied to a pen: the same few
// sequences come in every frame, so their effect is looked up instead of
// parsed. The memo keeps the sequence itself, in the arena, to confirm a
// hit: keys and memos hold no pointers, so the tables are never scanned
// by the garbage collector.
type sgrKey struct {
	from int32
	sum  uint64
}

// parse prints text, starting with pen p, into r.line (cut at the width,
// blank after the text) and returns the pen it ends with. Printable ASCII
// takes a fast path; everything else goes through the ANSI decoder, which
// groups graphemes and measures them as wcwidth does (what Bubble Tea's
// renderer measured with, so frames land where they always did).
func (r *Renderer) parse(text string, p int32) int32 {
	line := r.line
	w := len(line)
	for i := range line {
		line[i] = blankCell
	}
	x, last := 0, -1 // last: the cell a zero-width mark joins
	pen := int(p)
	for i := 0; i < len(text); {
		if n := sgrLen(text[i:]); n > 0 {
			pen = r.applySGR(pen, text[i:i+n])
			i += n
			continue
		}
		// One-cell characters (printable ASCII first of all) take the fast
		// path: no grapheme clustering needed.
		ru, n := rune(text[i]), 1
		if ru >= utf8.RuneSelf {
			ru, n = utf8.DecodeRuneInString(text[i:])
		}
		if NarrowRune(ru) && !markNext(text[i+n:]) {
			if x < w {
				line[x] = packCell(uint32(ru), pen, 1)
				last = x
			} else {
				last = -1
			}
			x++
			i += n
			continue
		}
		seq, cw, n, _ := ansi.DecodeSequenceWc(text[i:], ansi.NormalState, &r.parser)
		if n <= 0 {
			break
		}
		i += n
		switch {
		case cw > 0:
			if x < w && x+cw <= w {
				last = x
			} else {
				last = -1
			}
			x = r.place(x, seq, cw, pen)
		case ansi.HasCsiPrefix(seq) && isSGR(ansi.Cmd(r.parser.Command())):
			// An SGR the quick scan did not take (8-bit CSI, odd bytes).
			pen = r.applySGRParams(pen)
		case last >= 0 && isMark(seq):
			// wcwidth measures a combining mark (or a joiner, a variation
			// selector) as zero cells: it joins the cell before it, as in a
			// terminal.
			c := line[last]
			line[last] = packCell(r.contentCode(r.content(c)+seq), cellStyle(c), cellWidth(c))
		}
		// Anything else (controls, other escapes, a mark with no cell
		// before it) is dropped.
	}
	return int32(pen)
}

// isMark reports whether seq, decoded as zero cells wide, is printable
// text (a combining mark, a joiner) rather than a control or an escape.
func isMark(seq string) bool {
	r, _ := utf8.DecodeRuneInString(seq)
	return r >= 0xa0 && r != utf8.RuneError
}

// content is the text of a packed cell.
func (r *Renderer) content(c uint64) string {
	if t := cellText(c); t&nameFlag != 0 {
		return r.names[t&^nameFlag]
	} else if c != 0 {
		return string(rune(t))
	}
	return ""
}

// isSGR reports whether a CSI command is Select Graphic Rendition.
func isSGR(c ansi.Cmd) bool {
	return c.Final() == 'm' && c.Prefix() == 0 && c.Intermediate() == 0
}

// place puts a grapheme of cw cells at column x and returns the next
// column. A grapheme that does not fit the row's end leaves blanks in its
// pen, as a terminal's line buffer does.
func (r *Renderer) place(x int, g string, cw, pen int) int {
	line := r.line
	w := len(line)
	if x >= w {
		return x + cw
	}
	if !utf8.ValidString(g) {
		g = string(utf8.RuneError)
	}
	if x+cw > w {
		for ; x < w; x++ {
			line[x] = blankCell&^(0xffff<<styleShift) | uint64(pen)<<styleShift
		}
		return x
	}
	line[x] = packCell(r.contentCode(g), pen, cw)
	for j := 1; j < cw; j++ {
		line[x+j] = 0
	}
	return x + cw
}

// applySGR returns the pen after seq, an SGR sequence, is applied to pen.
// A frame uses a handful of paints over and over, so the last few
// transitions are kept in a small array before the map.
func (r *Renderer) applySGR(pen int, seq string) int {
	for i := range r.recent {
		if e := &r.recent[i]; e.from == int32(pen) && r.spanIs(e.seq, seq) {
			return int(e.to)
		}
	}
	key := sgrKey{from: int32(pen), sum: maphash.String(r.seed, seq)}
	memo, ok := r.sgr[key]
	if !ok || !r.spanIs(memo.seq, seq) {
		r.parser.Reset()
		ansi.DecodeSequenceWc(seq, ansi.NormalState, &r.parser)
		to := int32(r.applySGRParams(pen))
		if ok {
			// Two sequences with one hash: the first keeps the slot.
			return int(to)
		}
		memo = sgrMemo{from: int32(pen), seq: r.keep(seq), to: to}
		r.sgr[key] = memo
	}
	r.recent[r.next] = memo
	r.next = (r.next + 1) % len(r.recent)
	return int(memo.to)
}

// applySGRParams applies the SGR whose parameters the parser holds.
func (r *Renderer) applySGRParams(pen int) int {
	st := r.styles[pen]
	uv.ReadStyle(r.parser.Params(), &st)
	return r.styleIndex(&st)
}

// sgrMemo is one remembered SGR transition.
type sgrMemo struct {
	from, to int32
	seq      span
}

// sgrLen returns the length of the 7-bit SGR sequence ("ESC [ params m")
// that s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}

// NarrowRune reports whether r is one cell under every width method and
// stands alone as a grapheme: printable ASCII, Latin-1, and the
// punctuation, arrows, box drawing, block and geometric glyphs that logs,
// bars and boxes use. Anything else (combining marks, wide East-Asian text,
// emoji, zero-width joiners) needs full grapheme clustering.
func NarrowRune(r rune) bool {
	switch {
	case r >= 0x20 && r < 0x7f, r >= 0xa0 && r < 0x300:
		return true
	case r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x205e:
		return true
	case r >= 0x2190 && r <= 0x21ff, r >= 0x2500 && r <= 0x25ff:
		return true
	}
	return false
}

// markNext reports whether s starts with something that may join the
// grapheme before it (any non-ASCII rune that is not itself narrow).
func markNext(s string) bool {
	if s == "" || s[0] < 0x80 {
		return false
	}
	ru, _ := utf8.DecodeRuneInString(s)
	return !NarrowRune(ru)
}

package uv

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// StyledRows draws a styled string into a screen one row at a time and
// remembers each row's text and the pen (SGR style and hyperlink) it started
// and ended with. The next Draw skips every row whose text and starting pen
// are unchanged: its cells in the screen are already right, and since the
// skipped row is not touched, a [TerminalRenderer] does not compare it
// either. An application that changes a few rows per frame then pays for
// those rows only, instead of parsing and diffing the whole screen.
//
// The result is the same as clearing the area and drawing a
// [StyledString] with Wrap false and no Tail, provided the screen still holds
// what the previous Draw left there; call [StyledRows.Invalidate] whenever
// something else wrote to it, cleared it, resized it, or changed its width
// method.
//
// The zero value is ready to use.
type StyledRows struct {
	rows  []styledRow
	area  Rectangle
	valid bool
	names contentNames
}

// styledRow is one row as the previous Draw left it.
type styledRow struct {
	text     string
	from, to pen
}

// pen is the printing state carried from one row to the next.
type pen struct {
	style Style
	link  Link
}

// rowPrint is a row being printed by printStringFrom.
type rowPrint struct {
	pen     pen
	end     int // the column after the last one printed
	crossed bool
	names   *contentNames
}

// asciiNames holds every ASCII character as a string of its own.
var asciiNames = func() string {
	b := make([]byte, 128)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}()

// maxContentNames bounds the distinct non-ASCII cell contents kept.
const maxContentNames = 256

// contentNames gives cells contents that do not point into the frame they
// were parsed from. A cell's content is otherwise a substring of its frame,
// and since unchanged rows keep their cells (here and in the terminal
// renderer's screen model), every frame a visible cell came from would stay
// in memory: ~20 frames per session in a measured server.
type contentNames struct {
	m map[string]string
}

func (n *contentNames) intern(s string) string {
	if len(s) == 1 && s[0] < 0x80 {
		return asciiNames[s[0] : s[0]+1]
	}
	if v, ok := n.m[s]; ok {
		return v
	}
	if len(n.m) >= maxContentNames {
		return strings.Clone(s)
	}
	if n.m == nil {
		n.m = make(map[string]string)
	}
	v := strings.Clone(s)
	n.m[v] = v
	return v
}

// Invalidate makes the next Draw draw every row.
func (r *StyledRows) Invalidate() {
	r.valid = false
}

// Draw draws str into buf over area and reports how many rows it drew
// (cleared and printed). Only when the area is the previous Draw's and
// Invalidate was not called since are unchanged rows skipped; otherwise
// every row is drawn, over whatever buf holds, so the caller clears it first
// as for a [StyledString].
//
// ok is false when str holds a sequence whose effect may cross rows (an
// escape sequence other than SGR, a pass-through sequence, a combining mark
// that starts a row): the rows drawn so far are left in buf, the StyledRows
// is invalidated, and the caller has to clear the area and draw str whole as
// a [StyledString].
func (r *StyledRows) Draw(buf Screen, area Rectangle, str string) (drawn int, ok bool) {
	full := !r.valid || r.area != area
	if n := area.Dy(); cap(r.rows) < n {
		r.rows = make([]styledRow, n)
	} else {
		r.rows = r.rows[:max(n, 0)]
	}
	r.area, r.valid = area, false
	m := buf.WidthMethod()
	str = strings.ReplaceAll(str, "\r\n", "\n")
	var p pen
	for i := range r.rows {
		y := area.Min.Y + i
		var line string
		line, str, _ = strings.Cut(str, "\n")
		if old := &r.rows[i]; !full && old.text == line && old.from == p {
			// Keep the new frame's copy: the old one would keep the whole
			// frame it was cut from alive for as long as the row holds.
			old.text = line
			p = old.to
			continue
		}
		// Print over the old row and blank what is left of it: cells that
		// did not change are compared, not rewritten, so they stay
		// untouched. Left to right, each cell resolves any wide cell it
		// overlaps exactly as it would on a cleared row.
		rp := rowPrint{pen: p, names: &r.names}
		printStringFrom(buf, m, area.Min.X, y, area, line, true, "", &rp)
		if rp.crossed {
			return drawn, false
		}
		for x := max(rp.end, area.Min.X); x < area.Max.X; x++ {
			buf.SetCell(x, y, nil)
		}
		r.rows[i] = styledRow{text: line, from: p, to: rp.pen}
		p = rp.pen
		drawn++
	}
	r.valid = true
	return drawn, true
}

// rowLocal reports whether a zero-width sequence met while printing one row
// acts on that row only, so that printing the row alone has the effect it
// has within the whole string. lastX is the column of the row's last cell
// written, -1 if none.
//
// Accepted: SGR (its effect is carried in the pen), a carriage return, C0
// controls the printer ignores, and a combining mark after a cell of the
// same row. Everything else may act across the row boundary when the string
// is printed whole: a mark at the start of a row folds into the row above, a
// pass-through sequence rides on the next glyph wherever it is, and an
// unterminated or unknown escape sequence may swallow the newline.
func rowLocal[T []byte | string](seq T, p *ansi.Parser, lastX int) bool {
	switch {
	case len(seq) == 0:
		return true
	case ansi.HasCsiPrefix(seq):
		return p.Command() == 'm' && seq[len(seq)-1] == 'm'
	case seq[0] == ansi.ESC || (seq[0] >= 0x80 && seq[0] < 0xa0):
		return false
	case seq[0] == '\n':
		return false
	case seq[0] < 0x20 || seq[0] == 0x7f:
		return true
	case seq[0] >= 0xc0:
		// A C1 control encoded in UTF-8 (U+0080..U+009F) may introduce a
		// sequence; only marks are folded row-locally.
		r, _ := utf8.DecodeRuneInString(string(seq))
		return lastX >= 0 && r >= 0xa0
	}
	return false
}

// Valid reports whether the next Draw may skip unchanged rows, i.e. whether
// the caller may leave the screen as the previous Draw left it.
func (r *StyledRows) Valid() bool {
	return r.valid
}

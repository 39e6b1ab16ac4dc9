package app

// Rounded box drawing. Boxes are drawn whole or not at all: callers only ask
// for a box when its full width and at least its borders fit, so no frame ever
// shows a cut border.

const (
	boxTL, boxTR, boxBL, boxBR = "╭", "╮", "╰", "╯"
	boxH, boxV                 = "─", "│"
)

// span is a piece of text in one paint.
type span struct {
	text string
	pt   paint
}

// boxTop appends "╭─ title extra… ─────╮" of exactly w cells (w >= 2). The
// extra spans (a legend, a count) follow the title while they fit whole;
// the first one may be cut.
func boxTop(b *builder, th *theme, w int, title string, extra ...span) {
	b.WriteString(string(th.border))
	b.WriteString(boxTL)
	inner := w - 2
	used := 0
	if inner >= 4 && title != "" {
		t, tw := clip(title, inner-3)
		b.WriteString(boxH)
		if th.border != "" {
			b.WriteString(sgrReset)
		}
		b.WriteString(" ")
		th.title.write(b, t)
		used = 2 + tw
		for k, e := range extra {
			room := inner - used - 3 // the space before, the one after, a rule
			ew := width(e.text)
			if ew > room {
				if k > 0 || room <= 2 {
					break
				}
				var c string
				c, ew = clip(e.text, room)
				e.text = c
			}
			b.WriteString(" ")
			e.pt.write(b, e.text)
			used += 1 + ew
		}
		b.WriteString(" ")
		used++
		b.WriteString(string(th.border))
	}
	repeat(b, boxH, inner-used)
	b.WriteString(boxTR)
	if th.border != "" {
		b.WriteString(sgrReset)
	}
}

// boxBottom appends "╰──────╯" of exactly w cells.
func boxBottom(b *builder, th *theme, w int) {
	b.WriteString(string(th.border))
	b.WriteString(boxBL)
	repeat(b, boxH, w-2)
	b.WriteString(boxBR)
	if th.border != "" {
		b.WriteString(sgrReset)
	}
}

// boxSide appends one side border.
func boxSide(b *builder, th *theme) {
	th.border.write(b, boxV)
}

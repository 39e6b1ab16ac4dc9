package app

// panel is a panel of the dashboard's band (metrics, loss chart, GPU grid,
// run config): a boxed frame, embedded as boxPanel, and what it draws inside
// it. The model sizes every panel and composes the band from their rows
// through this interface alone, and so do the tests.
type panel interface {
	// box is the panel's frame: its size, theme and row cache.
	box() *boxPanel
	// top is the frame's title and what follows it in the top border (a
	// legend, a count), drawn whole while it fits.
	top() (title string, extra []span)
	// writeLine appends line r of the inside (0 is the first row under the
	// top border), at most inner cells, and returns the cells it used.
	writeLine(b *builder, r, inner int) int
}

// boxPanel is the frame every band panel shares: a rounded box of w×h cells
// (borders included) whose rows are drawn once per change of inputs, size or
// theme and copied from its rowCache in between.
type boxPanel struct {
	th   *theme
	w, h int
	rows rowCache
}

// box makes every panel that embeds boxPanel reach its frame.
func (p *boxPanel) box() *boxPanel { return p }

// setSize sets the panel's outer size (borders included).
func (p *boxPanel) setSize(w, h int) { p.w, p.h = w, h }

// invalidate drops the drawn rows (new inputs or theme).
func (p *boxPanel) invalidate() { p.rows.invalidate() }

// writeRow appends row i of the box (exactly w cells): the cached copy, or
// drawn from c (the panel embedding p) and cached.
func (p *boxPanel) writeRow(b *builder, i int, c panel) {
	if p.rows.get(b, p.w, p.h, i) {
		return
	}
	start := len(b.buf)
	th := p.th
	switch i {
	case 0:
		title, extra := c.top()
		boxTop(b, th, p.w, title, extra...)
	case p.h - 1:
		boxBottom(b, th, p.w)
	default:
		inner := p.w - 4
		boxSide(b, th)
		b.WriteByte(' ')
		used := c.writeLine(b, i-1, inner)
		spaces(b, inner-used)
		b.WriteByte(' ')
		boxSide(b, th)
	}
	p.rows.put(b, start, i)
}

package app

// rowCache keeps a panel's drawn rows between frames. The panels' inputs
// change once a second of run time (or on a resize or restyle) while frames
// come twice a second, so half the frames would otherwise redraw identical
// rows (formatting floats, painting spans) for nothing.
type rowCache struct {
	text  string // every row, back to back; never mutated once built
	ends  []int  // end offset of each row in text
	w, h  int
	valid bool
}

// invalidate marks the rows as out of date (new inputs or theme).
func (c *rowCache) invalidate() { c.valid = false }

// writeRow appends row i of a w×h panel, drawing all rows with draw first
// when the cache is out of date or the size changed.
func (c *rowCache) writeRow(b *builder, w, h, i int, draw func(b *builder, i int)) {
	if !c.valid || c.w != w || c.h != h {
		var sb builder
		sb.Grow(len(c.text))
		c.ends = c.ends[:0]
		for r := range h {
			draw(&sb, r)
			c.ends = append(c.ends, sb.Len())
		}
		c.text = sb.String()
		c.w, c.h, c.valid = w, h, true
	}
	if i < 0 || i >= len(c.ends) {
		return
	}
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	b.WriteString(c.text[start:c.ends[i]])
}

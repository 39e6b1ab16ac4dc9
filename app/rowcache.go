package app

// rowCache keeps a panel's drawn rows between frames. The panels' inputs
// change once a second of run time (or on a resize or restyle) while frames
// come twice a second, so half the frames would otherwise redraw identical
// rows (formatting floats, painting spans) for nothing.
//
// Rows are drawn straight into the frame and copied into buf, which is
// reused from refill to refill: frames copy rows out of buf, never keep a
// reference to it, so overwriting it is safe and a refill allocates nothing.
type rowCache struct {
	buf   []byte
	ends  []int // end offset in buf of each row drawn so far
	w, h  int
	valid bool
	fills uint64 // refills so far: a frame that saw the same count saw the same rows
}

// current reports whether the cache holds all h rows of a w×h panel drawn
// from its current inputs, and which fill they are.
func (c *rowCache) current(w, h int) (uint64, bool) {
	return c.fills, c.valid && c.w == w && c.h == h && len(c.ends) == h
}

// invalidate marks the rows as out of date (new inputs or theme).
func (c *rowCache) invalidate() { c.valid = false }

// get appends row i of a w×h panel if the cache holds it drawn from the
// current inputs at that size, and reports whether it did; if not, the
// caller draws the row and hands it to put. A new size or inputs start a
// new fill.
func (c *rowCache) get(b *builder, w, h, i int) bool {
	if !c.valid || c.w != w || c.h != h {
		c.buf, c.ends = c.buf[:0], c.ends[:0]
		c.w, c.h, c.valid = w, h, true
		c.fills++
	}
	if i < 0 || i >= len(c.ends) {
		return false
	}
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	b.Write(c.buf[start:c.ends[i]])
	return true
}

// put keeps what b holds from start on as row i, the row get did not have.
// Rows are asked for top to bottom; one out of order is drawn, not kept.
func (c *rowCache) put(b *builder, start, i int) {
	if i == len(c.ends) {
		c.buf = append(c.buf, b.buf[start:]...)
		c.ends = append(c.ends, len(c.buf))
	}
}

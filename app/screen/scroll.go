package screen

import (
	"hash/maphash"
	"strconv"
)

// rowSum is the hash of a row's text; never 0, which marks "not computed".
// The hash only proposes a shift: every proposed row is confirmed by
// comparing its text, so a collision costs a comparison, never a stale row.
func (r *Renderer) rowSum(s string) uint64 {
	return maphash.String(r.seed, s) | 1
}

// oldSum is the hash of what screen row i shows, computed once per drawn row.
func (r *Renderer) oldSum(i int) uint64 {
	if r.sums[i] == 0 {
		r.sums[i] = r.rowSum(r.rows[i])
	}
	return r.sums[i]
}

// scroll finds the largest block of rows that moved up together by the same
// number of rows (a scrolling log), scrolls that region of the terminal and
// of the model, and records the rows it brought in as blank. Rows that are
// already right cost nothing here: the search runs only when two or more
// rows changed, and hashes only those.
func (r *Renderer) scroll(out []byte, frame []string) []byte {
	h := r.height
	row := func(i int) string {
		if i < len(frame) {
			return frame[i]
		}
		return ""
	}
	changed := 0
	for i := range h {
		if row(i) != r.rows[i] {
			r.newSum[i] = r.rowSum(row(i))
			changed++
		} else {
			r.newSum[i] = 0 // unchanged: never part of a shifted block
		}
	}
	if changed < minScrollRows {
		return out
	}
	blank := r.rowSum("")
	bestN, bestTop, bestK := 0, 0, 0
	for k := 1; k < h/2+1; k++ {
		n := 0
		for i := 0; i+k < h; i++ {
			// A row already right needs no scroll, and blank rows are
			// cheaper to erase than to move.
			s := r.newSum[i]
			if s != 0 && s != blank && s == r.oldSum(i+k) && row(i) == r.rows[i+k] {
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
		return out
	}
	top, k := bestTop, bestK
	bot := top + bestN - 1 + k // last row of the region, in old rows
	// Moved rows keep the pens they were drawn with: one whose starting pen
	// differs in the new frame is drawn again by Render's row loop.
	out = r.setPen(out, 0) // the rows scrolled in are blank in the default pen
	out = append(out, "\x1b["...)
	out = strconv.AppendInt(out, int64(top+1), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(bot+1), 10)
	out = append(out, 'r')
	out = append(out, "\x1b["...)
	if k > 1 {
		out = strconv.AppendInt(out, int64(k), 10)
	}
	out = append(out, 'S')
	out = append(out, "\x1b[r"...) // whole screen again; this homes the cursor
	r.x, r.y = 0, 0

	w := r.width
	copy(r.cells[top*w:(bot-k+1)*w], r.cells[(top+k)*w:(bot+1)*w])
	for i := (bot - k + 1) * w; i < (bot+1)*w; i++ {
		r.cells[i] = blankCell
	}
	copy(r.rows[top:bot-k+1], r.rows[top+k:bot+1])
	copy(r.sums[top:bot-k+1], r.sums[top+k:bot+1])
	copy(r.pens[top:bot-k+1], r.pens[top+k:bot+1])
	for i := bot - k + 1; i <= bot; i++ {
		r.rows[i], r.sums[i], r.pens[i] = "", 0, rowPens{}
	}
	return out
}

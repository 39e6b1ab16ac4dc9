package app

import (
	"strings"

	"github.com/overfit/overfit/sim"
)

// barsView is the pinned tqdm-style bars under the log, outermost first.
type barsView struct {
	th    *theme
	w     int
	color bool // color the filled part (dashboard); plain mode prints as tqdm does
	bars  []sim.Bar
	text  []string // formatted once per frame per bar
}

// setSize sets the width every bar is formatted to; the caller gives the
// bars as many rows as there are, up to the height it has.
func (v *barsView) setSize(w, _ int) { v.w = w }

// setBars takes the live bars of a snapshot and formats them.
func (v *barsView) setBars(bars []sim.Bar) {
	v.bars = bars
	v.text = v.text[:0]
	for i := range bars {
		v.text = append(v.text, bars[i].Format(v.w))
	}
}

// writeRow appends bar i and returns its width.
func (v *barsView) writeRow(b *builder, i int) int {
	th := v.th
	s, w := clip(v.text[i], v.w)
	if !v.color {
		b.WriteString(s)
		return w
	}
	// "Training:  42%|████▏     | 420/1000 [...]": paint the fill only.
	a := strings.IndexByte(s, '|')
	z := -1
	if a >= 0 {
		z = strings.IndexByte(s[a+1:], '|')
	}
	if z < 0 {
		b.WriteString(s)
		return w
	}
	z += a + 1
	th.bold.write(b, s[:a])
	b.WriteString("|")
	th.barFill.write(b, s[a+1:z])
	b.WriteString(s[z:])
	return w
}

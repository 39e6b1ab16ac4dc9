package app

import (
	"strings"
	"testing"

	"github.com/overfit/overfit/sim"
)

// TestLogPaneShowsWholeLines: with wrapping, the pane's top row is the
// start of a line, never the tail of one cut off above; the newest line is
// shown whole; and the rows left over sit blank under the text. Only a
// newest line taller than the pane is shown in part (its end).
func TestLogPaneShowsWholeLines(t *testing.T) {
	th := newTheme(true, 0)
	for _, h := range []int{1, 2, 3, 5, 8, 13} {
		events := fakeEvents{}
		p := &logPane{th: &th, src: events}
		p.setSize(10, h)
		p.setWrap(true)
		// Lines of 1, 2, 3 and 4 rows at width 10, in a cycle.
		for i := range 40 {
			text := strings.Repeat(string(rune('a'+i%26)), 10*(i%4)+5)
			e := sim.Event{Seq: uint64(i + 1), Level: sim.LevelInfo, Text: text}
			events[e.Seq] = e
			p.push(&e)
			p.laidOut = false
			p.layout()
			newest := p.n - 1
			tall := p.rowsOf(p.line(newest)) > h
			if r := p.rows[0]; r.line >= 0 && r.off != 0 && !(tall && r.line == newest) {
				t.Fatalf("h %d after %d lines: top row is row %d of line %d, the tail of a line", h, i+1, r.off, r.line)
			}
			last := -1
			for k, r := range p.rows {
				if r.line < 0 {
					last = k
					continue
				}
				if last >= 0 {
					t.Fatalf("h %d after %d lines: a blank row above text (row %d)", h, i+1, last)
				}
			}
			want := p.rowsOf(p.line(newest)) - 1
			seen := false
			for _, r := range p.rows {
				if r.line == newest && r.off == want {
					seen = true
				}
			}
			if !seen {
				t.Fatalf("h %d after %d lines: the newest line's last row is not shown", h, i+1)
			}
		}
	}
}

// fakeEvents is an event source for a pane under test: events by sequence.
type fakeEvents map[uint64]sim.Event

func (f fakeEvents) Event(seq uint64) (sim.Event, bool) {
	e, ok := f[seq]
	return e, ok
}

package app

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/overfit/overfit/sim"
)

// TestHelpCoversTheOldestLines: the help box goes over the oldest log
// lines, at the top of the log, so the newest stay in view; and at the
// minimum size it still lists every key, q quit included.
func TestHelpCoversTheOldestLines(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {100, 30}} {
		for _, plain := range []bool{false, true} {
			m := modelAt(t, 1, sim.PhaseTrain, sz[0], sz[1])
			m.plain = plain
			m.dirty = true
			before := strings.Split(plainFrame(m), "\n")
			m.showHelp = true
			m.dirty = true
			after := strings.Split(plainFrame(m), "\n")
			first, last := -1, -1
			for r := range before {
				if before[r] != after[r] {
					if first < 0 {
						first = r
					}
					last = r
				}
			}
			if first < 0 {
				t.Fatalf("%v plain=%v: the help changed nothing", sz, plain)
			}
			top := 0
			if !plain {
				top = m.layoutDashboard(sz[0], sz[1], len(m.snap.Bars)).logTop
			}
			if first != top {
				t.Errorf("%v plain=%v: help box starts at row %d, want the log's top row %d:\n%s", sz, plain, first, top, strings.Join(after, "\n"))
			}
			// The rows under the box, down to the bars, are the log's newest.
			for r := last + 1; r < sz[1]; r++ {
				if before[r] != after[r] {
					t.Errorf("%v plain=%v: row %d under the box changed", sz, plain, r)
				}
			}
			if last >= sz[1]-1-len(m.snap.Bars) {
				t.Errorf("%v plain=%v: the box reaches row %d, over the newest lines", sz, plain, last)
			}
		}
	}
}

// TestHelpFitsTheMinimumSize: at 40×12 with the bars of training, the help
// box shows every key, one a line.
func TestHelpFitsTheMinimumSize(t *testing.T) {
	m := modelAt(t, 1, sim.PhaseTrain, MinWidth, MinHeight)
	for _, plain := range []bool{false, true} {
		m.plain = plain
		m.showHelp = true
		m.Update(tea.WindowSizeMsg{Width: MinWidth, Height: MinHeight})
		m.dirty = true
		f := plainFrame(m)
		for _, want := range []string{"quit", "help", "pause/resume", "faster", "slower", "back to live", "plain/dashboard", "new run"} {
			if !strings.Contains(f, want) {
				t.Errorf("plain=%v: help at %d×%d lacks %q:\n%s", plain, MinWidth, MinHeight, want, f)
			}
		}
		if !helpListsQuit(f) {
			t.Errorf("plain=%v: no \"q quit\" line:\n%s", plain, f)
		}
	}
}

package uv

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestNarrowEverywhere: every character the shortcut accepts is one column
// wide under both width methods, so skipping the measurement changes
// nothing.
func TestNarrowEverywhere(t *testing.T) {
	accepted := 0
	for r := rune(0); r < 0x3000; r++ {
		s := string(r)
		if !narrowEverywhere(s) {
			continue
		}
		accepted++
		for _, m := range []ansi.Method{ansi.WcWidth, ansi.GraphemeWidth} {
			if w := m.StringWidth(s); w != 1 {
				t.Errorf("%U %q: width %d under method %v", r, s, w, m)
			}
		}
		if w := ansi.StringWidth(s); w != 1 {
			t.Errorf("%U %q: ansi.StringWidth %d", r, s, w)
		}
	}
	if accepted == 0 {
		t.Fatal("nothing accepted")
	}
	for _, s := range []string{"ab", "│x", "e\u0301", "世", "\xff", "", "\u00ad"} {
		if narrowEverywhere(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

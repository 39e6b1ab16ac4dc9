package app

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The fast width paths must agree with the Unicode-aware ones.
func TestFastWidthAgreesWithAnsi(t *testing.T) {
	for _, s := range []string{
		"", "plain ascii", "Training:  42%|████▏     | 420/1000", "ETA → 12s — done…", "×4 °C ±",
		"日本語のログ", "emoji 🚀 here", "e\u0301 combining", "tab\tchar", "╭─ box ─╮",
	} {
		if got, want := width(s), ansi.StringWidth(s); got != want {
			t.Errorf("width(%q) = %d, want %d", s, got, want)
		}
		for w := 0; w <= 12; w++ {
			c, cw := clip(s, w)
			if cw > w || ansi.StringWidth(c) != cw {
				t.Errorf("clip(%q, %d) = %q (%d cells, says %d)", s, w, c, ansi.StringWidth(c), cw)
			}
			if got, want := cut(s, 2, 2+w), ansi.Cut(s, 2, 2+w); got != want {
				t.Errorf("cut(%q, 2, %d) = %q, want %q", s, 2+w, got, want)
			}
		}
	}
}

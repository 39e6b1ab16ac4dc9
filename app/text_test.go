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

func TestLossValue(t *testing.T) {
	for s, want := range map[string]string{
		"iteration 5 | lm loss: 1.940665E+00 | loss scale: 1.0": "1.940665E+00",
		"{'loss': 1.6645, 'grad_norm': 2.1":                     "1.6645",
		"step: 10  loss:  3.9119  grad_norm:  1.6558":           "3.9119",
		"iter 100: loss 6.2345, time 135.12ms":                  "6.2345",
		"Loss spike at step 17: loss jumped":                    "",
		"no numbers here":                                       "",
	} {
		a, z := lossValue(s, 0)
		if s[a:z] != want {
			t.Errorf("lossValue(%q) = %q, want %q", s, s[a:z], want)
		}
	}
}

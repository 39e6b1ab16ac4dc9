package uv

import (
	"image/color"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestColorEqualFastPath: the same-type shortcut agrees with comparing
// RGBA values, including palette entries that share an RGB.
func TestColorEqualFastPath(t *testing.T) {
	cases := []struct {
		a, b color.Color
		want bool
	}{
		{color.RGBA{1, 2, 3, 255}, color.RGBA{1, 2, 3, 255}, true},
		{color.RGBA{1, 2, 3, 255}, color.RGBA{1, 2, 4, 255}, false},
		{ansi.IndexedColor(7), ansi.IndexedColor(7), true},
		{ansi.IndexedColor(0), ansi.IndexedColor(16), true}, // both black
		{ansi.IndexedColor(1), ansi.IndexedColor(2), false},
		{ansi.BasicColor(3), ansi.BasicColor(3), true},
		{ansi.BasicColor(3), ansi.BasicColor(4), false},
		{ansi.BasicColor(1), ansi.IndexedColor(1), true},
		{nil, nil, true},
		{nil, ansi.BasicColor(0), false},
	}
	for _, c := range cases {
		ar, ag, ab, aa := uint32(0), uint32(0), uint32(0), uint32(0)
		br, bg, bb, ba := ar, ag, ab, aa
		if c.a != nil && c.b != nil {
			ar, ag, ab, aa = c.a.RGBA()
			br, bg, bb, ba = c.b.RGBA()
			if rgba := ar == br && ag == bg && ab == bb && aa == ba; rgba != c.want {
				t.Fatalf("test case %v %v: RGBA says %v", c.a, c.b, rgba)
			}
		}
		if got := colorEqual(c.a, c.b); got != c.want {
			t.Errorf("colorEqual(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

package uv

import "unicode/utf8"

// narrowEverywhere reports whether s is a single character that every
// width method measures as one column: Latin-1 punctuation and letters,
// box drawing, block elements and geometric shapes. TUIs draw borders,
// bars and bullets from these, and lineHasDrift otherwise segments and
// measures each such cell twice on every row it diffs (overfit patch;
// TestNarrowEverywhere checks every character it accepts).
func narrowEverywhere(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError {
		return false
	}
	return (r >= 0xa1 && r <= 0xff && r != 0xad) || (r >= 0x2500 && r <= 0x25fc)
}

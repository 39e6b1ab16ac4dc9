package app

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/overfit/overfit/app/screen"
)

// builder appends styled text. Unlike strings.Builder it keeps its buffer
// across reset, so a frame row built to be compared with the last frame's
// costs no allocation when it turned out the same.
type builder struct{ buf []byte }

// WriteString appends s.
func (b *builder) WriteString(s string) (int, error) {
	b.buf = append(b.buf, s...)
	return len(s), nil
}

// WriteByte appends c.
func (b *builder) WriteByte(c byte) error {
	b.buf = append(b.buf, c)
	return nil
}

// WriteRune appends r, UTF-8 encoded.
func (b *builder) WriteRune(r rune) (int, error) {
	n := len(b.buf)
	b.buf = utf8.AppendRune(b.buf, r)
	return len(b.buf) - n, nil
}

// Write appends p.
func (b *builder) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns a copy of the text.
func (b *builder) String() string { return string(b.buf) }

// reset empties the builder and keeps its buffer.
func (b *builder) reset() { b.buf = b.buf[:0] }

// isASCII reports whether s is printable ASCII, where bytes equal cells.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// sanitize makes a line safe to put on screen: tabs become spaces and other
// control characters (which could move the cursor or restyle the terminal)
// are dropped.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\t':
			b = append(b, "    "[:4-len(b)%4]...)
		case c < 0x20 || c == 0x7f:
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// simpleWidth returns the width of s when every rune is one cell
// (screen.NarrowRune: the renderer's fast path agrees on what that means).
func simpleWidth(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if !screen.NarrowRune(r) {
			return 0, false
		}
		n++
	}
	return n, true
}

// width is the display width of an unstyled string.
func width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	if n, ok := simpleWidth(s); ok {
		return n
	}
	return ansi.StringWidth(s)
}

// cut returns the cells [from, to) of an unstyled string.
func cut(s string, from, to int) string {
	if isASCII(s) {
		from, to = min(from, len(s)), min(to, len(s))
		return s[from:to]
	}
	if _, ok := simpleWidth(s); ok {
		a, z, c := len(s), len(s), 0
		for i := range s {
			if c == from {
				a = i
			}
			if c == to {
				z = i
				break
			}
			c++
		}
		if a > z {
			return ""
		}
		return s[a:z]
	}
	return ansi.Cut(s, from, to)
}

// clip cuts an unstyled string to at most w cells and returns it with its
// width. ASCII (nearly every log line) takes the fast path.
func clip(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	if isASCII(s) {
		if len(s) > w {
			return s[:w], w
		}
		return s, len(s)
	}
	if n, ok := simpleWidth(s); ok {
		if n <= w {
			return s, n
		}
		return cut(s, 0, w), w
	}
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s, sw
	}
	c := ansi.Truncate(s, w, "")
	return c, ansi.StringWidth(c)
}

// clipTail is clip with a "…" marker when something was cut.
func clipTail(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	if width(s) <= w {
		return s, width(s)
	}
	c, cw := clip(s, w-1)
	return c + "…", cw + 1
}

// spaces appends n spaces.
func spaces(b *builder, n int) {
	const blank = "                                                                                "
	for n > 0 {
		k := min(n, len(blank))
		b.WriteString(blank[:k])
		n -= k
	}
}

// repeat appends s n times.
func repeat(b *builder, s string, n int) {
	for range n {
		b.WriteString(s)
	}
}

// visibleWidth is the display width of a styled string.
func visibleWidth(s string) int { return ansi.StringWidth(s) }

package main

import "testing"

func TestScreenDetector(t *testing.T) {
	cases := []struct {
		name   string
		chunks []string
		want   int // index of the chunk that holds screen content; -1 for none
	}{
		{"plain text", []string{"hello"}, 0},
		{"queries then a frame", []string{"\x1b[?2026$p\x1b[?2027$p", "\x1b[?1049h\x1b[?25l", "\x1b[H\x1b[2Kstep 1"}, 2},
		{"CSI split across reads", []string{"\x1b[", "?25", "l", "x"}, 3},
		{"OSC ended by BEL", []string{"\x1b]11;?\x07", "A"}, 1},
		{"OSC ended by ST split", []string{"\x1b]0;title text\x1b", "\\", "A"}, 2},
		{"DCS query with text inside", []string{"\x1bP+q544e\x1b\\"}, -1},
		{"controls only", []string{"\r\n\x1b[2J\x1b[H"}, -1},
		{"ESC with intermediate", []string{"\x1b(B", "\x1b7", "z"}, 2},
		{"UTF-8 glyph", []string{"\x1b[H", "█"}, 1},
	}
	for _, c := range cases {
		var d screenDetector
		got := -1
		for i, chunk := range c.chunks {
			if d.feed([]byte(chunk)) {
				got = i
				break
			}
		}
		if got != c.want {
			t.Errorf("%s: screen content in chunk %d, want %d", c.name, got, c.want)
		}
	}
}

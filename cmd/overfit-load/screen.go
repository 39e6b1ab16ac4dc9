package main

// screenDetector finds the first byte of screen content in a stream: a
// printable byte outside any escape sequence. A Bubble Tea program writes
// terminal queries and mode switches (e.g. DECRQM for synchronized output)
// before its first frame; those are not something a user sees, so they must
// not count as the first frame. It keeps state across reads, and is only fed
// until it fires, so it costs nothing in the steady state.
type screenDetector struct {
	state uint8
}

// States of the escape-sequence scanner (a subset of the VT500 parser that is
// enough to skip ESC, CSI and string sequences).
const (
	scanGround uint8 = iota
	scanEsc
	scanCSI
	scanString    // OSC, DCS, SOS, PM, APC: until BEL or ST
	scanStringEsc // ESC seen inside a string: ST is ESC '\'
)

// feed scans p and reports whether it holds screen content.
func (d *screenDetector) feed(p []byte) bool {
	for _, b := range p {
		switch d.state {
		case scanGround:
			switch {
			case b == 0x1b:
				d.state = scanEsc
			case b >= 0x20 && b != 0x7f:
				return true
			}
		case scanEsc:
			switch {
			case b == '[':
				d.state = scanCSI
			case b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_':
				d.state = scanString
			case b == 0x1b:
				// ESC ESC restarts the sequence.
			case b >= 0x20 && b <= 0x2f:
				// Intermediate bytes: the final byte follows.
			default:
				d.state = scanGround
			}
		case scanCSI:
			switch {
			case b == 0x1b:
				d.state = scanEsc
			case b >= 0x40 && b <= 0x7e:
				d.state = scanGround
			}
		case scanString:
			switch b {
			case 0x07:
				d.state = scanGround
			case 0x1b:
				d.state = scanStringEsc
			}
		case scanStringEsc:
			if b == '\\' {
				d.state = scanGround
			} else {
				d.state = scanString
			}
		}
	}
	return false
}

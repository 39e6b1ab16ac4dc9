package main

import "io"

// crlfWriter turns "\n" into "\r\n" on the way to a client whose terminal is
// in raw mode. With an emulated PTY there is no kernel line discipline to do
// it (onlcr), and Bubble Tea's renderer assumes it is done for a non-file
// output. An existing "\r\n" is left alone, even across writes.
type crlfWriter struct {
	w      io.Writer
	lastCR bool
	buf    []byte
}

func newCRLFWriter(w io.Writer) *crlfWriter { return &crlfWriter{w: w} }

// Write converts p and writes it in one piece. It reports len(p) on success.
func (c *crlfWriter) Write(p []byte) (int, error) {
	c.buf = c.buf[:0]
	prevCR := c.lastCR
	for _, b := range p {
		if b == '\n' && !prevCR {
			c.buf = append(c.buf, '\r')
		}
		c.buf = append(c.buf, b)
		prevCR = b == '\r'
	}
	if len(p) > 0 {
		c.lastCR = prevCR
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	// Frames are small; a buffer grown by a one-off burst is not kept.
	if cap(c.buf) > 64<<10 {
		c.buf = nil
	}
	return len(p), nil
}

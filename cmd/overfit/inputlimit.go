package main

import (
	"io"
	"time"
)

// Keyboard input a PTY session parses: a visitor types a few bytes a second
// and the terminal answers a query or two at the start. A client sending
// more is not a person at a keyboard, and parsing random bytes costs the
// server several seconds of CPU per MiB; the excess is read and dropped, so
// it neither reaches the parser nor sits in the channel's buffer.
const (
	inputRate  = 1024 // bytes per second, sustained
	inputBurst = 4096 // bytes at once (a paste, the terminal's replies)
)

// inputLimiter passes at most inputRate bytes a second (bursts of
// inputBurst) from r and drops the rest.
type inputLimiter struct {
	r       io.Reader
	now     func() time.Time
	budget  tokenBucket // bytes
	dropped int64
}

func newInputLimiter(r io.Reader, now func() time.Time) *inputLimiter {
	return &inputLimiter{r: r, now: now, budget: fullBucket(inputBurst, now())}
}

// Read returns the next bytes within the budget; bytes over it are dropped
// and reading goes on, so it never returns 0 bytes without an error.
func (l *inputLimiter) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		if n > 0 {
			t := l.now()
			l.budget.refill(t, inputBurst, inputRate)
			keep := min(n, int(l.budget.tokens))
			l.budget.tokens -= float64(keep)
			l.dropped += int64(n - keep)
			if keep > 0 {
				return keep, err
			}
		}
		if err != nil {
			return 0, err
		}
	}
}

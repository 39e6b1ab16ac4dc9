package main

import (
	"context"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
)

// escWait is how long the start of an escape sequence (a lone ESC, "ESC [")
// waits for the rest before it is taken as typed: Escape, Alt+key.
const escWait = 50 * time.Millisecond

// maxPendingInput bounds the bytes held back while a sequence is incomplete;
// past it they are decoded as they are.
const maxPendingInput = 256

// inputDecoder turns a client's bytes into key presses and terminal replies
// with ultraviolet's exported decoder. Bubble Tea's own reader is not used:
// it builds a ~150 KB key table per reader (terminfo and legacy aliases this
// app needs none of: its keys are letters, arrows and Escape, which the
// decoder knows without a table), and it sends events on a channel without
// watching for the program's end.
type inputDecoder struct {
	mu      sync.Mutex
	dec     uv.EventDecoder
	pending []byte
	timer   *time.Timer
	expires time.Time // when what is pending may be decoded as it is
	send    func(uv.Event)
	closed  bool
}

// readInput reads r until it fails or ctx ends and hands every event to
// send, which must return once the program has ended (tea.Program.Send
// does), so input that arrives as the program quits never blocks.
func readInput(ctx context.Context, r io.Reader, send func(uv.Event)) {
	d := &inputDecoder{send: send}
	defer d.close()
	var buf [512]byte
	for ctx.Err() == nil {
		n, err := r.Read(buf[:])
		if n > 0 && ctx.Err() == nil {
			d.feed(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// feed decodes what p completes; a possibly incomplete sequence at the end
// waits up to escWait for more bytes.
func (d *inputDecoder) feed(p []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.pending = append(d.pending, p...)
	d.decode(len(d.pending) > maxPendingInput)
	if len(d.pending) > 0 {
		d.expires = time.Now().Add(escWait)
		if d.timer == nil {
			d.timer = time.AfterFunc(escWait, d.expire)
		} else {
			d.timer.Reset(escWait)
		}
	}
}

// expire decodes whatever is pending as it is, once it has waited escWait.
// A timer that fired while feed held the lock finds a later deadline (new
// bytes arrived) and leaves them to the timer feed reset.
func (d *inputDecoder) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed && !time.Now().Before(d.expires) {
		d.decode(true)
	}
}

// close stops the timer; nothing is sent after it returns.
func (d *inputDecoder) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
	}
}

// decode sends the events in d.pending and keeps what may be the start of
// an unfinished sequence, unless expired.
func (d *inputDecoder) decode(expired bool) {
	b := d.pending
	for len(b) > 0 {
		if !expired && b[0] >= utf8.RuneSelf && !utf8.FullRune(b) {
			break // the rest of a UTF-8 character is on its way
		}
		n, ev := d.dec.Decode(b)
		if n <= 0 {
			break
		}
		if !expired && b[0] == 0x1b && n == len(b) {
			// "ESC" may be Escape or the start of a sequence; "ESC [" and
			// the like decode as unknown until their final byte arrives.
			if _, unknown := ev.(uv.UnknownEvent); unknown || n <= 2 {
				break
			}
		}
		b = b[n:]
		switch ev := ev.(type) {
		case nil:
		case uv.MultiEvent:
			for _, e := range ev {
				d.send(e)
			}
		default:
			d.send(ev)
		}
	}
	d.pending = append(d.pending[:0], b...)
}

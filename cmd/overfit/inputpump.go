package main

import (
	"bytes"
	"io"
	"sync/atomic"

	gossh "golang.org/x/crypto/ssh"
)

// inputPump reads a session channel from the moment it is accepted, so
// nothing a client sends sits in the channel's buffer (up to its 2 MiB
// window, per channel, before a session even starts). What it reads is
// dropped unless a PTY program takes it (take); then each chunk waits for
// the program's reader, which paces the client as a direct read would. Once
// the session ends, everything is dropped again. It is the session's
// channel in every other respect.
type inputPump struct {
	gossh.Channel
	ss     *session
	wanted atomic.Bool
	data   chan []byte // closed when the channel's read side ends
	err    error       // why, set before data is closed
	rest   []byte      // the unread part of the last chunk (Read's own)
}

// inputChunk is how much one read from the channel takes.
const inputChunk = 4 << 10

func newInputPump(ss *session) *inputPump {
	p := &inputPump{Channel: ss.raw, ss: ss, data: make(chan []byte)}
	go p.run()
	return p
}

// take makes the pump hand what it reads to Read instead of dropping it.
func (p *inputPump) take() { p.wanted.Store(true) }

// run ends when the channel's read side does (the client's EOF or close,
// or the connection's end).
func (p *inputPump) run() {
	buf := make([]byte, inputChunk)
	for {
		n, err := p.Channel.Read(buf)
		if n > 0 && p.wanted.Load() {
			select {
			case p.data <- bytes.Clone(buf[:n]):
			case <-p.ss.ctx.Done():
				p.wanted.Store(false) // nobody reads any more
			}
		}
		if err != nil {
			p.err = err
			close(p.data)
			return
		}
	}
}

// Read returns what the client sent, once take was called; before, it
// waits until the channel's read side ends.
func (p *inputPump) Read(b []byte) (int, error) {
	if len(p.rest) == 0 {
		chunk, ok := <-p.data
		if !ok {
			if p.err == nil {
				return 0, io.EOF
			}
			return 0, p.err
		}
		p.rest = chunk
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}

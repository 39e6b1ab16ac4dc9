package main

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// readBufSize is the per-session read buffer: small, because thousands of
// sessions each hold one, and output is only counted, never kept.
const readBufSize = 4096

// headSize is how much of the first output is kept to explain failures
// ("server busy", a bad-option error line).
const headSize = 120

// sessionParams is what every session shares: the target, the PTY and the
// SSH client configuration.
type sessionParams struct {
	addr     string
	width    int
	height   int
	args     string
	timeout  time.Duration
	frameGap time.Duration
	web      bool // a browser session over WebSocket instead of SSH
	ssh      *ssh.ClientConfig
	clock    *clock
}

// session is one load client. Its goroutine sets up the connection and then
// reads until the connection ends; the runner only reads its atomics and
// calls close.
type session struct {
	p *sessionParams

	mu     sync.Mutex
	closed bool
	conn   net.Conn

	connectStart atomic.Int64 // clock time the TCP connect began
	firstFrame   atomic.Int64 // clock time of the first screen content; 0 = none
	ended        atomic.Int64 // clock time the session failed or ended; 0 = open
	bytes        atomic.Int64
	frames       atomic.Int64
	reason       atomic.Pointer[string]

	// slots is updated by the reader a few times a second and copied by the
	// runner at the window end; a mutex is simpler than a set of atomics.
	slotsMu sync.Mutex
	slots   slotTracker

	// Owned by the session goroutine (outHead) and by the SSH library's
	// stderr copier (errHead) until the session has ended.
	outHead [headSize]byte
	outN    int
	errHead headWriter
}

func newSession(p *sessionParams) *session {
	return &session{p: p, slots: newSlotTracker()}
}

// run connects, requests a PTY and a shell (or the -args command) and reads
// everything until the connection ends or close is called.
func (s *session) run(ctx context.Context) {
	c := s.p.clock
	s.connectStart.Store(int64(c.now()))
	if s.p.web {
		s.runWeb(ctx)
		return
	}
	d := net.Dialer{Timeout: s.p.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.p.addr)
	if err != nil {
		s.fail(stageConnect, err)
		return
	}
	if !s.attach(conn) {
		_ = conn.Close()
		s.failReason(reasonCut)
		return
	}
	_ = conn.SetDeadline(time.Now().Add(s.p.timeout))
	sc, chans, reqs, err := ssh.NewClientConn(conn, s.p.addr, s.p.ssh)
	if err != nil {
		_ = conn.Close()
		s.fail(stageHandshake, err)
		return
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		s.fail(stageSession, err)
		return
	}
	sess.Stderr = &s.errHead
	// Keep stdin open and silent, as a user who only watches: a nil Stdin
	// would send EOF to the server right away.
	if _, err := sess.StdinPipe(); err != nil {
		s.fail(stageSession, err)
		return
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		s.fail(stageSession, err)
		return
	}
	modes := ssh.TerminalModes{ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty("xterm-256color", s.p.height, s.p.width, modes); err != nil {
		s.fail(stagePTY, err)
		return
	}
	if s.p.args != "" {
		err = sess.Start(s.p.args)
	} else {
		err = sess.Shell()
	}
	if err != nil {
		s.fail(stageShell, err)
		return
	}
	_ = conn.SetDeadline(time.Time{})

	readErr := s.read(out)
	s.ended.Store(int64(c.now()))
	// Wait collects the exit status and lets the stderr copier finish, after
	// which errHead is ours to read. The runner's close bounds it.
	waitErr := sess.Wait()
	head := append(s.outHead[:s.outN:s.outN], s.errHead.bytes()...)
	reason := endReason(head, waitErr, readErr)
	s.reason.Store(&reason)
}

// read counts bytes and frames until out fails; it returns the error that
// ended it.
func (s *session) read(out io.Reader) error {
	c := s.p.clock
	buf := make([]byte, readBufSize)
	fc := frameCounter{gap: s.p.frameGap}
	var screen screenDetector
	for {
		n, err := out.Read(buf)
		if n > 0 {
			at := c.now()
			if s.outN < headSize {
				s.outN += copy(s.outHead[s.outN:], buf[:n])
			}
			if s.firstFrame.Load() == 0 && screen.feed(buf[:n]) {
				s.firstFrame.Store(int64(at))
			}
			s.bytes.Add(int64(n))
			if fc.observe(at) {
				s.frames.Add(1)
				ws, we := c.window()
				s.slotsMu.Lock()
				s.slots.frame(at, ws, we)
				s.slotsMu.Unlock()
			}
		}
		if err != nil {
			return err
		}
	}
}

// attach registers the connection so close can cut it; it reports false if
// close already ran.
func (s *session) attach(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conn = conn
	return true
}

// frameSlots returns a copy of the session's window tracker.
func (s *session) frameSlots() slotTracker {
	s.slotsMu.Lock()
	defer s.slotsMu.Unlock()
	return s.slots
}

// close ends the session from the runner; safe to call at any time.
func (s *session) close() {
	s.mu.Lock()
	s.closed = true
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
}

func (s *session) fail(stage string, err error) {
	reason := classifyError(stage, err)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	var netErr net.Error
	switch {
	case closed || errors.Is(err, context.Canceled):
		reason = reasonCut
	case stage != stageConnect && s.p.clock.now()-time.Duration(s.connectStart.Load()) >= s.p.timeout,
		errors.As(err, &netErr) && netErr.Timeout():
		// Past the setup deadline the library reports a closed connection
		// (EOF) rather than a timeout; name the cause.
		reason = stage + " timeout"
	}
	s.failReason(reason)
}

func (s *session) failReason(reason string) {
	s.reason.Store(&reason)
	s.ended.Store(int64(s.p.clock.now()))
}

// headWriter keeps the first bytes of stderr and discards the rest. It
// implements io.ReaderFrom so that the SSH library's io.Copy reads through a
// small buffer instead of allocating 32 KiB per session.
type headWriter struct {
	buf [headSize]byte
	n   int
}

// Write keeps what fits in the head.
func (h *headWriter) Write(p []byte) (int, error) {
	h.n += copy(h.buf[h.n:], p)
	return len(p), nil
}

// ReadFrom drains r through a small buffer.
func (h *headWriter) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 256)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		_, _ = h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (h *headWriter) bytes() []byte { return h.buf[:h.n] }

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"github.com/prometheus/client_golang/prometheus"
	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// Bounds on what a client may send before its session starts.
const (
	maxEnvVars     = 16
	maxEnvValueLen = 256
	maxTermLen     = 64
	// maxCommandLen bounds the session options: real ones are a few dozen
	// bytes, and the shell-word splitter is quadratic in a token's length.
	maxCommandLen = 4096
)

// session is one SSH session channel. Its request loop (serve) owns the
// fields set before the shell starts; after that they are read-only, and
// only win changes, under its own lock.
type session struct {
	srv   *Server
	conn  *gossh.ServerConn
	cs    *connState
	ch    gossh.Channel // the channel, its reads from the input pump
	in    *inputPump
	raw   gossh.Channel // the SSH channel itself
	id    string        // names the session in logs (see newSessionID)
	ip    string        // the client's address, for logs
	port  int           // the client's port, for logs
	key   string        // the client, for per-address limits (see clientKey)
	user  string        // escaped and truncated for logs (see clientString)
	start time.Time

	begun    atomic.Bool   // a shell, exec or subsystem was asked for
	gone     chan struct{} // closed once we closed the channel
	goneOnce sync.Once
	release  sync.Once // the slot's unregister, once whoever gets there first

	ctx    context.Context
	cancel context.CancelCauseFunc

	started bool
	mode    string // what runs: modeTUI, modeStream, modeOptions; set at start
	runID   string // the run the session started with, for logs
	term    string
	win     *windowBox // nil without a PTY
	env     []string

	out *sessionWriter // every write to the client goes through it (stdout and stderr)
}

// handleSessionChannel serves one "session" channel. It replaces the
// library's session handler so that every request is bounded: window sizes
// are clamped, window-changes never block (even before the shell), env is
// capped, and subsystems and forwarding are refused with a clear message.
func (s *Server) handleSessionChannel(_ *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	cs := connStateOf(ctx)
	if !cs.openChannel(s.cfg.Limits.MaxChannels) {
		s.reject(rejectChannels, "client", hostOf(conn.RemoteAddr()), "port", portOf(conn.RemoteAddr()), "user", clientString(conn.User()))
		_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions per connection", s.cfg.Limits.MaxChannels))
		return
	}
	defer cs.endChannel(s.cfg.Limits.StartTimeout)
	ch, reqs, err := nc.Accept()
	if err != nil {
		cs.releaseChannel()
		return
	}
	cs.keepalive.Do(func() {
		go keepalive(ctx, conn, s.cfg.Limits.KeepaliveInterval, s.cfg.Limits.KeepaliveMissed)
	})
	sctx, cancel := context.WithCancelCause(ctx)
	ss := &session{
		srv: s, conn: conn, cs: cs, raw: ch, id: newSessionID(), ip: hostOf(conn.RemoteAddr()), port: portOf(conn.RemoteAddr()),
		key: clientKey(conn.RemoteAddr(), s.cfg.Limits.IPv6Prefix), user: clientString(conn.User()),
		start: s.clock(), ctx: sctx, cancel: cancel, gone: make(chan struct{}),
	}
	// Data the client sends is read from the first moment, and dropped
	// unless a PTY program takes it: an unread channel would buffer up to
	// its 2 MiB window.
	ss.in = newInputPump(ss)
	ss.ch = ss.in
	ss.out = newSessionWriter(ch, ch.Stderr(), s.met.bytesSent, s.met.writeGap, s.cfg.Limits.StallTimeout, func() {
		ss.stop(errStalled)
		// A write blocked on a full SSH window only returns when the
		// connection goes away; closing the channel is not enough.
		_ = conn.Close()
	})
	defer ss.out.stop()
	// A channel is for a session: one that asks for none in time is closed.
	if d := s.cfg.Limits.StartTimeout; d > 0 {
		t := time.AfterFunc(d, func() {
			if !ss.begun.Load() {
				s.reject(rejectStartTimeout, ss.who()...)
				ss.closeChannel()
			}
		})
		defer t.Stop()
	}
	ss.serve(reqs)
}

// serve answers the channel's requests until the client closes it, or we
// did (then the rest of its requests are discarded until the client or
// its connection closes: the library's request queue must never fill).
// The channel counts against the connection's cap until the client's
// close: a client that never acknowledges ours cannot pile channels up.
func (ss *session) serve(reqs <-chan *gossh.Request) {
	defer ss.cancel(errGone)
	for {
		select {
		case req, ok := <-reqs:
			if !ok {
				ss.cs.releaseChannel()
				return
			}
			ok, then := ss.handle(req)
			if req.WantReply {
				_ = req.Reply(ok, nil)
			}
			// Started only after the reply: a session that ends at once
			// (bad options) must not close the channel before the client
			// hears that its request succeeded.
			if then != nil {
				then()
			}
		case <-ss.gone:
			go func() {
				gossh.DiscardRequests(reqs)
				ss.cs.releaseChannel()
			}()
			return
		}
	}
}

// closeChannel closes the channel, once. The client should answer with a
// close of its own; serve does not wait for it.
func (ss *session) closeChannel() {
	ss.goneOnce.Do(func() {
		close(ss.gone)
		// Close writes a packet; a client that stopped reading its socket
		// must not block whoever is closing.
		go func() { _ = ss.raw.Close() }()
	})
}

// handle acts on one channel request and says whether it succeeded; then,
// if not nil, is to run once the reply is sent.
func (ss *session) handle(req *gossh.Request) (ok bool, then func()) {
	lim := ss.srv.cfg.Limits
	switch req.Type {
	case "pty-req":
		if ss.started || ss.win != nil {
			return false, nil
		}
		var p struct {
			Term               string
			Cols, Rows, PW, PH uint32
			Modes              string
		}
		if gossh.Unmarshal(req.Payload, &p) != nil {
			return false, nil
		}
		w, h := clampSize(p.Cols, p.Rows, lim.MaxWidth, lim.MaxHeight)
		ss.term = truncate(p.Term, maxTermLen)
		ss.win = newWindowBox(w, h)
		return true, nil
	case "window-change":
		if ss.win == nil {
			return false, nil
		}
		var p struct{ Cols, Rows, PW, PH uint32 }
		if gossh.Unmarshal(req.Payload, &p) != nil {
			return false, nil
		}
		ss.win.put(clampSize(p.Cols, p.Rows, lim.MaxWidth, lim.MaxHeight))
		return true, nil
	case "env":
		var kv struct{ Name, Value string }
		if ss.started || len(ss.env) >= maxEnvVars || gossh.Unmarshal(req.Payload, &kv) != nil ||
			!usefulEnv(kv.Name) || len(kv.Value) > maxEnvValueLen {
			return false, nil
		}
		ss.env = append(ss.env, kv.Name+"="+kv.Value)
		return true, nil
	case "shell", "exec":
		if ss.started {
			return false, nil
		}
		var p struct{ Command string }
		if req.Type == "exec" && gossh.Unmarshal(req.Payload, &p) != nil {
			return false, nil
		}
		ss.started = true
		ss.begun.Store(true)
		if ss.win != nil {
			ss.in.take() // keystrokes for the program
		}
		if !ss.cs.allowStart(time.Now()) {
			// One connection starting sessions as fast as it can (each a
			// goroutine, a run set-up, log lines) is not a visitor.
			ss.srv.reject(rejectSessionRate, ss.who()...)
			return false, ss.closeChannel
		}
		return true, func() { ss.begin(p.Command) }
	case "subsystem":
		if ss.started {
			return false, nil
		}
		var p struct{ Name string }
		_ = gossh.Unmarshal(req.Payload, &p)
		ss.started = true
		ss.begun.Store(true)
		msg := fmt.Sprintf("overfit: subsystem %q is not available: this server only shows a training run", truncate(p.Name, 40))
		return true, func() { go ss.refuse(msg, 1) }
	case "eow@openssh.com":
		// OpenSSH says its stdout is gone (ssh -T host | head): nobody
		// reads what we send any more.
		ss.stop(errOutputClosed)
		return true, nil
	default:
		// x11-req, auth-agent-req@openssh.com, signal, break, ...: refused.
		return false, nil
	}
}

// usefulEnv says whether an environment variable can change how a session
// looks; the rest are refused so a client cannot make us store them.
func usefulEnv(name string) bool {
	switch name {
	case "TERM", "COLORTERM", "NO_COLOR", "CLICOLOR_FORCE", "LANG", "LC_ALL", "LC_CTYPE", "TERM_PROGRAM":
		return true
	}
	return false
}

// begin starts the session's program in its own goroutine, or refuses it
// with one line when the server is over its limits or going away.
func (ss *session) begin(command string) {
	srv := ss.srv
	if err := srv.register(ss); err != nil {
		msg := busyMessage
		if errors.Is(err, errShuttingDown) {
			msg = goodbyeShutdown
		}
		srv.reject(rejectionReason(err), ss.who()...)
		go ss.refuse(msg, 1)
		return
	}
	done := make(chan struct{})
	go ss.enforceDeadline(done)
	go func() {
		defer srv.unregisterOnce(ss)
		defer close(done)
		code, mode := ss.runSafely(command)
		reason := "quit"
		switch cause := context.Cause(ss.ctx); {
		case errors.Is(cause, context.Canceled):
			reason = "connection closed"
		case cause != nil:
			reason = cause.Error()
		case code == 2:
			reason = "bad options"
		}
		ss.exit(code)
		srv.met.duration.WithLabelValues(mode).Observe(time.Since(ss.start).Seconds())
		end := append(ss.who(), "mode", mode)
		if ss.runID != "" {
			end = append(end, "run", ss.runID)
		}
		srv.log.Info("session end", append(end,
			"duration", time.Since(ss.start).Round(time.Millisecond).String(),
			"bytes", ss.out.written(), "exit", code, "reason", reason)...)
	}()
}

// Graces of a session past its deadline: it is told goodbye, then its
// channel is closed, then its connection, then its slot is freed whatever
// its goroutine is doing.
const (
	deadlineChannelGrace = quitGrace + time.Second
	deadlineConnGrace    = 2 * time.Second
	deadlineSlotGrace    = forceCloseGrace
)

// enforceDeadline ends a session at --max-session-time whatever its client
// does: a goodbye first; if the session has not ended deadlineChannelGrace
// later (its client stopped reading, with the stall cutoff off, or stopped
// answering), its channel is closed; then its connection; and at last its
// slot is released even if its goroutine is still stuck. It returns as
// soon as the session ends (done).
func (ss *session) enforceDeadline(done <-chan struct{}) {
	d := ss.srv.cfg.Limits.MaxSessionTime
	if d <= 0 {
		return
	}
	steps := []struct {
		after time.Duration
		act   func()
	}{
		{d, func() { ss.stop(errTimeLimit) }},
		{deadlineChannelGrace, ss.closeChannel},
		{deadlineConnGrace, func() { _ = ss.conn.Close() }},
		{deadlineSlotGrace, func() {
			ss.srv.log.Warn("session still running after its connection was closed; its slot is freed", ss.who()...)
			ss.srv.unregisterOnce(ss)
		}},
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for _, st := range steps {
		t.Reset(st.after)
		select {
		case <-done:
			return
		case <-t.C:
			st.act()
		}
	}
}

// rejectionReason names a refusal of register for the rejections metric.
// register refuses for these three reasons only; anything else would be
// counted as server_full, the closest: the session did not fit.
func rejectionReason(err error) rejectReason {
	switch {
	case errors.Is(err, errTooManyForIP):
		return rejectSessionsPerIP
	case errors.Is(err, errShuttingDown):
		return rejectShuttingDown
	}
	return rejectServerFull
}

// runSafely is run, except that a panic ends only this session: it is
// logged with its stack and the visitor gets exit status 1.
func (ss *session) runSafely(command string) (code int, mode string) {
	defer func() {
		if r := recover(); r != nil {
			ss.srv.log.Error("session panic", append(ss.who(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
			ss.cancel(errPanic)
			code, mode = 1, cmp.Or(ss.mode, modeOptions)
		}
	}()
	return ss.run(command)
}

// run parses the session options and runs the UI or the plain stream. It
// returns the exit status and the session's mode (see sessionModes).
func (ss *session) run(command string) (int, string) {
	pty := ss.win != nil
	opts, code, ok := ss.options(command, pty)
	if !ok {
		return code, modeOptions
	}
	if opts.List != "" {
		ss.startOptionsSession()
		_ = writeList(ss.stdout(pty), opts.List)
		return 0, modeOptions
	}
	w, h := 0, 0
	if pty {
		w, h = ss.win.get()
	}
	o := opts.Options
	ss.runID = sim.EncodeRunID(o)
	ss.mode = modeStream
	if pty && !dumbTerminal(ss.term) {
		ss.mode = modeTUI
	}
	ss.srv.met.started(ss.mode)
	// The seed is a string: as a JSON number a uint64 loses its last
	// digits in jq and JavaScript (they are float64s), and the seed is
	// what reproduces a run. The run id is what the visitor's footer shows.
	ss.srv.log.Info("session start", append(ss.who(), "mode", ss.mode, "term", clientString(ss.term),
		"width", w, "height", h, "seed", strconv.FormatUint(o.Seed, 10), "model", o.Model,
		"run", ss.runID, "joined", opts.Joined)...)
	if ss.mode == modeStream {
		if !pty && strings.TrimSpace(command) != "" {
			// Options without a terminal: most likely typed by someone who
			// wanted the dashboard and left out -t. stderr keeps a
			// redirected stdout clean.
			ss.errorLine(noTerminalHint(ss.srv.share, command))
		}
		return ss.stream(opts), ss.mode
	}
	return ss.runTUI(opts), ss.mode
}

// options parses the session's command line. When it asks for no run
// (--help, or options that do not parse) the session is counted and logged
// as an options session, the visitor gets the help or the error, and ok is
// false with the exit status in code.
func (ss *session) options(command string, pty bool) (opts sessionOptions, code int, ok bool) {
	opts, err := ss.parseOptions(command)
	if err == nil {
		return opts, 0, true
	}
	ss.startOptionsSession()
	if errors.Is(err, errHelp) {
		_, _ = ss.stdout(pty).Write([]byte(sessionUsage))
		return opts, 0, false
	}
	ss.errorLine("overfit: " + err.Error())
	return opts, 2, false
}

// startOptionsSession counts and logs a session that asks for no run
// (--help, --list, options that do not parse).
func (ss *session) startOptionsSession() {
	ss.mode = modeOptions
	ss.srv.met.started(modeOptions)
	ss.srv.log.Info("session start", append(ss.who(), "mode", modeOptions, "term", clientString(ss.term))...)
}

// parseOptions turns the session's command line into options: errHelp for
// --help, or an error for the visitor.
func (ss *session) parseOptions(command string) (sessionOptions, error) {
	if len(command) > maxCommandLen {
		return sessionOptions{}, fmt.Errorf("options too long (%d bytes, at most %d; see --help)", len(command), maxCommandLen)
	}
	args, err := splitArgs(command)
	if err != nil {
		return sessionOptions{}, fmt.Errorf("cannot parse options %q: %v (see --help)", truncate(command, 80), err)
	}
	return parseSessionOptions(userJoinArgs(ss.user, args), ss.start, ss.srv.seed)
}

// who names the session and its client in log lines.
func (ss *session) who() []any {
	return []any{"session", ss.id, "client", ss.ip, "port", ss.port, "user", ss.user}
}

// stdout is where text for the visitor goes: with a PTY the client's
// terminal is raw, so line feeds need a carriage return.
func (ss *session) stdout(pty bool) io.Writer {
	if pty {
		return newCRLFWriter(ss.out)
	}
	return ss.out
}

// maxErrorLine bounds an error line: messages can quote what the client
// sent, and a client can send a lot.
const maxErrorLine = 300

// errorLine writes one line to the client's stderr.
func (ss *session) errorLine(line string) {
	if len(line) > maxErrorLine {
		line = strings.ToValidUTF8(line[:maxErrorLine], "") + "…"
	}
	nl := "\n"
	if ss.win != nil {
		nl = "\r\n"
	}
	_, _ = ss.out.writeStderr([]byte(line + nl))
}

// refuse tells the client why it cannot have a session and ends it.
func (ss *session) refuse(line string, code int) {
	ss.errorLine(line)
	ss.exit(code)
}

// exit sends the exit status and closes the channel.
func (ss *session) exit(code int) {
	status := struct{ Status uint32 }{uint32(code)}
	// A request is a packet on the connection, not channel data: it does
	// not wait for the client's window.
	_, _ = ss.raw.SendRequest("exit-status", false, gossh.Marshal(&status))
	ss.closeChannel()
}

// stop ends the session for cause; an *endNotice cause shows its goodbye.
func (ss *session) stop(cause error) {
	ss.cancel(cause)
}

// limitKey is the client's key for per-address limits.
func (ss *session) limitKey() string { return ss.key }

// notice returns the goodbye the session should show, if the server ended it.
func (ss *session) notice() (*endNotice, bool) {
	var n *endNotice
	ok := errors.As(context.Cause(ss.ctx), &n)
	return n, ok
}

// truncate shortens s to at most n bytes, for logs and messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// sessionWriter is the one path of every write to a client — frames,
// plain log lines, error lines, goodbyes, on stdout or stderr. It counts the
// bytes and drops a client that stops reading: when one write blocks longer
// than the stall timeout, onStall runs (it closes the connection, which
// unblocks the write). A client that opened its channel with a zero window
// blocks the very first byte; it is cut off the same way.
type sessionWriter struct {
	w       io.Writer
	stderr  io.Writer
	sent    prometheus.Counter  // all sessions' bytes
	gaps    prometheus.Observer // time between writes, all sessions
	timeout time.Duration
	timer   *time.Timer

	mu   sync.Mutex // one Write at a time: frames and goodbyes must not interleave
	last time.Time  // when the last write began
	n    atomic.Int64
}

func newSessionWriter(stdout, stderr io.Writer, sent prometheus.Counter, gaps prometheus.Observer, timeout time.Duration, onStall func()) *sessionWriter {
	sw := &sessionWriter{w: stdout, stderr: stderr, sent: sent, gaps: gaps, timeout: timeout}
	if timeout > 0 {
		sw.timer = time.AfterFunc(time.Hour, onStall)
		sw.timer.Stop()
	}
	return sw
}

// Write passes p on to stdout, arming the stall timer for the duration of
// the write.
func (sw *sessionWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	now := time.Now()
	if sw.gaps != nil && !sw.last.IsZero() {
		sw.gaps.Observe(now.Sub(sw.last).Seconds())
	}
	sw.last = now
	return sw.guarded(sw.w, p)
}

// writeStderr passes p on to stderr, guarded the same way.
func (sw *sessionWriter) writeStderr(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.guarded(sw.stderr, p)
}

// guarded writes p to w under the stall timer; sw.mu is held.
func (sw *sessionWriter) guarded(w io.Writer, p []byte) (int, error) {
	if sw.timer != nil {
		sw.timer.Reset(sw.timeout)
	}
	n, err := w.Write(p)
	if sw.timer != nil {
		sw.timer.Stop()
	}
	sw.n.Add(int64(n))
	if sw.sent != nil {
		sw.sent.Add(float64(n))
	}
	return n, err
}

// written is the number of bytes sent so far.
func (sw *sessionWriter) written() int64 {
	return sw.n.Load()
}

// stop disarms the stall timer for good.
func (sw *sessionWriter) stop() {
	if sw.timer != nil {
		sw.timer.Stop()
	}
}

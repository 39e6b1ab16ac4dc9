package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// maxWebMessage bounds one message from a browser: keystrokes (a paste is
// cut here) or a resize. Larger messages end the session.
const maxWebMessage = 4 << 10

// webCloseTimeout bounds the goodbye handshake with a browser.
const webCloseTimeout = 2 * time.Second

// webEnv is the terminal a browser session draws on: xterm.js understands
// 256 colors and 24-bit color.
var webEnv = []string{"TERM=xterm-256color", "COLORTERM=truecolor"}

// webSession is one browser's session, counted with the SSH ones.
type webSession struct {
	ip     string // for logs
	key    string // for per-address limits (see clientKey)
	cancel context.CancelCauseFunc
}

func (w *webSession) stop(cause error) { w.cancel(cause) }
func (w *webSession) limitKey() string { return w.key }

// serveSocket runs one browser session over a WebSocket: the same program
// and renderer as an SSH session, its bytes sent as binary messages;
// binary messages from the browser are keystrokes, text messages resizes
// ({"cols":N,"rows":N}). The query names the initial size and, with
// join=RUN-ID, the run to watch.
func (ws *webServer) serveSocket(w http.ResponseWriter, r *http.Request) {
	s := ws.srv
	ip := ws.clientIP(r)
	id := newSessionID()
	who := []any{"session", id, "client", ip, "port", webClientPort(r, ip), "web", true}
	start := s.clock()
	if !s.rate.allow(ip, time.Now()) {
		s.reject(rejectConnRate, who...)
		http.Error(w, "overfit: too many connections from your address — try again in a minute", http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	var args []string
	if id := q.Get("join"); id != "" {
		args = []string{"--join", id}
	}
	opts, err := parseSessionOptions(args, start, s.seed)
	if err != nil {
		http.Error(w, "overfit: "+err.Error(), http.StatusBadRequest)
		return
	}
	lim := s.cfg.Limits
	cols, _ := strconv.ParseUint(q.Get("cols"), 10, 32)
	rows, _ := strconv.ParseUint(q.Get("rows"), 10, 32)
	win := newWindowBox(clampSize(uint32(cols), uint32(rows), lim.MaxWidth, lim.MaxHeight))

	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: ws.origins})
	if err != nil {
		// Accept answered (403 for a foreign Origin, 400 for a bad handshake).
		s.reject(rejectWebHandshake, who...)
		return
	}
	conn.SetReadLimit(maxWebMessage)
	// Writes have their own context: a session ended by the server still
	// says goodbye; the stall guard bounds every write instead.
	wctx, stopWrites := context.WithCancel(context.Background())
	defer stopWrites()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(errGone)
	sess := &webSession{ip: ip, key: ipKey(ip, s.cfg.Limits.IPv6Prefix), cancel: cancel}

	if err := s.register(sess); err != nil {
		msg := busyMessage
		if errors.Is(err, errShuttingDown) {
			msg = goodbyeShutdown
		}
		s.reject(rejectionReason(err), who...)
		tctx, done := context.WithTimeout(wctx, webCloseTimeout)
		_ = conn.Write(tctx, websocket.MessageBinary, []byte(msg+"\r\n"))
		done()
		closeWithin(conn, websocket.StatusTryAgainLater, "server busy")
		return
	}
	defer s.unregister(sess)
	if d := lim.MaxSessionTime; d > 0 {
		limit := time.AfterFunc(d, func() { sess.stop(errTimeLimit) })
		defer limit.Stop()
	}
	out := newSessionWriter(wsWriter{conn: conn, ctx: wctx}, wsWriter{conn: conn, ctx: wctx}, s.met.bytesSent, s.met.writeGap, lim.StallTimeout, func() {
		sess.stop(errStalled)
		_ = conn.CloseNow()
	})
	defer out.stop()
	in := &wsInput{conn: conn, win: win, maxW: lim.MaxWidth, maxH: lim.MaxHeight, gone: func() { sess.stop(errGone) }}

	w0, h0 := win.get()
	o := opts.Options
	runID := sim.EncodeRunID(o)
	s.met.started(modeWeb)
	// As in the SSH session's start line: the seed as a string, the run id
	// the visitor's footer shows.
	s.log.Info("session start", append(who, "mode", modeWeb, "width", w0, "height", h0,
		"seed", strconv.FormatUint(o.Seed, 10), "model", o.Model, "run", runID, "joined", opts.Joined)...)
	code := 1
	model, err := s.newModel(app.Config{Options: o, Share: s.share, Width: w0, Height: h0})
	if err != nil {
		_, _ = out.Write([]byte("overfit: " + err.Error() + "\r\n"))
	} else {
		code = runTerminal(&terminal{
			ctx: ctx, out: out, in: newInputLimiter(in, time.Now), win: win, env: webEnv,
			frameTime: s.met.frameTime, log: s.log, who: who,
		}, model)
	}
	reason := "quit"
	if cause := context.Cause(ctx); cause != nil {
		reason = cause.Error()
		if _, goodbye := cause.(*endNotice); !goodbye {
			_ = conn.CloseNow() // gone or stalled: nobody to shake hands with
		}
	}
	// Closing ends the input goroutine's read too.
	closeWithin(conn, websocket.StatusNormalClosure, "session ended")
	s.met.duration.WithLabelValues(modeWeb).Observe(time.Since(start).Seconds())
	s.log.Info("session end", append(who, "mode", modeWeb, "run", runID,
		"duration", time.Since(start).Round(time.Millisecond).String(),
		"bytes", out.written(), "exit", code, "reason", reason)...)
}

// webClientPort is the browser's port, or 0 when the address came from a
// trusted proxy's X-Forwarded-For (which carries no port).
func webClientPort(r *http.Request, ip string) int {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || peer.Addr().Unmap().String() != ip {
		return 0
	}
	return int(peer.Port())
}

// closeWithin closes conn with a close handshake, or without one when the
// browser does not answer within webCloseTimeout.
func closeWithin(conn *websocket.Conn, code websocket.StatusCode, reason string) {
	done := make(chan struct{})
	go func() {
		_ = conn.Close(code, reason)
		close(done)
	}()
	t := time.NewTimer(webCloseTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		_ = conn.CloseNow()
		<-done
	}
}

// wsWriter sends each write as one binary message: a frame, or a goodbye.
type wsWriter struct {
	conn *websocket.Conn
	ctx  context.Context
}

func (w wsWriter) Write(p []byte) (int, error) {
	if err := w.conn.Write(w.ctx, websocket.MessageBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// wsInput reads a browser's messages: binary ones are the keystrokes it
// returns, text ones resize the window. It returns EOF (and calls gone)
// once the browser closed or broke the connection.
type wsInput struct {
	conn       *websocket.Conn
	win        *windowBox
	maxW, maxH int
	gone       func()
	pending    []byte
}

func (in *wsInput) Read(p []byte) (int, error) {
	for len(in.pending) == 0 {
		typ, b, err := in.conn.Read(context.Background())
		if err != nil {
			in.gone()
			return 0, io.EOF
		}
		if typ == websocket.MessageBinary {
			in.pending = b
			continue
		}
		var size struct{ Cols, Rows uint32 }
		if json.Unmarshal(b, &size) == nil {
			in.win.put(clampSize(size.Cols, size.Rows, in.maxW, in.maxH))
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	return n, nil
}

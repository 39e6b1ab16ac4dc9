package main

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// streamTick is how often the plain log stream advances and flushes.
const streamTick = 200 * time.Millisecond

// stream writes the plain log of a run to a session without a PTY, one
// event per "\n"-terminated line and no escape bytes, until the client hangs
// up or the server ends the session. It returns the exit status.
//
// A session with a PTY whose terminal cannot address the cursor (TERM=dumb)
// gets the same stream: its client's terminal is raw, so lines end in CRLF,
// and q, ctrl+c or ctrl+d end it, as they would the dashboard.
func (ss *session) stream(opts sessionOptions) int {
	ctx, w, nl := ss.ctx, io.Writer(ss.out), "\n"
	if ss.win != nil {
		var quit context.CancelFunc
		ctx, quit = context.WithCancel(ss.ctx)
		defer quit()
		// It returns when the channel's read side ends, which closing
		// the channel at the session's end brings about.
		go watchQuitKeys(ss.ch, quit)
		w, nl = newCRLFWriter(ss.out), "\r\n"
	}
	// Without a PTY, what the client sends is dropped by the input pump;
	// EOF on stdin (ssh -T host </dev/null) does not end the stream.
	err := streamRun(ctx, w, opts, time.Now, ss.srv.seek)
	if n, ok := ss.notice(); ok {
		_, _ = ss.out.writeStderr([]byte(n.message + nl))
		return 0
	}
	if err != nil && ss.ctx.Err() == nil {
		return 1
	}
	return 0
}

// streamLog advances a run on a wall-clock ticker and writes its events to
// w until ctx is done (nil) or a write fails (the error).
func streamLog(ctx context.Context, w io.Writer, opts sessionOptions, now func() time.Time) error {
	return streamRun(ctx, w, opts, now, nil)
}

// streamRun is streamLog; a join's jump into the run goes through gate
// unless it is nil (see Server.seek).
func streamRun(ctx context.Context, w io.Writer, opts sessionOptions, now func() time.Time,
	gate func(context.Context, func()) bool) error {
	o := opts.Options
	st, err := sim.NewStream(o)
	if err != nil {
		return err
	}
	speed := o.Speed
	if speed <= 0 {
		speed = 1
	}
	last := now()
	if at := scaled(last.Sub(o.Start), speed); opts.Joined && sim.SeekCheaper(0, at) {
		if gate == nil {
			st.Seek(at)
		} else if !gate(ctx, func() { st.Seek(at) }) {
			return nil // the session ended while waiting
		}
	} else if opts.Joined {
		st.Advance(at)
	}
	tick := time.NewTicker(streamTick)
	defer tick.Stop()
	var (
		events []sim.Event
		seq    uint64
		buf    []byte
	)
	for {
		events, seq = st.EventsSince(seq, events[:0])
		buf = buf[:0]
		for _, e := range events {
			buf = appendPlain(buf, e.String())
			buf = append(buf, '\n')
		}
		if len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			t := now()
			st.Advance(scaled(t.Sub(last), speed))
			last = t
		}
	}
}

// scaled multiplies a wall-clock duration by the time-lapse factor.
func scaled(d time.Duration, speed float64) time.Duration {
	if d < 0 {
		return 0
	}
	return time.Duration(float64(d) * speed)
}

// appendPlain appends s without control bytes: the stream promises plain
// text to whatever reads it, whatever a log line contains.
func appendPlain(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t':
			dst = append(dst, ' ')
		case c < 0x20 || c == 0x7f:
			// dropped
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// dumbTerminal reports whether a PTY's terminal type cannot move the cursor:
// such a terminal gets the plain stream, not the dashboard's escapes.
func dumbTerminal(term string) bool {
	return strings.EqualFold(term, "dumb")
}

// watchQuitKeys reads a dumb terminal's keystrokes until r fails and calls
// quit on q, ctrl+c or ctrl+d (the terminal is raw: they arrive as bytes,
// not signals). Everything else is dropped.
func watchQuitKeys(r io.Reader, quit func()) {
	var buf [256]byte
	for {
		n, err := r.Read(buf[:])
		if bytes.ContainsAny(buf[:n], "qQ\x03\x04") {
			quit()
		}
		if err != nil {
			return
		}
	}
}

// maxHintOptions bounds the options a hint repeats: longer ones, or any
// byte a terminal could take for a command, are shown as OPTIONS.
const maxHintOptions = 60

// noTerminalHint is the one line a session with options but no terminal
// gets on stderr: how to ask for the dashboard, with the visitor's own
// options.
func noTerminalHint(share app.Share, command string) string {
	opts := strings.TrimSpace(command)
	if len(opts) > maxHintOptions || strings.IndexFunc(opts, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		opts = "OPTIONS"
	}
	if opts != "--" && !strings.HasPrefix(opts, "-- ") {
		opts = "-- " + opts
	}
	host := share.SSHHost
	if host == "" {
		host = "HOST"
	}
	port := ""
	if share.SSHPort != 0 && share.SSHPort != 22 {
		port = " -p " + strconv.Itoa(share.SSHPort)
	}
	return "overfit: no terminal, so this is the plain log; add -t for the dashboard: ssh -t" + port + " " + host + " " + opts
}

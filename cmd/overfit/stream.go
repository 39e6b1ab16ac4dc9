package main

import (
	"context"
	"io"
	"time"

	"github.com/overfit/overfit/sim"
)

// streamTick is how often the plain log stream advances and flushes.
const streamTick = 200 * time.Millisecond

// stream writes the plain log of a run to a session without a PTY, one
// event per "\n"-terminated line and no escape bytes, until the client hangs
// up or the server ends the session. It returns the exit status.
func (ss *session) stream(opts sessionOptions) int {
	// What the client sends is dropped by the input pump; EOF on stdin
	// (ssh -T host </dev/null) does not end the stream.
	err := streamRun(ss.ctx, ss.out, opts, time.Now, ss.srv.seek)
	if n, ok := ss.notice(); ok {
		_, _ = ss.out.writeStderr([]byte(n.message + "\n"))
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

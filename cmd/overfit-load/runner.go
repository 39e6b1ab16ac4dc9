package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Polling and shutdown bounds of the runner.
const (
	rampTick     = 10 * time.Millisecond
	settlePoll   = 20 * time.Millisecond
	progressTick = time.Second
	closeGrace   = 5 * time.Second
)

// sessionResult is one session's measurements, copied out of its atomics.
// Times are clock times; 0 means "never".
type sessionResult struct {
	Started      bool
	ConnectStart time.Duration
	FirstFrame   time.Duration
	Ended        time.Duration // as seen at the end of the window
	Bytes0       int64         // counters at the window start
	Frames0      int64
	Bytes1       int64 // counters at the window end
	Frames1      int64
	Slots        slotTracker
	Reason       string
}

// runResult is everything a report is built from.
type runResult struct {
	Results     []sessionResult
	WindowStart time.Duration
	WindowEnd   time.Duration
	Interrupted bool
	// Server samples; nil without -pid/-metrics-url or when a sample failed.
	ServerSource string
	ServerBase   *resourceSample
	ServerStart  *resourceSample
	ServerEnd    *resourceSample
	ServerErr    string
	SelfStart    resourceSample
	SelfEnd      resourceSample
}

// runner drives one load run: ramp, settle, steady window, teardown.
type runner struct {
	cfg      Config
	server   sampler // nil when the server is not sampled
	self     sampler
	progress io.Writer
	clock    *clock
	sessions []*session
	wg       sync.WaitGroup
}

func newRunner(cfg Config, server sampler, progress io.Writer) *runner {
	return &runner{
		cfg:      cfg,
		server:   server,
		self:     procSampler{root: "/proc", pid: "self"},
		progress: progress,
		clock:    newClock(),
	}
}

// run performs the load run. Cancelling ctx (Ctrl-C) cuts the current phase
// short; the result is still reported, marked interrupted.
func (r *runner) run(ctx context.Context) (*runResult, error) {
	res := &runResult{}
	params, err := r.params()
	if err != nil {
		return nil, err
	}
	if r.server != nil {
		res.ServerSource = r.server.source()
		base, err := r.server.sample(ctx)
		if err != nil {
			return nil, fmt.Errorf("baseline sample of the server: %w", err)
		}
		res.ServerBase = &base
	}

	r.ramp(ctx, params)
	r.settle(ctx)

	ws := r.clock.now()
	r.clock.setWindow(ws, ws+r.cfg.Duration)
	res.Results = r.snapshot(nil, true)
	res.SelfStart = r.sampleSelf(ctx)
	res.ServerStart = r.sampleServer(ctx, res)
	if ctx.Err() == nil {
		fmt.Fprintf(r.progress, "steady window: %s with %d sessions showing a screen\n", r.cfg.Duration, r.showing())
		r.wait(ctx, ws+r.cfg.Duration)
	}
	we := r.clock.now()
	r.clock.setWindow(ws, we)
	res.Results = r.snapshot(res.Results, false)
	res.ServerEnd = r.sampleServer(ctx, res)
	res.SelfEnd = r.sampleSelf(ctx)
	res.WindowStart, res.WindowEnd = ws, we
	res.Interrupted = ctx.Err() != nil

	r.teardown()
	for i, s := range r.sessions {
		if p := s.reason.Load(); p != nil {
			res.Results[i].Reason = *p
		}
	}
	return res, nil
}

// params builds what all sessions share, including one throwaway client key:
// x/crypto/ssh always tries "none" first, and a key satisfies servers that
// accept any public key.
func (r *runner) params() (*sessionParams, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate client key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("client key signer: %w", err)
	}
	return &sessionParams{
		addr:     r.cfg.DialAddr,
		width:    r.cfg.Width,
		height:   r.cfg.Height,
		args:     r.cfg.Args,
		timeout:  r.cfg.Timeout,
		frameGap: r.cfg.FrameGap,
		web:      r.cfg.Web,
		clock:    r.clock,
		ssh: &ssh.ClientConfig{
			User: r.cfg.User,
			Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			// A load test of our own loopback server: no host key to pin.
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), //nolint:gosec
			Timeout:         r.cfg.Timeout,
		},
	}, nil
}

// ramp starts sessions at cfg.Ramp per second until all are started.
func (r *runner) ramp(ctx context.Context, p *sessionParams) {
	r.sessions = make([]*session, 0, r.cfg.Sessions)
	start := time.Now()
	tick := time.NewTicker(rampTick)
	defer tick.Stop()
	lastProgress := start
	for len(r.sessions) < r.cfg.Sessions {
		due := min(r.cfg.Sessions, 1+int(time.Since(start).Seconds()*r.cfg.Ramp))
		for len(r.sessions) < due {
			s := newSession(p)
			r.sessions = append(r.sessions, s)
			r.wg.Go(func() { s.run(ctx) })
		}
		if time.Since(lastProgress) >= progressTick {
			lastProgress = time.Now()
			fmt.Fprintf(r.progress, "ramp: %d/%d started, %d showing a screen, %d ended\n",
				len(r.sessions), r.cfg.Sessions, r.showing(), r.endedCount())
		}
		if len(r.sessions) == r.cfg.Sessions {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// settle waits, at most cfg.Timeout, until every started session shows
// output or has ended, so the steady window measures a steady state.
func (r *runner) settle(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.Timeout)
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if r.settled() >= len(r.sessions) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	fmt.Fprintf(r.progress, "settle: %d sessions still without output after %s\n",
		len(r.sessions)-r.settled(), r.cfg.Timeout)
}

// wait sleeps until the clock reaches end or ctx is cancelled.
func (r *runner) wait(ctx context.Context, end time.Duration) {
	t := time.NewTimer(end - r.clock.now())
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// snapshot copies the sessions' counters. At the window start it creates the
// results (one per requested session, unstarted ones included); at the end
// it fills in the end counters.
func (r *runner) snapshot(res []sessionResult, atStart bool) []sessionResult {
	if atStart {
		res = make([]sessionResult, r.cfg.Sessions)
	}
	for i, s := range r.sessions {
		b, f := s.bytes.Load(), s.frames.Load()
		if atStart {
			res[i].Started = true
			res[i].Bytes0, res[i].Frames0 = b, f
			continue
		}
		res[i].Bytes1, res[i].Frames1 = b, f
		res[i].ConnectStart = time.Duration(s.connectStart.Load())
		res[i].FirstFrame = time.Duration(s.firstFrame.Load())
		res[i].Ended = time.Duration(s.ended.Load())
		res[i].Slots = s.frameSlots()
	}
	return res
}

// teardown closes every session and waits, bounded, for their goroutines.
func (r *runner) teardown() {
	for _, s := range r.sessions {
		s.close()
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
		fmt.Fprintf(r.progress, "teardown: some sessions did not finish within %s\n", closeGrace)
	}
}

func (r *runner) sampleServer(ctx context.Context, res *runResult) *resourceSample {
	if r.server == nil || res.ServerErr != "" {
		return nil
	}
	// A sample must not be lost to Ctrl-C: it is what the partial report is for.
	s, err := r.server.sample(context.WithoutCancel(ctx))
	if err != nil {
		res.ServerErr = err.Error()
		return nil
	}
	return &s
}

func (r *runner) sampleSelf(ctx context.Context) resourceSample {
	s, err := r.self.sample(ctx)
	if err != nil {
		// Not fatal: the generator's own cost is a side note.
		fmt.Fprintf(r.progress, "warning: %v\n", err)
	}
	return s
}

func (r *runner) showing() int {
	n := 0
	for _, s := range r.sessions {
		if s.firstFrame.Load() != 0 && s.ended.Load() == 0 {
			n++
		}
	}
	return n
}

func (r *runner) endedCount() int {
	n := 0
	for _, s := range r.sessions {
		if s.ended.Load() != 0 {
			n++
		}
	}
	return n
}

// settled counts sessions that showed output or ended.
func (r *runner) settled() int {
	n := 0
	for _, s := range r.sessions {
		if s.ended.Load() != 0 || s.firstFrame.Load() != 0 {
			n++
		}
	}
	return n
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"
)

// waitLimit bounds every poll in these tests; generous for -race on 2 cores.
const waitLimit = 15 * time.Second

// eventually polls cond until it holds or waitLimit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a poller.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is an in-process server on a loopback port.
type testServer struct {
	srv    *Server
	addr   string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// testConfig is a server config for tests: loopback, a temporary data dir
// and limits that do not get in the way.
func testConfig(t *testing.T) Config {
	cfg := defaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Limits.ShutdownTimeout = 5 * time.Second
	cfg.Limits.ConnRatePerIP = 0 // every test connects from 127.0.0.1
	cfg.Web.Listen = ""          // web tests open their own (webListen)
	return cfg
}

// startServer runs a server until the test ends; setup runs before it
// serves, for tests that swap the clock or the model.
func startServer(t *testing.T, cfg Config, setup ...func(*Server)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	srv, err := NewServer(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	for _, f := range setup {
		f(srv)
	}
	ln, err := srv.Listen()
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{srv: srv, addr: ln.Addr().String(), logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return ts
}

// stop shuts the server down and waits for Serve to return (at most once).
func (ts *testServer) stop() error {
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok {
			close(ts.done)
		}
		return err
	case <-time.After(10 * time.Second):
		return errors.New("server did not stop within 10s")
	}
}

// dial opens an SSH client connection and reports the host key it saw.
func dial(t *testing.T, addr string) (*gossh.Client, gossh.PublicKey) {
	t.Helper()
	var hostKey gossh.PublicKey
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "visitor",
		HostKeyCallback: func(_ string, _ net.Addr, key gossh.PublicKey) error {
			hostKey = key
			return nil
		},
		Timeout: waitLimit,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, hostKey
}

// screen is a PTY session whose output feeds a terminal emulator, as a
// visitor's terminal would show it.
type screen struct {
	t     *testing.T
	sess  *gossh.Session
	stdin io.Writer

	mu       sync.Mutex
	emu      *vt.Emulator
	raw      bytes.Buffer
	vtPanics int // stale-margin panics survived in the emulator (see feed)
}

// openScreen starts a PTY session of w×h running the given session options
// ("" for a plain shell request).
func openScreen(t *testing.T, c *gossh.Client, w, h int, options string) *screen {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty: %v", err)
	}
	s := newScreen(t, sess, w, h)
	if options == "" {
		err = sess.Shell()
	} else {
		err = sess.Start(options)
	}
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return s
}

// newScreen wires a session's stdio to an emulator; call before starting.
func newScreen(t *testing.T, sess *gossh.Session, w, h int) *screen {
	t.Helper()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &screen{t: t, sess: sess, stdin: stdin, emu: vt.NewEmulator(w, h)}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				s.feed(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	// The emulator answers terminal queries (colors, cursor position) on
	// its input pipe; a real terminal sends those answers back too, and an
	// unread pipe would block the emulator.
	go func() { _, _ = io.Copy(stdin, s.emu) }()
	t.Cleanup(func() {
		// Ends the copy above. Not emu.Close: it races with a pending Read
		// inside vt (an unguarded "closed" flag).
		if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
			_ = pw.Close()
		}
	})
	return s
}

// feed passes output to the emulator. A frame drawn for the size before a
// resize can set scroll margins below the new bottom; a real terminal
// ignores those, x/vt v0.1.0 panics on the next scroll. Such a panic is
// survived by cancelling the sequence and resetting the margins: the
// server repaints the whole screen for the new size right after.
func (s *screen) feed(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw.Write(p)
	defer func() {
		if r := recover(); r != nil {
			s.vtPanics++
			_, _ = s.emu.Write([]byte("\x18\x1b[r"))
		}
	}()
	_, _ = s.emu.Write(p)
}

// text is the emulator's screen as plain text, one line per row.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

// rawOutput is every byte received so far.
func (s *screen) rawOutput() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

// waitFor polls the screen until cond holds, failing with the screen shown.
func (s *screen) waitFor(what string, cond func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		txt := s.text()
		if cond(txt) {
			return txt
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; screen:\n%s", what, txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// resize changes the emulator and the server's idea of the window, and
// blanks the emulator so only what the server draws afterwards is seen.
func (s *screen) resize(w, h int) {
	s.t.Helper()
	s.mu.Lock()
	s.emu.Resize(w, h)
	// Reset the scroll margins as a real terminal does on resize: vt keeps
	// the old ones, and a scroll past the new bottom then panics inside it.
	_, _ = s.emu.Write([]byte("\x1b[r\x1b[H\x1b[2J"))
	s.mu.Unlock()
	if err := s.sess.WindowChange(h, w); err != nil {
		s.t.Fatalf("window change: %v", err)
	}
}

// press sends keys as the visitor would type them.
func (s *screen) press(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, keys); err != nil {
		s.t.Fatalf("send keys: %v", err)
	}
}

// altScreen and cursorHidden report the emulator's modes.
func (s *screen) altScreen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.IsAltScreen()
}

func (s *screen) cursorHidden() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.CursorHidden()
}

// freeAddr is a loopback address with a port that was free a moment ago,
// for a listener the server opens itself (the HTTP one).
func freeAddr(t *testing.T) string {
	t.Helper()
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close() //nolint:errcheck
	return probe.Addr().String()
}

// waitExit waits for the session to end and returns its exit status.
func waitExit(t *testing.T, sess *gossh.Session) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		return exitStatus(t, err)
	case <-time.After(waitLimit):
		t.Fatal("session did not end")
	}
	return -1
}

// exitStatus is the exit status a finished session's Wait reported.
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitStatus()
	}
	t.Fatalf("session ended without an exit status: %v", err)
	return -1
}

// runCommand runs session options without a PTY and returns exit status,
// stdout and stderr.
func runCommand(t *testing.T, c *gossh.Client, options string) (int, string, string) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var stdout, stderr syncBuffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if err := sess.Start(options); err != nil {
		t.Fatalf("start %q: %v", options, err)
	}
	code := waitExit(t, sess)
	return code, stdout.String(), stderr.String()
}

// streamSession starts a no-PTY session and collects its output.
type streamSession struct {
	sess           *gossh.Session
	stdout, stderr syncBuffer
}

func openStream(t *testing.T, c *gossh.Client, options string) *streamSession {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	st := &streamSession{sess: sess}
	sess.Stdout, sess.Stderr = &st.stdout, &st.stderr
	if options == "" {
		err = sess.Shell()
	} else {
		err = sess.Start(options)
	}
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return st
}

// lines waits for at least n complete lines of output and returns the first n.
func (st *streamSession) lines(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	eventually(t, fmt.Sprintf("%d lines of log", n), func() bool {
		got = strings.SplitAfter(st.stdout.String(), "\n")
		return len(got) > n
	})
	return got[:n]
}

// waitGoroutines waits until at most limit goroutines run, or fails with
// every goroutine's stack.
func waitGoroutines(t *testing.T, limit int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > limit {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), limit, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ptyErrorLine runs command in a PTY session, which must exit 2 with exactly
// one stderr line ending in \r\n (it must read right in a raw terminal); it
// returns that line.
func ptyErrorLine(t *testing.T, c *gossh.Client, command string) string {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	sess.Stderr = &errOut
	if err := sess.Start(command); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, sess); code != 2 {
		t.Fatalf("PTY %q: exit %d, want 2", command, code)
	}
	got := errOut.String()
	if !strings.HasSuffix(got, "\r\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("PTY %q: error line %q should be one line ending in \\r\\n", command, got)
	}
	return got
}

// skipInShortMode skips a test that takes seconds (real servers and
// clients over many sessions, a browser, HAProxy, replicas, the abuse
// suite) under `go test -short`, the quick loop; the full suite, which
// .ci/run runs, always runs it.
func skipInShortMode(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("takes seconds: run without -short (the full suite) to include it")
	}
}

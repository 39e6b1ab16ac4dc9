package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
)

// testServer is a tiny wish server: PTY sessions get a frame every 100 ms;
// sessions past busyAfter (when > 0) get a one-line "server busy" and exit.
type testServer struct {
	addr     string
	sessions atomic.Int32
	command  atomic.Pointer[string] // the SSH command of the latest session
}

func startTestServer(t *testing.T, busyAfter int) *testServer {
	t.Helper()
	ts := &testServer{}
	handler := func(s ssh.Session) {
		cmd := strings.Join(s.Command(), " ")
		ts.command.Store(&cmd)
		if _, _, ok := s.Pty(); !ok {
			fmt.Fprintln(s.Stderr(), "a PTY is required")
			_ = s.Exit(1)
			return
		}
		if n := int(ts.sessions.Add(1)); busyAfter > 0 && n > busyAfter {
			fmt.Fprintln(s, "server busy, try again in a minute")
			_ = s.Exit(1)
			return
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(s, "\x1b[H\x1b[2Kstep %d loss 2.%03d", i, i%1000); err != nil {
				return
			}
			select {
			case <-s.Context().Done():
				return
			case <-tick.C:
			}
		}
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(filepath.Join(t.TempDir(), "ssh_host_ed25519_key")),
		wish.WithMiddleware(func(ssh.Handler) ssh.Handler { return handler }),
	)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
	})
	ts.addr = ln.Addr().String()
	return ts
}

func testConfig(t *testing.T, addr string, sessions int, window time.Duration) Config {
	t.Helper()
	cfg, err := parseConfig(t.Context(), []string{
		"-addr", addr,
		"-sessions", strconv.Itoa(sessions),
		"-ramp", "200",
		"-duration", window.String(),
		"-timeout", "10s",
		"-size", "80x24",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestLoadAgainstTestServer(t *testing.T) {
	ts := startTestServer(t, 0)
	cfg := testConfig(t, ts.addr, 4, 2*time.Second)
	// The test process is the server, so it samples itself as "the server".
	server := procSampler{root: "/proc", pid: strconv.Itoa(os.Getpid())}
	res, err := newRunner(cfg, server, io.Discard).run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rep := buildReport(cfg, res)
	var text bytes.Buffer
	if err := rep.writeText(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", text.String())
	if rep.Held != 4 || rep.Failed != 0 {
		t.Fatalf("held %d failed %d (%v), want 4 held", rep.Held, rep.Failed, rep.FailReasons)
	}
	if rep.FirstFrameMS.N != 4 || rep.FirstFrameMS.Median <= 0 {
		t.Errorf("first-frame latency not measured: %+v", rep.FirstFrameMS)
	}
	if rep.BytesPerSec.N != 4 || rep.BytesPerSec.Median <= 0 {
		t.Errorf("no bytes counted in the window: %+v", rep.BytesPerSec)
	}
	if rep.FramesPerSec.Median <= 0 {
		t.Errorf("no frames counted in the window: %+v", rep.FramesPerSec)
	}
	if rep.Server == nil || rep.Server.RSSEndBytes <= 0 || rep.Server.CPUSeconds < 0 {
		t.Errorf("server not sampled: %+v (error %q)", rep.Server, rep.ServerError)
	}
	if rep.WindowSeconds < 2 {
		t.Errorf("window %.2fs shorter than asked", rep.WindowSeconds)
	}
}

func TestLoadCountsBusyRefusals(t *testing.T) {
	ts := startTestServer(t, 2)
	cfg := testConfig(t, ts.addr, 4, 500*time.Millisecond)
	res, err := newRunner(cfg, nil, io.Discard).run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rep := buildReport(cfg, res)
	if rep.Held != 2 || rep.FailReasons["server busy"] != 2 {
		t.Fatalf("held %d reasons %v, want 2 held and 2 server busy", rep.Held, rep.FailReasons)
	}
	if rep.FirstFrameMS.N != 2 {
		t.Errorf("busy refusals counted as first frames: %+v", rep.FirstFrameMS)
	}
}

func TestLoadCountsRefusedConnections(t *testing.T) {
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cfg := testConfig(t, addr, 3, 100*time.Millisecond)
	res, err := newRunner(cfg, nil, io.Discard).run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rep := buildReport(cfg, res)
	if rep.Held != 0 || rep.FailReasons["connection refused"] != 3 {
		t.Fatalf("held %d reasons %v, want 3 connection refused", rep.Held, rep.FailReasons)
	}
}

func TestLoadStopsCleanlyWhenInterrupted(t *testing.T) {
	ts := startTestServer(t, 0)
	cfg := testConfig(t, ts.addr, 2, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type outcome struct {
		res *runResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := newRunner(cfg, nil, io.Discard).run(ctx)
		done <- outcome{res, err}
	}()
	// Interrupt once both sessions are being served.
	waitFor(t, 10*time.Second, func() bool { return ts.sessions.Load() == 2 })
	cancel()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	rep := buildReport(cfg, o.res)
	if !rep.Interrupted || rep.WindowSeconds >= 60 {
		t.Fatalf("interrupted %v window %.1fs, want a short interrupted run", rep.Interrupted, rep.WindowSeconds)
	}
}

func TestRunPrintsJSON(t *testing.T) {
	ts := startTestServer(t, 0)
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-addr", ts.addr, "-sessions", "2", "-ramp", "100", "-duration", "1s", "-json",
		"-args", "--seed 42 --speed 4"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("bad json %v:\n%s", err, out.String())
	}
	if rep.Held != 2 || rep.BytesPerSec.Median <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if cmd := ts.command.Load(); cmd == nil || *cmd != "--seed 42 --speed 4" {
		t.Fatalf("server saw command %v, want the -args string", cmd)
	}
	if code := run(t.Context(), []string{"-addr", "192.0.2.1:22"}, &out, io.Discard); code != 2 {
		t.Fatalf("remote target: exit %d, want 2", code)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

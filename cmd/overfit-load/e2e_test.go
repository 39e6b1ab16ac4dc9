package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// overfitServer is the real overfit binary, running as a child process on
// a loopback port with its own data directory.
type overfitServer struct {
	addr    string
	cmd     *exec.Cmd
	log     *lockedBuffer // its stderr: the server's log
	exited  chan struct{} // closed when the process has exited
	waitErr error         // cmd.Wait's result, set before exited is closed
}

// buildOverfit builds ./cmd/overfit into a temporary directory. The build is
// what `go install` would produce: the binary visitors run.
func buildOverfit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "overfit")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/overfit/overfit/cmd/overfit")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/overfit: %v\n%s", err, out)
	}
	return bin
}

// startOverfit runs bin on 127.0.0.1 (port chosen by the kernel, read back
// from its "listening" log line) with the web viewer off and extra flags,
// and waits until it listens. The process is killed at cleanup if a test
// has not stopped it.
func startOverfit(t *testing.T, bin string, flags ...string) *overfitServer {
	t.Helper()
	args := append([]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", t.TempDir(),
		"--drain-delay", "0", "--shutdown-timeout", "5s"}, flags...)
	s := &overfitServer{cmd: exec.Command(bin, args...), log: &lockedBuffer{}, exited: make(chan struct{})}
	// The server reads OVERFIT_* variables as flag defaults; the test's
	// environment must not change what it runs.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OVERFIT_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	addrRE := regexp.MustCompile(`msg=listening addr=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := addrRE.FindStringSubmatch(s.log.String()); m != nil {
			s.addr = m[1]
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("overfit exited before listening (%v); log:\n%s", s.waitErr, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("overfit not listening after 30s; log:\n%s", s.log.String())
		}
	}
}

// pid is the server process's id, for the generator's /proc sampler.
func (s *overfitServer) pid() int { return s.cmd.Process.Pid }

// count is how many log lines of the server contain substr.
func (s *overfitServer) count(substr string) int {
	return strings.Count(s.log.String(), substr)
}

// stop sends SIGTERM, as `docker stop` does, and fails the test unless the
// server exits with status 0 within 15 s.
func (s *overfitServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			t.Fatalf("overfit after SIGTERM: %v, want exit status 0; log:\n%s", s.waitErr, s.log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("overfit still running 15s after SIGTERM; log:\n%s", s.log.String())
	}
}

// lockedBuffer is a bytes.Buffer that the child's stderr copier writes
// while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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

// TestLoadAgainstOverfit drives the real server binary: the generator's
// numbers are only worth what they measure on overfit itself.
func TestLoadAgainstOverfit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the overfit binary; the full suite (.ci/run) runs it")
	}
	bin := buildOverfit(t)

	t.Run("report", func(t *testing.T) {
		srv := startOverfit(t, bin)
		cfg := testConfig(t, srv.addr, 4, 2*time.Second)
		server := procSampler{root: "/proc", pid: strconv.Itoa(srv.pid())}
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
		if rep.Server == nil || rep.Server.RSSEndBytes <= 0 || rep.Server.CPUSeconds <= 0 {
			t.Errorf("server not sampled: %+v (error %q)", rep.Server, rep.ServerError)
		}
		if rep.WindowSeconds < 2 {
			t.Errorf("window %.2fs shorter than asked", rep.WindowSeconds)
		}
		srv.stop(t)
	})

	t.Run("busy", func(t *testing.T) {
		srv := startOverfit(t, bin, "--max-sessions", "2")
		cfg := testConfig(t, srv.addr, 4, 500*time.Millisecond)
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
		srv.stop(t)
	})

	t.Run("interrupted", func(t *testing.T) {
		srv := startOverfit(t, bin)
		cfg := testConfig(t, srv.addr, 2, time.Hour)
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
		// Interrupt once the server runs both sessions.
		waitFor(t, 20*time.Second, func() bool { return srv.count("msg=\"session start\"") == 2 })
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
		srv.stop(t)
	})

	t.Run("json and -args", func(t *testing.T) {
		srv := startOverfit(t, bin)
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{"-addr", srv.addr, "-sessions", "2", "-ramp", "100", "-duration", "1s", "-json",
			"-pid", strconv.Itoa(srv.pid()), "-args", "--seed 42 --speed 4"}, &out, &errOut)
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("bad json %v:\n%s", err, out.String())
		}
		if rep.Held != 2 || rep.BytesPerSec.Median <= 0 || rep.Server == nil {
			t.Fatalf("report %+v", rep)
		}
		// The server logs each session's options: both ran seed 42.
		if n := srv.count(" seed=42 "); n != 2 {
			t.Fatalf("%d sessions with seed 42 in the server log, want 2 (the -args string); log:\n%s", n, srv.log.String())
		}
		// Options the server refuses end the session with its error line.
		out.Reset()
		code = run(t.Context(), []string{"-addr", srv.addr, "-sessions", "1", "-duration", "1s", "-json",
			"-args", "--nodes 0"}, &out, io.Discard)
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("bad json %v:\n%s", err, out.String())
		}
		if code != 1 || rep.Held != 0 || rep.Failed != 1 {
			t.Fatalf("bad -args: exit %d, report %+v; want exit 1 and the session failed", code, rep)
		}
		if len(rep.FailReasons) != 1 {
			t.Fatalf("bad -args: reasons %v, want one", rep.FailReasons)
		}
		for reason := range rep.FailReasons {
			if !strings.Contains(reason, "exit status 2") || !strings.Contains(reason, "--nodes") {
				t.Errorf("bad -args: reason %q, want the exit status and the server's error line", reason)
			}
		}
		srv.stop(t)
	})
}

func TestRunRefusesRemoteTarget(t *testing.T) {
	if code := run(t.Context(), []string{"-addr", "192.0.2.1:22"}, io.Discard, io.Discard); code != 2 {
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

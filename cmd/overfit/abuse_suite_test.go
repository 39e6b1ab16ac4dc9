//go:build linux

package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Limits of the abuse suite's server: small where an attack waits for them.
const (
	abuseHandshakeTimeout = time.Second
	abuseStallTimeout     = time.Second
	abuseConnRate         = 60 // the default
	// canaryMaxGap is the longest the canary may go without a frame while
	// an attack runs. It draws about twice a second; the bound is generous
	// for -race on two busy cores, and a starved or stuck server exceeds it.
	canaryMaxGap = 5 * time.Second
)

// canary is a PTY session that watches its run through the whole suite and
// records when each chunk of output (a frame) arrives.
type canary struct {
	sess  *gossh.Session
	stdin io.Writer

	mu       sync.Mutex
	arrivals []time.Time
	bytes    int
	head     []byte // the first output, to see the dashboard come up
}

func startCanary(t *testing.T, c *gossh.Client) *canary {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stderr = io.Discard
	cn := &canary{sess: sess, stdin: stdin}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				cn.mu.Lock()
				cn.arrivals = append(cn.arrivals, time.Now())
				cn.bytes += n
				if len(cn.head) < 256<<10 {
					cn.head = append(cn.head, buf[:n]...)
				}
				cn.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	if err := sess.Start("--speed 4"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the canary's dashboard", func() bool {
		cn.mu.Lock()
		defer cn.mu.Unlock()
		return bytes.Contains(cn.head, []byte("elapsed"))
	})
	return cn
}

// window reports the frames that arrived between from and to and the
// longest wait for a frame from `from` until the first frame after `to`;
// ok is false while no frame has arrived after to.
func (cn *canary) window(from, to time.Time) (frames int, longest time.Duration, ok bool) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	prev := from
	for _, a := range cn.arrivals {
		if a.Before(from) {
			continue
		}
		longest = max(longest, a.Sub(prev))
		prev = a
		if a.After(to) {
			return frames, longest, true
		}
		frames++
	}
	return frames, longest, false
}

// abuseNet gives every attack a loopback source address of its own
// (127.0.0.0/8 is all loopback on Linux), so the per-IP connection rate
// stays on for the whole suite and one attacker's limit never hits another.
type abuseNet struct {
	addr string // the server
}

// raw opens a TCP connection from ip.
func (an abuseNet) raw(ip string) (*net.TCPConn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitLimit}
	c, err := d.Dial("tcp", an.addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// dial opens an SSH client connection from ip; it is closed at the end of t.
func (an abuseNet) dial(t *testing.T, ip string) (*gossh.Client, *net.TCPConn) {
	t.Helper()
	conn, err := an.raw(ip)
	if err != nil {
		t.Fatalf("connect from %s: %v", ip, err)
	}
	_ = conn.SetDeadline(time.Now().Add(waitLimit))
	cc, chans, reqs, err := gossh.NewClientConn(conn, an.addr, &gossh.ClientConfig{User: "attacker", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err != nil {
		_ = conn.Close()
		t.Fatalf("ssh handshake from %s: %v", ip, err)
	}
	_ = conn.SetDeadline(time.Time{})
	c := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { _ = c.Close() })
	return c, conn
}

// drain reads r to the end in the background and counts the bytes.
func drain(r io.Reader) *atomic.Int64 {
	var n atomic.Int64
	go func() {
		buf := make([]byte, 32<<10)
		for {
			k, err := r.Read(buf)
			n.Add(int64(k))
			if err != nil {
				return
			}
		}
	}()
	return &n
}

// ptySession starts session options with a PTY of w×h whose output is read
// and counted.
func ptySession(t *testing.T, c *gossh.Client, w, h int, options string) (*gossh.Session, io.Writer, *atomic.Int64) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty: %v", err)
	}
	stdout, _ := sess.StdoutPipe()
	stdin, _ := sess.StdinPipe()
	sess.Stderr = io.Discard
	out := drain(stdout)
	if err := sess.Start(options); err != nil {
		t.Fatalf("start: %v", err)
	}
	eventually(t, "the session's first frame", func() bool { return out.Load() > 0 })
	return sess, stdin, out
}

// quitSession types q until the session ends (input already sent may hold
// an unfinished escape sequence that swallows the first ones) and returns
// its exit status.
func quitSession(t *testing.T, sess *gossh.Session, stdin io.Writer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitLimit)
	for {
		select {
		case err := <-done:
			return exitStatus(t, err)
		case <-tick.C:
			_, _ = io.WriteString(stdin, "q")
		case <-deadline:
			t.Fatal("the session did not quit on q")
		}
	}
}

// sessionEnd finds the log line of the session end of a client address.
func sessionEnd(logs, ip string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `msg="session end"`) && strings.Contains(line, "client="+ip+" ") {
			return line
		}
	}
	return ""
}

var bytesRE = regexp.MustCompile(`bytes=(\d+)`)

// TestAbuseSuite runs each attack of issue 5 at its stated size against one
// server while one canary session watches its run. Per attack it asserts
// that the canary never went longer than canaryMaxGap without a frame and
// that a new normal session still works; after all of them, that the
// server's goroutines and live heap are back near where they started.
// Linux only: attackers connect from addresses of their own in 127.0.0.0/8
// and one sets socket options before connecting.
func TestAbuseSuite(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.HandshakeTimeout = abuseHandshakeTimeout
	cfg.Limits.StallTimeout = abuseStallTimeout
	cfg.Limits.ConnRatePerIP = abuseConnRate
	ts := startServer(t, cfg)
	an := abuseNet{addr: ts.addr}
	lim := cfg.Limits

	cc, _ := dial(t, ts.addr)
	can := startCanary(t, cc)
	// The baselines are taken with the server and the canary up, so lazily
	// built shared tables (key maps, catalogs) count in both figures.
	heapBefore := memStats()
	goBefore := runtime.NumGoroutine()
	connsBefore := ts.srv.conns.Load()
	var report []string

	attack := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			from := time.Now()
			fn(t)
			to := time.Now()
			var frames int
			var gap time.Duration
			eventually(t, "a canary frame after the attack", func() bool {
				var ok bool
				frames, gap, ok = can.window(from, to)
				return ok
			})
			line := fmt.Sprintf("%s: %v; canary got %d frames during it, longest gap %v",
				name, to.Sub(from).Round(time.Millisecond), frames, gap.Round(time.Millisecond))
			report = append(report, line)
			t.Log(line)
			if gap > canaryMaxGap {
				t.Errorf("the canary went %v without a frame (at most %v)", gap, canaryMaxGap)
			}
			// A new normal session works after the attack.
			c, _ := dial(t, ts.addr)
			s := openScreen(t, c, 80, 24, "--speed 4")
			s.waitFor("a new session's dashboard", func(txt string) bool { return strings.Contains(txt, "elapsed") })
			s.press("q")
			if code := waitExit(t, s.sess); code != 0 {
				t.Errorf("a new session after the attack: exit %d", code)
			}
			_ = c.Close()
		})
	}

	attack("65535x65535 PTY and resize", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.2")
		_, _, out := ptySession(t, c, 65535, 65535, "--speed 4")
		eventually(t, "the session start log", func() bool { return strings.Contains(ts.logs.String(), "client=127.0.0.2 ") })
		want := fmt.Sprintf("width=%d height=%d", lim.MaxWidth, lim.MaxHeight)
		for _, line := range strings.Split(ts.logs.String(), "\n") {
			if strings.Contains(line, "session start") && strings.Contains(line, "client=127.0.0.2 ") && !strings.Contains(line, want) {
				t.Errorf("not clamped to %s: %s", want, line)
			}
		}
		// And resizes to it, and to the other extremes.
		sess, _, out2 := ptySession(t, c, 80, 24, "--speed 4")
		for _, sz := range [][2]int{{65535, 65535}, {0, 0}, {65535, 1}, {1, 65535}, {65535, 65535}} {
			if err := sess.WindowChange(sz[1], sz[0]); err != nil {
				t.Fatal(err)
			}
		}
		n, n2 := out.Load(), out2.Load()
		eventually(t, "frames after the resizes", func() bool { return out.Load() > n && out2.Load() > n2 })
		// A 65535×65535 cell buffer would be tens of GiB; a few clamped
		// screens are a few MiB.
		m := memStats()
		t.Logf("live heap with both sessions up: %d KiB (%d KiB before the attacks)", m.HeapAlloc>>10, heapBefore.HeapAlloc>>10)
		if m.HeapAlloc > heapBefore.HeapAlloc+64<<20 {
			t.Errorf("live heap %d MiB with the giant windows up (started at %d MiB)", m.HeapAlloc>>20, heapBefore.HeapAlloc>>20)
		}
		_ = c.Close()
	})

	attack("resize storm", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.3")
		sess, stdin, _ := ptySession(t, c, 120, 40, "--speed 4")
		// As fast as the client can send them, for two seconds (tens of
		// thousands a second on loopback), at most 50,000.
		const storm, lasting = 50000, 2 * time.Second
		begun := time.Now()
		sent := 0
		for ; sent < storm && time.Since(begun) < lasting; sent++ {
			if err := sess.WindowChange(10+sent%90, 20+sent%200); err != nil {
				t.Fatalf("window change %d: %v", sent, err)
			}
		}
		took := time.Since(begun)
		t.Logf("%d window changes in %v (%.0f/s)", sent, took.Round(time.Millisecond), float64(sent)/took.Seconds())
		// The session still answers its keys.
		if code := quitSession(t, sess, stdin); code != 0 {
			t.Errorf("after the storm: exit %d", code)
		}
	})

	attack("1 MiB of random bytes on stdin", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.4")
		// One session gets raw random bytes (it quits on the first q or
		// ctrl+c and the rest arrives for a program that has ended); the
		// other gets them without those, so it parses the whole MiB.
		for _, keepQuit := range []bool{true, false} {
			sess, stdin, _ := ptySession(t, c, 100, 30, "--speed 4")
			junk := make([]byte, 1<<20)
			_, _ = rand.Read(junk)
			if !keepQuit {
				for i, b := range junk {
					if b == 'q' || b == 0x03 {
						junk[i] = 'x'
					}
				}
			}
			begun := time.Now()
			written := 0
			for written < len(junk) {
				n, err := stdin.Write(junk[written:min(written+32<<10, len(junk))])
				written += n
				if err != nil {
					break // the session quit on a q in the junk
				}
			}
			code := quitSession(t, sess, stdin)
			t.Logf("quit keys kept %v: %d KiB written in %v, exit %d", keepQuit, written>>10, time.Since(begun).Round(time.Millisecond), code)
			if code != 0 {
				t.Errorf("exit %d", code)
			}
			if !keepQuit && written != len(junk) {
				t.Errorf("only %d of %d bytes were taken", written, len(junk))
			}
		}
	})

	attack("100 session channels on one connection", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.5")
		var (
			mu       sync.Mutex
			accepted []gossh.Channel
			wg       sync.WaitGroup
		)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, reqs, err := c.OpenChannel("session", nil)
				if err != nil {
					if !strings.Contains(err.Error(), fmt.Sprintf("at most %d sessions per connection", lim.MaxChannels)) {
						t.Errorf("channel refused without the reason: %v", err)
					}
					return
				}
				go gossh.DiscardRequests(reqs)
				mu.Lock()
				accepted = append(accepted, ch)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(accepted) != lim.MaxChannels {
			t.Fatalf("%d of 100 channels accepted, want the cap %d", len(accepted), lim.MaxChannels)
		}
		// The accepted ones stream their runs.
		var outs []*atomic.Int64
		for _, ch := range accepted {
			ok, err := ch.SendRequest("exec", true, gossh.Marshal(struct{ Command string }{"--speed 4"}))
			if !ok || err != nil {
				t.Fatalf("exec on an accepted channel: %v %v", ok, err)
			}
			outs = append(outs, drain(ch))
		}
		eventually(t, "every accepted channel to stream", func() bool {
			for _, o := range outs {
				if o.Load() == 0 {
					return false
				}
			}
			return true
		})
		for _, ch := range accepted {
			_ = ch.Close()
		}
		// Closed channels free their places.
		eventually(t, "a channel after the others closed", func() bool {
			ch, reqs, err := c.OpenChannel("session", nil)
			if err != nil {
				return false
			}
			go gossh.DiscardRequests(reqs)
			_ = ch.Close()
			return true
		})
		_ = c.Close()
	})

	attack("300 connections that never finish the handshake", func(t *testing.T) {
		// Spread over ten addresses to stay under the connection rate:
		// these must reach the handshake to test its timeout.
		var conns []*net.TCPConn
		for i := 0; i < 300; i++ {
			conn, err := an.raw(fmt.Sprintf("127.0.1.%d", 1+i%10))
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			switch i % 3 {
			case 1:
				_, _ = io.WriteString(conn, "SSH-2.0-slowloris\r\n") // then nothing
			case 2:
				// The version and the start of a KEXINIT that never ends.
				_, _ = io.WriteString(conn, "SSH-2.0-slowloris\r\n\x00\x00\x04\x00\x08\x14")
			}
		}
		begun := time.Now()
		for i, conn := range conns {
			_ = conn.SetReadDeadline(begun.Add(waitLimit))
			_, err := io.Copy(io.Discard, conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("half-open connection %d not dropped by the server", i)
			}
			_ = conn.Close()
		}
		t.Logf("all %d dropped by the server %v after the last was opened (handshake timeout %v)",
			len(conns), time.Since(begun).Round(time.Millisecond), lim.HandshakeTimeout)
		eventually(t, "the connection count back", func() bool { return ts.srv.conns.Load() == connsBefore })
	})

	attack("connection flood from one address", func(t *testing.T) {
		const flood = 300
		var accepted, refused atomic.Int64
		var wg sync.WaitGroup
		next := make(chan struct{}, flood)
		for i := 0; i < flood; i++ {
			next <- struct{}{}
		}
		close(next)
		begun := time.Now()
		for w := 0; w < 10; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range next {
					conn, err := an.raw("127.0.0.6")
					if err != nil {
						refused.Add(1)
						continue
					}
					_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
					line := make([]byte, 8)
					if _, err := io.ReadFull(conn, line); err == nil && string(line) == "SSH-2.0-" {
						accepted.Add(1)
					} else {
						refused.Add(1)
					}
					_ = conn.Close()
				}
			}()
		}
		wg.Wait()
		took := time.Since(begun)
		t.Logf("%d connections from one address in %v: %d got the SSH banner, %d were closed at once",
			flood, took.Round(time.Millisecond), accepted.Load(), refused.Load())
		// A burst of the per-minute rate, plus what refilled meanwhile.
		most := int64(abuseConnRate) + int64(took.Minutes()*abuseConnRate) + 1
		if a := accepted.Load(); a < abuseConnRate || a > most {
			t.Errorf("%d connections accepted, want %d to %d", a, abuseConnRate, most)
		}
		// Another address is unaffected.
		c, _ := an.dial(t, "127.0.0.66")
		if code, out, _ := runCommand(t, c, "--help"); code != 0 || !strings.Contains(out, "--seed") {
			t.Errorf("another address during the flood: exit %d", code)
		}
	})

	attack("a client that never reads", func(t *testing.T) {
		// It finishes the handshake, starts a session on the largest
		// screen and then never reads its socket again. Its small receive
		// buffer and segment size (a WAN client's, where loopback's 64 KiB
		// segments would let the kernels buffer megabytes) fill within a
		// second or so; then the server's writes block and the stall cutoff
		// closes the connection.
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.7")}, Timeout: waitLimit, Control: smallSocket}
		c0, err := d.Dial("tcp", an.addr)
		if err != nil {
			t.Fatal(err)
		}
		raw := c0.(*net.TCPConn)
		fc := &frozenConn{TCPConn: raw, frozen: make(chan struct{}), closed: make(chan struct{})}
		_ = raw.SetDeadline(time.Now().Add(waitLimit))
		ccn, chans, reqs, err := gossh.NewClientConn(fc, an.addr, &gossh.ClientConfig{User: "attacker", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			t.Fatal(err)
		}
		_ = raw.SetDeadline(time.Time{})
		c := gossh.NewClient(ccn, chans, reqs)
		t.Cleanup(func() { _ = c.Close() })
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", lim.MaxHeight, lim.MaxWidth, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		_, _ = sess.StdoutPipe()
		_, _ = sess.StderrPipe()
		if err := sess.Start("--speed 64"); err != nil {
			t.Fatal(err)
		}
		close(fc.frozen)
		// Every resize repaints the whole screen, so the server writes as
		// fast as its frame cap lets it.
		begun := time.Now()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(waitLimit)
		var end string
		for i := 0; end == ""; i++ {
			select {
			case <-tick.C:
				_ = sess.WindowChange(lim.MaxHeight-i%2, lim.MaxWidth)
				end = sessionEnd(ts.logs.String(), "127.0.0.7")
			case <-deadline:
				t.Fatalf("a client that never reads was not dropped within %v", waitLimit)
			}
		}
		took := time.Since(begun)
		if !strings.Contains(end, `reason="client stopped reading"`) {
			t.Errorf("ended for another reason: %s", end)
		}
		sent := "?"
		if m := bytesRE.FindStringSubmatch(end); m != nil {
			sent = m[1]
		}
		t.Logf("dropped %v after it stopped reading, having been sent %s bytes (stall cutoff %v)", took.Round(time.Millisecond), sent, lim.StallTimeout)
		// Its connection is closed and its session gone (the heap check
		// after the suite sees what it held).
		eventually(t, "the stalled connection to be closed", func() bool {
			return ts.srv.limits.live() == 1 && ts.srv.conns.Load() == connsBefore
		})
	})

	attack("disconnect mid-handshake and mid-frame", func(t *testing.T) {
		// Mid-handshake: the client hangs up after n bytes of it, by FIN
		// or by RST.
		attempts := 0
		for _, n := range []int{1, 10, 25, 200, 600, 1000, 1300, 1600, 2000} {
			for _, reset := range []bool{false, true} {
				conn, err := an.raw("127.0.0.8")
				if err != nil {
					t.Fatal(err)
				}
				if reset {
					_ = conn.SetLinger(0)
				}
				_ = conn.SetDeadline(time.Now().Add(waitLimit))
				cut := &cutConn{TCPConn: conn, budget: n}
				if cc, _, _, err := gossh.NewClientConn(cut, an.addr, &gossh.ClientConfig{User: "x", HostKeyCallback: gossh.InsecureIgnoreHostKey()}); err == nil {
					_ = cc.Close()
				}
				_ = conn.Close()
				attempts++
			}
		}
		// Mid-frame: sessions on the largest screen hang up while frames
		// are on their way (right after the first bytes, or right after a
		// resize that repaints everything).
		for i := 0; i < 6; i++ {
			c, conn := an.dial(t, "127.0.0.9")
			sess, _, _ := ptySession(t, c, lim.MaxWidth, lim.MaxHeight, "--speed 64")
			if i%2 == 1 {
				_ = sess.WindowChange(lim.MaxHeight-1, lim.MaxWidth)
			}
			if i%3 == 2 {
				_ = conn.SetLinger(0)
			}
			_ = conn.Close()
		}
		eventually(t, "every cut session and connection to end", func() bool {
			return ts.srv.limits.live() == 1 && ts.srv.conns.Load() == connsBefore
		})
		t.Logf("%d handshakes cut at 1 to 2000 bytes, 6 sessions cut mid-frame", attempts)
	})

	attack("exec with a 1 MiB command line", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.10")
		// The request goes out as one 1 MiB packet (x/crypto's client only
		// checks sizes on write for stream ciphers, not the default AEAD
		// ones). SSH packets are capped at 256 KiB: the server's transport
		// reads the length, refuses it before allocating anything and drops
		// the connection; only that client is affected.
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		err = sess.Start(strings.Repeat("x", 1<<20))
		if err == nil {
			t.Fatal("1 MiB exec: the request was answered")
		}
		gone := make(chan error, 1)
		go func() { gone <- c.Wait() }()
		select {
		case werr := <-gone:
			t.Logf("1 MiB exec: %v; connection dropped by the server (%v)", err, werr)
		case <-time.After(waitLimit):
			t.Fatal("1 MiB exec: the connection was not dropped")
		}
		// The largest that fits in a packet reaches the server: refused
		// with a short line.
		c2, _ := an.dial(t, "127.0.0.10")
		sess2, err := c2.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var errOut syncBuffer
		sess2.Stderr = &errOut
		if err := sess2.Start("--model " + strings.Repeat("x", 250<<10)); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, sess2); code != 2 {
			t.Errorf("250 KiB exec: exit %d, want 2", code)
		}
		if msg := errOut.String(); !strings.Contains(msg, "options too long") || len(msg) > 1024 {
			t.Errorf("250 KiB exec: stderr %q (%d bytes), want a short line", truncate(msg, 200), len(msg))
		}
	})

	attack("flood of env requests", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.11")
		ch, reqs, err := c.OpenChannel("session", nil)
		if err != nil {
			t.Fatal(err)
		}
		go gossh.DiscardRequests(reqs)
		const flood = 20000
		value := strings.Repeat("v", 200)
		names := []string{"LANG", "TERM", "LC_ALL", "PATH", "LD_PRELOAD", "X"}
		begun := time.Now()
		for i := 0; i < flood; i++ {
			kv := struct{ Name, Value string }{names[i%len(names)], value}
			if i%len(names) == len(names)-1 {
				kv.Name = fmt.Sprintf("JUNK_%d", i)
			}
			if _, err := ch.SendRequest("env", false, gossh.Marshal(&kv)); err != nil {
				t.Fatalf("env %d: %v", i, err)
			}
		}
		// The answer to one more says the cap is reached: nothing past it
		// is stored.
		ok, err := ch.SendRequest("env", true, gossh.Marshal(&struct{ Name, Value string }{"LANG", "C"}))
		if err != nil || ok {
			t.Errorf("env after the flood: accepted %v, %v; want refused", ok, err)
		}
		t.Logf("%d env requests (200-byte values) in %v", flood, time.Since(begun).Round(time.Millisecond))
		// The session still works.
		if ok, err := ch.SendRequest("exec", true, gossh.Marshal(struct{ Command string }{"--help"})); !ok || err != nil {
			t.Fatalf("exec after the flood: %v %v", ok, err)
		}
		out, _ := io.ReadAll(ch)
		if !strings.Contains(string(out), "--seed") {
			t.Errorf("--help after the flood: %q", truncate(string(out), 200))
		}
	})

	attack("forwarding, agent, X11 and sftp are refused", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.12")
		if _, err := c.Dial("tcp", ts.addr); err == nil || !strings.Contains(err.Error(), "port forwarding is disabled") {
			t.Errorf("local port forwarding: %v", err)
		}
		if _, err := c.Dial("unix", "/tmp/x.sock"); err == nil || !strings.Contains(err.Error(), "forwarding is disabled") {
			t.Errorf("socket forwarding: %v", err)
		}
		if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
			_ = ln.Close()
			t.Error("remote port forwarding accepted")
		}
		if ln, err := c.ListenUnix("/tmp/overfit-abuse.sock"); err == nil {
			_ = ln.Close()
			t.Error("remote socket forwarding accepted")
		}
		for _, kind := range []string{"x11", "auth-agent@openssh.com", "forwarded-tcpip"} {
			if _, _, err := c.OpenChannel(kind, nil); err == nil {
				t.Errorf("a %s channel was accepted", kind)
			}
		}
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := sess.SendRequest("auth-agent-req@openssh.com", true, nil); ok || err != nil {
			t.Errorf("agent forwarding: accepted %v, %v", ok, err)
		}
		x11 := struct {
			Single           bool
			Protocol, Cookie string
			Screen           uint32
		}{false, "MIT-MAGIC-COOKIE-1", "00112233445566778899aabbccddeeff", 0}
		if ok, err := sess.SendRequest("x11-req", true, gossh.Marshal(&x11)); ok || err != nil {
			t.Errorf("X11 forwarding: accepted %v, %v", ok, err)
		}
		stderr, _ := sess.StderrPipe()
		if err := sess.RequestSubsystem("sftp"); err != nil {
			t.Fatalf("subsystem request: %v", err)
		}
		if msg, _ := io.ReadAll(stderr); !strings.Contains(string(msg), `subsystem "sftp" is not available`) {
			t.Errorf("sftp: stderr %q", msg)
		}
		// The connection still serves a normal session.
		if code, out, _ := runCommand(t, c, "--help"); code != 0 || !strings.Contains(out, "--seed") {
			t.Errorf("a session after the refusals: exit %d", code)
		}
	})

	roundTwo(t, ts, an, connsBefore, attack)

	// Everything the attacks started has ended: only the canary is left.
	eventually(t, "only the canary to be left", func() bool {
		return ts.srv.limits.live() == 1 && ts.srv.conns.Load() == connsBefore
	})
	const slack = 3
	var goAfter int
	// Wait a while for the exact baseline (goroutines of closed
	// connections take a moment to unwind under -race), then judge with
	// the slack.
	deadline := time.Now().Add(5 * time.Second)
	for goAfter = runtime.NumGoroutine(); goAfter > goBefore && time.Now().Before(deadline); goAfter = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	heapAfter := memStats()
	for _, line := range report {
		t.Log(line)
	}
	t.Logf("goroutines: %d before the attacks, %d after", goBefore, goAfter)
	t.Logf("heap: HeapAlloc %d KiB before, %d KiB after; HeapInuse %d KiB before, %d KiB after",
		heapBefore.HeapAlloc>>10, heapAfter.HeapAlloc>>10, heapBefore.HeapInuse>>10, heapAfter.HeapInuse>>10)
	if goAfter > goBefore+slack {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the attacks, %d before:\n%s", goAfter, goBefore, buf[:runtime.Stack(buf, true)])
	}
	// A session holds about 1 MiB; a few leaked would show.
	if heapAfter.HeapAlloc > heapBefore.HeapAlloc+4<<20 || heapAfter.HeapInuse > heapBefore.HeapInuse+8<<20 {
		t.Errorf("heap grew across the attacks: HeapAlloc %d -> %d KiB, HeapInuse %d -> %d KiB",
			heapBefore.HeapAlloc>>10, heapAfter.HeapAlloc>>10, heapBefore.HeapInuse>>10, heapAfter.HeapInuse>>10)
	}

	if code := quitSession(t, can.sess, can.stdin); code != 0 {
		t.Errorf("canary exit %d", code)
	}
}

// memStats are the heap figures after a full collection.
func memStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

// cutConn hangs up after the client has written budget bytes.
type cutConn struct {
	*net.TCPConn
	budget int
}

func (c *cutConn) Write(p []byte) (int, error) {
	if len(p) >= c.budget {
		n, _ := c.TCPConn.Write(p[:c.budget])
		c.budget = 0
		_ = c.TCPConn.Close()
		return n, io.ErrClosedPipe
	}
	c.budget -= len(p)
	return c.TCPConn.Write(p)
}

// frozenConn stops reading once frozen, like a client that never reads
// again: the server's data piles up in the kernel's buffers. Writes go on.
type frozenConn struct {
	*net.TCPConn
	frozen chan struct{}
	closed chan struct{}
	once   sync.Once
}

func (f *frozenConn) Read(p []byte) (int, error) {
	select {
	case <-f.frozen:
		<-f.closed
		return 0, io.EOF
	default:
		return f.TCPConn.Read(p)
	}
}

func (f *frozenConn) Close() error {
	f.once.Do(func() { close(f.closed) })
	return f.TCPConn.Close()
}

// smallSocket gives a client socket a 4 KiB receive buffer and 1200-byte
// segments, set before connecting so the handshake advertises them.
func smallSocket(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096); serr == nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1200)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

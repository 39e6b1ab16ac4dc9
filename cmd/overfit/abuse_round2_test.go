//go:build linux

package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// roundTwo runs the attacks of issue 12 against the suite's server (and,
// for private mode, IPv6 behind a balancer, the host key and signals,
// against servers of their own), each the way the attack works.
func roundTwo(t *testing.T, ts *testServer, an abuseNet, connsBefore int64, attack func(string, func(*testing.T))) {
	// back polls until only the canary's session and connection are left.
	back := func(t *testing.T, what string, within time.Duration) time.Duration {
		t.Helper()
		begun := time.Now()
		for ts.srv.limits.live() != 1 || ts.srv.conns.Load() != connsBefore {
			if time.Since(begun) > within {
				t.Fatalf("%s: %d sessions and %d connections still held %v later (want 1 and %d)",
					what, ts.srv.limits.live(), ts.srv.conns.Load(), within, connsBefore)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(begun)
	}

	attack("zero-window clients holding error sessions", func(t *testing.T) {
		// A client may open a channel with a window of 0 bytes: the server
		// must not send it anything. Each session asks for bad options, so
		// the server has one error line to write, and cannot. The clients
		// answer keepalives. 20 addresses × 5 connections × 4 channels.
		const addrs, perAddr, chans = 20, 5, 4
		var clients []*rawClient
		t.Cleanup(func() {
			for _, c := range clients {
				_ = c.Close()
			}
		})
		for a := 0; a < addrs; a++ {
			for k := 0; k < perAddr; k++ {
				conn, err := an.raw(fmt.Sprintf("127.0.2.%d", 1+a))
				if err != nil {
					t.Fatal(err)
				}
				rc, err := dialRaw(conn, "attacker")
				if err != nil {
					t.Fatalf("raw handshake: %v", err)
				}
				clients = append(clients, rc)
				for i := 0; i < chans; i++ {
					id, err := rc.openSession(0)
					if err != nil {
						t.Fatalf("open a zero-window channel: %v", err)
					}
					if ok, err := rc.exec(id, "--bogus"); !ok || err != nil {
						t.Fatalf("exec: %v %v", ok, err)
					}
				}
			}
		}
		opened := time.Now()
		// Every write to a client is guarded by the stall timeout: the
		// sessions end, their slots are freed and the connections closed.
		back(t, fmt.Sprintf("%d zero-window error sessions", addrs*perAddr*chans), abuseStallTimeout+5*time.Second)
		t.Logf("%d zero-window error sessions: every slot and connection freed %v after the last exec (stall timeout %v)",
			addrs*perAddr*chans, time.Since(opened).Round(time.Millisecond), abuseStallTimeout)
		for i, c := range clients {
			select {
			case <-c.wait():
			default:
				t.Errorf("zero-window client %d still connected", i)
			}
		}
	})

	attack("zero-window sessions past their deadline, stall cutoff off", func(t *testing.T) { deadlineWhatever(t) })

	attack("most expensive run set-up, client gone at once", func(t *testing.T) {
		steps := min(sim.MaxSteps, 1_000_000)
		options := fmt.Sprintf("--seed 65 --nodes %d --steps %d", sim.MaxNodes, steps)
		for i := 0; i < 4; i++ {
			c, _ := an.dial(t, "127.0.0.20")
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Start(options); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the attack: hang up after 0.1 s
			_ = c.Close()
		}
		took := back(t, "sessions of clients that left", 3*time.Second)
		t.Logf("4 sessions of %q, clients gone after 0.1 s: all ended %v after the last hang-up", options, took.Round(time.Millisecond))
	})

	attack("n key flood", func(t *testing.T) {
		c, _ := an.dial(t, "127.0.0.21")
		s := openScreen(t, c, 200, 50, "--seed 7")
		s.waitFor("the dashboard", func(txt string) bool { return strings.Contains(txt, "@localhost") })
		begun := time.Now()
		const presses = 1600
		for i := 0; i < presses; i += 8 {
			_, _ = io.WriteString(s.stdin, "nnnnnnnn")
			time.Sleep(10 * time.Millisecond) // ~800 presses a second, as measured
		}
		flood := time.Since(begun)
		idRE := regexp.MustCompile(`ssh -p \d+ (\S+)@`)
		var id string
		time.Sleep(time.Second) // let the last presses land
		s.waitFor("a run id", func(txt string) bool {
			m := idRE.FindStringSubmatch(txt)
			if m != nil {
				id = m[1]
			}
			return m != nil
		})
		o, err := sim.ParseRunID(id)
		if err != nil {
			t.Fatalf("footer id %q: %v", id, err)
		}
		st, err := sim.NewStream(sim.Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for ; st.Run().Seed != o.Seed && k < 2*presses; k++ {
			st.SkipRun()
		}
		t.Logf("%d n presses in %v started %d new runs", presses, flood.Round(time.Millisecond), k)
		if most := 10 + int(flood.Seconds()*2); k > most {
			t.Errorf("%d presses of n in %v started %d runs; want at most %d", presses, flood.Round(time.Millisecond), k, most)
		}
		s.press("q")
		_ = waitExit(t, s.sess)
	})

	attack("40 idle connections from one address pushing data", func(t *testing.T) {
		before := memStats()
		const conns, chans = 40, 4
		var (
			mu      sync.Mutex
			clients []*gossh.Client
			wg      sync.WaitGroup
		)
		refused := 0
		for i := 0; i < conns; i++ {
			conn, err := an.raw("127.0.0.22")
			if err != nil {
				refused++
				continue
			}
			_ = conn.SetDeadline(time.Now().Add(waitLimit))
			cc, chs, reqs, err := gossh.NewClientConn(conn, an.addr, &gossh.ClientConfig{User: "idle", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
			if err != nil {
				_ = conn.Close()
				refused++
				continue
			}
			_ = conn.SetDeadline(time.Time{})
			c := gossh.NewClient(cc, chs, reqs)
			mu.Lock()
			clients = append(clients, c)
			mu.Unlock()
			for k := 0; k < chans; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ch, creqs, err := c.OpenChannel("session", nil)
					if err != nil {
						return
					}
					go gossh.DiscardRequests(creqs)
					// A full window of data the server never asked for.
					_, _ = ch.Write(make([]byte, 2<<20))
				}()
			}
		}
		t.Cleanup(func() {
			for _, c := range clients {
				_ = c.Close()
			}
		})
		waited := make(chan struct{})
		go func() { wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(waitLimit):
		}
		held := memStats()
		grew := int64(held.HeapAlloc) - int64(before.HeapAlloc)
		t.Logf("%d connections from one address (%d refused), %d channels each sending 2 MiB and never starting: heap %+d KiB",
			conns, refused, chans, grew>>10)
		if grew > 20<<20 {
			t.Errorf("heap grew %d MiB with idle connections from one address (at most 20 MiB)", grew>>20)
		}
		// Channels that never start are closed, and so are connections
		// that hold none.
		// At most the start timeout for the channels, then as long again
		// for their connections.
		took := back(t, "idle connections", 20*time.Second+waitLimit) // 2 × the default start timeout
		t.Logf("idle connections closed by the server %v later", took.Round(time.Millisecond))
	})

	attack("x128 live viewers and joins near the seek bound", func(t *testing.T) {
		now := time.Now()
		ids := []string{
			sim.EncodeRunID(sim.Options{Seed: 11, Speed: 128, Start: now.Add(-6 * time.Hour)}),
			sim.EncodeRunID(sim.Options{Seed: 12, Speed: 128, Start: now.Add(-sim.MaxSeek/128 + 2*time.Minute)}),
		}
		var outs []*atomic.Int64
		for k := 0; k < 2; k++ {
			c, _ := an.dial(t, "127.0.0.23")
			for i := 0; i < 4; i++ {
				_, _, out := ptySession(t, c, 120, 40, "--join "+ids[i%2])
				outs = append(outs, out)
			}
			t.Cleanup(func() { _ = c.Close() })
		}
		// Every viewer draws a few more frames: a few ticks each, every
		// one 64 s of run time.
		for _, o := range outs {
			n := o.Load()
			eventually(t, "more frames", func() bool { return o.Load() > n })
		}
		time.Sleep(2 * time.Second)
		seeks := registryValue(t, ts, "overfit_seeks_total")
		t.Logf("8 live viewers at x128 (6 h in and near the seek bound), a few ticks each: %v seeks", seeks)
		if seeks != 8 {
			t.Errorf("%v seeks for 8 joins over several ticks each; want one per join", seeks)
		}
	})

	attack("session churn on one connection and a 200 KB user name", func(t *testing.T) {
		// Four channels at a time (the cap), each asking for --help and
		// hanging up without reading it, again and again for one second.
		c, _ := an.dial(t, "127.0.0.24")
		begun := time.Now()
		var started, refused atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(begun) < time.Second {
					ch, reqs, err := c.OpenChannel("session", nil)
					if err != nil {
						continue // the cap: a channel is still closing
					}
					go gossh.DiscardRequests(reqs)
					ok, err := ch.SendRequest("exec", true, gossh.Marshal(struct{ Command string }{"--help"}))
					switch {
					case err != nil:
					case ok:
						started.Add(1)
					default:
						refused.Add(1)
					}
					_ = ch.Close()
				}
			}()
		}
		wg.Wait()
		t.Logf("one connection for 1 s: %d sessions started, %d refused", started.Load(), refused.Load())
		if n := started.Load(); n > 30 {
			t.Errorf("one connection started %d sessions in a second", n)
		}
		// The user name is the client's to choose; a log line is ours.
		logBefore := len(ts.logs.String())
		conn, err := an.raw("127.0.0.25")
		if err != nil {
			t.Fatal(err)
		}
		huge := strings.Repeat("u", 200<<10)
		cc, chs, reqs, err := gossh.NewClientConn(conn, an.addr, &gossh.ClientConfig{User: huge, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			t.Fatal(err)
		}
		hc := gossh.NewClient(cc, chs, reqs)
		defer hc.Close() //nolint:errcheck
		_, _, _ = runCommand(t, hc, "--help")
		_, _, _ = runCommand(t, hc, "--bogus")
		logged := len(ts.logs.String()) - logBefore
		t.Logf("two sessions with a 200 KB user name: %d bytes of log", logged)
		if logged > 8<<10 {
			t.Errorf("two sessions with a 200 KB user name wrote %d bytes of log", logged)
		}
	})

	attack("private mode: from=, a bad line, SHA-1 RSA, reload", func(t *testing.T) { privateMode(t) })
	attack("IPv6 clients of one /64 behind a balancer", func(t *testing.T) { ipv6Prefix(t) })
	attack("host key that is not a regular file", func(t *testing.T) { hostKeyNotRegular(t) })
	attack("SIGHUP and a closed stderr", func(t *testing.T) { signalsChild(t) })
}

// deadlineWhatever runs a server with a 2 s session limit and no stall
// cutoff: zero-window clients (a PTY session drawing its dashboard, a
// plain stream, an error line) cannot be written to, answer keepalives
// and never close. Their slots must still be free soon after the limit.
func deadlineWhatever(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.MaxSessionTime = 2 * time.Second
	cfg.Limits.StallTimeout = 0
	ts := startServer(t, cfg)
	an := abuseNet{addr: ts.addr}
	conn, err := an.raw("127.0.4.1")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := dialRaw(conn, "attacker")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	for _, command := range []string{"tui", "--speed 4", "--bogus"} {
		id, err := rc.openSession(0)
		if err != nil {
			t.Fatal(err)
		}
		if command == "tui" {
			if ok, err := rc.pty(id, 120, 40); !ok || err != nil {
				t.Fatalf("pty: %v %v", ok, err)
			}
			command = "--speed 4"
		}
		if ok, err := rc.exec(id, command); !ok || err != nil {
			t.Fatalf("exec: %v %v", ok, err)
		}
	}
	begun := time.Now()
	eventually(t, "the sessions to register", func() bool { return ts.srv.limits.live() > 0 || time.Since(begun) > time.Second })
	// The limit, then the graces of goodbye, channel and connection.
	within := cfg.Limits.MaxSessionTime + 10*time.Second
	for ts.srv.limits.live() != 0 {
		if time.Since(begun) > within {
			t.Fatalf("%d slots still held %v after the sessions started (limit %v)", ts.srv.limits.live(), within, cfg.Limits.MaxSessionTime)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("3 zero-window sessions with no stall cutoff: slots free %v after start (limit %v)", time.Since(begun).Round(time.Millisecond), cfg.Limits.MaxSessionTime)
}

// registryValue is the sum of a metric's samples on the server's registry
// (0 and a test failure when it does not exist).
func registryValue(t *testing.T, ts *testServer, name string) float64 {
	t.Helper()
	fams, err := ts.srv.met.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		var v float64
		for _, m := range f.GetMetric() {
			switch {
			case m.Counter != nil:
				v += m.Counter.GetValue()
			case m.Gauge != nil:
				v += m.Gauge.GetValue()
			}
		}
		return v
	}
	t.Errorf("no metric %s", name)
	return 0
}

// privateMode attacks --authorized-keys: a key limited by from= used from
// elsewhere, a malformed line before good keys, a SHA-1 RSA signature, and
// a key added while the server runs.
func privateMode(t *testing.T) {
	dir := t.TempDir()
	newKey := func() gossh.Signer {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		s, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := gossh.NewSignerFromKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	limited, good, later := newKey(), newKey(), newKey()
	line := func(s gossh.Signer) string {
		return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
	}
	file := filepath.Join(dir, "authorized_keys")
	content := "ssh-ed25519 this-is-not-base64 broken\n" +
		`from="10.0.0.0/8" ` + line(limited) + "\n" +
		line(good) + "\n" + line(rsaSigner) + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.AuthorizedKeys = file
	ts := startServer(t, cfg)
	try := func(s gossh.Signer) error {
		c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{User: "me", Auth: []gossh.AuthMethod{gossh.PublicKeys(s)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: waitLimit})
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	if err := try(good); err != nil {
		t.Errorf("a good key after a malformed line: %v", err)
	}
	if err := try(limited); err == nil {
		t.Error(`a key with from="10.0.0.0/8" was accepted from 127.0.0.1`)
	}
	sha1RSA, err := gossh.NewSignerWithAlgorithms(rsaSigner.(gossh.AlgorithmSigner), []string{gossh.KeyAlgoRSA})
	if err != nil {
		t.Fatal(err)
	}
	if err := try(sha1RSA); err == nil {
		t.Error("an ssh-rsa (SHA-1) signature was accepted")
	}
	sha256RSA, _ := gossh.NewSignerWithAlgorithms(rsaSigner.(gossh.AlgorithmSigner), []string{gossh.KeyAlgoRSASHA256})
	if err := try(sha256RSA); err != nil {
		t.Errorf("an rsa-sha2-256 signature: %v", err)
	}
	if !strings.Contains(ts.logs.String(), "line=1 ") {
		t.Errorf("no warning naming line 1 in the log:\n%s", ts.logs.String())
	}
	// A key added while the server runs works once the file changed.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(line(later) + "\n")
	_ = f.Close()
	eventually(t, "the added key to be accepted", func() bool { return try(later) == nil })
}

// ipv6Prefix sends 21 clients of one IPv6 /64 through a trusted load
// balancer (PROXY protocol), one session each: they are one client for the
// per-address limits, so they get no more than one address would.
func ipv6Prefix(t *testing.T) {
	cfg := testConfig(t)
	cfg.ProxyFrom = "127.0.3.1"
	ts := startServer(t, cfg)
	an := abuseNet{addr: ts.addr}
	perIP := cfg.Limits.MaxSessionsPerIP
	served := 0
	for i := 0; i <= perIP; i++ {
		conn, err := an.raw("127.0.3.1")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PROXY TCP6 2001:db8:0:7::%x ::1 4000 2222\r\n", i+1)
		_ = conn.SetDeadline(time.Now().Add(waitLimit))
		cc, chs, reqs, err := gossh.NewClientConn(conn, an.addr, &gossh.ClientConfig{User: "v6", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			continue // refused before the handshake
		}
		_ = conn.SetDeadline(time.Time{})
		c := gossh.NewClient(cc, chs, reqs)
		t.Cleanup(func() { _ = c.Close() })
		st := openStream(t, c, "--speed 4")
		eventually(t, "a line or a refusal", func() bool { return st.stdout.String() != "" || st.stderr.String() != "" })
		if st.stdout.String() != "" {
			served++
		}
	}
	t.Logf("%d clients of one /64, one session each: %d served (sessions per address %d)", perIP+1, served, perIP)
	if served > perIP {
		t.Errorf("%d clients of one /64 got %d sessions; one address gets at most %d", perIP+1, served, perIP)
	}
}

// hostKeyNotRegular points --host-key at a FIFO and at a device: the
// server must refuse them at once instead of reading without bound.
func hostKeyNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/null"} {
		cfg := testConfig(t)
		cfg.HostKey = path
		done := make(chan error, 1)
		go func() {
			_, err := NewServer(cfg, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "regular file") {
				t.Errorf("--host-key %s: %v; want a refusal saying it is not a regular file", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("--host-key %s: still reading after 5 s", path)
			// Unblock the reader: a writer that closes at once.
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				_ = w.Close()
			}
			<-done
		}
	}
}

// signalsChild runs the server in a child process, sends it SIGHUP, then
// closes its stderr and makes it log: it must keep serving through both
// and still end with status 0 on SIGTERM.
func signalsChild(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	cmd.Env = append(os.Environ(), "OVERFIT_TEST_HELPER=serve",
		"OVERFIT_LISTEN=127.0.0.1:0", "OVERFIT_DATA_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`msg=listening addr=(\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
				return // stop reading: the pipe is closed below
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrs:
	case <-time.After(waitLimit):
		t.Fatal("the child server did not listen")
	}
	go func() { exited <- cmd.Wait() }()
	alive := func(what string) {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("after %s the server exited: %v", what, err)
		default:
		}
		c, _ := dial(t, addr)
		if code, out, _ := runCommand(t, c, "--help"); code != 0 || !strings.Contains(out, "--seed") {
			t.Fatalf("after %s: --help exit %d", what, code)
		}
		_ = c.Close()
	}
	alive("starting")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // a dying process has died by now
	alive("SIGHUP")
	_ = stderr.(io.Closer).Close() // the log's reader goes away
	alive("closing its stderr (the sessions log)")
	alive("logging to a closed stderr")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(waitLimit):
		t.Error("the child did not exit on SIGTERM")
	}
}

// TestServeHelperProcess is the child process of signalsChild: the real
// command line, configured from the environment.
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv("OVERFIT_TEST_HELPER") != "serve" {
		return // only as a child process
	}
	os.Exit(run(nil, os.Getenv, nil, os.Stdout, os.Stderr))
}

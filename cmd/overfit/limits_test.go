package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestRefusedRequestsSayWhy(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := sess.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		t.Fatalf("subsystem request: %v", err)
	}
	// x/crypto's client cannot Wait on a subsystem; the server closing
	// stderr after its message is the end.
	msg, err := io.ReadAll(stderr)
	if err != nil || !strings.Contains(string(msg), `subsystem "sftp" is not available`) {
		t.Errorf("sftp: stderr %q, %v", msg, err)
	}

	if _, err := c.Dial("tcp", "127.0.0.1:22"); err == nil || !strings.Contains(err.Error(), "port forwarding is disabled") {
		t.Errorf("local port forwarding: err %v, want it refused with a reason", err)
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		_ = ln.Close()
		t.Error("remote port forwarding was accepted")
	}

	// Env requests beyond the cap, or not about the terminal, are refused;
	// the session still works.
	sess2, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess2.Close()
	if err := sess2.Setenv("PATH", "/evil"); err == nil {
		t.Error("env PATH accepted")
	}
	accepted := 0
	for i := 0; i < 100; i++ {
		if sess2.Setenv("LANG", fmt.Sprintf("C.UTF-%d", i)) == nil {
			accepted++
		}
	}
	if accepted != maxEnvVars {
		t.Errorf("accepted %d env requests, want the cap %d", accepted, maxEnvVars)
	}
	out, err := sess2.Output("--help")
	if err != nil || !strings.Contains(string(out), "--seed") {
		t.Fatalf("session after an env flood: %v %q", err, out)
	}
}

func TestOverCapacityGetsServerBusy(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.MaxSessions = 2
	ts := startServer(t, cfg)
	c, _ := dial(t, ts.addr)
	first := openStream(t, c, "--speed 10")
	first.lines(t, 1)
	watcher := openScreen(t, c, 100, 30, "--speed 4")
	watcher.waitFor("the dashboard", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	frames := len(watcher.rawOutput())

	// Without a PTY: one line on stderr, exit 1, nothing else.
	code, out, errOut := runCommand(t, c, "--speed 10")
	if code != 1 || out != "" || errOut != busyMessage+"\n" {
		t.Fatalf("third session: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, busyMessage)
	}
	// With a PTY: the same line, ended for a raw terminal, and no UI.
	c2, _ := dial(t, ts.addr)
	sess, err := c2.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var ptyOut, ptyErr syncBuffer
	sess.Stdout, sess.Stderr = &ptyOut, &ptyErr
	if err := sess.Start("--speed 4"); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, sess); code != 1 || ptyOut.String() != "" || ptyErr.String() != busyMessage+"\r\n" {
		t.Fatalf("third PTY session: exit %d, stdout %q, stderr %q; want exit 1 and the busy line", code, ptyOut.String(), ptyErr.String())
	}

	// The existing sessions kept going meanwhile and still do.
	n := len(first.stdout.String())
	eventually(t, "the first session to keep streaming", func() bool { return len(first.stdout.String()) > n })
	eventually(t, "the PTY session to keep receiving frames", func() bool { return len(watcher.rawOutput()) > frames })

	// Once one ends, there is room again.
	_ = first.sess.Close()
	eventually(t, "the slot to be free", func() bool { return ts.srv.limits.live() == 1 })
	if code, _, errOut := runCommand(t, c, "--help"); code != 0 {
		t.Fatalf("after the first session ended: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(ts.logs.String(), `msg=rejected session=`) || !strings.Contains(ts.logs.String(), ` reason=server_full`) {
		t.Errorf("refusals not logged with their reason:\n%s", ts.logs.String())
	}
}

func TestSessionsPerIPAndChannelsPerConnection(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.MaxSessionsPerIP = 2
	cfg.Limits.MaxChannels = 2
	ts := startServer(t, cfg)

	c1, _ := dial(t, ts.addr)
	openStream(t, c1, "--speed 10").lines(t, 1)
	openStream(t, c1, "--speed 10").lines(t, 1)
	if _, err := c1.NewSession(); err == nil || !strings.Contains(err.Error(), "at most 2 sessions per connection") {
		t.Fatalf("third channel on one connection: err %v", err)
	}

	c2, _ := dial(t, ts.addr)
	code, _, errOut := runCommand(t, c2, "--speed 10")
	if code != 1 || !strings.Contains(errOut, "server busy") {
		t.Fatalf("third session from one address: exit %d, stderr %q", code, errOut)
	}
}

func TestMaxSessionTimeSaysGoodbye(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.MaxSessionTime = 300 * time.Millisecond
	ts := startServer(t, cfg)
	c, _ := dial(t, ts.addr)

	st := openStream(t, c, "")
	if code := waitExit(t, st.sess); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	if got := st.stderr.String(); got != goodbyeTimeLimit+"\n" {
		t.Fatalf("stderr %q, want the time-limit goodbye", got)
	}

	s := openScreen(t, c, 80, 24, "")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("PTY exit %d, want 0", code)
	}
	s.waitFor("the goodbye on the main screen", func(txt string) bool { return strings.Contains(txt, goodbyeTimeLimit) })
	if s.altScreen() {
		t.Error("left on the alternate screen")
	}
}

func TestHandshakeTimeoutDropsSilentClients(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.HandshakeTimeout = 200 * time.Millisecond
	ts := startServer(t, cfg)
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Say nothing; the server must hang up on its own.
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

func TestHealthEndpointsAndHealthcheck(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = freeAddr(t)
	ts := startServer(t, cfg)

	var resp *http.Response
	var err error
	eventually(t, "/healthz", func() bool {
		resp, err = http.Get("http://" + cfg.MetricsListen + "/healthz")
		return err == nil
	})
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "ok") {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}

	// A session and a refusal show up in /metrics.
	c, _ := dial(t, ts.addr)
	if code, _, _ := runCommand(t, c, "--help"); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for i := 0; i < 10; i++ {
		_, _ = c.NewSession() // beyond --max-channels: refused
	}
	get := func() string {
		resp, err := http.Get("http://" + cfg.MetricsListen + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var m string
	eventually(t, "session and refusal metrics", func() bool {
		m = get()
		return strings.Contains(m, `overfit_sessions_total{mode="options"} 1`) &&
			strings.Contains(m, `overfit_rejections_total{reason="channels_per_connection"}`)
	})
	for _, want := range []string{"overfit_sessions_active 0", "overfit_connections_open 1", "overfit_sent_bytes_total", "overfit_session_duration_seconds_bucket", "go_goroutines"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	_ = c.Close()

	var out, errOut syncBuffer
	env := func(k string) string {
		if k == "OVERFIT_LISTEN" {
			return ts.addr
		}
		return ""
	}
	if code := run([]string{"healthcheck"}, env, nil, &out, &errOut); code != 0 {
		t.Fatalf("healthcheck against a live server: exit %d, %q", code, errOut.String())
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"healthcheck"}, env, nil, &out, &errOut); code != 1 {
		t.Fatalf("healthcheck against a stopped server: exit %d", code)
	}
}

func TestAuthorizedKeysLetsOnlyListedKeysIn(t *testing.T) {
	newSigner := func() gossh.Signer {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	allowed, other := newSigner(), newSigner()
	cfg := testConfig(t)
	cfg.AuthorizedKeys = filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(cfg.AuthorizedKeys, gossh.MarshalAuthorizedKey(allowed.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, cfg)

	connect := func(auth ...gossh.AuthMethod) error {
		c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
			User: "visitor", Auth: auth,
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: waitLimit,
		})
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	if err := connect(gossh.PublicKeys(allowed)); err != nil {
		t.Fatalf("listed key refused: %v", err)
	}
	if err := connect(gossh.PublicKeys(other)); err == nil {
		t.Fatal("unlisted key let in")
	}
	// The failed login is logged, naming the key.
	wantLog := "msg=rejected client=127.0.0.1 port="
	wantKey := "key=" + gossh.FingerprintSHA256(other.PublicKey()) + " reason=key_not_authorized"
	eventually(t, "the refused key in the log", func() bool {
		for _, line := range strings.Split(ts.logs.String(), "\n") {
			if strings.Contains(line, wantLog) && strings.Contains(line, wantKey) {
				return true
			}
		}
		return false
	})
	if err := connect(); err == nil {
		t.Fatal("client without a key let in")
	}

	// A missing authorized-keys file is a startup error, not an open server.
	cfg.AuthorizedKeys = filepath.Join(t.TempDir(), "missing")
	if _, err := NewServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Fatal("NewServer accepted a missing authorized-keys file")
	}
}

func TestConnectionRatePerIP(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.ConnRatePerIP = 3
	ts := startServer(t, cfg)
	for i := 0; i < 3; i++ {
		dial(t, ts.addr)
	}
	_, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{User: "x", HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: waitLimit})
	if err == nil {
		t.Fatal("a fourth connection within a minute was accepted")
	}

	r := newConnRate(60)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 60; i++ {
		if !r.allow("10.0.0.1", t0) {
			t.Fatalf("connection %d of the burst refused", i)
		}
	}
	if r.allow("10.0.0.1", t0) {
		t.Fatal("61st connection in the same instant allowed")
	}
	if !r.allow("10.0.0.2", t0) {
		t.Fatal("another address was limited too")
	}
	if !r.allow("10.0.0.1", t0.Add(time.Second)) {
		t.Fatal("a token should refill after a second at 60/min")
	}
	r.allow("10.0.0.3", t0.Add(2*time.Minute))
	if n := r.tracked(); n != 1 {
		t.Fatalf("%d addresses tracked after two idle minutes, want 1", n)
	}
}

func TestProxyProtocolFromTrustedBalancersOnly(t *testing.T) {
	skipInShortMode(t)
	// dialVia connects with an optional PROXY v1 header claiming src.
	dialVia := func(addr, header string) (*gossh.Client, error) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if header != "" {
			if _, err := io.WriteString(conn, header); err != nil {
				return nil, err
			}
		}
		_ = conn.SetDeadline(time.Now().Add(waitLimit))
		cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{User: "v", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		_ = conn.SetDeadline(time.Time{})
		c := gossh.NewClient(cc, chans, reqs)
		t.Cleanup(func() { _ = c.Close() })
		return c, nil
	}
	const header = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 2222\r\n"

	// Trusted balancer: the header's client address is used.
	cfg := testConfig(t)
	cfg.ProxyFrom = "127.0.0.0/8"
	cfg.Limits.MaxSessionsPerIP = 1
	ts := startServer(t, cfg)
	c, err := dialVia(ts.addr, header)
	if err != nil {
		t.Fatalf("via a trusted balancer: %v", err)
	}
	openStream(t, c, "--speed 10").lines(t, 1)
	if !strings.Contains(ts.logs.String(), "client=203.0.113.7") {
		t.Fatalf("the client address from the PROXY header was not used:\n%s", ts.logs.String())
	}
	// Per-IP limits see the real client: a second session from it is busy.
	if code, _, errOut := runCommand(t, c, "--help"); code != 1 || !strings.Contains(errOut, "busy") {
		t.Fatalf("second session of 203.0.113.7: exit %d, %q", code, errOut)
	}
	// A trusted balancer must send the header.
	if _, err := dialVia(ts.addr, ""); err == nil {
		t.Fatal("a connection from a balancer without a PROXY header was accepted")
	}

	// Untrusted peers are served directly and cannot spoof: a header from
	// them is not read as one (the SSH version exchange skips the line).
	cfg2 := testConfig(t)
	cfg2.ProxyFrom = "10.99.0.0/16"
	ts2 := startServer(t, cfg2)
	if c, err := dialVia(ts2.addr, header); err == nil {
		if code, _, _ := runCommand(t, c, "--help"); code != 0 {
			t.Fatalf("--help via an untrusted peer: exit %d", code)
		}
		eventually(t, "the session log", func() bool { return strings.Contains(ts2.logs.String(), "session end") })
		if strings.Contains(ts2.logs.String(), "203.0.113.7") {
			t.Fatalf("an untrusted peer set its client address:\n%s", ts2.logs.String())
		}
	}
	if _, err := dialVia(ts2.addr, ""); err != nil {
		t.Fatalf("a direct client was refused: %v", err)
	}

	cfg3 := testConfig(t)
	cfg3.ProxyFrom = "not-a-cidr"
	if err := cfg3.validate(); err == nil || !strings.Contains(err.Error(), "--proxy-protocol-from") {
		t.Fatalf("bad --proxy-protocol-from: %v", err)
	}
}

// freezableConn stops talking when frozen, like a peer whose network
// vanished: reads block and writes go nowhere, without any FIN or RST.
type freezableConn struct {
	net.Conn
	frozen chan struct{}
	closed chan struct{}
}

func (f *freezableConn) Read(p []byte) (int, error) {
	select {
	case <-f.frozen:
		<-f.closed
		return 0, io.EOF
	default:
		return f.Conn.Read(p)
	}
}

func (f *freezableConn) Write(p []byte) (int, error) {
	select {
	case <-f.frozen:
		return len(p), nil
	default:
		return f.Conn.Write(p)
	}
}

func (f *freezableConn) Close() error {
	select {
	case <-f.closed:
	default:
		close(f.closed)
	}
	return f.Conn.Close()
}

func TestKeepaliveDropsVanishedPeers(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.Limits.KeepaliveInterval = 100 * time.Millisecond
	cfg.Limits.KeepaliveMissed = 2
	ts := startServer(t, cfg)

	raw, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	fc := &freezableConn{Conn: raw, frozen: make(chan struct{}), closed: make(chan struct{})}
	cc, chans, reqs, err := gossh.NewClientConn(fc, ts.addr, &gossh.ClientConfig{User: "v", HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: waitLimit})
	if err != nil {
		t.Fatal(err)
	}
	c := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { _ = c.Close() })
	st := openStream(t, c, "--speed 10")
	st.lines(t, 1)

	// A live client answers the probes: the session stays up for many
	// intervals (checked throughout, not after a sleep).
	for end := time.Now().Add(5 * cfg.Limits.KeepaliveInterval); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if ts.srv.limits.live() != 1 {
			t.Fatal("a responsive client was dropped")
		}
	}

	close(fc.frozen)
	eventually(t, "the server to drop the vanished peer", func() bool { return ts.srv.limits.live() == 0 })
	if !strings.Contains(ts.logs.String(), `reason="connection closed"`) {
		t.Errorf("session end not logged as a closed connection:\n%s", ts.logs.String())
	}
}

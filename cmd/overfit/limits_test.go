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
	cfg := testConfig(t)
	cfg.Limits.MaxSessions = 1
	ts := startServer(t, cfg)
	c, _ := dial(t, ts.addr)
	first := openStream(t, c, "--speed 10")
	first.lines(t, 1)

	code, out, errOut := runCommand(t, c, "--speed 10")
	if code != 1 || out != "" || errOut != busyMessage+"\n" {
		t.Fatalf("second session: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, busyMessage)
	}
	// The first session keeps streaming.
	n := len(first.stdout.String())
	eventually(t, "the first session to keep streaming", func() bool { return len(first.stdout.String()) > n })

	// Once it ends, there is room again.
	_ = first.sess.Close()
	eventually(t, "the slot to be free", func() bool { return ts.srv.limits.live() == 0 })
	if code, _, errOut := runCommand(t, c, "--help"); code != 0 {
		t.Fatalf("after the first session ended: exit %d, stderr %q", code, errOut)
	}
}

func TestSessionsPerIPAndChannelsPerConnection(t *testing.T) {
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
	cfg.MetricsListen = "127.0.0.1:0"
	// Find a free port for the HTTP listener.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsListen = probe.Addr().String()
	_ = probe.Close()
	ts := startServer(t, cfg)

	var resp *http.Response
	eventually(t, "/healthz", func() bool {
		resp, err = http.Get("http://" + cfg.MetricsListen + "/healthz")
		return err == nil
	})
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "ok") {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}

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

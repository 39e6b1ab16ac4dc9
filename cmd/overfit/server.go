package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/app"
)

// Messages a session shows when the server ends it.
const (
	goodbyeShutdown  = "overfit: server is restarting — reconnect in a moment"
	goodbyeTimeLimit = "overfit: this session reached its time limit — reconnect for a new run"
	busyMessage      = "overfit: server busy, try again in a minute"
)

// serverVersion is the software version the server announces.
const serverVersion = "OpenSSH_overfit"

// clientHangupGrace is how long shutdown waits for clients to close their
// connections after their sessions ended.
const clientHangupGrace = time.Second

// forceCloseGrace is how long sessions get, after connections were closed
// by force, to notice and unwind.
const forceCloseGrace = 2 * time.Second

// Server is overfit's SSH server: every session channel gets its own run.
type Server struct {
	cfg    Config
	log    *slog.Logger
	ssh    *ssh.Server
	limits *sessionLimiter
	rate   *connRate
	met    *metrics
	seed   seedFunc
	clock  func() time.Time // a session's start; tests pin it to compare runs
	// newModel builds a PTY session's UI: app.New; tests wrap it.
	newModel func(app.Config) (frameModel, error)
	share    string // "ssh -t HOST -p PORT", the join line's prefix; set by Serve

	conns    atomic.Int64 // open connections, past the rate limit
	draining atomic.Bool  // a stop was asked for: /healthz says 503 (see drain)

	mu       sync.Mutex
	closing  bool
	sessions map[*session]struct{}
	running  sync.WaitGroup // one per registered session
}

// NewServer loads (or creates) the host key and prepares the SSH server.
// Nothing listens until Serve.
func NewServer(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	signer, err := loadOrCreateHostKey(cfg.HostKeyPath())
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      log,
		limits:   newSessionLimiter(cfg.Limits.MaxSessions, cfg.Limits.MaxSessionsPerIP),
		rate:     newConnRate(cfg.Limits.ConnRatePerIP),
		seed:     randomSeed,
		clock:    time.Now,
		newModel: func(c app.Config) (frameModel, error) { return app.New(c) },
		sessions: map[*session]struct{}{},
	}
	s.met = newMetrics(s)
	l := cfg.Limits
	opts := []ssh.Option{
		// The host key goes in first: wish.NewServer writes ./id_ed25519 when
		// no host key is set, and the working directory is not ours.
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		// OpenSSH clients enable their OpenSSH extensions for servers whose
		// version starts with "OpenSSH"; the one we need is eow@openssh.com,
		// which tells us the client's stdout is gone (`ssh -T host | head`).
		// Without it such a client never exits.
		wish.WithVersion(serverVersion),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = l.HandshakeTimeout
			// A live client answers keepalives, which counts as activity; a
			// connection that opens no session and sends nothing is dropped.
			if l.KeepaliveInterval > 0 {
				srv.IdleTimeout = l.KeepaliveInterval * time.Duration(max(l.KeepaliveMissed, 1)+1)
			}
			srv.ConnCallback = s.acceptConn
			srv.ConnectionCloseCallback = func(net.Conn) { s.conns.Add(-1) }
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{
				"session":                        s.handleSessionChannel,
				"direct-tcpip":                   refuseChannel("port forwarding is disabled on this server"),
				"direct-streamlocal@openssh.com": refuseChannel("socket forwarding is disabled on this server"),
				"x11":                            refuseChannel("X11 forwarding is disabled on this server"),
				"auth-agent@openssh.com":         refuseChannel("agent forwarding is disabled on this server"),
			}
			// No global request handlers: tcpip-forward (ssh -R) is refused.
			srv.RequestHandlers = map[string]ssh.RequestHandler{}
			return nil
		},
	}
	if cfg.AuthorizedKeys != "" {
		if _, err := os.Stat(cfg.AuthorizedKeys); err != nil {
			return nil, fmt.Errorf("authorized keys: %w (check --authorized-keys)", err)
		}
		opts = append(opts, wish.WithAuthorizedKeys(cfg.AuthorizedKeys))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("set up the ssh server: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// Listen opens the TCP listener of cfg.Listen with a helpful error.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server running? change --listen)", s.cfg.Listen, err)
	}
	return ln, nil
}

// Serve accepts connections on ln until ctx is done, then shuts down
// gracefully: it drains for --drain-delay (see drain), stops accepting, tells every live session goodbye, waits up
// to the shutdown timeout for them to end, closes what is left and returns
// nil. It returns an error only when the listener fails.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.share = shareCommand(s.cfg.PublicAddr, ln.Addr())
	stopHTTP, err := s.startHTTP()
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopHTTP()
	if ln, err = withProxyProtocol(ln, s.cfg.ProxyFrom, s.cfg.Limits.HandshakeTimeout); err != nil {
		_ = ln.Close()
		return err
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "host_key", s.cfg.HostKeyPath(), "join", s.share)
	served := make(chan error, 1)
	go func() { served <- s.ssh.Serve(ln) }()
	select {
	case err := <-served:
		s.shutdown(ln)
		return fmt.Errorf("ssh server stopped: %w", err)
	case <-ctx.Done():
	}
	if stopped, err := s.drain(served); stopped {
		s.shutdown(ln)
		return fmt.Errorf("ssh server stopped while draining: %w", err)
	}
	s.shutdown(ln)
	<-served
	return nil
}

// shutdown stops accepting on ln, ends every session with a goodbye and
// finally closes all connections.
func (s *Server) shutdown(ln net.Listener) {
	s.limits.close()
	s.mu.Lock()
	s.closing = true
	live := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		live = append(live, ss)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(live))
	begun := time.Now()
	defer func() { s.log.Info("stopped", "took", time.Since(begun).Round(time.Millisecond).String()) }()

	// Stop accepting. Not ssh.Server.Shutdown: it waits for connections
	// forever, and its WaitGroup races with handshakes still finishing.
	_ = ln.Close()

	for _, ss := range live {
		ss.stop(errShutdown)
	}
	if !waitTimeout(&s.running, s.cfg.Limits.ShutdownTimeout) {
		s.log.Warn("sessions did not end in time; closing their connections")
	}
	// Clients hang up by themselves once their sessions ended; closing
	// under them makes ssh print "closed by remote host". Give them a moment.
	for deadline := time.Now().Add(clientHangupGrace); s.conns.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	_ = s.ssh.Close()
	if !waitTimeout(&s.running, forceCloseGrace) {
		s.log.Warn("sessions still running after their connections were closed")
	}
}

// register admits a session under the limits. Each nil return is paired
// with one unregister.
func (s *Server) register(ss *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShuttingDown
	}
	if err := s.limits.acquire(ss.ip); err != nil {
		return err
	}
	s.sessions[ss] = struct{}{}
	s.running.Add(1)
	return nil
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	s.limits.release(ss.ip)
	s.running.Done()
}

// waitTimeout waits for wg up to d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// shareCommand is the ssh command line a visitor types to reach this server.
func shareCommand(public string, listen net.Addr) string {
	host, port := "localhost", "2222"
	if ta, ok := listen.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	if public != "" {
		if h, p, err := net.SplitHostPort(public); err == nil {
			host, port = h, p
		} else {
			host, port = public, "22"
		}
	}
	if port == "22" {
		return "ssh -t " + host
	}
	return "ssh -t " + host + " -p " + port
}

// refuseChannel rejects a channel type we do not serve, with a reason the
// client prints.
func refuseChannel(reason string) ssh.ChannelHandler {
	return func(_ *ssh.Server, _ *gossh.ServerConn, nc gossh.NewChannel, _ ssh.Context) {
		_ = nc.Reject(gossh.Prohibited, reason)
	}
}

// connStateKey finds a connection's connState in its ssh.Context.
type connStateKey struct{}

// connState is what the server tracks per TCP connection.
type connState struct {
	mu        sync.Mutex
	channels  int
	keepalive sync.Once
}

// acceptConn runs for every new TCP connection, before the handshake. A
// client over its connection rate is closed at once: nothing is spent on a
// handshake for it.
func (s *Server) acceptConn(ctx ssh.Context, c net.Conn) net.Conn {
	if !s.rate.allow(hostOf(c.RemoteAddr()), time.Now()) {
		s.met.rejected("conn_rate")
		return nil
	}
	ctx.SetValue(connStateKey{}, &connState{})
	s.conns.Add(1)
	return c
}

// hostOf is the client address without the port, the key of per-IP limits.
func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// connStateOf returns the state acceptConn attached to ctx.
func connStateOf(ctx ssh.Context) *connState {
	if cs, ok := ctx.Value(connStateKey{}).(*connState); ok {
		return cs
	}
	return &connState{}
}

// openChannel counts a session channel against the per-connection cap.
func (cs *connState) openChannel(limit int) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if limit > 0 && cs.channels >= limit {
		return false
	}
	cs.channels++
	return true
}

func (cs *connState) closeChannel() {
	cs.mu.Lock()
	cs.channels--
	cs.mu.Unlock()
}

// keepalive probes the peer every interval and closes the connection when
// `missed` probes in a row got no answer: the only way to notice a peer that
// vanished while we keep writing frames into the kernel's buffers.
func keepalive(ctx context.Context, conn *gossh.ServerConn, interval time.Duration, missed int) {
	if interval <= 0 {
		return
	}
	missed = max(missed, 1)
	answered := make(chan struct{}, 1)
	t := time.NewTicker(interval)
	defer t.Stop()
	outstanding := 0
	inFlight := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-answered:
			inFlight, outstanding = false, 0
		case <-t.C:
			if inFlight {
				outstanding++
				if outstanding >= missed {
					_ = conn.Close()
					return
				}
				continue
			}
			inFlight = true
			go func() {
				// Any reply, even "request failed", proves the peer alive.
				if _, _, err := conn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
					answered <- struct{}{}
				}
			}()
		}
	}
}

// errShutdown and errTimeLimit end a session with a goodbye line.
var (
	errShutdown     = &endNotice{reason: "shutdown", message: goodbyeShutdown}
	errTimeLimit    = &endNotice{reason: "time limit", message: goodbyeTimeLimit}
	errStalled      = errors.New("client stopped reading")
	errGone         = errors.New("client closed the session")
	errOutputClosed = errors.New("client closed its output")
	errPanic        = errors.New("panic")
)

// endNotice is why the server ended a session, with the line the visitor sees.
type endNotice struct{ reason, message string }

func (e *endNotice) Error() string { return e.reason }

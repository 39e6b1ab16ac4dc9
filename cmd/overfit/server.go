package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
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
	caps   *connCap
	keys   *authorizedKeys // nil = open to all
	// seekSlots bounds the joins jumping into their runs at once.
	seekSlots chan struct{}
	met       *metrics
	rejectLog *logLimiter // rations the "rejected" log lines (see reject)
	// fingerprint is the host key's SHA256 fingerprint, for logs;
	// newHostKey says NewServer generated the key.
	fingerprint string
	newHostKey  bool
	seed        seedFunc
	clock       func() time.Time // a session's start; tests pin it to compare runs
	// newModel builds a PTY session's UI: app.New; tests wrap it.
	newModel func(app.Config) (frameModel, error)
	share    app.Share // how visitors reach this server, for footers; set by Serve

	conns    atomic.Int64 // open connections, past the rate limit
	draining atomic.Bool  // a stop was asked for: /healthz says 503 (see drain)

	mu       sync.Mutex
	closing  bool
	sessions map[liveSession]struct{}
	running  sync.WaitGroup // one per registered session
}

// NewServer loads (or creates) the host key and prepares the SSH server.
// Nothing listens until Serve.
func NewServer(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	signer, created, err := loadOrCreateHostKey(cfg.HostKeyPath())
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:         cfg,
		log:         log,
		limits:      newSessionLimiter(cfg.Limits.MaxSessions, cfg.Limits.MaxSessionsPerIP),
		rate:        newConnRate(cfg.Limits.ConnRatePerIP),
		caps:        newConnCap(cfg.Limits.MaxConns, cfg.Limits.MaxConnsPerIP),
		seekSlots:   make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
		seed:        randomSeed,
		clock:       time.Now,
		newModel:    func(c app.Config) (frameModel, error) { return app.New(c) },
		sessions:    map[liveSession]struct{}{},
		rejectLog:   newLogLimiter(rejectLogBurst, rejectLogRate, time.Now()),
		fingerprint: gossh.FingerprintSHA256(signer.PublicKey()),
		newHostKey:  created,
	}
	s.met = newMetrics(s)
	// Joins count their jumps; set here, not in tui.go, since newModel is
	// what tests wrap.
	newModel := s.newModel
	s.newModel = func(c app.Config) (frameModel, error) {
		c.SeekGate = func(seek func()) { s.seek(context.Background(), seek) }
		return newModel(c)
	}
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
			srv.ConnectionCloseCallback = func(c net.Conn) {
				s.caps.release(clientKey(c.RemoteAddr(), l.IPv6Prefix))
				s.conns.Add(-1)
			}
			srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
				return &gossh.ServerConfig{
					// The library's list without ssh-rsa: SHA-1
					// signatures are refused, as OpenSSH 8.8 and later
					// do; RSA keys sign with rsa-sha2-256/512.
					PublicKeyAuthAlgorithms: publicKeyAuthAlgorithms(),
				}
			}
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
		keys, err := loadAuthorizedKeys(cfg.AuthorizedKeys, log)
		if err != nil {
			return nil, err
		}
		s.keys = keys
		opts = append(opts, wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			if keys.allows(key, ctx.RemoteAddr()) {
				return true
			}
			s.reject(rejectKeyNotAuthorized, "client", hostOf(ctx.RemoteAddr()), "port", portOf(ctx.RemoteAddr()),
				"user", clientString(ctx.User()), "key", gossh.FingerprintSHA256(key))
			return false
		}))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("set up the ssh server: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// seek runs one jump of a session's stream (a join far into a run) when
// one of the server's seek slots is free, or not at all if ctx ends first.
// A jump costs up to a few hundred milliseconds of one core (see
// sim.MaxSeekRuns); with the slots, joins in any number take at most half
// the cores and wait their turn for the rest, and every other session
// keeps its frame rate.
func (s *Server) seek(ctx context.Context, seek func()) bool {
	select {
	case s.seekSlots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-s.seekSlots }()
	s.met.seeks.Inc()
	seek()
	return true
}

// reloadOn re-reads what can change without a restart (the authorized
// keys) at each signal on hup, until ctx is done.
func (s *Server) reloadOn(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if s.keys == nil {
				s.log.Info("SIGHUP: nothing to reload (no --authorized-keys); the server keeps running")
				continue
			}
			if err := s.keys.reload(true); err != nil {
				s.log.Warn("SIGHUP: authorized keys not reloaded; the keys parsed before stay in use", "err", err.Error())
			}
		}
	}
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
	s.share = sshShare(s.cfg.PublicAddr, ln.Addr())
	stopHTTP, err := s.startHTTP()
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopHTTP()
	stopWeb, err := s.startWeb()
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopWeb()
	if ln, err = withProxyProtocol(ln, s.cfg.ProxyFrom, s.cfg.Limits.HandshakeTimeout); err != nil {
		_ = ln.Close()
		return err
	}
	// The fingerprint is what visitors' ssh shows on first connect and what
	// "REMOTE HOST IDENTIFICATION HAS CHANGED" is about: an operator
	// compares it, and a new key must never go unnoticed. Logged once the
	// server is up, so a start that fails says only why.
	if s.newHostKey {
		// A warning: on a first start it is expected, anywhere else (a lost
		// volume, a wrong --data-dir) every returning client gets ssh's
		// "host identification has changed".
		s.log.Warn("generated a new host key", "path", s.cfg.HostKeyPath(), "fingerprint", s.fingerprint)
	} else {
		s.log.Info("host key loaded", "path", s.cfg.HostKeyPath(), "fingerprint", s.fingerprint)
	}
	// What visitors are told to run to watch a run together, as their
	// footers show it: worth checking against the address they really use.
	s.log.Info("listening", "addr", ln.Addr().String(), "version", readBuildInfo().Version,
		"host_key", s.cfg.HostKeyPath(), "fingerprint", s.fingerprint,
		"ssh_command", s.share.SSHLine("<run-id>"), "web_link", s.share.WebLink("<run-id>"))
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
	live := make([]liveSession, 0, len(s.sessions))
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

// liveSession is a running session, over SSH or the web, that the server
// can end.
type liveSession interface {
	stop(cause error)
	limitKey() string // the client's key for per-address limits (see clientKey)
}

// register admits a session under the limits. Each nil return is paired
// with one unregister.
func (s *Server) register(ss liveSession) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errShuttingDown
	}
	if err := s.limits.acquire(ss.limitKey()); err != nil {
		return err
	}
	s.sessions[ss] = struct{}{}
	s.running.Add(1)
	return nil
}

// unregisterOnce releases what register took for ss, the first time it
// is called (the session's end, or its deadline's last resort).
func (s *Server) unregisterOnce(ss *session) {
	ss.release.Do(func() { s.unregister(ss) })
}

// unregister releases what register took for ss; once per registration.
func (s *Server) unregister(ss liveSession) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	s.limits.release(ss.limitKey())
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
	conn      net.Conn
	keepalive sync.Once

	mu       sync.Mutex
	channels int         // session channels not yet closed by both sides (the cap)
	live     int         // session channels still served (the idle clock)
	idle     *time.Timer // closes a connection that serves no channel
	starts   tokenBucket // session-start tokens
}

// Session starts allowed per connection: a burst of startBurst, then
// startRate a second. A visitor starts one to four; a script or a test
// runs a dozen commands; a client starting thousands a second is neither.
// With the per-address connection cap this bounds the starts (each a run
// set-up, a join's seek, log lines) one address can ask for.
const (
	startBurst = 16
	startRate  = 4
)

// acceptConn runs for every new TCP connection, before the handshake. A
// client over its connection rate, or over the connection caps, is closed
// at once: nothing is spent on a handshake for it.
func (s *Server) acceptConn(ctx ssh.Context, c net.Conn) net.Conn {
	l := s.cfg.Limits
	key := clientKey(c.RemoteAddr(), l.IPv6Prefix)
	// The caps first: a connection they refuse does not use up the
	// client's rate.
	who := []any{"client", hostOf(c.RemoteAddr()), "port", portOf(c.RemoteAddr())}
	if err := s.caps.acquire(key); err != nil {
		if errors.Is(err, errTooManyConnsForIP) {
			s.reject(rejectConnsPerIP, who...)
		} else {
			s.reject(rejectConnsTotal, who...)
		}
		return nil
	}
	if !s.rate.allow(key, time.Now()) {
		s.caps.release(key)
		s.reject(rejectConnRate, who...)
		return nil
	}
	cs := &connState{conn: c, starts: fullBucket(startBurst, time.Now())}
	// A connection must open a channel within the handshake and start
	// timeouts, and is closed once it held none for the start timeout: an
	// idle connection is kept alive by our own keepalives otherwise.
	if l.StartTimeout > 0 {
		cs.idle = time.AfterFunc(l.HandshakeTimeout+l.StartTimeout, func() {
			s.reject(rejectIdleConnection, who...)
			_ = c.Close()
		})
	}
	ctx.SetValue(connStateKey{}, cs)
	s.conns.Add(1)
	return &trackedConn{Conn: c, cs: cs}
}

// trackedConn is a connection that stops its idle clock when it closes.
type trackedConn struct {
	net.Conn
	cs *connState
}

func (c *trackedConn) Close() error {
	if c.cs.idle != nil {
		c.cs.idle.Stop()
	}
	return c.Conn.Close()
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
	return &connState{starts: fullBucket(startBurst, time.Now())}
}

// openChannel counts a session channel against the per-connection cap.
func (cs *connState) openChannel(limit int) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if limit > 0 && cs.channels >= limit {
		return false
	}
	cs.channels++
	cs.live++
	if cs.idle != nil {
		cs.idle.Stop()
	}
	return true
}

// endChannel counts the end of a channel's service; the connection's idle
// clock starts when it serves none.
func (cs *connState) endChannel(idleAfter time.Duration) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.live--
	if cs.live == 0 && cs.idle != nil {
		cs.idle.Reset(idleAfter)
	}
}

// releaseChannel gives back a channel's place under the cap once both
// sides closed it.
func (cs *connState) releaseChannel() {
	cs.mu.Lock()
	cs.channels--
	cs.mu.Unlock()
}

// allowStart takes a session-start token at now, or says the connection is
// starting sessions too fast.
func (cs *connState) allowStart(now time.Time) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.starts.take(now, startBurst, startRate)
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

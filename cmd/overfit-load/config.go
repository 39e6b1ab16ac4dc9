package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds keep every run finite and the generator's footprint predictable, so
// a typo on the command line cannot turn into an unbounded load.
const (
	maxSessions = 20000
	maxDuration = time.Hour
	maxRamp     = 5000.0
	maxTimeout  = 2 * time.Minute
	maxCells    = 1000
)

// Config is one load run, fully validated by parseConfig.
type Config struct {
	// Addr is the target as given; DialAddr is the resolved loopback (or,
	// with AllowRemote, any) address actually dialled, so DNS cannot move the
	// target between the check and the run.
	Addr     string
	DialAddr string
	// Sessions is the number of SSH sessions to open.
	Sessions int
	// Ramp is the number of sessions started per second.
	Ramp float64
	// Duration is the steady window measured after the ramp settles.
	Duration time.Duration
	// Width and Height are the PTY size every client requests.
	Width, Height int
	// Args, when set, is sent as the SSH command (exec) instead of a shell.
	Args string
	// User is the SSH user name.
	User string
	// Web opens browser sessions: a WebSocket to the web viewer at Addr.
	Web bool
	// PID, when non-zero, is the server process sampled through /proc.
	PID int
	// MetricsURL, when set, is a Prometheus endpoint sampled instead of /proc.
	MetricsURL string
	// Timeout bounds connect+handshake+PTY/shell and the wait for the first frame.
	Timeout time.Duration
	// FrameGap is the quiet time that separates two frames.
	FrameGap time.Duration
	// JSON selects the machine-readable report.
	JSON bool
	// AllowRemote permits non-loopback targets.
	AllowRemote bool
}

// parseConfig parses the command line and validates the result. Flag errors
// are already printed to errOut by the flag package.
func parseConfig(ctx context.Context, args []string, errOut io.Writer) (Config, error) {
	fs := flag.NewFlagSet("overfit-load", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var c Config
	var size string
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:2222", "SSH server `host:port` (loopback only unless -allow-remote)")
	fs.IntVar(&c.Sessions, "sessions", 10, "number of concurrent SSH sessions to open (max 20000)")
	fs.Float64Var(&c.Ramp, "ramp", 50, "sessions started per second")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "steady window measured after the ramp (max 1h)")
	fs.StringVar(&size, "size", "120x40", "PTY size `WxH` requested by every client")
	fs.StringVar(&c.Args, "args", "", "session options sent as the SSH command, e.g. \"--seed 42 --speed 4\"")
	fs.StringVar(&c.User, "user", "load", "SSH user name")
	fs.BoolVar(&c.Web, "web", false, "open web viewer sessions (a WebSocket to -addr, the server's --http-listen) instead of SSH ones; -args is ignored")
	fs.IntVar(&c.PID, "pid", 0, "server PID: sample CPU (utime+stime) and VmRSS from /proc")
	fs.StringVar(&c.MetricsURL, "metrics-url", "", "Prometheus endpoint of the server (alternative to -pid)")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "bound on connect+handshake+shell and on the wait for the first frame")
	fs.DurationVar(&c.FrameGap, "frame-gap", 20*time.Millisecond, "quiet time that separates two frames")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a non-loopback target (never on the shared dev box)")
	fs.Usage = func() {
		fmt.Fprintf(errOut, "usage: overfit-load [flags]\n\nOpens N real SSH sessions with a PTY against an overfit server, reads\neverything, and reports held sessions, first-frame latency, bytes/s,\nframes/s and (with -pid or -metrics-url) server CPU and RSS per session.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q (session options go in -args \"...\")", fs.Arg(0))
	}
	w, h, err := parseSize(size)
	if err != nil {
		return Config{}, err
	}
	c.Width, c.Height = w, h
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	c.DialAddr, err = resolveTarget(ctx, c.Addr, c.AllowRemote)
	if err != nil {
		return Config{}, err
	}
	if c.MetricsURL != "" {
		u, err := url.Parse(c.MetricsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Config{}, fmt.Errorf("bad -metrics-url %q (want e.g. http://127.0.0.1:9222/metrics)", c.MetricsURL)
		}
		if _, err := resolveTarget(ctx, hostPort(u), c.AllowRemote); err != nil {
			return Config{}, fmt.Errorf("metrics url: %w", err)
		}
	}
	return c, nil
}

func (c Config) validate() error {
	switch {
	case c.Sessions < 1 || c.Sessions > maxSessions:
		return fmt.Errorf("-sessions %d out of range (1..%d)", c.Sessions, maxSessions)
	case !(c.Ramp > 0) || c.Ramp > maxRamp:
		return fmt.Errorf("-ramp %g out of range (>0..%g sessions/s)", c.Ramp, maxRamp)
	case float64(c.Sessions)/c.Ramp > maxDuration.Seconds():
		return fmt.Errorf("-sessions %d at -ramp %g would ramp for over %s: raise -ramp", c.Sessions, c.Ramp, maxDuration)
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("-duration %s out of range (>0..%s)", c.Duration, maxDuration)
	case c.Timeout <= 0 || c.Timeout > maxTimeout:
		return fmt.Errorf("-timeout %s out of range (>0..%s)", c.Timeout, maxTimeout)
	case c.FrameGap <= 0 || c.FrameGap > time.Second:
		return fmt.Errorf("-frame-gap %s out of range (>0..1s)", c.FrameGap)
	case c.PID < 0:
		return fmt.Errorf("-pid %d is not a process id", c.PID)
	case c.PID > 0 && c.MetricsURL != "":
		return errors.New("-pid and -metrics-url are alternatives: give one")
	case c.User == "":
		return errors.New("-user must not be empty")
	}
	return nil
}

// parseSize parses "WxH" into cells.
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w < 1 || h < 1 || w > maxCells || h > maxCells {
		return 0, 0, fmt.Errorf("bad -size %q (want WxH, e.g. 120x40, each 1..%d)", s, maxCells)
	}
	return w, h, nil
}

// resolveTarget resolves addr once and, unless allowRemote, insists that every
// address it names is loopback: this machine may only put load on itself.
func resolveTarget(ctx context.Context, addr string, allowRemote bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("bad address %q: %w (want host:port)", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", host, err)
	}
	if len(ips) == 0 {
		return "", fmt.Errorf("resolve %q: no addresses", host)
	}
	if !allowRemote {
		for _, ip := range ips {
			if !ip.IP.IsLoopback() {
				return "", fmt.Errorf("refusing non-loopback target %s (%s): pass -allow-remote to load another machine", addr, ip.IP)
			}
		}
	}
	// Prefer IPv4: servers commonly listen on 127.0.0.1 only.
	ip := ips[0].IP
	for _, a := range ips {
		if a.IP.To4() != nil {
			ip = a.IP
			break
		}
	}
	return net.JoinHostPort(ip.String(), port), nil
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

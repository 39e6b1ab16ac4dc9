package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// envPrefix prefixes every environment variable that mirrors a server flag.
const envPrefix = "OVERFIT_"

// Config is everything `overfit serve` needs; it comes from flags and
// OVERFIT_* environment variables (flags win).
type Config struct {
	Listen         string
	DataDir        string
	HostKey        string // empty = <DataDir>/ssh_host_ed25519_key
	MetricsListen  string
	PublicAddr     string
	AuthorizedKeys string
	LogFormat      string
	// ProxyFrom lists the load balancers (IPs or CIDRs, comma-separated)
	// whose connections start with a PROXY protocol header; empty = off.
	ProxyFrom string
	// Web is the browser viewer's listener (see webconfig.go).
	Web WebConfig

	Limits Limits
}

// Limits bound what one client, one connection and the whole server may use.
// A zero value switches that limit off, except for the window clamp.
type Limits struct {
	MaxSessions       int           // live sessions in all
	MaxSessionsPerIP  int           // live sessions of one client address
	MaxChannels       int           // session channels open at once on one connection
	MaxConns          int           // open connections in all
	MaxConnsPerIP     int           // open connections of one client address
	StartTimeout      time.Duration // a channel must ask for a shell or exec within this; a connection must hold a channel
	ConnRatePerIP     int           // new connections per client address per minute
	HandshakeTimeout  time.Duration // from TCP accept to finished SSH handshake
	MaxSessionTime    time.Duration // a session is ended after this long
	MaxWidth          int           // window sizes are clamped to this many columns
	MaxHeight         int           // and this many rows, before anything is allocated
	KeepaliveInterval time.Duration // probe the peer this often
	KeepaliveMissed   int           // drop the connection after this many unanswered probes
	StallTimeout      time.Duration // drop a session whose client stops reading for this long
	ShutdownTimeout   time.Duration // how long sessions get to say goodbye on SIGTERM
	DrainDelay        time.Duration // on SIGTERM, keep accepting this long while /healthz says 503
	// IPv6Prefix is how many leading bits of an IPv6 address name one
	// client for the per-address limits: one subscriber gets a whole /64.
	IPv6Prefix int
}

// defaultConfig holds the defaults documented in the README.
func defaultConfig() Config {
	return Config{
		Listen:    ":2222",
		DataDir:   "./.overfit",
		LogFormat: "text",
		Web:       WebConfig{Listen: defaultHTTPListen},
		Limits: Limits{
			MaxSessions:       3000,
			MaxSessionsPerIP:  20,
			MaxChannels:       4,
			MaxConns:          4000,
			MaxConnsPerIP:     10,
			StartTimeout:      10 * time.Second,
			ConnRatePerIP:     60,
			HandshakeTimeout:  10 * time.Second,
			MaxSessionTime:    6 * time.Hour,
			MaxWidth:          300,
			MaxHeight:         100,
			KeepaliveInterval: 30 * time.Second,
			KeepaliveMissed:   3,
			StallTimeout:      30 * time.Second,
			ShutdownTimeout:   5 * time.Second,
			IPv6Prefix:        64,
		},
	}
}

// HostKeyPath is where the host key lives: --host-key, or the data dir's default.
func (c Config) HostKeyPath() string {
	if c.HostKey != "" {
		return c.HostKey
	}
	return filepath.Join(c.DataDir, "ssh_host_ed25519_key")
}

// errHelp reports that --help was asked for and printed.
var errHelp = flag.ErrHelp

// parseServeFlags reads flags after `overfit [serve]`, with environment
// variables (looked up through getenv) as defaults. Usage goes to out.
func parseServeFlags(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("overfit serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := &cfg.Limits
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address the SSH server listens on")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the host key and other state (created if missing)")
	fs.StringVar(&cfg.HostKey, "host-key", "", "ed25519 host key file (default <data-dir>/ssh_host_ed25519_key; created on first start)")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "address of the HTTP listener for Prometheus /metrics and /healthz (empty = off), e.g. 127.0.0.1:9222")
	fs.StringVar(&cfg.PublicAddr, "public-addr", "", "host[:port] visitors use, shown in the join line (default localhost and the listen port)")
	fs.StringVar(&cfg.AuthorizedKeys, "authorized-keys", "", "authorized_keys file: only these keys may connect (empty = open to all)")
	fs.StringVar(&cfg.ProxyFrom, "proxy-protocol-from", "", "comma-separated IPs/CIDRs of load balancers that send a PROXY protocol (v1/v2) header; only they may set the client address (empty = off)")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json")
	addWebFlags(fs, &cfg.Web)
	fs.IntVar(&l.MaxSessions, "max-sessions", l.MaxSessions, "live sessions in all; more get \"server busy\" (0 = no limit)")
	fs.IntVar(&l.MaxSessionsPerIP, "max-sessions-per-ip", l.MaxSessionsPerIP, "live sessions per client address (0 = no limit)")
	fs.IntVar(&l.MaxChannels, "max-channels", l.MaxChannels, "session channels open at once on one connection (0 = no limit)")
	fs.IntVar(&l.MaxConns, "max-conns", l.MaxConns, "open connections in all; more are closed at once (0 = no limit)")
	fs.IntVar(&l.MaxConnsPerIP, "max-conns-per-ip", l.MaxConnsPerIP, "open connections per client address; more are closed at once (0 = no limit)")
	fs.DurationVar(&l.StartTimeout, "start-timeout", l.StartTimeout, "a session channel that asks for no shell or command within this is closed, and so is a connection without channels (0 = never)")
	fs.IntVar(&l.IPv6Prefix, "ipv6-prefix", l.IPv6Prefix, "leading bits of an IPv6 address that name one client for the per-address limits (128 = the full address)")
	fs.IntVar(&l.ConnRatePerIP, "conn-rate-per-ip", l.ConnRatePerIP, "new connections per client address per minute; more are closed at once (0 = no limit)")
	fs.DurationVar(&l.HandshakeTimeout, "handshake-timeout", l.HandshakeTimeout, "time a client gets to finish the SSH handshake (0 = none)")
	fs.DurationVar(&l.MaxSessionTime, "max-session-time", l.MaxSessionTime, "a session is ended after this long (0 = never)")
	fs.IntVar(&l.MaxWidth, "max-width", l.MaxWidth, "window widths are clamped to this many columns")
	fs.IntVar(&l.MaxHeight, "max-height", l.MaxHeight, "window heights are clamped to this many rows")
	fs.DurationVar(&l.KeepaliveInterval, "keepalive-interval", l.KeepaliveInterval, "probe every client this often to detect dead peers (0 = off)")
	fs.IntVar(&l.KeepaliveMissed, "keepalive-missed", l.KeepaliveMissed, "unanswered probes before a connection is dropped")
	fs.DurationVar(&l.StallTimeout, "stall-timeout", l.StallTimeout, "drop a session whose client stops reading for this long (0 = never)")
	fs.DurationVar(&l.ShutdownTimeout, "shutdown-timeout", l.ShutdownTimeout, "on SIGINT/SIGTERM, time sessions get to end before connections are closed")
	fs.DurationVar(&l.DrainDelay, "drain-delay", l.DrainDelay, "on SIGINT/SIGTERM, keep serving newcomers this long while /healthz answers 503, so a load balancer takes this replica out before its port closes (0 = off)")

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v := getenv(name)
		if v == "" || envErr != nil {
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = fmt.Errorf("invalid %s=%q: %v", name, v, err)
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			printServeUsage(out, fs)
			return cfg, errHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fmt.Errorf("%s (see overfit --help)", flagError(err))
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (see overfit --help)", fs.Arg(0))
	}
	return cfg, cfg.validate()
}

// validate rejects values that cannot work, naming the flag.
func (c Config) validate() error {
	l := c.Limits
	if _, err := proxyPolicy(c.ProxyFrom); err != nil {
		return err
	}
	if err := c.Web.validate(); err != nil {
		return err
	}
	switch {
	case c.Listen == "":
		return errors.New("--listen must not be empty")
	case c.DataDir == "":
		return errors.New("--data-dir must not be empty")
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	case l.MaxSessions < 0, l.MaxSessionsPerIP < 0, l.MaxChannels < 0, l.ConnRatePerIP < 0, l.KeepaliveMissed < 0,
		l.MaxConns < 0, l.MaxConnsPerIP < 0:
		return errors.New("session, channel and keepalive limits must not be negative")
	case l.MaxWidth < 40 || l.MaxHeight < 12:
		return fmt.Errorf("--max-width/--max-height must be at least 40x12, not %dx%d", l.MaxWidth, l.MaxHeight)
	case l.MaxWidth > 1000 || l.MaxHeight > 1000:
		return fmt.Errorf("--max-width/--max-height must be at most 1000x1000, not %dx%d", l.MaxWidth, l.MaxHeight)
	case l.MaxConns > 0 && (l.MaxSessions == 0 || l.MaxConns < l.MaxSessions):
		// Every session needs a connection: a smaller cap would be the
		// real session limit, and a surprising one.
		return fmt.Errorf("--max-conns (%d) must be at least --max-sessions (%d), or 0 for no limit", l.MaxConns, l.MaxSessions)
	case l.IPv6Prefix < 16 || l.IPv6Prefix > 128:
		return fmt.Errorf("--ipv6-prefix must be between 16 and 128, not %d", l.IPv6Prefix)
	case l.HandshakeTimeout < 0, l.MaxSessionTime < 0, l.KeepaliveInterval < 0, l.StallTimeout < 0, l.ShutdownTimeout < 0,
		l.DrainDelay < 0, l.StartTimeout < 0:
		return errors.New("durations must not be negative")
	case l.DrainDelay > maxDrainDelay:
		return fmt.Errorf("--drain-delay must be at most %v, not %v: health checks notice within seconds", maxDrainDelay, l.DrainDelay)
	}
	return nil
}

// envName maps a flag name to its environment variable: max-sessions → OVERFIT_MAX_SESSIONS.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagError turns the flag package's wording into ours.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown option --" + name
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "option --" + rest + " needs a value"
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		return "invalid value " + strings.Replace(rest, " for flag -", " for --", 1)
	}
	return msg
}

// printServeUsage documents commands, flags and their environment variables.
func printServeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `overfit — a believable LLM training run, served over SSH

Usage:
  overfit [serve] [flags]          run the SSH server (the default command)
  overfit play [session options]   one session in this terminal, no SSH
  overfit version, --version       print the version, commit and Go version
  overfit healthcheck              exit 0 if the server at --listen answers SSH (for containers)

Server flags (each also read from the environment variable shown; flags win):
`)
	fs.VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		if def == "" || def == "0" || def == "0s" {
			def = "off"
			if f.Name == "host-key" || f.Name == "public-addr" || f.Name == "public-url" {
				def = "see above"
			}
		}
		fmt.Fprintf(w, "  --%s %s\n      %s\n      env %s, default %s\n", f.Name, flagKind(f), f.Usage, envName(f.Name), def)
	})
	fmt.Fprint(w, `
Visitors connect with:  ssh -p 2222 HOST        (add -T to stream the plain log)
or open the web viewer:  http://HOST:8080/
Watch a run together:   ssh -p 2222 RUN-ID@HOST   or   http://HOST:8080/r/RUN-ID
Session options go after --:  ssh -t -p 2222 HOST -- --seed 42 --model llama-3-70b --speed 4
List them with:  ssh -p 2222 HOST -- --help   or   overfit play --help
`)
}

// flagKind names the kind of value a flag takes, for usage lines.
func flagKind(f *flag.Flag) string {
	switch f.Name {
	case "listen", "metrics-listen", "http-listen":
		return "HOST:PORT"
	case "public-url":
		return "URL"
	case "proxy-protocol-from", "trusted-proxies":
		return "CIDR,..."
	case "public-addr":
		return "HOST[:PORT]"
	case "data-dir", "host-key", "authorized-keys":
		return "PATH"
	case "log-format":
		return "text|json"
	}
	switch f.Value.(interface{ Get() any }).Get().(type) {
	case int, int64, uint64:
		return "N"
	case time.Duration:
		return "DURATION"
	case bool:
		return ""
	default:
		return "VALUE"
	}
}

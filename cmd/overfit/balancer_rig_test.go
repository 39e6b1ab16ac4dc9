package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The balancer rig: a real HAProxy (the shipped deploy/compose/haproxy.cfg)
// in front of overfit processes built from this package, all on loopback.

// haproxyConfig is the compose setup's HAProxy configuration, which the
// rig runs with only its addresses replaced.
const haproxyConfig = "../../deploy/compose/haproxy.cfg"

// rigWait bounds each wait of the rig: process exits, health changes.
const rigWait = 20 * time.Second

// findHAProxy returns the haproxy binary. It skips the test when haproxy
// is missing outside CI; in CI (.ci/run installs it) that is a failure.
func findHAProxy(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("haproxy")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("haproxy is not installed; CI must run this test (.ci/run installs Debian's haproxy package)")
	}
	t.Skip("haproxy not on PATH: install it (apt-get install haproxy) to run the load balancer end-to-end test")
	return ""
}

// buildOverfit builds this package's binary, as shipped (CGO off), once
// per test.
func buildOverfit(t *testing.T) string {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build overfit for the balancer test: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "overfit")
	cmd := exec.Command(gotool, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// replica is one overfit process of the rig; it can be stopped and started
// again with the same flags, as an orchestrator restarts it.
type replica struct {
	name         string
	bin          string
	args         []string
	ssh, metrics string      // loopback addresses
	log          *syncBuffer // every incarnation's stderr (JSON lines)
	cmd          *exec.Cmd
	exited       chan struct{}
	exitErr      error
	termAt       time.Time // the last SIGTERM
}

// start runs the process; the rig's cleanup kills whatever still runs.
func (r *replica) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, r.args...)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", r.name, err)
	}
	exited := make(chan struct{})
	r.exited = exited
	cmd := r.cmd
	go func() { r.exitErr = cmd.Wait(); close(exited) }()
}

// sigterm asks the process to stop, as an orchestrator does.
func (r *replica) sigterm(t *testing.T) {
	t.Helper()
	r.termAt = time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", r.name, err)
	}
}

// waitExit waits for the process to end, which must be with status 0, and
// returns the time since the SIGTERM.
func (r *replica) waitExit(t *testing.T) time.Duration {
	t.Helper()
	select {
	case <-r.exited:
	case <-time.After(rigWait):
		t.Fatalf("%s still running %v after SIGTERM; log:\n%s", r.name, rigWait, r.log.String())
	}
	if r.exitErr != nil {
		t.Fatalf("%s exited with %v after SIGTERM, want status 0; log:\n%s", r.name, r.exitErr, r.log.String())
	}
	return time.Since(r.termAt)
}

// kill ends the process if it runs; for cleanup.
func (r *replica) kill() {
	if r.cmd == nil || r.exited == nil {
		return
	}
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// logLine is what the rig reads from overfit's JSON log lines.
type logLine struct {
	Msg    string `json:"msg"`
	Client string `json:"client"`
	Reason string `json:"reason"`
}

// logLines parses the replica's log; lines that are not JSON are skipped.
func (r *replica) logLines() []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(r.log.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// count is the number of log lines with message msg from client ("" = any).
func (r *replica) count(msg, client string) int {
	n := 0
	for _, l := range r.logLines() {
		if l.Msg == msg && (client == "" || l.Client == client) {
			n++
		}
	}
	return n
}

// balancerRig is HAProxy in front of three replicas.
type balancerRig struct {
	t        *testing.T
	addr     string // HAProxy's frontend
	stats    string // its stats socket
	hapLog   *syncBuffer
	replicas []*replica
	hostKey  gossh.PublicKey // the one key every replica serves
	hapDone  chan struct{}   // closed when HAProxy exits
}

// startBalancerRig builds overfit, starts n replicas sharing one host key
// file (created by whichever starts first) and HAProxy in front of them,
// and waits until HAProxy sees every replica up.
func startBalancerRig(t *testing.T, n int, extra ...string) *balancerRig {
	t.Helper()
	haproxy := findHAProxy(t)
	bin := buildOverfit(t)
	dir := t.TempDir()
	rig := &balancerRig{t: t, addr: freeAddr(t), stats: filepath.Join(dir, "haproxy.sock"), hapLog: &syncBuffer{}}
	keyPath := filepath.Join(dir, "shared", "ssh_host_ed25519_key")
	for i := range n {
		r := &replica{
			name: fmt.Sprintf("r%d", i+1), bin: bin, ssh: freeAddr(t), metrics: freeAddr(t), log: &syncBuffer{},
		}
		r.args = append([]string{
			"--listen", r.ssh, "--metrics-listen", r.metrics, "--http-listen", "",
			"--data-dir", filepath.Join(dir, r.name), "--host-key", keyPath,
			"--public-addr", rig.addr, "--log-format", "json",
			// HAProxy connects from 127.0.0.1; only it may name the client.
			"--proxy-protocol-from", "127.0.0.1/32",
		}, extra...)
		rig.replicas = append(rig.replicas, r)
	}
	t.Cleanup(func() {
		for _, r := range rig.replicas {
			r.kill()
		}
		if t.Failed() {
			for _, r := range rig.replicas {
				t.Logf("%s log (last 4 KiB):\n%s", r.name, tail(r.log.String(), 4<<10))
			}
			t.Logf("haproxy log (last 4 KiB):\n%s", tail(rig.hapLog.String(), 4<<10))
		}
	})
	// All at once on an empty key path: the host key must come out as one.
	for _, r := range rig.replicas {
		r.start(t)
	}
	eventually(t, "the shared host key", func() bool {
		data, err := os.ReadFile(keyPath)
		if err != nil {
			return false
		}
		s, err := gossh.ParsePrivateKey(data)
		if err != nil {
			t.Fatalf("shared host key: %v", err)
		}
		rig.hostKey = s.PublicKey()
		return true
	})

	cfg, err := rig.haproxyConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	hap := exec.Command(haproxy, "-db", "-f", cfgPath)
	hap.Stdout, hap.Stderr = rig.hapLog, rig.hapLog
	if err := hap.Start(); err != nil {
		t.Fatalf("start haproxy: %v", err)
	}
	hapDone := make(chan struct{})
	rig.hapDone = hapDone
	go func() { _ = hap.Wait(); close(hapDone) }()
	t.Cleanup(func() {
		_ = hap.Process.Kill()
		<-hapDone
	})
	rig.waitStatus(func(st map[string]serverStat) bool {
		for _, r := range rig.replicas {
			if st[r.name].status != "UP" {
				return false
			}
		}
		return true
	}, "every replica UP in HAProxy")
	return rig
}

// haproxyConfig is the shipped configuration with the rig's addresses: the
// frontend on rig.addr, one server line per replica (its own health check
// port), no Docker resolver, a global maxconn a test box can grant file
// descriptors for, and a stats socket to watch health from.
func (rig *balancerRig) haproxyConfig() (string, error) {
	data, err := os.ReadFile(haproxyConfig)
	if err != nil {
		return "", fmt.Errorf("read the shipped haproxy config: %w", err)
	}
	var out []string
	inServers, inResolvers, bound, servers := false, false, false, false
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case inResolvers:
			if trimmed == "" {
				inResolvers = false
			}
			continue
		case strings.HasPrefix(trimmed, "resolvers "):
			inResolvers = true
			continue
		case trimmed == "# servers: begin":
			inServers, servers = true, true
			for _, r := range rig.replicas {
				_, port, _ := net.SplitHostPort(r.metrics)
				out = append(out, fmt.Sprintf("    server %s %s port %s", r.name, r.ssh, port))
			}
			continue
		case trimmed == "# servers: end":
			inServers = false
			continue
		case inServers:
			continue
		case strings.HasPrefix(trimmed, "bind "):
			out = append(out, "    bind "+rig.addr)
			bound = true
			continue
		case strings.HasPrefix(trimmed, "maxconn ") && !strings.HasPrefix(line, "    default-server"):
			// The global connection limit sizes HAProxy's file descriptors,
			// which a test box may not grant; the test needs a few hundred.
			out = append(out, "    maxconn 1000")
			continue
		}
		out = append(out, line)
		if trimmed == "global" {
			out = append(out, "    stats socket "+rig.stats+" mode 600 level admin")
		}
	}
	if !bound || !servers {
		return "", fmt.Errorf("%s lost its bind line or its servers markers; the balancer test rewrites those", haproxyConfig)
	}
	return strings.Join(out, "\n"), nil
}

// serverStat is one backend server's state in HAProxy's stats.
type serverStat struct {
	status string // UP, DOWN, "UP 1/2", MAINT, ...
	scur   string // current connections
}

// serverStats reads "show stat" from HAProxy's stats socket.
func (rig *balancerRig) serverStats() (map[string]serverStat, error) {
	c, err := net.DialTimeout("unix", rig.stats, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close() //nolint:errcheck
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "show stat\n"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(c, 1<<20))
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(strings.TrimSpace(string(data)), "# ")
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("haproxy stats %q: %v", truncate(text, 200), err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	out := map[string]serverStat{}
	for _, row := range rows[1:] {
		if len(row) <= max(col["status"], col["scur"], col["svname"], col["pxname"]) || row[col["pxname"]] != "overfit" {
			continue
		}
		out[row[col["svname"]]] = serverStat{status: row[col["status"]], scur: row[col["scur"]]}
	}
	return out, nil
}

// waitStatus polls HAProxy's stats until cond holds, for at most rigWait.
func (rig *balancerRig) waitStatus(cond func(map[string]serverStat) bool, what string) {
	rig.t.Helper()
	deadline := time.Now().Add(rigWait)
	var last map[string]serverStat
	var lastErr error
	for {
		last, lastErr = rig.serverStats()
		if lastErr == nil && cond(last) {
			return
		}
		select {
		case <-rig.hapDone:
			rig.t.Fatalf("haproxy exited while waiting for %s; its log:\n%s", what, rig.hapLog.String())
		default:
		}
		if time.Now().After(deadline) {
			rig.t.Fatalf("timed out waiting for %s; haproxy stats %v (%v)", what, last, lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialFrom opens an SSH connection to the balancer from the loopback
// address src, checking that the one shared host key answers.
func (rig *balancerRig) dialFrom(src string) (*gossh.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", rig.addr)
	if err != nil {
		return nil, fmt.Errorf("connect from %s: %w", src, err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	cc, chans, reqs, err := gossh.NewClientConn(conn, rig.addr, &gossh.ClientConfig{
		User:            "visitor",
		HostKeyCallback: gossh.FixedHostKey(rig.hostKey),
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("handshake from %s: %w", src, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return gossh.NewClient(cc, chans, reqs), nil
}

// mustDialFrom is dialFrom for the test goroutine; the connection closes
// when the test ends.
func (rig *balancerRig) mustDialFrom(t *testing.T, src string) *gossh.Client {
	t.Helper()
	c, err := rig.dialFrom(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// servedBy names the replica whose log has a session start from client;
// it waits for the line.
func (rig *balancerRig) servedBy(t *testing.T, client string) *replica {
	t.Helper()
	var found *replica
	eventually(t, "a session start from "+client, func() bool {
		for _, r := range rig.replicas {
			if r.count("session start", client) > 0 {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

// errNoOutput is an arrival that connected but never got a line of log.
var errNoOutput = errors.New("no output")

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

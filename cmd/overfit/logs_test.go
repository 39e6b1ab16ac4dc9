package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// jsonLines parses a JSON log; lines that are not JSON are skipped.
func jsonLines(log string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// withJSONLog makes a test server log JSON into buf from its start on.
func withJSONLog(buf *syncBuffer) func(*Server) {
	return func(s *Server) { s.log = slog.New(slog.NewJSONHandler(buf, nil)) }
}

// TestSessionLogLinesJoinUp: an operator can find a session's end from its
// start (session id), match it with the client's own view (address and
// port), with what the visitor sees (the run id of the footer), and
// replay the run (the seed, exact, from JSON).
func TestSessionLogLinesJoinUp(t *testing.T) {
	const seed = uint64(18446744073709551557) // above 2^53: a float64 would round it
	var logs syncBuffer
	ts := startServer(t, testConfig(t), withJSONLog(&logs), func(s *Server) {
		s.seed = func() (uint64, error) { return seed, nil }
	})
	c, _ := dial(t, ts.addr)
	clientPort := float64(c.LocalAddr().(*net.TCPAddr).Port)
	s := openScreen(t, c, 120, 40, "--speed 4")
	txt := s.waitFor("the dashboard", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	s.press("q")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit %d", code)
	}

	var start, end map[string]any
	eventually(t, "the session's start and end lines", func() bool {
		start, end = nil, nil
		for _, l := range jsonLines(logs.String()) {
			switch l["msg"] {
			case "session start":
				start = l
			case "session end":
				end = l
			}
		}
		return start != nil && end != nil
	})
	id, _ := start["session"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("start line session id %q, want 16 hex digits; line %v", id, start)
	}
	run, _ := start["run"].(string)
	for _, l := range []map[string]any{start, end} {
		if l["session"] != id || l["client"] != "127.0.0.1" || l["port"] != clientPort || l["run"] != run || l["mode"] != modeTUI {
			t.Errorf("line %v: want session %s, client 127.0.0.1, port %v, run %s, mode tui", l, id, clientPort, run)
		}
		if _, ok := l["join"]; ok {
			t.Errorf("line %v still has the ambiguous join field", l)
		}
	}
	if start["seed"] != "18446744073709551557" {
		t.Errorf("start line seed %#v, want the string \"18446744073709551557\"", start["seed"])
	}
	if start["joined"] != false {
		t.Errorf("start line joined %#v, want false", start["joined"])
	}
	o, err := sim.ParseRunID(run)
	if err != nil || o.Seed != seed {
		t.Fatalf("start line run %q: %v (seed %d), want a run id of seed %d", run, err, o.Seed, seed)
	}
	// What the visitor sees: the footer offers the same id.
	if !strings.Contains(txt, run) {
		t.Errorf("the visitor's screen does not show the logged run id %s:\n%s", run, txt)
	}

	// A session that asks for no run is logged, start and end, too.
	if code, _, _ := runCommand(t, c, "--bogus"); code != 2 {
		t.Fatalf("--bogus: exit %d, want 2", code)
	}
	eventually(t, "the options session's start and end lines", func() bool {
		n := 0
		for _, l := range jsonLines(logs.String()) {
			if (l["msg"] == "session start" || l["msg"] == "session end") && l["mode"] == modeOptions && l["session"] != id {
				n++
			}
		}
		return n == 2
	})
}

// TestRejectionsLogged: refusals are logged with the client, rationed so a
// client cannot turn them into a flood of log lines, and the next line
// says how many were left out; the metric counts every one.
func TestRejectionsLogged(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = freeAddr(t)
	cfg.Limits.MaxChannels = 1
	var logs syncBuffer
	ts := startServer(t, cfg, withJSONLog(&logs))
	c, _ := dial(t, ts.addr)
	held := openStream(t, c, "--speed 4") // the connection's one channel
	held.lines(t, 1)
	const attempts = 3 * rejectLogBurst
	for range attempts {
		if _, err := c.NewSession(); err == nil {
			t.Fatal("a channel beyond --max-channels was accepted")
		}
	}
	logged := func() (n int, suppressed float64) {
		for _, l := range jsonLines(logs.String()) {
			if l["msg"] == "rejected" && l["reason"] == string(rejectChannels) {
				n++
				if l["client"] != "127.0.0.1" || l["port"] == nil || l["user"] == nil {
					t.Fatalf("rejected line %v: want client, port and user", l)
				}
				if s, ok := l["suppressed"].(float64); ok {
					suppressed += s
				}
			}
		}
		return n, suppressed
	}
	if n := metricValue(t, cfg.MetricsListen, `overfit_rejections_total{reason="channels_per_connection"}`); n != attempts {
		t.Fatalf("metric counted %v refusals, want %d", n, attempts)
	}
	if n, _ := logged(); n < rejectLogBurst || n >= attempts {
		t.Fatalf("%d refusals logged out of %d, want the burst (%d) and not every one", n, attempts, rejectLogBurst)
	}
	// Once the ration refills, the next line says how many were left out.
	eventually(t, "a rejected line saying how many were not logged", func() bool {
		_, _ = c.NewSession()
		n, suppressed := logged()
		return suppressed > 0 && float64(n)+suppressed == metricValue(t, cfg.MetricsListen, `overfit_rejections_total{reason="channels_per_connection"}`)
	})
}

func TestLogLimiter(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	l := newLogLimiter(3, 2, t0)
	for i := range 3 {
		if ok, dropped := l.allow(t0); !ok || dropped != 0 {
			t.Fatalf("line %d of the burst: allowed %v, dropped %d", i, ok, dropped)
		}
	}
	for i := range 5 {
		if ok, _ := l.allow(t0); ok {
			t.Fatalf("line %d past the burst allowed", i)
		}
	}
	if ok, _ := l.allow(t0.Add(100 * time.Millisecond)); ok {
		t.Fatal("allowed 0.1 s later at 2 a second")
	}
	if ok, dropped := l.allow(t0.Add(600 * time.Millisecond)); !ok || dropped != 6 {
		t.Fatalf("0.6 s later: allowed %v, dropped %d; want true, 6", ok, dropped)
	}
	if ok, dropped := l.allow(t0.Add(time.Hour)); !ok || dropped != 0 {
		t.Fatalf("an hour later: allowed %v, dropped %d; want true, 0", ok, dropped)
	}
}

// TestHostKeyLoggedAtStartup: the first start says it generated a key and
// its fingerprint; the next says which key it loaded.
func TestHostKeyLoggedAtStartup(t *testing.T) {
	cfg := testConfig(t)
	for i, want := range []string{"generated a new host key", "host key loaded"} {
		var logs syncBuffer
		ts := startServer(t, cfg, withJSONLog(&logs))
		fp := gossh.FingerprintSHA256(ts.srv.ssh.HostSigners[0].PublicKey())
		eventually(t, fmt.Sprintf("start %d: a %q line with the fingerprint", i+1, want), func() bool {
			for _, l := range jsonLines(logs.String()) {
				if l["msg"] == want && l["fingerprint"] == fp && l["path"] == cfg.HostKeyPath() {
					return true
				}
			}
			return false
		})
		if strings.Contains(logs.String(), `"level":"WARN"`) != (i == 0) {
			t.Errorf("start %d: a warning only for a new key, want it %v; log:\n%s", i+1, i == 0, logs.String())
		}
	}
}

package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// healthStatus is the status code of GET /healthz on addr (0 when it does
// not answer).
func healthStatus(addr string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestDrainServesNewcomersWhileHealthzSaysUnavailable: after the stop
// signal, --drain-delay keeps the SSH port serving while /healthz answers
// 503; then every session, old or drained-in, gets the goodbye.
func TestDrainServesNewcomersWhileHealthzSaysUnavailable(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	cfg.MetricsListen = freeAddr(t)
	// Long enough for a newcomer to connect under -race on a busy box.
	cfg.Limits.DrainDelay = 5 * time.Second
	ts := startServer(t, cfg)
	eventually(t, "/healthz to answer 200", func() bool { return healthStatus(cfg.MetricsListen) == http.StatusOK })

	c1, _ := dial(t, ts.addr)
	before := openStream(t, c1, "--speed 10")
	before.lines(t, 1)

	ts.cancel() // what SIGTERM does
	eventually(t, "/healthz to answer 503", func() bool { return healthStatus(cfg.MetricsListen) == http.StatusServiceUnavailable })
	if !strings.Contains(ts.logs.String(), "msg=draining") {
		t.Fatalf("no draining line in the log:\n%s", ts.logs.String())
	}

	c2, _ := dial(t, ts.addr)
	during := openStream(t, c2, "--speed 10")
	during.lines(t, 1)
	if strings.Contains(ts.logs.String(), "msg=\"shutting down\"") {
		t.Fatal("the shutdown began before the drain delay was over; the newcomer test proves nothing")
	}

	for name, st := range map[string]*streamSession{"session from before": before, "session from the drain": during} {
		if code := waitExit(t, st.sess); code != 0 {
			t.Errorf("%s: exit %d, want 0", name, code)
		}
		if got := st.stderr.String(); !strings.Contains(got, goodbyeShutdown) {
			t.Errorf("%s: stderr %q lacks the goodbye", name, got)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestDrainDelayFlag(t *testing.T) {
	env := map[string]string{"OVERFIT_DRAIN_DELAY": "3s"}
	cfg, err := parseServeFlags(nil, func(k string) string { return env[k] }, nil)
	if err != nil || cfg.Limits.DrainDelay != 3*time.Second {
		t.Fatalf("OVERFIT_DRAIN_DELAY=3s: %v, %v", cfg.Limits.DrainDelay, err)
	}
	if cfg, _ := parseServeFlags(nil, func(string) string { return "" }, nil); cfg.Limits.DrainDelay != 0 {
		t.Fatalf("default drain delay %v, want off", cfg.Limits.DrainDelay)
	}
	for _, v := range []string{"-1s", "6m"} {
		if _, err := parseServeFlags([]string{"--drain-delay", v}, func(string) string { return "" }, nil); err == nil {
			t.Errorf("--drain-delay %s accepted", v)
		} else if v == "6m" && !strings.Contains(err.Error(), "--drain-delay") {
			t.Errorf("--drain-delay %s: error %q should name the flag", v, err)
		}
	}
}

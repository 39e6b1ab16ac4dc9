package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// metricValue fetches /metrics from addr and returns the value of the
// sample line that starts with name followed by a space (-1 if absent).
func metricValue(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("/metrics line %q: %v", line, err)
			}
			return v
		}
	}
	return -1
}

func TestFrameRenderTimeMetric(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = freeAddr(t)
	ts := startServer(t, cfg)
	eventually(t, "the operations listener", func() bool {
		resp, err := http.Get("http://" + cfg.MetricsListen + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err == nil
	})
	if n := metricValue(t, cfg.MetricsListen, "overfit_frame_render_seconds_count"); n != 0 {
		t.Fatalf("frame render count %v before any session, want 0 (exposed, empty)", n)
	}

	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 100, 30, "--speed 4")
	s.waitFor("the dashboard", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	eventually(t, "two write gaps observed (three frames)", func() bool {
		return metricValue(t, cfg.MetricsListen, "overfit_write_gap_seconds_count") >= 2
	})
	if sum := metricValue(t, cfg.MetricsListen, "overfit_write_gap_seconds_sum"); sum <= 0 {
		t.Fatalf("write gaps sum %v, want above 0", sum)
	}
	s.press("q")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit %d", code)
	}
	n := metricValue(t, cfg.MetricsListen, "overfit_frame_render_seconds_count")
	sum := metricValue(t, cfg.MetricsListen, "overfit_frame_render_seconds_sum")
	if n < 1 || sum <= 0 {
		t.Fatalf("after a session drew its dashboard: frame render count %v, sum %v; want both above 0", n, sum)
	}
	t.Logf("frames rendered: %v, mean %.3f ms", n, sum/n*1e3)
}

package main

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// metricValue fetches /metrics from addr and returns the value of the
// sample line that starts with name followed by a space (-1 if absent).
func metricValue(t *testing.T, addr, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrape(t, addr), "\n") {
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
	cfg, ts := startMetricsServer(t)
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

// scrape returns the /metrics page of addr.
func scrape(t *testing.T, addr string) string {
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
	return string(body)
}

// TestMetricsOperatorsCanTrust: every series an operator alerts on exists
// from the first scrape, sessions are counted when they start, and the
// build is named.
func TestMetricsOperatorsCanTrust(t *testing.T) {
	cfg, ts := startMetricsServer(t)

	first := scrape(t, cfg.MetricsListen)
	for _, m := range sessionModes() {
		for _, want := range []string{
			`overfit_sessions_total{mode="` + m.value + `"} 0`,
			`overfit_session_duration_seconds_count{mode="` + m.value + `"} 0`,
		} {
			if !strings.Contains(first, want+"\n") {
				t.Errorf("first scrape lacks %q", want)
			}
		}
	}
	for _, r := range rejectReasons() {
		if want := `overfit_rejections_total{reason="` + r.value + `"} 0`; !strings.Contains(first, want+"\n") {
			t.Errorf("first scrape lacks %q", want)
		}
	}
	bi := readBuildInfo()
	wantInfo := `overfit_build_info{goversion="` + bi.GoVersion + `",revision="` + bi.Revision + `",version="` + bi.Version + `"} 1`
	if !strings.Contains(first, wantInfo+"\n") {
		t.Errorf("first scrape lacks %q", wantInfo)
	}
	for _, want := range []string{
		"# HELP overfit_sessions_total Sessions started, counted when they start",
		"# TYPE overfit_sent_bytes_total counter",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first scrape lacks %q", want)
		}
	}
	if strings.Contains(first, "overfit_bytes_sent_total") {
		t.Error("the old name overfit_bytes_sent_total is still served")
	}

	// A session is counted while it runs, not hours later when it ends.
	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 100, 30, "--speed 4")
	s.waitFor("the dashboard", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	if n := metricValue(t, cfg.MetricsListen, `overfit_sessions_total{mode="tui"}`); n != 1 {
		t.Fatalf("overfit_sessions_total{mode=\"tui\"} = %v while the session runs, want 1", n)
	}
	if n := metricValue(t, cfg.MetricsListen, `overfit_session_duration_seconds_count{mode="tui"}`); n != 0 {
		t.Fatalf("duration observed %v times while the session runs, want 0 (observed at its end)", n)
	}
	s.press("q")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit %d", code)
	}
	eventually(t, "the session's duration observed once, its start still counted once", func() bool {
		return metricValue(t, cfg.MetricsListen, `overfit_session_duration_seconds_count{mode="tui"}`) == 1 &&
			metricValue(t, cfg.MetricsListen, `overfit_sessions_total{mode="tui"}`) == 1
	})
	if n := metricValue(t, cfg.MetricsListen, "overfit_sent_bytes_total"); n <= 0 {
		t.Fatalf("overfit_sent_bytes_total = %v after a session, want above 0", n)
	}
}

// TestMetricLabelsDocumented: every mode and reason is explained in the
// metric's HELP text and in docs/operations.md.
func TestMetricLabelsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	help := map[string]string{"mode": labelsHelp(sessionModes()), "reason": labelsHelp(rejectReasons())}
	for label, docs := range map[string][]labelDoc{"mode": sessionModes(), "reason": rejectReasons()} {
		for _, d := range docs {
			if d.help == "" {
				t.Errorf("%s %q has no explanation", label, d.value)
			}
			if !strings.Contains(help[label], d.value+" (") {
				t.Errorf("%s %q is not in the HELP text", label, d.value)
			}
			if !strings.Contains(string(doc), "| `"+d.value+"` |") {
				t.Errorf("%s %q is not in the table of docs/operations.md (as | `%s` |)", label, d.value, d.value)
			}
		}
	}
}

// startMetricsServer starts a server with an operations listener and waits
// until the listener answers.
func startMetricsServer(t *testing.T) (Config, *testServer) {
	t.Helper()
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
	return cfg, ts
}

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const fakeMetrics = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 1042
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.09715200e+08
overfit_sessions_active{kind="pty"} 1000
`

func TestParseProcessMetrics(t *testing.T) {
	s, err := parseProcessMetrics(strings.NewReader(fakeMetrics))
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUSeconds != 12.5 || s.RSSBytes != 209715200 {
		t.Fatalf("sample = %+v", s)
	}
	if _, err := parseProcessMetrics(strings.NewReader("go_goroutines 3\n")); err == nil {
		t.Fatalf("metrics without process series accepted")
	}
	if _, err := parseProcessMetrics(strings.NewReader("process_cpu_seconds_total x\n")); err == nil {
		t.Fatalf("bad value accepted")
	}
}

func TestMetricsSamplerScrapes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(fakeMetrics))
	}))
	defer srv.Close()
	s, err := newMetricsSampler(srv.URL + "/metrics").sample(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUSeconds != 12.5 {
		t.Fatalf("cpu = %g", s.CPUSeconds)
	}
	if _, err := newMetricsSampler(srv.URL + "/nope").sample(t.Context()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404 endpoint: err = %v", err)
	}
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The two standard process-collector series of the Prometheus Go client.
const (
	metricCPU = "process_cpu_seconds_total"
	metricRSS = "process_resident_memory_bytes"
)

// metricsSampler scrapes a Prometheus text endpoint.
type metricsSampler struct {
	url    string
	client *http.Client
}

func newMetricsSampler(url string) metricsSampler {
	return metricsSampler{url: url, client: &http.Client{Timeout: 5 * time.Second}}
}

func (m metricsSampler) source() string { return m.url }

func (m metricsSampler) sample(ctx context.Context) (resourceSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return resourceSample{}, fmt.Errorf("metrics request: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return resourceSample{}, fmt.Errorf("scrape metrics: %w (is --metrics-listen set on the server?)", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resourceSample{}, fmt.Errorf("scrape metrics: %s", resp.Status)
	}
	return parseProcessMetrics(io.LimitReader(resp.Body, 8<<20))
}

// parseProcessMetrics reads the two unlabelled process series from a
// Prometheus text exposition. Only these two lines matter, so a line scan is
// enough and avoids tying the generator to expfmt's validation-scheme churn.
func parseProcessMetrics(r io.Reader) (resourceSample, error) {
	var s resourceSample
	var haveCPU, haveRSS bool
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || (f[0] != metricCPU && f[0] != metricRSS) {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return resourceSample{}, fmt.Errorf("parse %s value %q: %w", f[0], f[1], err)
		}
		if f[0] == metricCPU {
			s.CPUSeconds, haveCPU = v, true
		} else {
			s.RSSBytes, haveRSS = int64(v), true
		}
	}
	if err := sc.Err(); err != nil {
		return resourceSample{}, fmt.Errorf("read metrics: %w", err)
	}
	if !haveCPU || !haveRSS {
		return resourceSample{}, fmt.Errorf("metrics lack %s or %s (is the process collector registered?)", metricCPU, metricRSS)
	}
	return s, nil
}

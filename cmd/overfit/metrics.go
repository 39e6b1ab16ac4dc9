package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (no package-level state: tests run several servers in one process).
type metrics struct {
	reg        *prometheus.Registry
	sessions   *prometheus.CounterVec // started sessions by mode
	rejections *prometheus.CounterVec // refused sessions and connections by reason
	duration   *prometheus.HistogramVec
	bytesSent  prometheus.Counter
	frameTime  prometheus.Histogram // time to render a new frame; see timedModel
	writeGap   prometheus.Histogram // time between a session's writes; see sessionWriter
	seeks      prometheus.Counter   // jumps into a run (joins far in)
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overfit_sessions_total",
			Help: "Sessions started, by mode (tui, stream, web: a browser, options: --help or bad options).",
		}, []string{"mode"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overfit_rejections_total",
			Help: "Sessions and connections refused, by reason.",
		}, []string{"reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "overfit_session_duration_seconds",
			Help:    "How long sessions lasted, by mode.",
			Buckets: []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600},
		}, []string{"mode"}),
		bytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "overfit_bytes_sent_total",
			Help: "Bytes sent to clients on session channels.",
		}),
		frameTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "overfit_frame_render_seconds",
			Help:    "Time the session UI took to render each new frame (its View; the terminal diff and the write are not included).",
			Buckets: []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3},
		}),
		seeks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "overfit_seeks_total",
			Help: "Jumps of a session's run to a point far ahead (a join hours into a run); live viewers step forward instead.",
		}),
		writeGap: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "overfit_write_gap_seconds",
			Help: "Time between consecutive writes to a session's client. A live 1x session writes a frame every 0.5 s; " +
				"gaps over 1 s are paused or slowed sessions, or a server too busy to keep the frame rate.",
			Buckets: []float64{0.25, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 5, 30},
		}),
	}
	m.reg.MustRegister(
		m.sessions, m.rejections, m.duration, m.bytesSent, m.frameTime, m.writeGap, m.seeks,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "overfit_sessions_active",
			Help: "Sessions running now.",
		}, func() float64 { return float64(s.limits.live()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "overfit_connections_open",
			Help: "SSH connections open now (handshaking or not).",
		}, func() float64 { return float64(s.conns.Load()) }),
		// Scheduling latency and GC pauses show whether late frames come
		// from a busy CPU or from the collector.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.MetricsScheduler, collectors.MetricsGC)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// rejected counts one refusal.
func (m *metrics) rejected(reason string) { m.rejections.WithLabelValues(reason).Inc() }

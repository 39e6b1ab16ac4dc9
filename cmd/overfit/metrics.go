package main

import (
	"net/http"
	"strings"

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
	bytesSent  prometheus.Counter   // bytes written to clients, all sessions
	frameTime  prometheus.Histogram // time to render a new frame; see timedModel
	writeGap   prometheus.Histogram // time between a session's writes; see sessionWriter
	seeks      prometheus.Counter   // jumps into a run (joins far in)
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overfit_sessions_total",
			Help: "Sessions started, counted when they start, by mode: " + labelsHelp(sessionModes()) + ".",
		}, []string{"mode"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overfit_rejections_total",
			Help: "Sessions and connections refused or cut off by a limit, by reason: " + labelsHelp(rejectReasons()) + ".",
		}, []string{"reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "overfit_session_duration_seconds",
			Help:    "How long sessions lasted, observed when they end, by mode (as overfit_sessions_total).",
			Buckets: []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600},
		}, []string{"mode"}),
		bytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "overfit_sent_bytes_total",
			Help: "Bytes sent to clients by sessions (SSH channels' stdout and stderr, browser sessions' WebSocket messages).",
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
	// Every label value exists from the start, at 0: a rate() or an alert
	// on a reason never seen before would have no series to work on.
	for _, mode := range sessionModes() {
		m.sessions.WithLabelValues(mode.value)
		m.duration.WithLabelValues(mode.value)
	}
	for _, r := range rejectReasons() {
		m.rejections.WithLabelValues(r.value)
	}
	bi := readBuildInfo()
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "overfit_build_info",
		Help: "Always 1; its labels say which build is running (version and revision as `overfit version` prints them; revision empty without version control information).",
	}, []string{"version", "revision", "goversion"})
	buildInfo.WithLabelValues(bi.Version, bi.Revision, bi.GoVersion).Set(1)
	m.reg.MustRegister(
		buildInfo,
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

// started counts a session at its start.
func (m *metrics) started(mode string) { m.sessions.WithLabelValues(mode).Inc() }

// Session modes, the values of the mode label.
const (
	modeTUI     = "tui"
	modeStream  = "stream"
	modeWeb     = "web"
	modeOptions = "options"
)

// labelDoc is a label value and what it means.
type labelDoc struct{ value, help string }

// labelsHelp lists label values and their meaning for a HELP text.
func labelsHelp(docs []labelDoc) string {
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = d.value + " (" + d.help + ")"
	}
	return strings.Join(parts, ", ")
}

// sessionModes documents every mode, in the HELP text and the README (a
// test checks both).
func sessionModes() []labelDoc {
	return []labelDoc{
		{modeTUI, "the dashboard, over SSH with a terminal"},
		{modeStream, "the plain log, over SSH without a terminal"},
		{modeWeb, "the dashboard in a browser"},
		{modeOptions, "--help, or options that did not parse: a message and no run"},
	}
}

// rejectReason is a value of overfit_rejections_total's reason label.
type rejectReason string

// Why a session or a connection was refused; each is a limit of the
// README's server configuration.
const (
	rejectServerFull     rejectReason = "server_full"
	rejectSessionsPerIP  rejectReason = "sessions_per_ip"
	rejectChannels       rejectReason = "channels_per_connection"
	rejectConnRate       rejectReason = "conn_rate"
	rejectConnsPerIP     rejectReason = "conns_per_ip"
	rejectConnsTotal     rejectReason = "conns_total"
	rejectSessionRate    rejectReason = "session_rate"
	rejectStartTimeout   rejectReason = "start_timeout"
	rejectIdleConnection rejectReason = "idle_connection"
	rejectShuttingDown   rejectReason = "shutting_down"
	rejectWebHandshake   rejectReason = "web_handshake"
	// Not a limit: a failed login in private mode.
	rejectKeyNotAuthorized rejectReason = "key_not_authorized"
)

// rejectReasons documents every reason, in the HELP text and the README
// (a test checks both).
func rejectReasons() []labelDoc {
	return []labelDoc{
		{string(rejectServerFull), "a session refused at --max-sessions"},
		{string(rejectSessionsPerIP), "a session refused at --max-sessions-per-ip"},
		{string(rejectChannels), "a session channel refused at --max-channels on its connection"},
		{string(rejectConnRate), "a connection (SSH or browser) refused over --conn-rate-per-ip"},
		{string(rejectConnsPerIP), "a connection closed at --max-conns-per-ip"},
		{string(rejectConnsTotal), "a connection closed at --max-conns"},
		{string(rejectSessionRate), "a session refused for starting over 16 then 4 a second on one connection"},
		{string(rejectStartTimeout), "a channel closed for asking for no session within --start-timeout"},
		{string(rejectIdleConnection), "a connection closed for holding no channel for --start-timeout"},
		{string(rejectShuttingDown), "a session refused because the server is stopping"},
		{string(rejectWebHandshake), "a browser's WebSocket handshake refused (foreign Origin or malformed)"},
		{string(rejectKeyNotAuthorized), "with --authorized-keys, a public key refused (not in the file, or used from an address its from= excludes); one per key a client offers"},
	}
}

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// pprofEnv, when set to a non-empty value, mounts net/http/pprof under
// /debug/pprof/ on the operations listener: profiling thousands of sessions
// is how the renderer's costs were found, and it must never be on by
// accident, so it is neither a flag nor on the default mux.
const pprofEnv = "OVERFIT_PPROF"

// startHTTP opens the optional operations listener (--metrics-listen) with
// Prometheus /metrics and /healthz: 200 while serving, 503 from the stop
// signal on (through --drain-delay and the shutdown), so a load balancer
// stops sending visitors before the port closes and sessions are told
// goodbye. It returns a function that closes the listener.
func (s *Server) startHTTP() (func(), error) {
	if s.cfg.MetricsListen == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for /healthz: %w (change --metrics-listen)", s.cfg.MetricsListen, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		if closing || s.draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ok %d sessions\n", s.limits.live())
	})
	paths := "/healthz /metrics"
	if os.Getenv(pprofEnv) != "" {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		paths += " /debug/pprof/"
	}
	mux.Handle("GET /metrics", s.met.handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.log.Info("operations listener", "addr", ln.Addr().String(), "paths", paths)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

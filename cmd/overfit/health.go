package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// startHTTP opens the optional operations listener (--metrics-listen) with
// /healthz: 200 while serving, 503 once shutting down, so a load balancer
// stops sending visitors before sessions are told goodbye. It returns a
// function that closes the listener.
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
		if closing {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ok %d sessions\n", s.limits.live())
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.log.Info("operations listener", "addr", ln.Addr().String(), "paths", "/healthz")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

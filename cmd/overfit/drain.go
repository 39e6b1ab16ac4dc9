package main

import "time"

// maxDrainDelay bounds --drain-delay: a balancer's health checks notice a
// 503 within seconds, and an orchestrator's grace period has to cover the
// drain plus the shutdown timeout.
const maxDrainDelay = 5 * time.Minute

// drain runs between the stop signal and the shutdown when --drain-delay is
// set: /healthz answers 503 while the SSH listener still accepts and serves
// newcomers as usual. A load balancer checking /healthz takes this replica
// out of rotation meanwhile, so no visitor it sends in the last moments
// finds the port closed (a refused connect can be retried by the balancer;
// a connection reset after it was accepted cannot). Newcomers of the drain
// get the goodbye with everyone else when the shutdown starts.
//
// It reports stopped, with the SSH server's error, when the server stopped
// by itself during the drain (served has then been read).
func (s *Server) drain(served <-chan error) (stopped bool, err error) {
	d := s.cfg.Limits.DrainDelay
	if d <= 0 {
		return false, nil
	}
	s.draining.Store(true)
	s.log.Info("draining", "for", d.String(), "sessions", s.limits.live())
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return false, nil
	case err := <-served:
		return true, err
	}
}

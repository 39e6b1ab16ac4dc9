package main

import (
	"sync"
	"time"
)

// Log lines about refusals (limits hit, failed logins) allowed: a burst of
// rejectLogBurst, then rejectLogRate a second, for the whole server. Every
// refusal is caused by a client, so without a bound one client could make
// the server write as many lines as it can send connections; the metric
// still counts every refusal, and the next line logged says how many were
// left out.
const (
	rejectLogBurst = 20
	rejectLogRate  = 2
)

// logLimiter rations log lines and counts those it dropped.
type logLimiter struct {
	burst, perSecond float64

	mu      sync.Mutex
	bucket  tokenBucket
	dropped int64
}

func newLogLimiter(burst, perSecond float64, now time.Time) *logLimiter {
	return &logLimiter{burst: burst, perSecond: perSecond, bucket: fullBucket(burst, now)}
}

// allow says whether a line may be written at now and, when it may, how
// many were dropped since the last line written.
func (l *logLimiter) allow(now time.Time) (ok bool, dropped int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.bucket.take(now, l.burst, l.perSecond) {
		l.dropped++
		return false, 0
	}
	dropped, l.dropped = l.dropped, 0
	return true, dropped
}

// reject counts a refusal in overfit_rejections_total and logs it, within
// the server's ration of refusal lines. attrs say who was refused (client,
// port, user, ...).
func (s *Server) reject(reason rejectReason, attrs ...any) {
	s.met.rejections.WithLabelValues(string(reason)).Inc()
	ok, dropped := s.rejectLog.allow(time.Now())
	if !ok {
		return
	}
	attrs = append(attrs, "reason", string(reason))
	if dropped > 0 {
		attrs = append(attrs, "suppressed", dropped)
	}
	s.log.Info("rejected", attrs...)
}

package main

import (
	"errors"
	"sync"
)

// Reasons a session is refused, as they appear in logs.
var (
	errServerFull   = errors.New("server full")
	errTooManyForIP = errors.New("too many sessions from this address")
	errShuttingDown = errors.New("server shutting down")
)

// sessionLimiter counts live sessions, in all and per client address, so a
// new session can be refused before anything is allocated for it.
type sessionLimiter struct {
	mu       sync.Mutex
	max      int
	maxPerIP int
	total    int
	perIP    map[string]int
	closed   bool
}

func newSessionLimiter(max, maxPerIP int) *sessionLimiter {
	return &sessionLimiter{max: max, maxPerIP: maxPerIP, perIP: map[string]int{}}
}

// acquire takes a slot for ip, or says why not. Every nil return must be
// paired with one release(ip).
func (l *sessionLimiter) acquire(ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return errShuttingDown
	case l.max > 0 && l.total >= l.max:
		return errServerFull
	case l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP:
		return errTooManyForIP
	}
	l.total++
	l.perIP[ip]++
	return nil
}

// release returns a slot taken by acquire.
func (l *sessionLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip] <= 1 {
		delete(l.perIP, ip)
	} else {
		l.perIP[ip]--
	}
}

// close refuses every later acquire: the server is going away.
func (l *sessionLimiter) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// live is the number of sessions holding a slot.
func (l *sessionLimiter) live() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

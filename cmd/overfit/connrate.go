package main

import (
	"sync"
	"time"
)

// connRate limits new connections per client address with one token bucket
// per address: a burst of perMinute, refilled at perMinute a minute.
type connRate struct {
	perMinute int

	mu        sync.Mutex
	buckets   map[string]*tokenBucket
	lastSweep time.Time
}

func newConnRate(perMinute int) *connRate {
	return &connRate{perMinute: perMinute, buckets: map[string]*tokenBucket{}}
}

// allow takes a token for ip at now, or reports that ip is over its rate.
func (r *connRate) allow(ip string, now time.Time) bool {
	if r.perMinute <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(now)
	capacity := float64(r.perMinute)
	b, ok := r.buckets[ip]
	if !ok {
		fresh := fullBucket(capacity, now)
		b = &fresh
		r.buckets[ip] = b
	}
	return b.take(now, capacity, capacity/60)
}

// sweep forgets addresses whose bucket has refilled, so the map only holds
// addresses seen within the last minute.
func (r *connRate) sweep(now time.Time) {
	if now.Sub(r.lastSweep) < time.Minute {
		return
	}
	r.lastSweep = now
	for ip, b := range r.buckets {
		if now.Sub(b.last) >= time.Minute {
			delete(r.buckets, ip)
		}
	}
}

// tracked is the number of addresses held, for tests.
func (r *connRate) tracked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.buckets)
}

package main

import (
	"errors"
	"sync"
)

// Reasons a connection is refused before its handshake.
var (
	errTooManyConns      = errors.New("too many connections")
	errTooManyConnsForIP = errors.New("too many connections from this address")
)

// connCap counts open connections, in all and per client, so that idle
// connections (each holds SSH buffers and goroutines, and the server's own
// keepalives keep it alive) cannot pile up: one address, or all of them
// together, only get so many.
type connCap struct {
	max, maxPerClient int

	mu    sync.Mutex
	total int
	per   map[string]int
}

func newConnCap(max, maxPerClient int) *connCap {
	return &connCap{max: max, maxPerClient: maxPerClient, per: map[string]int{}}
}

// acquire takes a connection place for client, or says why not. Every nil
// return must be paired with one release(client).
func (c *connCap) acquire(client string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.max > 0 && c.total >= c.max:
		return errTooManyConns
	case c.maxPerClient > 0 && c.per[client] >= c.maxPerClient:
		return errTooManyConnsForIP
	}
	c.total++
	c.per[client]++
	return nil
}

// release returns a place taken by acquire.
func (c *connCap) release(client string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.per[client] <= 1 {
		delete(c.per, client)
	} else {
		c.per[client]--
	}
}

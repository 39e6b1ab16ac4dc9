package main

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"
)

// newSessionID names one session in the logs, so its start and end lines
// (and any warning between) can be joined up: 16 hex digits from
// crypto/rand, unique across replicas and restarts for any practical count.
func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+: it panics instead)
	return hex.EncodeToString(b[:])
}

// portOf is the port of a TCP address, 0 when it has none: with the
// address it names the client's connection, as the client's own logs and
// firewalls see it.
func portOf(a net.Addr) int {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.Port
	}
	_, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

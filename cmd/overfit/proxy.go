package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pires/go-proxyproto"
)

// proxyPolicy builds the PROXY protocol policy for --proxy-protocol-from:
// connections from a listed load balancer must start with a PROXY header
// (its client address then counts for every per-IP limit and log line);
// anyone else is served as a direct client, and a PROXY header from them is
// just a broken handshake — so nobody can spoof an address. A nil policy
// means the feature is off.
func proxyPolicy(from string) (proxyproto.ConnPolicyFunc, error) {
	var ranges []string
	for _, r := range strings.Split(from, ",") {
		if r = strings.TrimSpace(r); r != "" {
			ranges = append(ranges, r)
		}
	}
	if len(ranges) == 0 {
		return nil, nil
	}
	p, err := proxyproto.PolicyFromRanges(ranges, proxyproto.REQUIRE, proxyproto.SKIP)
	if err != nil {
		return nil, fmt.Errorf("--proxy-protocol-from: %w (want IPs or CIDRs, e.g. 10.0.0.0/8,192.168.1.5)", err)
	}
	return p, nil
}

// withProxyProtocol wraps ln when --proxy-protocol-from is set. The header
// is read in the connection's own goroutine, within headerTimeout.
func withProxyProtocol(ln net.Listener, from string, headerTimeout time.Duration) (net.Listener, error) {
	policy, err := proxyPolicy(from)
	if err != nil || policy == nil {
		return ln, err
	}
	if headerTimeout <= 0 {
		headerTimeout = 10 * time.Second
	}
	return &proxyproto.Listener{Listener: ln, ConnPolicy: policy, ReadHeaderTimeout: headerTimeout}, nil
}

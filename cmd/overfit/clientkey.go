package main

import (
	"net"
	"net/netip"
	"strconv"
	"unicode/utf8"
)

// clientKey names the client behind addr for the per-address limits
// (sessions, connections, connection rate). An IPv4 address is one client;
// an IPv6 address is grouped by its first prefix bits, because one
// subscriber is routinely given a whole /64 and can pick any address in it.
func clientKey(addr net.Addr, prefix int) string {
	ip, ok := addrIP(addr)
	if !ok {
		return hostOf(addr)
	}
	ip = ip.Unmap()
	if ip.Is4() || prefix >= 128 {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(prefix)
	if err != nil {
		return ip.String()
	}
	return p.String()
}

// addrIP is the IP of a TCP address (or of any host:port address).
func addrIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(ta.IP)
		return ip, ok
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr(), true
}

// maxLoggedClientString bounds a client-chosen string (user name, TERM) in
// a log line: an SSH user name can be 200 KB, logged twice per session.
const maxLoggedClientString = 64

// clientString makes a client-chosen string safe for a log line: at most
// maxLoggedClientString bytes of it (cut on a character boundary, marked
// with "…"), with control characters, quotes, backslashes and invalid UTF-8
// escaped Go-style, so a line can be neither forged nor blown up.
func clientString(s string) string {
	cut := len(s) > maxLoggedClientString
	if cut {
		n := maxLoggedClientString
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	q := strconv.Quote(s)
	q = q[1 : len(q)-1]
	if cut {
		q += "…"
	}
	return q
}

package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// staticFiles are the browser terminal (xterm.js and its fit addon, from
// npm via scripts/update-xterm.sh, with their licenses) and the page's own
// script and style.
//
//go:embed web/static
var staticFiles embed.FS

// webServer serves the web viewer: pages, static files and the WebSocket
// that carries each browser session.
type webServer struct {
	srv     *Server
	trusted []netip.Prefix // proxies whose X-Forwarded-For is believed
	base    string         // public base URL, no trailing slash
	origins []string       // extra allowed Origin hosts (the public URL's)
	preview *previewCache  // link preview images
}

// startWeb opens the web viewer's listener (--http-listen) and sets the
// web link every footer shows. It returns a function that closes the
// listener; browser sessions are ended with the SSH ones by shutdown.
func (s *Server) startWeb() (func(), error) {
	c := s.cfg.Web
	if c.Listen == "" {
		return func() {}, nil
	}
	trusted, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return nil, err
	}
	raster, err := newRasterizer()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for the web viewer: %w (change --http-listen, or set it to \"\" to turn the web viewer off)", c.Listen, err)
	}
	base := strings.TrimRight(c.PublicURL, "/")
	if base == "" {
		port := "80"
		if ta, ok := ln.Addr().(*net.TCPAddr); ok {
			port = strconv.Itoa(ta.Port)
		}
		base = "http://" + net.JoinHostPort(s.share.SSHHost, port)
		base = strings.TrimSuffix(base, ":80")
	}
	ws := &webServer{srv: s, trusted: trusted, base: base, preview: newPreviewCache(raster)}
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		ws.origins = []string{u.Host}
	}
	s.share.Web = base
	hs := &http.Server{
		Handler:           ws.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		// Broken clients are not the operator's problem.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = hs.Serve(ln) }()
	s.log.Info("web viewer", "addr", ln.Addr().String(), "url", base)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if hs.Shutdown(ctx) != nil {
			_ = hs.Close()
		}
	}, nil
}

// routes maps the web viewer's paths.
func (ws *webServer) routes() http.Handler {
	static, _ := fs.Sub(staticFiles, "web/static")
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", ws.servePage)
	mux.HandleFunc("GET /r/{id}", ws.serveRun)
	mux.HandleFunc("GET /ws", ws.serveSocket)
	mux.Handle("GET /static/", http.StripPrefix("/static/", withHeaders(files, map[string]string{
		"Cache-Control": "public, max-age=3600",
	})))
	return withHeaders(mux, map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	})
}

// withHeaders sets fixed response headers before h runs.
func withHeaders(h http.Handler, headers map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		h.ServeHTTP(w, r)
	})
}

// clientIP is the address per-address limits count a request against: the
// peer, or — when the peer is a trusted proxy — the nearest address in
// X-Forwarded-For that is not itself a trusted proxy. Nobody else can
// choose their address by sending the header.
func (ws *webServer) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return hostOfString(r.RemoteAddr)
	}
	addr := peer.Addr().Unmap()
	if !ws.isTrusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop at the last address we can trust
		}
		addr = a.Unmap()
		if !ws.isTrusted(addr) {
			break
		}
	}
	return addr.String()
}

func (ws *webServer) isTrusted(a netip.Addr) bool {
	for _, p := range ws.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hostOfString is host of "host:port", or s itself.
func hostOfString(s string) string {
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}

// ipKey is clientKey for an address given as text (a browser's, possibly
// from X-Forwarded-For): IPv6 clients are grouped by prefix.
func ipKey(ip string, prefix int) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return clientKey(net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, 0)), prefix)
}

package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
)

// runWeb is run for a browser session: a WebSocket to the web viewer's
// /ws with the PTY size in the query, read as one byte stream (the frames
// a browser's xterm.js would draw). Like the SSH clients it only watches.
func (s *session) runWeb(ctx context.Context) {
	c := s.p.clock
	dctx, cancel := context.WithTimeout(ctx, s.p.timeout)
	u := fmt.Sprintf("ws://%s/ws?cols=%d&rows=%d", s.p.addr, s.p.width, s.p.height)
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: &http.Client{Timeout: s.p.timeout}})
	cancel()
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		s.fail(stageConnect, err)
		return
	}
	conn.SetReadLimit(4 << 20)
	nc := websocket.NetConn(context.Background(), conn, websocket.MessageBinary)
	if !s.attach(nc) {
		_ = nc.Close()
		s.failReason(reasonCut)
		return
	}
	readErr := s.read(nc)
	s.ended.Store(int64(c.now()))
	head := s.outHead[:s.outN:s.outN]
	reason := endReason(head, nil, readErr)
	s.reason.Store(&reason)
}

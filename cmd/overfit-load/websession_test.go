package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestLoadWebSessions: with -web, sessions are WebSockets to /ws with the
// size in the query, and their binary messages are counted as frames.
func TestLoadWebSessions(t *testing.T) {
	var sizes atomic.Pointer[string]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("cols") + "x" + r.URL.Query().Get("rows")
		sizes.Store(&q)
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow() //nolint:errcheck
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			msg := fmt.Sprintf("\x1b[H\x1b[2Kstep %d loss 2.%03d", i, i%1000)
			if c.Write(r.Context(), websocket.MessageBinary, []byte(msg)) != nil {
				return
			}
			<-tick.C
		}
	}))
	t.Cleanup(srv.Close)
	cfg, err := parseConfig(t.Context(), []string{
		"-web", "-addr", strings.TrimPrefix(srv.URL, "http://"),
		"-sessions", "3", "-ramp", "200", "-duration", "1s", "-timeout", "10s", "-size", "80x24",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	res, err := newRunner(cfg, nil, io.Discard).run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep := buildReport(cfg, res)
	if rep.Held != 3 || rep.Failed != 0 {
		t.Fatalf("held %d failed %d (%v), want 3 held", rep.Held, rep.Failed, rep.FailReasons)
	}
	if rep.BytesPerSec.Median <= 0 || rep.FramesPerSec.Median <= 0 {
		t.Fatalf("nothing counted: bytes %+v frames %+v", rep.BytesPerSec, rep.FramesPerSec)
	}
	if got := sizes.Load(); got == nil || *got != "80x24" {
		t.Fatalf("size sent %v, want 80x24", got)
	}
}

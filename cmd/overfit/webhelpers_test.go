package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/coder/websocket"
	gossh "golang.org/x/crypto/ssh"
)

// startWebServer runs a server with its web viewer on a free loopback port
// and returns it with the viewer's base URL, once the viewer answers.
func startWebServer(t *testing.T, cfg Config) (*testServer, string) {
	t.Helper()
	cfg.Web.Listen = freeAddr(t)
	ts := startServer(t, cfg)
	base := "http://" + cfg.Web.Listen
	eventually(t, "the web viewer to listen", func() bool {
		c, err := net.DialTimeout("tcp", cfg.Web.Listen, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
	return ts, base
}

// publicBase is the web viewer's address as footers and previews name it:
// the SSH host (localhost without --public-addr) and the HTTP port.
func publicBase(base string) string {
	return strings.Replace(base, "127.0.0.1", "localhost", 1)
}

// webScreen is a browser session as the test sees it: its output feeds a
// terminal emulator (screen, so the SSH helpers compare it), keys and
// resizes go out as the page's script sends them.
type webScreen struct {
	*screen
	conn   *websocket.Conn
	closed chan error // the read loop's end: nil for a normal close
}

// openWeb opens a web session of w×h ("" join for a new run).
func openWeb(t *testing.T, base string, w, h int, join string) *webScreen {
	t.Helper()
	ws, err := dialWeb(t, base, w, h, join, nil)
	if err != nil {
		t.Fatalf("open a web session: %v", err)
	}
	return ws
}

// dialWeb is openWeb with extra request headers, returning the dial error.
func dialWeb(t *testing.T, base string, w, h int, join string, header http.Header) (*webScreen, error) {
	t.Helper()
	q := url.Values{"cols": {fmt.Sprint(w)}, "rows": {fmt.Sprint(h)}}
	if join != "" {
		q.Set("join", join)
	}
	u := "ws" + base[len("http"):] + "/ws?" + q.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, err
	}
	conn.SetReadLimit(4 << 20)
	s := &screen{t: t, emu: vt.NewEmulator(w, h)}
	ws := &webScreen{screen: s, conn: conn, closed: make(chan error, 1)}
	s.stdin = wsKeys{conn}
	go func() {
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
					err = nil
				}
				ws.closed <- err
				return
			}
			s.feed(b)
		}
	}()
	// The emulator's answers (the background color) go back as a
	// browser's terminal would send them.
	go func() { _, _ = io.Copy(wsKeys{conn}, s.emu) }()
	t.Cleanup(func() {
		_ = conn.CloseNow()
		if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
			_ = pw.Close()
		}
	})
	return ws, nil
}

// wsKeys sends keystrokes as binary messages.
type wsKeys struct{ conn *websocket.Conn }

func (k wsKeys) Write(p []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := k.conn.Write(ctx, websocket.MessageBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// resize does what the fit addon does when the window changes.
func (ws *webScreen) resize(w, h int) {
	ws.t.Helper()
	ws.mu.Lock()
	ws.emu.Resize(w, h)
	_, _ = ws.emu.Write([]byte("\x1b[r\x1b[H\x1b[2J"))
	ws.mu.Unlock()
	msg, _ := json.Marshal(map[string]int{"cols": w, "rows": h})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := ws.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		ws.t.Fatalf("resize: %v", err)
	}
}

// waitClosed waits for the server to end the session and returns how.
func (ws *webScreen) waitClosed() error {
	ws.t.Helper()
	select {
	case err := <-ws.closed:
		return err
	case <-time.After(waitLimit):
		ws.t.Fatal("the server never closed the web session")
		return errors.New("timeout")
	}
}

// dialAs opens an SSH connection with the given user name.
func dialAs(t *testing.T, addr, user string) *gossh.Client {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // a test server on loopback
		Timeout:         waitLimit,
	})
	if err != nil {
		t.Fatalf("dial %s as %s: %v", addr, user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// httpGet fetches a URL of the web viewer.
func httpGet(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	c := &http.Client{Timeout: waitLimit}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close() //nolint:errcheck
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp, b
}

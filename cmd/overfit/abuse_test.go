package main

import (
	"crypto/rand"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/app"
)

// TestHostileClientsDoNotDisturbOthers runs bounded attacks one after the
// other while a canary session watches its run; the canary must keep
// receiving frames through every attack, and a new session must work after.
func TestHostileClientsDoNotDisturbOthers(t *testing.T) {
	base := runtime.NumGoroutine() + 2 // Serve and the accept loop
	cfg := testConfig(t)
	cfg.Limits.HandshakeTimeout = 500 * time.Millisecond
	ts := startServer(t, cfg)

	cc, _ := dial(t, ts.addr)
	canary := openScreen(t, cc, 100, 30, "--speed 4")
	canary.waitFor("the canary's first frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	// Measured with the server and the canary up, so lazily built shared
	// tables (key maps, catalogs) count in both figures.
	heapBefore := liveHeap()

	attack := func(name string, fn func(t *testing.T)) {
		t.Helper()
		before := len(canary.rawOutput())
		fn(t)
		eventually(t, "the canary to receive frames after: "+name, func() bool { return len(canary.rawOutput()) > before })
	}

	attack("65535x65535 PTY and a resize storm", func(t *testing.T) {
		c, _ := dial(t, ts.addr)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 65535, 65535, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		stdout, _ := sess.StdoutPipe()
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3000; i++ {
			if err := sess.WindowChange(1+i%65535, 65535-i); err != nil {
				t.Fatalf("window change %d: %v", i, err)
			}
		}
		_ = c.Close()
	})

	attack("random bytes on stdin", func(t *testing.T) {
		c, _ := dial(t, ts.addr)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		stdin, _ := sess.StdinPipe()
		stdout, _ := sess.StdoutPipe()
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		junk := make([]byte, 256<<10)
		_, _ = rand.Read(junk)
		// The session may quit on a random 'q' midway; that is fine.
		_, _ = stdin.Write(junk)
		_ = c.Close()
	})

	attack("many session channels on one connection", func(t *testing.T) {
		c, _ := dial(t, ts.addr)
		opened := 0
		for i := 0; i < 50; i++ {
			if _, err := c.NewSession(); err == nil {
				opened++
			}
		}
		if opened != cfg.Limits.MaxChannels {
			t.Errorf("opened %d channels on one connection, want the cap %d", opened, cfg.Limits.MaxChannels)
		}
		_ = c.Close()
	})

	attack("connections that never finish the handshake", func(t *testing.T) {
		var conns []net.Conn
		for i := 0; i < 100; i++ {
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				_, _ = io.WriteString(conn, "SSH-2.0-slowloris\r\n") // then nothing
			}
			conns = append(conns, conn)
		}
		// The server hangs up on all of them by itself.
		for _, conn := range conns {
			_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
			if _, err := io.Copy(io.Discard, conn); err != nil {
				t.Fatalf("half-open connection not dropped by the server: %v", err)
			}
			_ = conn.Close()
		}
	})

	attack("disconnect mid-handshake and mid-frame", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(conn, "SSH-2.0-x\r\n\x00\x00\x01")
			_ = conn.Close()
		}
		c, _ := dial(t, ts.addr)
		s := openScreen(t, c, 120, 40, "--speed 4")
		s.waitFor("a frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })
		_ = c.Close()
	})

	attack("a huge exec command line and an env flood", func(t *testing.T) {
		c, _ := dial(t, ts.addr)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1000; i++ {
			_ = sess.Setenv("LANG", "C")
		}
		code := -1
		var errOut syncBuffer
		sess.Stderr = &errOut
		if err := sess.Start("--model " + strings.Repeat("x", 200<<10)); err == nil {
			code = waitExit(t, sess)
		}
		if code != 2 && code != -1 {
			t.Errorf("huge command line: exit %d, want 2 (or a refused request)", code)
		}
		if len(errOut.String()) > 1024 {
			t.Errorf("the error line echoes the huge command (%d bytes)", len(errOut.String()))
		}
		_ = c.Close()
	})

	// A normal session still works afterwards, and everything the attacks
	// started has ended.
	c, _ := dial(t, ts.addr)
	if code, out, _ := runCommand(t, c, "--help"); code != 0 || !strings.Contains(out, "--seed") {
		t.Fatalf("a normal session after the attacks: exit %d", code)
	}
	_ = c.Close()
	canary.press("q")
	if code := waitExit(t, canary.sess); code != 0 {
		t.Fatalf("canary exit %d", code)
	}
	_ = cc.Close()
	if pw, ok := canary.emu.InputPipe().(*io.PipeWriter); ok {
		_ = pw.Close()
	}
	// The second screen's answer pump belongs to the test and ends at cleanup.
	waitGoroutines(t, base+1)
	heapAfter := liveHeap()
	t.Logf("goroutines: baseline %d, after %d; live heap: before %d KiB, after %d KiB",
		base, runtime.NumGoroutine(), heapBefore>>10, heapAfter>>10)
	// Sessions hold about 1 MiB each; a handful leaked would show.
	if heapAfter > heapBefore+8<<20 {
		t.Errorf("live heap grew from %d KiB to %d KiB across the attacks", heapBefore>>10, heapAfter>>10)
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// panicky is a session UI that panics when the visitor types "!".
type panicky struct{ tea.Model }

func (p *panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "!" {
		panic("test panic in a session")
	}
	next, cmd := p.Model.Update(msg)
	p.Model = next
	return p, cmd
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	ts := startServer(t, testConfig(t), func(s *Server) {
		s.newModel = func(c app.Config) (tea.Model, error) {
			m, err := app.New(c)
			return &panicky{m}, err
		}
	})
	c, _ := dial(t, ts.addr)
	canary := openScreen(t, c, 100, 30, "--speed 4")
	victim := openScreen(t, c, 100, 30, "--speed 4")
	canary.waitFor("the canary's frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	victim.waitFor("the victim's frame", func(txt string) bool { return strings.Contains(txt, "elapsed") })

	victim.press("!")
	if code := waitExit(t, victim.sess); code != 1 {
		t.Fatalf("panicking session: exit %d, want 1", code)
	}
	victim.waitFor("the error line", func(txt string) bool { return strings.Contains(txt, internalErrorMessage) })
	if victim.altScreen() || victim.cursorHidden() {
		t.Error("the panicking session's terminal was not restored")
	}

	before := len(canary.rawOutput())
	eventually(t, "the canary to keep receiving frames", func() bool { return len(canary.rawOutput()) > before })
	if code, _, _ := runCommand(t, c, "--help"); code != 0 {
		t.Fatalf("new session after the panic: exit %d", code)
	}
	canary.press("q")
	if code := waitExit(t, canary.sess); code != 0 {
		t.Fatalf("canary exit %d", code)
	}
}

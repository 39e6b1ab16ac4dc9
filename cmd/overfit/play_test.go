package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/overfit/overfit/app"
)

// TestPlayQuitsAfterABurstOfKeys runs `overfit play` in a real terminal
// (a pty) and pastes two thousand q's: the first quits, and play must
// return with the terminal restored. Input goes through readInput, whose
// sends return once the program has ended, so nothing is left blocked on
// the keys after the first (Bubble Tea's own reader would block on them).
func TestPlayQuitsAfterABurstOfKeys(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	go func() { _, _ = io.Copy(&out, ptmx) }()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"play", "--speed", "4"}, func(string) string { return "" }, tty, tty, io.Discard)
	}()
	eventually(t, "the dashboard", func() bool { return strings.Contains(out.String(), "elapsed") })

	begun := time.Now()
	if _, err := io.WriteString(ptmx, strings.Repeat("q", 2000)); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("play: exit %d", code)
		}
	case <-time.After(waitLimit):
		t.Fatal("play did not return after q")
	}
	t.Logf("play returned %v after the keys", time.Since(begun).Round(time.Millisecond))
	eventually(t, "the terminal restored (alternate screen left)", func() bool {
		return strings.Contains(out.String(), "\x1b[?1049l")
	})
}

// TestPlayShareNamesOnlyAConfiguredServer: local play shows a join line
// only for a server named by OVERFIT_PUBLIC_ADDR (or a web viewer by
// OVERFIT_PUBLIC_URL); by default there is none to join.
func TestPlayShareNamesOnlyAConfiguredServer(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if s := playShare(getenv); s != (app.Share{}) {
		t.Errorf("no public address: share %+v, want none", s)
	}
	env["OVERFIT_PUBLIC_ADDR"] = "overfit.example.com:2200"
	if s := playShare(getenv); s.SSHHost != "overfit.example.com" || s.SSHPort != 2200 || s.Web != "" {
		t.Errorf("public address: share %+v", s)
	}
	env = map[string]string{"OVERFIT_PUBLIC_URL": "https://overfit.example.com/"}
	if s := playShare(getenv); s.SSHHost != "" || s.Web != "https://overfit.example.com" {
		t.Errorf("public URL only: share %+v", s)
	}
}

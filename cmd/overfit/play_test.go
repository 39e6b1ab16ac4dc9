package main

import (
	"io"
	"os"
	"os/exec"
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

// TestPlayIntoAClosedPipe: `overfit play | head` ends quietly with status 0
// when head stops reading, for the log stream and for --list: no "signal:
// broken pipe", nothing on stderr. It runs play in a child process, as a
// shell would, because a write to a closed stdout is a signal to the whole
// process.
func TestPlayIntoAClosedPipe(t *testing.T) {
	for _, args := range []string{"--speed 50", "--list models"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPlayHelperProcess$")
		cmd.Env = append(os.Environ(), "OVERFIT_TEST_HELPER=play", "OVERFIT_TEST_PLAY_ARGS="+args)
		var stderr syncBuffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Read a little, as head -c 100 does, then close the pipe.
		buf := make([]byte, 100)
		if _, err := io.ReadFull(stdout, buf); err != nil {
			t.Fatalf("play %s: read: %v", args, err)
		}
		_ = stdout.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("play %s into a closed pipe: %v, want exit status 0", args, err)
			}
		case <-time.After(waitLimit):
			_ = cmd.Process.Kill()
			t.Fatalf("play %s kept running after its stdout closed", args)
		}
		if got := stderr.String(); got != "" {
			t.Errorf("play %s into a closed pipe: stderr %q, want nothing", args, got)
		}
	}
}

// TestPlayHelperProcess is the child of TestPlayIntoAClosedPipe: overfit
// play with the arguments from the environment, on the real stdout.
func TestPlayHelperProcess(t *testing.T) {
	if os.Getenv("OVERFIT_TEST_HELPER") != "play" {
		return // only as a child process
	}
	args := append([]string{"play"}, strings.Fields(os.Getenv("OVERFIT_TEST_PLAY_ARGS"))...)
	os.Exit(run(args, func(string) string { return "" }, nil, os.Stdout, os.Stderr))
}

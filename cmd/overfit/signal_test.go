package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMEndsSessionsWithGoodbye runs the real command line in-process
// and sends the process a SIGTERM, as `docker stop` would.
func TestSIGTERMEndsSessionsWithGoodbye(t *testing.T) {
	skipInShortMode(t)
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	args := []string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", t.TempDir(), "--shutdown-timeout", "5s"}
	go func() { exited <- run(args, func(string) string { return "" }, nil, &stdout, &stderr) }()

	addrRE := regexp.MustCompile(`msg=listening addr=(\S+)`)
	var addr string
	eventually(t, "the server to listen", func() bool {
		m := addrRE.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	c, _ := dial(t, addr)
	st := openStream(t, c, "--speed 10")
	st.lines(t, 1)

	begun := time.Now()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit status %d after SIGTERM, want 0; log:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server still running 10s after SIGTERM")
	}
	t.Logf("shutdown took %v", time.Since(begun).Round(time.Millisecond))
	if code := waitExit(t, st.sess); code != 0 {
		t.Errorf("session exit %d, want 0", code)
	}
	if got := st.stderr.String(); !strings.Contains(got, goodbyeShutdown) {
		t.Errorf("session stderr %q lacks the goodbye", got)
	}
}

package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/app"
)

// TestNoTerminalHintGoesToStderr: options without a PTY (ssh host --
// --seed 42, -t forgotten) stream the plain log on stdout, clean enough to
// redirect to a file, and say once on stderr how to get the dashboard. A
// bare ssh -T (the documented way to stream) and --help get no hint.
func TestNoTerminalHintGoesToStderr(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)

	st := openStream(t, c, "--seed 42 --speed 10")
	lines := st.lines(t, 20)
	out := strings.Join(lines, "")
	if strings.Contains(out, "-t") && strings.Contains(out, "dashboard") || strings.ContainsRune(out, '\x1b') {
		t.Errorf("stdout carries the hint or escapes:\n%s", out)
	}
	_, port := splitPort(t, ts.addr)
	want := fmt.Sprintf("overfit: no terminal, so this is the plain log; add -t for the dashboard: ssh -t -p %s localhost -- --seed 42 --speed 10\n", port)
	eventually(t, "the hint on stderr", func() bool { return st.stderr.String() != "" })
	if got := st.stderr.String(); got != want {
		t.Errorf("stderr %q, want exactly %q", got, want)
	}

	bare := openStream(t, c, "")
	bare.lines(t, 20)
	if got := bare.stderr.String(); got != "" {
		t.Errorf("ssh -T without options: stderr %q, want nothing", got)
	}
	code, _, errOut := runCommand(t, c, "--help")
	if code != 0 || errOut != "" {
		t.Errorf("--help without a terminal: exit %d, stderr %q", code, errOut)
	}
}

// TestNoTerminalHintIsBounded: options a client sends are repeated in the
// hint only when short and printable.
func TestNoTerminalHintIsBounded(t *testing.T) {
	for _, tc := range []struct{ command, want string }{
		{"--seed 42", "ssh -t -p 2222 localhost -- --seed 42"},
		{"-- --seed 42", "ssh -t -p 2222 localhost -- --seed 42"},
		{"--seed 42 " + strings.Repeat("--plain ", 20), "ssh -t -p 2222 localhost -- OPTIONS"},
		{"--seed 4\x1b]0;x\x07", "ssh -t -p 2222 localhost -- OPTIONS"},
	} {
		got := noTerminalHint(shareFor("localhost", 2222), tc.command)
		if !strings.HasSuffix(got, tc.want) || len(got) > 160 {
			t.Errorf("%q: hint %q, want it to end %q", tc.command, got, tc.want)
		}
	}
	if got := noTerminalHint(shareFor("demo.example.com", 22), "--plain"); !strings.HasSuffix(got, "ssh -t demo.example.com -- --plain") {
		t.Errorf("port 22: hint %q", got)
	}
}

// TestDumbTerminalGetsThePlainStream: a PTY whose TERM is dumb cannot take
// cursor addressing; it gets the plain log with CRLF line ends (its
// terminal is raw), and q ends it like the dashboard.
func TestDumbTerminalGetsThePlainStream(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("dumb", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("--seed 42 --speed 10"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "20 lines of log", func() bool { return strings.Count(stdout.String(), "\r\n") >= 20 })
	out := stdout.String()
	if strings.ContainsRune(out, '\x1b') {
		t.Errorf("a dumb terminal got escape sequences: %q", out[:min(len(out), 400)])
	}
	if strings.Count(out, "\n") != strings.Count(out, "\r\n") {
		t.Error("a raw terminal got a bare \\n")
	}
	if _, err := stdin.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, sess); code != 0 {
		t.Errorf("exit %d after q, want 0", code)
	}
	if got := stderr.String(); got != "" {
		t.Errorf("stderr %q, want nothing (a terminal was asked for)", got)
	}
}

// splitPort returns the host and port of a listener's address.
func splitPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func shareFor(host string, port int) app.Share {
	return app.Share{SSHHost: host, SSHPort: port}
}

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// barRE matches a tqdm-like progress bar: "Training:  42%|███▏  | 420/1000"
// or, where the pane is narrow, "Loading checkpoint shards:  34% 10/29".
var barRE = regexp.MustCompile(`\d+%[| ].*\d/\d`)

// modelName is the model the header must show for a session with seed.
func modelName(t *testing.T, seed uint64) string {
	t.Helper()
	st, err := sim.NewStream(sim.Options{Seed: seed, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return st.Run().Model.Name
}

// headerFits reports whether the screen has a header (the model's name and
// the run clock) laid out for width w: its right-aligned end lies in the
// last few columns.
func headerFits(txt, model string, w int) bool {
	for _, l := range strings.Split(txt, "\n") {
		if strings.Contains(l, "elapsed") && strings.Contains(l, "ETA") {
			hw := ansi.StringWidth(strings.TrimRight(l, " "))
			return strings.Contains(txt, model) && hw <= w && hw >= w-3
		}
	}
	return false
}

// widest is the display width of the longest line of a screen.
func widest(txt string) int {
	w := 0
	for _, l := range strings.Split(txt, "\n") {
		w = max(w, ansi.StringWidth(strings.TrimRight(l, " ")))
	}
	return w
}

// barLine returns the first line holding a progress bar.
func barLine(txt string) string {
	for _, l := range strings.Split(txt, "\n") {
		if barRE.MatchString(l) {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

func TestPTYSessionShowsRunResizesAndQuits(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 120, 40, "--seed 42 --speed 20")
	model := modelName(t, 42)

	txt := s.waitFor("header and a progress bar at 120x40", func(txt string) bool {
		return headerFits(txt, model, 120) && barLine(txt) != ""
	})
	if w := widest(txt); w > 120 {
		t.Fatalf("a line is %d cells wide on a 120-column screen:\n%s", w, txt)
	}
	if !s.altScreen() {
		t.Fatal("the UI should use the alternate screen")
	}

	s.resize(80, 24)
	txt = s.waitFor("the run re-laid out at 80x24", func(txt string) bool {
		return headerFits(txt, model, 80) && barLine(txt) != ""
	})
	if w := widest(txt); w > 80 {
		t.Fatalf("a line is %d cells wide after resizing to 80 columns:\n%s", w, txt)
	}
	if n := len(strings.Split(strings.TrimRight(txt, "\n"), "\n")); n > 24 {
		t.Fatalf("%d rows drawn on a 24-row screen", n)
	}

	s.press("q")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit status after q = %d, want 0", code)
	}
	if s.altScreen() {
		t.Error("still on the alternate screen after quitting")
	}
	if s.cursorHidden() {
		t.Error("cursor still hidden after quitting")
	}
}

func TestPTYCtrlCQuits(t *testing.T) {
	skipInShortMode(t)
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 100, 30, "--speed 50")
	s.waitFor("a progress bar", func(txt string) bool { return barLine(txt) != "" })
	s.press("\x03")
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit status after ctrl+c = %d, want 0", code)
	}
}

func TestWindowSizesAreClampedAndEarlyResizesHandled(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	ts := startServer(t, cfg)
	c, _ := dial(t, ts.addr)

	// A huge initial size, then window-changes before the shell starts:
	// the session must start anyway and use the last size.
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 65535, 65535, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := sess.WindowChange(65535, 65535-i); err != nil {
			t.Fatal(err)
		}
	}
	maxW, maxH := cfg.Limits.MaxWidth, cfg.Limits.MaxHeight
	s := newScreen(t, sess, maxW, maxH)
	if err := sess.Start("--speed 50"); err != nil {
		t.Fatal(err)
	}
	txt := s.waitFor("a progress bar", func(txt string) bool { return barLine(txt) != "" })
	if w := widest(txt); w > maxW {
		t.Fatalf("drew a %d-cell line; the clamp is %d", w, maxW)
	}
	s.resize(100, 30)
	s.waitFor("the run at 100x30", func(txt string) bool {
		return barLine(txt) != "" && widest(txt) <= 100 && widest(txt) >= 97
	})
	s.press("q")
	if code := waitExit(t, sess); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestStreamWithoutPTYIsPlainText(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	st := openStream(t, c, "--speed 30")
	lines := st.lines(t, 10)
	out := strings.Join(lines, "")
	if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
		t.Fatalf("control byte %q at %d in the plain stream:\n%q", out[i], i, out)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, "\n") || strings.TrimSpace(l) == "" {
			t.Fatalf("not a plain log line: %q", l)
		}
	}
	// The client hanging up ends the session on the server.
	_ = st.sess.Close()
	eventually(t, "the server to drop the session", func() bool { return ts.srv.limits.live() == 0 })
}

func TestSameSeedSameRunAndSessionsDiffer(t *testing.T) {
	skipInShortMode(t)
	// Pin the sessions' start so log timestamps match too.
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	ts := startServer(t, testConfig(t), func(s *Server) { s.clock = func() time.Time { return start } })
	c, _ := dial(t, ts.addr)

	collect := func(options string) string {
		st := openStream(t, c, options)
		out := strings.Join(st.lines(t, 12), "")
		_ = st.sess.Close()
		return out
	}
	a, b := collect("--seed 42 --speed 50"), collect("--seed 42 --speed 50")
	if a != b {
		t.Fatalf("same seed, different runs:\n%s\n---\n%s", a, b)
	}
	r1, r2 := collect("--speed 50"), collect("--speed 50")
	if r1 == r2 {
		t.Fatalf("two sessions without --seed showed the same run:\n%s", r1)
	}
	if r1 == a && r2 == a {
		t.Fatal("random sessions matched --seed 42")
	}
}

func TestSessionOptionsHelpAndErrors(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)

	code, out, _ := runCommand(t, c, "--help")
	if code != 0 || !strings.Contains(out, "--seed N") || !strings.Contains(out, "--join RUN-ID") {
		t.Fatalf("--help: exit %d, output:\n%s", code, out)
	}
	for _, tc := range []struct{ options, want string }{
		{"--bogus", "unknown option --bogus"},
		{"--speed -2", "--speed"},
		{"--seed banana", "--seed"},
		{"--model lama-3-8b", "lama-3-8b"},
		{"--nodes 0", "--nodes"},
		{"ls -la", `unexpected argument "ls"`},
		{"--join not-a-run-id", "--join"},
		{"--join abc --seed 1", "cannot be combined"},
	} {
		code, out, errOut := runCommand(t, c, tc.options)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", tc.options, code, errOut)
		}
		if out != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.options, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: stderr %q, want one line mentioning %q", tc.options, errOut, tc.want)
		}
	}

	// With a PTY the error line still reads right in a raw terminal.
	ptyErrorLine(t, c, "--bogus")
}

func TestJoinFollowsTheSameRun(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	o := sim.Options{Seed: 7, Start: time.Now().Add(-90 * time.Second)}
	st := openStream(t, c, "--join "+sim.EncodeRunID(o))
	if got := st.lines(t, 3); len(got) != 3 {
		t.Fatalf("joined stream: %q", got)
	}
	future := sim.Options{Seed: 7, Start: time.Now().Add(time.Hour)}
	code, _, errOut := runCommand(t, c, "--join "+sim.EncodeRunID(future))
	if code != 2 || !strings.Contains(errOut, "future") {
		t.Fatalf("joining a run that starts in an hour: exit %d, stderr %q", code, errOut)
	}
}

func TestHostKeyPersistsAndIsNeverReplaced(t *testing.T) {
	skipInShortMode(t)
	cfg := testConfig(t)
	wd, _ := os.Getwd()

	ts := startServer(t, cfg)
	_, key1 := dial(t, ts.addr)
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg.DataDir, "ssh_host_ed25519_key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("host key not written to the data dir: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(wd, "id_ed25519")); err == nil {
		t.Fatal("a key was written to the working directory")
	}

	ts2 := startServer(t, cfg)
	_, key2 := dial(t, ts2.addr)
	if gossh.FingerprintSHA256(key1) != gossh.FingerprintSHA256(key2) {
		t.Fatalf("host key changed across restarts: %s then %s", gossh.FingerprintSHA256(key1), gossh.FingerprintSHA256(key2))
	}

	// A corrupt key is an error, and the file is left as it was.
	bad := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n-----END OPENSSH PRIVATE KEY-----\n")
	dir := t.TempDir()
	badPath := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(badPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	code := run([]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", dir}, func(string) string { return "" }, nil, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("corrupt key: exit %d, want 1", code)
	}
	if msg := stderr.String(); !strings.Contains(msg, badPath) || strings.Count(msg, "\n") != 1 {
		t.Fatalf("corrupt key: want one line naming the file, got %q", msg)
	}
	if got, _ := os.ReadFile(badPath); !bytes.Equal(got, bad) {
		t.Fatal("the corrupt key file was modified")
	}
}

func TestShutdownSaysGoodbyeToEverySession(t *testing.T) {
	skipInShortMode(t)
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 100, 30, "")
	st := openStream(t, c, "")
	s.waitFor("the header", func(txt string) bool { return strings.Contains(txt, "elapsed") })
	st.lines(t, 1)

	begun := time.Now()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begun); d > 10*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if code := waitExit(t, s.sess); code != 0 {
		t.Errorf("PTY session exit %d after shutdown, want 0", code)
	}
	txt := s.text()
	if !strings.Contains(txt, goodbyeShutdown) {
		t.Errorf("PTY session did not show the goodbye; screen:\n%s", txt)
	}
	if s.altScreen() || s.cursorHidden() {
		t.Error("terminal not restored before the goodbye")
	}
	if code := waitExit(t, st.sess); code != 0 {
		t.Errorf("stream session exit %d after shutdown, want 0", code)
	}
	if got := st.stderr.String(); got != goodbyeShutdown+"\n" {
		t.Errorf("stream session stderr %q, want the goodbye line", got)
	}
	if _, err := c.NewSession(); err == nil {
		t.Error("the server still accepts sessions after shutdown")
	}
}

func TestNoGoroutineOutlivesItsSession(t *testing.T) {
	skipInShortMode(t)
	// A serving server runs two goroutines: Serve and the accept loop.
	base := runtime.NumGoroutine() + 2
	ts := startServer(t, testConfig(t))

	c, _ := dial(t, ts.addr)
	s := openScreen(t, c, 100, 30, "--speed 20")
	s.waitFor("a progress bar", func(txt string) bool { return barLine(txt) != "" })
	s.resize(90, 25)
	// A burst of keys: the first quits, the rest arrive for a program that
	// has ended and must not pin its session in memory.
	s.press(strings.Repeat("q", 2000))
	if code := waitExit(t, s.sess); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st := openStream(t, c, "--speed 20")
	st.lines(t, 3)
	_ = st.sess.Close()
	_ = c.Close()

	// The emulator's answer pump is the test's own; end it first.
	if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
		_ = pw.Close()
	}
	waitGoroutines(t, base)
	if live := ts.srv.limits.live(); live != 0 {
		t.Fatalf("%d sessions still registered", live)
	}
}

package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/overfit/overfit/sim"
)

func fixedSeed(v uint64) seedFunc { return func() (uint64, error) { return v, nil } }

func TestParseSessionOptions(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	o, err := parseSessionOptions([]string{"--seed", "42", "--model", "llama-3-8b", "--gpu", "H100", "--nodes", "2", "--job", "finetune", "--speed", "4", "--steps", "300", "--plain"}, now, fixedSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Options{Seed: 42, Model: "llama-3-8b", GPU: "H100", Nodes: 2, Job: sim.JobFinetune, Speed: 4, Steps: 300, Start: now}
	if o.Options != want || !o.Plain || o.Joined {
		t.Fatalf("got %+v", o)
	}

	o, err = parseSessionOptions(nil, now, fixedSeed(99))
	if err != nil || o.Options.Seed != 99 || !o.Options.Start.Equal(now) || o.Options.Fictional {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	// invented models are opt-in, and a run id carries the choice
	o, err = parseSessionOptions([]string{"--fictional"}, now, fixedSeed(7))
	if err != nil || !o.Options.Fictional {
		t.Fatalf("--fictional: %+v, %v", o, err)
	}
	if jo, err := sim.ParseRunID(sim.EncodeRunID(o.Options)); err != nil || !jo.Fictional {
		t.Fatalf("--fictional does not survive the run id: %+v, %v", jo, err)
	}
	if _, err := parseSessionOptions([]string{"--join", sim.EncodeRunID(o.Options), "--fictional"}, now, fixedSeed(1)); err == nil {
		t.Fatal("--join with --fictional accepted")
	}
	if _, err := parseSessionOptions([]string{"--help"}, now, fixedSeed(1)); !errors.Is(err, errHelp) {
		t.Fatalf("--help: %v", err)
	}

	id := sim.EncodeRunID(sim.Options{Seed: 5, Speed: 2, Start: now.Add(-time.Hour)})
	o, err = parseSessionOptions([]string{"--join", id, "--plain"}, now, fixedSeed(1))
	if err != nil || !o.Joined || o.Options.Seed != 5 || !o.Plain {
		t.Fatalf("join: %+v, %v", o, err)
	}
	// A start within the clock slack is fine; beyond it, an error.
	if _, err := parseSessionOptions([]string{"--join", sim.EncodeRunID(sim.Options{Seed: 5, Start: now.Add(2 * time.Second)})}, now, fixedSeed(1)); err != nil {
		t.Fatalf("join 2s ahead: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown option --bogus"},
		{[]string{"--seed"}, "missing value for --seed: want " + seedRule},
		{[]string{"--seed", "-1"}, "--seed"},
		{[]string{"--speed", "0"}, "--speed"},
		{[]string{"--speed", "NaN"}, "--speed"},
		{[]string{"--nodes", "-3"}, "--nodes"},
		{[]string{"--steps", "0"}, "--steps"},
		{[]string{"--job", "party"}, "party"},
		{[]string{"--gpu", "h1000"}, "h1000"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--join", "garbage"}, "bad --join run id"},
		{[]string{"--join", id, "--model", "llama-3-8b"}, "cannot be combined with --model"},
		{[]string{"--join", sim.EncodeRunID(sim.Options{Seed: 5, Start: now.Add(time.Minute)})}, "future"},
	} {
		_, err := parseSessionOptions(tc.args, now, fixedSeed(1))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err %v, want one line mentioning %q", tc.args, err, tc.want)
		}
	}
}

func TestServeFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{
		"OVERFIT_LISTEN":        "127.0.0.1:2300",
		"OVERFIT_DATA_DIR":      "/srv/overfit",
		"OVERFIT_MAX_SESSIONS":  "50",
		"OVERFIT_STALL_TIMEOUT": "1m",
	}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	cfg, err := parseServeFlags([]string{"--max-sessions", "7"}, getenv, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:2300" || cfg.DataDir != "/srv/overfit" || cfg.Limits.MaxSessions != 7 || cfg.Limits.StallTimeout != time.Minute {
		t.Fatalf("flags should win over env, env over defaults: %+v", cfg)
	}
	if got := cfg.HostKeyPath(); got != "/srv/overfit/ssh_host_ed25519_key" {
		t.Fatalf("host key path %q", got)
	}

	if _, err := parseServeFlags([]string{"--help"}, getenv, &out); !errors.Is(err, errHelp) {
		t.Fatalf("--help: %v", err)
	}
	help := out.String()
	for _, want := range []string{"--listen", "OVERFIT_LISTEN", "--max-sessions-per-ip", "OVERFIT_MAX_SESSIONS_PER_IP", "overfit play", "overfit version"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q", want)
		}
	}

	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--nope"}, nil, "unknown option --nope"},
		{[]string{"--max-sessions", "many"}, nil, "--max-sessions"},
		{nil, map[string]string{"OVERFIT_MAX_WIDTH": "wide"}, "OVERFIT_MAX_WIDTH"},
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{[]string{"--max-width", "10"}, nil, "--max-width"},
		{[]string{"serve"}, nil, `unexpected argument "serve"`},
	} {
		_, err := parseServeFlags(tc.args, func(k string) string { return tc.env[k] }, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err %v, want it to mention %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestRunExitStatuses(t *testing.T) {
	// A port in use, and a data dir that cannot be created (a file is in
	// the way; permissions would not stop root).
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A data dir whose host key cannot be read: a directory stands where
	// the key file should be (as root, a mode 000 file would still read).
	unreadable := t.TempDir()
	if err := os.Mkdir(filepath.Join(unreadable, "ssh_host_ed25519_key"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		code int
		want string // in the one line on stderr
	}{
		{[]string{"--help"}, nil, 0, ""},
		{[]string{"help"}, nil, 0, ""},
		{[]string{"version"}, nil, 0, ""},
		{[]string{"--bogus"}, nil, 2, "unknown option --bogus"},
		{[]string{"play", "--help"}, nil, 0, ""},
		{[]string{"play", "--bogus"}, nil, 2, "--bogus"},
		// Bad config values, by flag and by environment.
		{[]string{"--max-sessions", "-1"}, nil, 2, "must not be negative"},
		{[]string{"--max-width", "10"}, nil, 2, "--max-width"},
		{[]string{"--stall-timeout", "soon"}, nil, 2, "--stall-timeout"},
		{[]string{"--log-format", "xml"}, nil, 2, "--log-format"},
		{[]string{"--proxy-protocol-from", "not-a-cidr"}, nil, 2, "--proxy-protocol-from"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,nope"}, nil, 2, "--trusted-proxies"},
		{[]string{"--public-url", "ftp://x"}, nil, 2, "--public-url"},
		{[]string{"--http-listen", "8080"}, nil, 2, "--http-listen"},
		{nil, map[string]string{"OVERFIT_MAX_SESSIONS": "lots"}, 2, "OVERFIT_MAX_SESSIONS"},
		{nil, map[string]string{"OVERFIT_HANDSHAKE_TIMEOUT": "-5s"}, 2, "must not be negative"},
		// Faults at startup.
		{[]string{"--listen", "127.0.0.1:99999", "--data-dir", t.TempDir()}, nil, 1, "listen on 127.0.0.1:99999"},
		{[]string{"--listen", busy.Addr().String(), "--data-dir", t.TempDir()}, nil, 1, "address already in use"},
		{[]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--metrics-listen", busy.Addr().String(), "--data-dir", t.TempDir()}, nil, 1, "--metrics-listen"},
		{[]string{"--listen", "127.0.0.1:0", "--http-listen", busy.Addr().String(), "--data-dir", t.TempDir()}, nil, 1, "--http-listen"},
		{[]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", filepath.Join(notADir, "data")}, nil, 1, "--data-dir"},
		{[]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", unreadable}, nil, 1, "read host key"},
		{[]string{"--listen", "127.0.0.1:0", "--http-listen", "", "--data-dir", t.TempDir(), "--authorized-keys", filepath.Join(notADir, "keys")}, nil, 1, "--authorized-keys"},
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return tc.env[k] }
		if code := run(tc.args, getenv, nil, &out, &errOut); code != tc.code {
			t.Errorf("overfit %v %v: exit %d, want %d (stderr %q)", tc.args, tc.env, code, tc.code, errOut.String())
		}
		if tc.code == 0 {
			continue
		}
		if msg := errOut.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "overfit: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("overfit %v %v: stderr %q, want one line \"overfit: ...\" mentioning %q", tc.args, tc.env, msg, tc.want)
		}
	}
}

// pipeWriter accepts n writes, then fails like a closed pipe.
type pipeWriter struct {
	mu     sync.Mutex
	n      int
	writes int
	buf    bytes.Buffer
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.writes >= p.n {
		return 0, syscall.EPIPE
	}
	p.writes++
	return p.buf.Write(b)
}

func TestPlayStreamsPlainLogWhenNotATerminal(t *testing.T) {
	skipInShortMode(t)
	w := &pipeWriter{n: 2}
	var errOut bytes.Buffer
	if code := run([]string{"play", "--seed", "3", "--speed", "50"}, func(string) string { return "" }, nil, w, &errOut); code != 0 {
		t.Fatalf("play into a closed pipe: exit %d, stderr %q", code, errOut.String())
	}
	if out := w.buf.String(); out == "" || strings.ContainsRune(out, 0x1b) {
		t.Fatalf("play output %q: want plain log lines", out)
	}
}

func TestClampSize(t *testing.T) {
	for _, tc := range []struct {
		w, h         uint32
		wantW, wantH int
	}{
		{80, 24, 80, 24},
		{65535, 65535, 300, 100},
		{1 << 31, 5, 300, 5},
		{0, 0, 80, 24},
		{1, 1, 1, 1},
	} {
		if w, h := clampSize(tc.w, tc.h, 300, 100); w != tc.wantW || h != tc.wantH {
			t.Errorf("clampSize(%d, %d) = %d×%d, want %d×%d", tc.w, tc.h, w, h, tc.wantW, tc.wantH)
		}
	}
}

func TestCRLFWriter(t *testing.T) {
	var out bytes.Buffer
	c := newCRLFWriter(&out)
	for _, s := range []string{"a\nb\r\nc\r", "\nd\n", "", "\n"} {
		n, err := c.Write([]byte(s))
		if err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got, want := out.String(), "a\r\nb\r\nc\r\nd\r\n\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// blockingWriter blocks every write until released.
type blockingWriter struct{ release chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return 0, errors.New("closed")
}

func TestSessionWriterDetectsStalledReader(t *testing.T) {
	bw := blockingWriter{release: make(chan struct{})}
	stalled := make(chan struct{})
	sw := newSessionWriter(bw, io.Discard, nil, nil, 50*time.Millisecond, func() {
		close(stalled)
		close(bw.release) // what closing the connection does to a blocked write
	})
	defer sw.stop()
	if _, err := sw.Write([]byte("frame")); err == nil {
		t.Fatal("write to a stalled reader succeeded")
	}
	select {
	case <-stalled:
	default:
		t.Fatal("stall not reported")
	}

	// Error lines and goodbyes go to stderr, under the same guard: a
	// client with a zero window blocks them as surely as frames.
	be := blockingWriter{release: make(chan struct{})}
	errStalled := make(chan struct{})
	se := newSessionWriter(io.Discard, be, nil, nil, 50*time.Millisecond, func() {
		close(errStalled)
		close(be.release)
	})
	defer se.stop()
	if _, err := se.writeStderr([]byte("overfit: unknown option --bogus\n")); err == nil {
		t.Fatal("stderr write to a stalled reader succeeded")
	}
	select {
	case <-errStalled:
	default:
		t.Fatal("stall on stderr not reported")
	}

	var out bytes.Buffer
	fine := newSessionWriter(&out, io.Discard, nil, nil, time.Hour, func() { t.Error("stall reported for a reader that keeps up") })
	defer fine.stop()
	for i := 0; i < 3; i++ {
		if _, err := fine.Write([]byte("abc")); err != nil {
			t.Fatal(err)
		}
	}
	if fine.written() != 9 {
		t.Fatalf("counted %d bytes, want 9", fine.written())
	}
}

func TestHostKeyErrors(t *testing.T) {
	dir := t.TempDir()
	// A directory where the key should be: unreadable.
	p := filepath.Join(dir, "key")
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateHostKey(p); err == nil || !strings.Contains(err.Error(), "read host key") {
		t.Fatalf("unreadable key: %v", err)
	}
	// An empty file is corrupt, not "missing".
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateHostKey(empty); err == nil || !strings.Contains(err.Error(), "never replaced") {
		t.Fatalf("empty key: %v", err)
	}
	// Created in nested directories, then reused.
	nested := filepath.Join(dir, "a", "b", "key")
	k1, created1, err := loadOrCreateHostKey(nested)
	if err != nil {
		t.Fatal(err)
	}
	k2, created2, err := loadOrCreateHostKey(nested)
	if err != nil {
		t.Fatal(err)
	}
	if !created1 || created2 {
		t.Fatalf("created: first call %v, second %v; want true, then false", created1, created2)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Fatal("the key changed on reload")
	}
}

func TestSSHShare(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4zero, Port: 2222}
	const id = "1AAAAAAAAAAAOgKi2oMRosI2T8w"
	for _, tc := range []struct {
		public string
		want   string
	}{
		{"", "ssh -p 2222 " + id + "@localhost"},
		{"demo.example.com", "ssh " + id + "@demo.example.com"},
		{"demo.example.com:22", "ssh " + id + "@demo.example.com"},
		{"demo.example.com:2022", "ssh -p 2022 " + id + "@demo.example.com"},
	} {
		if got := sshShare(tc.public, addr).SSHLine(id); got != tc.want {
			t.Errorf("sshShare(%q) = %q, want %q", tc.public, got, tc.want)
		}
	}
}

func TestInputLimiterDropsWhatNoOneTypes(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	flood := bytes.Repeat([]byte("x"), 64<<10)
	in := newInputLimiter(io.MultiReader(bytes.NewReader(flood), strings.NewReader("q")), func() time.Time { return now })
	buf := make([]byte, 1<<20)
	n, err := in.Read(buf)
	if err != nil || n != inputBurst {
		t.Fatalf("first read: %d bytes, %v; want the burst of %d", n, err, inputBurst)
	}
	// A second later the budget has refilled by the rate: the rest of the
	// flood was dropped meanwhile, and the key after it gets through.
	now = now.Add(time.Second)
	n, err = in.Read(buf)
	if err != nil || string(buf[:n]) != "q" {
		t.Fatalf("after the flood: %q, %v; want the key", buf[:n], err)
	}
	if want := int64(len(flood) - inputBurst); in.dropped != want {
		t.Fatalf("dropped %d bytes, want %d", in.dropped, want)
	}
	if n, err := in.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("at the end: %d, %v; want EOF", n, err)
	}
}

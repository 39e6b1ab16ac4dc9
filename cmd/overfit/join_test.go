package main

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// trainWindow is an offset into seed's first runs from which the run stays
// in its TRAIN phase for at least d: joined there, viewers show moving
// training bars and step lines for the whole test.
func trainWindow(t *testing.T, seed uint64, d time.Duration) time.Duration {
	t.Helper()
	const step = 5 * time.Second
	st, err := sim.NewStream(sim.Options{Seed: seed, Start: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var snap sim.Snapshot
	from := time.Duration(-1)
	for st.Now() < 3*time.Hour {
		st.Advance(step)
		st.Snapshot(&snap)
		switch {
		case snap.Phase != sim.PhaseTrain:
			from = -1
		case from < 0:
			from = st.Now()
		case st.Now()-from >= d:
			return from
		}
	}
	t.Fatalf("seed %d has no TRAIN stretch of %v", seed, d)
	return 0
}

// trainingLine is what a viewer compares with a friend: the header's phase
// pipeline and step, the training bar (step counter, elapsed/ETA, rate)
// and the newest log line with a loss. Empty until all are on screen.
func trainingLine(txt string) string {
	phase, bar, loss := "", "", ""
	for _, l := range strings.Split(txt, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.Contains(l, "TRAIN") && strings.Contains(l, "▸"):
			phase = l
		case barRE.MatchString(l) && (bar == "" || strings.HasPrefix(l, "Training")):
			bar = l
		case strings.Contains(l, "loss") && !strings.HasPrefix(l, "│") && !strings.HasPrefix(l, "╭"):
			loss = l
		}
	}
	if phase == "" || bar == "" || loss == "" {
		return ""
	}
	return phase + "\n" + bar + "\n" + loss
}

// logRows counts screen rows that look like log lines (a timestamp).
func logRows(txt string) int {
	n := 0
	for _, l := range strings.Split(txt, "\n") {
		if strings.Contains(l, ":") && strings.ContainsAny(strings.TrimSpace(l), "[0123456789") &&
			strings.Contains(l, "20") && !barRE.MatchString(l) && !strings.ContainsAny(l, "│╭╰") {
			n++
		}
	}
	return n
}

// sameTrainingLine polls two screens, read back to back, until they show
// the same training line. The screens tick independently, so a single read
// may catch one a frame behind; a different run never matches.
func sameTrainingLine(t *testing.T, what string, a, b *screen) string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	var la, lb string
	for {
		ta, tb := a.text(), b.text()
		la, lb = trainingLine(ta), trainingLine(tb)
		if la != "" && la == lb {
			return la
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the two viewers never showed the same training line; last seen:\n%s\n---\n%s\nscreens:\n%s\n---\n%s", what, la, lb, ta, tb)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sameScreen polls two screens until every row above the footer (which
// names each server's own address) is the same: header, panels, chart,
// GPU telemetry, log and bars. Viewers of one run id tick on the same
// instants, so once both have drawn the latest tick nothing differs.
func sameScreen(t *testing.T, what string, a, b *screen) {
	t.Helper()
	body := func(s *screen) string {
		txt := strings.TrimRight(s.text(), "\n ")
		if i := strings.LastIndex(txt, "\n"); i >= 0 {
			txt = txt[:i]
		}
		return txt
	}
	deadline := time.Now().Add(waitLimit)
	for {
		ta, tb := body(a), body(b)
		if ta == tb && trainingLine(ta) != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the two screens never matched; last seen:\n%s\n---\n%s", what, ta, tb)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// joinScreen opens a 120×40 PTY session joined to id and waits for its
// first training frame, checking that the log shows history at once.
func joinScreen(t *testing.T, addr, id, run string) *screen {
	t.Helper()
	c, _ := dial(t, addr)
	return joinScreenOn(t, c, id, run)
}

// joinScreenOn is joinScreen on a connection the caller opened.
func joinScreenOn(t *testing.T, c *gossh.Client, id, run string) *screen {
	t.Helper()
	s := openScreen(t, c, 120, 40, "--join "+id)
	txt := s.waitFor("the joined run's training bar", func(txt string) bool {
		return strings.Contains(txt, run) && trainingLine(txt) != ""
	})
	if n := logRows(txt); n < 10 {
		t.Fatalf("a joined viewer's log shows %d lines, want the recent history; screen:\n%s", n, txt)
	}
	if !strings.Contains(txt, " "+id+"@") {
		t.Fatalf("the footer does not offer the same id %s; screen:\n%s", id, txt)
	}
	return s
}

func TestJoinSameRunOnOneServerAcrossReplicasAndRestart(t *testing.T) {
	skipInShortMode(t)
	const seed = 20261128
	at := trainWindow(t, seed, 90*time.Second)
	o := sim.Options{Seed: seed, Start: time.Now().Add(-at - 10*time.Second)}
	id := sim.EncodeRunID(o)
	st, err := sim.NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	st.Seek(at + 10*time.Second) // the run a joiner lands in (not always the stream's first)
	run := st.Run().Name

	cfgA, cfgB := testConfig(t), testConfig(t)
	a := startServer(t, cfgA)
	b := startServer(t, cfgB)
	_, keyA := dial(t, a.addr)
	_, keyB := dial(t, b.addr)
	if gossh.FingerprintSHA256(keyA) == gossh.FingerprintSHA256(keyB) {
		t.Fatal("the two replicas share a host key; want two independent servers")
	}

	// (a) two viewers on one server.
	a1 := joinScreen(t, a.addr, id, run)
	a2 := joinScreen(t, a.addr, id, run)
	line := sameTrainingLine(t, "one server", a1, a2)
	t.Logf("one server:\n%s", line)

	// (b) one viewer on each of two replicas.
	b1 := joinScreen(t, b.addr, id, run)
	line = sameTrainingLine(t, "two replicas", a1, b1)
	t.Logf("two replicas:\n%s", line)
	sameScreen(t, "two replicas", a1, b1)

	// A different seed started at the same moment is another run: the
	// comparison can fail.
	other := sim.EncodeRunID(sim.Options{Seed: seed + 1, Start: o.Start})
	ostr, _ := sim.NewStream(sim.Options{Seed: seed + 1, Start: o.Start})
	ostr.Seek(time.Since(o.Start))
	c, _ := dial(t, b.addr)
	x := openScreen(t, c, 120, 40, "--join "+other)
	tx := x.waitFor("the other run", func(txt string) bool {
		return strings.Contains(txt, ostr.Run().Name) && barLine(txt) != ""
	})
	if trainingLine(tx) == trainingLine(b1.text()) || strings.Contains(tx, run) {
		t.Fatalf("a run with another seed shows the same training line:\n%s", tx)
	}

	// (c) restart replica A: its viewers get the goodbye; a new server on
	// the same data dir (same host key) serves the same run at the same
	// moment as replica B, which kept running.
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, a1.sess); code != 0 {
		t.Fatalf("viewer on the stopped server: exit %d", code)
	}
	a2b := startServer(t, cfgA)
	_, keyA2 := dial(t, a2b.addr)
	if gossh.FingerprintSHA256(keyA2) != gossh.FingerprintSHA256(keyA) {
		t.Fatal("the restarted server has a new host key")
	}
	r1 := joinScreen(t, a2b.addr, id, run)
	line = sameTrainingLine(t, "across a restart", r1, b1)
	t.Logf("across a restart:\n%s", line)
	sameScreen(t, "across a restart", r1, b1)
}

// TestJoinPlainStreamsMatchAcrossReplicas: two --join sessions without a PTY
// on two servers print the same log lines byte for byte (timestamps
// included), starting with the run's recent history.
func TestJoinPlainStreamsMatchAcrossReplicas(t *testing.T) {
	skipInShortMode(t)
	o := sim.Options{Seed: 99, Speed: 8, Start: time.Now().Add(-40 * time.Minute)}
	id := sim.EncodeRunID(o)
	a := startServer(t, testConfig(t))
	b := startServer(t, testConfig(t))
	ca, _ := dial(t, a.addr)
	cb, _ := dial(t, b.addr)
	sa := openStream(t, ca, "--join "+id)
	sb := openStream(t, cb, "--join "+id)
	// The history arrives at once (the stream's ring, sim.RingCap events);
	// live lines follow.
	la, lb := sa.lines(t, sim.RingCap+10), sb.lines(t, sim.RingCap+10)
	const from = 20
	j := -1
	for i, l := range lb {
		if l == la[from] {
			j = i
			break
		}
	}
	if j < 0 {
		t.Fatalf("replica B never printed replica A's line %d %q", from, la[from])
	}
	n := 0
	for ; from+n < len(la) && j+n < len(lb); n++ {
		if la[from+n] != lb[j+n] {
			t.Fatalf("the replicas' logs differ at A line %d / B line %d:\n%q\n%q", from+n, j+n, la[from+n], lb[j+n])
		}
	}
	if n < 100 {
		t.Fatalf("only %d lines compared", n)
	}

	// Another seed prints another log.
	c := openStream(t, cb, "--join "+sim.EncodeRunID(sim.Options{Seed: 100, Speed: 8, Start: o.Start}))
	lc := c.lines(t, sim.RingCap+10)
	if strings.Join(lc, "") == strings.Join(lb, "") {
		t.Fatal("a different seed printed the same log")
	}
}

// badJoinIDs are ids a visitor may paste that must be refused, with a word
// the one-line message must contain.
func badJoinIDs(now time.Time) []struct{ name, id, want string } {
	good := sim.EncodeRunID(sim.Options{Seed: 5, Model: "llama-3-8b", Start: now.Add(-time.Minute)})
	typo := []byte(good)
	// One character changed, still base64url: only the checksum notices.
	if typo[6] == 'A' {
		typo[6] = 'B'
	} else {
		typo[6] = 'A'
	}
	return []struct{ name, id, want string }{
		{"future", sim.EncodeRunID(sim.Options{Seed: 5, Start: now.Add(time.Hour)}), "future"},
		{"malformed", "not-a-run-id", "malformed"},
		{"not base64", "1%%%%%%%%%%%%%%%%", "malformed"},
		{"truncated", good[:len(good)-3], "run id"},
		{"bad checksum", string(typo), "checksum"},
		{"other version", "2" + good[1:], "version"},
		{"no start", sim.EncodeRunID(sim.Options{Seed: 5}), "start"},
		{"too old", sim.EncodeRunID(sim.Options{Seed: 5, Start: now.Add(-sim.MaxSeek - time.Hour)}), "too old"},
		{"too old at x128", sim.EncodeRunID(sim.Options{Seed: 5, Speed: 128, Start: now.Add(-12 * time.Hour)}), "too old"},
	}
}

func TestJoinRejectsBadIDsInTheOptionParser(t *testing.T) {
	now := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	for _, tc := range badJoinIDs(now) {
		_, err := parseSessionOptions([]string{"--join", tc.id}, now, fixedSeed(1))
		if err == nil {
			t.Errorf("%s: --join %q accepted", tc.name, tc.id)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "--join") {
			t.Errorf("%s: error %q, want one line about --join mentioning %q", tc.name, msg, tc.want)
		}
	}
	// A run 59 days old at ×1 is still live and joinable.
	id := sim.EncodeRunID(sim.Options{Seed: 5, Start: now.Add(-59 * 24 * time.Hour)})
	if _, err := parseSessionOptions([]string{"--join", id}, now, fixedSeed(1)); err != nil {
		t.Fatalf("a 59-day-old run: %v", err)
	}
}

func TestJoinRejectsBadIDsOverSSHAndInPlay(t *testing.T) {
	ts := startServer(t, testConfig(t))
	c, _ := dial(t, ts.addr)
	for _, tc := range badJoinIDs(time.Now()) {
		code, out, errOut := runCommand(t, c, "--join "+tc.id)
		if code != 2 || out != "" {
			t.Errorf("%s over ssh: exit %d, stdout %q; want 2 and nothing", tc.name, code, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s over ssh: stderr %q, want one line mentioning %q", tc.name, errOut, tc.want)
		}

		var stdout, stderr syncBuffer
		code = run([]string{"play", "--join", tc.id}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
		if code != 2 || stdout.String() != "" {
			t.Errorf("%s in play: exit %d, stdout %q; want 2 and nothing", tc.name, code, stdout.String())
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s in play: stderr %q, want one line mentioning %q", tc.name, msg, tc.want)
		}
	}

	// With a PTY the line ends in \r\n for the raw terminal.
	if got := ptyErrorLine(t, c, "--join "+badJoinIDs(time.Now())[0].id); !strings.Contains(got, "future") {
		t.Fatalf("PTY error line %q should be about the future", got)
	}
}

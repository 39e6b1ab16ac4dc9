package main

import (
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/overfit/overfit/sim"
)

// TestShippedHAProxyConfigIsValid: the compose setup's haproxy.cfg, as
// shipped, passes HAProxy's own check.
func TestShippedHAProxyConfigIsValid(t *testing.T) {
	skipInShortMode(t)
	haproxy := findHAProxy(t)
	out, err := exec.Command(haproxy, "-c", "-f", haproxyConfig).CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -c -f %s: %v\n%s", haproxyConfig, err, out)
	}
}

// TestBehindHAProxy runs three overfit processes behind a real HAProxy
// speaking PROXY protocol v2, configured by the shipped
// deploy/compose/haproxy.cfg, and checks what scaling out promises: real
// client addresses on every replica, one run id showing the same screen on
// any replica, and a rolling restart under steady arrivals that fails no
// newcomer, says goodbye to every session it ends and puts a reconnecting
// viewer back into its run.
func TestBehindHAProxy(t *testing.T) {
	skipInShortMode(t)
	rig := startBalancerRig(t, 3,
		"--max-sessions-per-ip", "1", // every client address below is its own visitor
		"--shutdown-timeout", "3s",
		"--drain-delay", "2s", // HAProxy needs ~1 s (2 checks 500 ms apart)
	)

	t.Run("client addresses", func(t *testing.T) { testBalancerClientAddresses(t, rig) })

	const seed = 20261201
	at := trainWindow(t, seed, 3*time.Minute)
	o := sim.Options{Seed: seed, Start: time.Now().Add(-at - 10*time.Second)}
	id := sim.EncodeRunID(o)
	st, err := sim.NewStream(sim.Options{Seed: seed, Start: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	st.Advance(at) // the window may lie in a later run of the seed's sequence
	run := st.Run().Name

	t.Run("join across replicas", func(t *testing.T) { testBalancerJoin(t, rig, id, run) })
	t.Run("rolling restart", func(t *testing.T) { testBalancerRollingRestart(t, rig, id, run) })
}

// testBalancerClientAddresses: through the balancer, per-address limits and
// session logs see 127.0.0.2 and 127.0.0.3, not HAProxy's 127.0.0.1.
func testBalancerClientAddresses(t *testing.T, rig *balancerRig) {
	// With --max-sessions-per-ip 1, 127.0.0.2 may hold one session on each
	// replica; leastconn puts its three connections on three replicas.
	var held []*gossh.Client
	for range 3 {
		c := rig.mustDialFrom(t, "127.0.0.2")
		openStream(t, c, "--speed 10").lines(t, 1)
		held = append(held, c)
	}
	// The logs arrive through pipes: poll.
	eventually(t, "one session from 127.0.0.2 logged on each replica", func() bool {
		for _, r := range rig.replicas {
			if r.count("session start", "127.0.0.2") != 1 {
				return false
			}
		}
		return true
	})
	// A fourth from the same address: every replica already holds one.
	c := rig.mustDialFrom(t, "127.0.0.2")
	code, out, errOut := runCommand(t, c, "--speed 10")
	if code != 1 || out != "" || !strings.Contains(errOut, busyMessage) {
		t.Fatalf("a 4th session from 127.0.0.2: exit %d, stdout %q, stderr %q; want the busy line and status 1", code, out, errOut)
	}
	eventually(t, "the per-address refusal of 127.0.0.2 in a log", func() bool {
		for _, r := range rig.replicas {
			for _, l := range r.logLines() {
				if l.Msg == "rejected" && l.Client == "127.0.0.2" && l.Reason == string(rejectSessionsPerIP) {
					return true
				}
			}
		}
		return false
	})
	// Another address is served at once: the limit was 127.0.0.2's, not
	// the balancer's.
	c3 := rig.mustDialFrom(t, "127.0.0.3")
	openStream(t, c3, "--speed 10").lines(t, 1)
	held = append(held, c3)
	rig.servedBy(t, "127.0.0.3")

	for _, r := range rig.replicas {
		for _, l := range r.logLines() {
			if l.Client != "" && l.Client != "127.0.0.2" && l.Client != "127.0.0.3" {
				t.Fatalf("%s logged client %q (%s): every session came through the balancer from 127.0.0.2 or .3", r.name, l.Client, l.Msg)
			}
		}
	}
	for _, c := range append(held, c) {
		_ = c.Close()
	}
	rig.waitIdle()
}

// waitIdle waits until HAProxy holds no connection to any replica, so the
// next leastconn choices start from a clean slate.
func (rig *balancerRig) waitIdle() {
	rig.t.Helper()
	rig.waitStatus(func(st map[string]serverStat) bool {
		for _, r := range rig.replicas {
			if s := st[r.name]; s.status != "UP" || s.scur != "0" {
				return false
			}
		}
		return true
	}, "no connections left on the replicas")
}

// testBalancerJoin: a run id opened through the balancer shows the same
// screen on each of the three replicas.
func testBalancerJoin(t *testing.T, rig *balancerRig, id, run string) {
	srcs := []string{"127.0.0.4", "127.0.0.5", "127.0.0.6"}
	var screens []*screen
	on := map[*replica]string{}
	for _, src := range srcs {
		screens = append(screens, joinScreenOn(t, rig.mustDialFrom(t, src), id, run))
		r := rig.servedBy(t, src)
		if other, dup := on[r]; dup {
			t.Fatalf("viewers from %s and %s both landed on %s; leastconn should spread them", other, src, r.name)
		}
		on[r] = src
	}
	for i := 1; i < len(screens); i++ {
		sameScreen(t, fmt.Sprintf("viewer on %s vs viewer on %s", rig.servedBy(t, srcs[0]).name, rig.servedBy(t, srcs[i]).name), screens[0], screens[i])
	}
	t.Logf("one run id, three replicas, same screen:\n%s", trainingLine(screens[0].text()))
	for _, s := range screens {
		_ = s.sess.Close()
	}
}

// arrival is one newcomer of the rolling restart.
type arrival struct {
	src     string
	offered time.Time
	served  time.Time // its first line of log; zero if never
	err     error     // why it was not served
	client  *gossh.Client
	stderr  syncBuffer
	ended   chan struct{} // closed when the session ended
	waitErr error
}

// firstLine closes ch at the first newline written; it keeps nothing.
type firstLine struct {
	once sync.Once
	ch   chan struct{}
}

func (f *firstLine) Write(p []byte) (int, error) {
	if strings.IndexByte(string(p), '\n') >= 0 {
		f.once.Do(func() { close(f.ch) })
	}
	return len(p), nil
}

// arrive connects a newcomer through the balancer and waits for its first
// line of log; it never touches t, as it runs in its own goroutine.
func (rig *balancerRig) arrive(a *arrival) {
	a.offered = time.Now()
	c, err := rig.dialFrom(a.src)
	if err != nil {
		a.err = err
		return
	}
	a.client = c
	sess, err := c.NewSession()
	if err != nil {
		a.err = fmt.Errorf("open session: %w", err)
		return
	}
	first := &firstLine{ch: make(chan struct{})}
	sess.Stdout, sess.Stderr = first, &a.stderr
	if err := sess.Start("--speed 10"); err != nil {
		a.err = fmt.Errorf("start: %w", err)
		return
	}
	a.ended = make(chan struct{})
	go func() { a.waitErr = sess.Wait(); close(a.ended) }()
	select {
	case <-first.ch:
		a.served = time.Now()
	case <-a.ended:
		a.err = fmt.Errorf("%w: ended at once, stderr %q", errNoOutput, a.stderr.String())
	case <-time.After(10 * time.Second):
		a.err = fmt.Errorf("%w within 10s, stderr %q", errNoOutput, a.stderr.String())
	}
}

// arrivalAddr is the n-th newcomer's own loopback address: 127.0.1.1, …
func arrivalAddr(n int) string {
	return net.IPv4(127, 0, byte(1+n/250), byte(1+n%250)).String()
}

// testBalancerRollingRestart: SIGTERM, wait for the exit, start again —
// replica by replica — while a newcomer arrives every 150 ms, and a viewer
// of the run id reconnects whenever its replica says goodbye.
func testBalancerRollingRestart(t *testing.T, rig *balancerRig, id, run string) {
	const viewerAddr = "127.0.0.7"
	viewer := joinScreenOn(t, rig.mustDialFrom(t, viewerAddr), id, run)
	viewerOn := rig.servedBy(t, viewerAddr)
	reconnects := 0

	var (
		mu       sync.Mutex
		arrivals []*arrival
		wg       sync.WaitGroup
	)
	stop, produced := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(produced)
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for n := 0; n < 1000; n++ { // a bound, far above what the restarts take
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			a := &arrival{src: arrivalAddr(n)}
			mu.Lock()
			arrivals = append(arrivals, a)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); rig.arrive(a) }()
		}
	}()
	t.Cleanup(func() {
		// If the test stopped early: end the arrivals, close every client.
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-produced
		wg.Wait()
		for _, a := range arrivals {
			if a.client != nil {
				_ = a.client.Close()
			}
		}
	})

	time.Sleep(time.Second) // some arrivals before the first restart
	begun := time.Now()
	for _, r := range rig.replicas {
		r.sigterm(t)
		// /healthz says 503 at once: HAProxy takes the replica out while
		// it still serves (the drain), before its port closes.
		rig.waitStatus(func(st map[string]serverStat) bool { return strings.HasPrefix(st[r.name].status, "DOWN") }, r.name+" out of rotation")
		select {
		case <-r.exited:
			t.Fatalf("%s exited before HAProxy took it out of rotation; the drain is too short for the health checks", r.name)
		default:
		}
		if viewerOn == r {
			// The viewer gets the goodbye and reconnects with its id at
			// once, through the balancer, to another replica.
			if code := waitExit(t, viewer.sess); code != 0 {
				t.Fatalf("the viewer on %s: exit %d after its goodbye, want 0", r.name, code)
			}
			// The exit status and the last output arrive on separate
			// streams of the channel: the goodbye may be read just after.
			deadline := time.Now().Add(waitLimit)
			for !strings.Contains(viewer.rawOutput(), goodbyeShutdown) {
				if time.Now().After(deadline) {
					t.Fatalf("the viewer on %s did not see the goodbye; screen:\n%s", r.name, viewer.text())
				}
				time.Sleep(20 * time.Millisecond)
			}
			before := map[*replica]int{}
			for _, x := range rig.replicas {
				before[x] = x.count("session start", viewerAddr)
			}
			viewer = joinScreenOn(t, rig.mustDialFrom(t, viewerAddr), id, run)
			reconnects++
			eventually(t, "the reconnected viewer's session start in a log", func() bool {
				for _, x := range rig.replicas {
					if x.count("session start", viewerAddr) > before[x] {
						viewerOn = x
						return true
					}
				}
				return false
			})
			if viewerOn == r {
				t.Fatalf("the viewer reconnected to %s, which is draining", r.name)
			}
		}
		took := r.waitExit(t)
		r.start(t)
		rig.waitStatus(func(st map[string]serverStat) bool { return st[r.name].status == "UP" }, r.name+" UP again")
		t.Logf("%s: SIGTERM to exit %v, back UP after %v", r.name, took.Round(time.Millisecond), time.Since(begun).Round(time.Millisecond))
		begun = time.Now()
	}
	time.Sleep(time.Second) // some arrivals after the last restart
	close(stop)
	<-produced
	wg.Wait()

	// The reconnected viewer is in the same run as a fresh viewer of the id.
	ref := joinScreenOn(t, rig.mustDialFrom(t, "127.0.0.8"), id, run)
	sameScreen(t, "the reconnected viewer vs a fresh viewer of the id", viewer, ref)
	if reconnects == 0 {
		t.Fatal("the viewer was never restarted away; the reconnect was not tested")
	}

	// Figures and verdicts.
	var failed []string
	var servedAt []time.Time
	var slowest time.Duration
	goodbyes, endedByServer := 0, 0
	for _, a := range arrivals {
		if a.err != nil {
			failed = append(failed, fmt.Sprintf("%s at +%v: %v", a.src, a.offered.Sub(arrivals[0].offered).Round(time.Millisecond), a.err))
			continue
		}
		servedAt = append(servedAt, a.served)
		slowest = max(slowest, a.served.Sub(a.offered))
		select {
		case <-a.ended:
			endedByServer++
			if strings.Contains(a.stderr.String(), goodbyeShutdown) && a.waitErr == nil {
				goodbyes++
			} else {
				failed = append(failed, fmt.Sprintf("%s ended without the goodbye (exit %v, stderr %q)", a.src, a.waitErr, a.stderr.String()))
			}
		default:
		}
	}
	sort.Slice(servedAt, func(i, j int) bool { return servedAt[i].Before(servedAt[j]) })
	var gap time.Duration
	for i := 1; i < len(servedAt); i++ {
		gap = max(gap, servedAt[i].Sub(servedAt[i-1]))
	}
	t.Logf("rolling restart of %d replicas: sessions offered %d, served %d, failed %d; longest gap between two newcomers served %v (one arrives every 150 ms); slowest first line %v; sessions ended by a restart %d, with the goodbye %d; viewer reconnects %d",
		len(rig.replicas), len(arrivals), len(servedAt), len(arrivals)-len(servedAt), gap.Round(time.Millisecond), slowest.Round(time.Millisecond), endedByServer, goodbyes, reconnects)
	if len(arrivals) < 30 {
		t.Errorf("only %d newcomers offered during the restarts", len(arrivals))
	}
	if len(failed) > 0 {
		t.Errorf("%d failures:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	if endedByServer == 0 {
		t.Error("no newcomer's session was ended by a restart; the goodbye check proved nothing")
	}
}

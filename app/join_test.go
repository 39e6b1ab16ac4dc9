package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/overfit/overfit/sim"
)

// joinedModel is a viewer that opened run id with --join: the options come
// from parsing the id, as the server does.
func joinedModel(t *testing.T, id string) *Model {
	t.Helper()
	o, err := sim.ParseRunID(id)
	if err != nil {
		t.Fatalf("ParseRunID(%q): %v", id, err)
	}
	m, err := New(Config{Options: o, Share: Share{SSHHost: "localhost", SSHPort: 2222, Web: "http://localhost:8080"}, Width: 120, Height: 40})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// tickAt delivers the model's current tick loop a tick at wall time at.
func tickAt(m *Model, at time.Time) { m.Update(tickMsg{at: at, gen: m.gen}) }

// logTail is the text of the last n log lines the model holds.
func logTail(m *Model, n int) []string {
	var out []string
	for i := max(0, m.log.count()-n); i < m.log.count(); i++ {
		out = append(out, m.log.lineText(m.log.line(i)))
	}
	return out
}

// sameMoment fails unless two viewers show the same run at the same point:
// run, phase, step, loss, every bar and the recent log.
func sameMoment(t *testing.T, what string, a, b *Model) {
	t.Helper()
	sa, sb := &a.snap, &b.snap
	if a.stream.Now() != b.stream.Now() || sa.Run.Seed != sb.Run.Seed || sa.Phase != sb.Phase ||
		sa.Metrics.Step != sb.Metrics.Step || sa.Metrics.Loss != sb.Metrics.Loss {
		t.Fatalf("%s: viewers differ: %v %v step %d loss %.4f vs %v %v step %d loss %.4f", what,
			a.stream.Now(), sa.Phase, sa.Metrics.Step, sa.Metrics.Loss,
			b.stream.Now(), sb.Phase, sb.Metrics.Step, sb.Metrics.Loss)
	}
	if len(sa.Bars) != len(sb.Bars) {
		t.Fatalf("%s: %d bars vs %d", what, len(sa.Bars), len(sb.Bars))
	}
	for i := range sa.Bars {
		if fa, fb := sa.Bars[i].Format(100), sb.Bars[i].Format(100); fa != fb {
			t.Fatalf("%s: bar %d differs:\n%s\n%s", what, i, fa, fb)
		}
	}
	if la, lb := fmt.Sprint(logTail(a, 20)), fmt.Sprint(logTail(b, 20)); la != lb {
		t.Fatalf("%s: recent log differs:\n%s\n---\n%s", what, la, lb)
	}
}

// TestViewersOfOneRunAreIndependent: two viewers joined to one run id. One
// pauses and changes speed, the other stays live; `l` brings the first
// back to exactly where the second is at the same wall time.
func TestViewersOfOneRunAreIndependent(t *testing.T) {
	start := testStart
	id := sim.EncodeRunID(sim.Options{Seed: 4242, Start: start})
	a, b := joinedModel(t, id), joinedModel(t, id)

	// Both join 25 minutes in (a seek), then tick on different grids: a
	// every 150 ms, b every 450 ms; they meet every 450 ms.
	t0 := start.Add(25 * time.Minute)
	tickAt(a, t0)
	tickAt(b, t0)
	if a.log.count() < 20 {
		t.Fatalf("joined viewer's log holds %d lines, want the recent history", a.log.count())
	}
	if !strings.Contains(plainFrame(a), a.snap.Run.Name) || barLineOf(plainFrame(a)) == "" {
		t.Fatalf("joined viewer's first frame lacks the run or a bar:\n%s", plainFrame(a))
	}
	sameMoment(t, "on joining", a, b)

	const (
		fine   = 150 * time.Millisecond
		coarse = 3 * fine
	)
	// run ticks both viewers up to wall time end; b must stay live.
	now := t0
	run := func(end time.Time, check bool) {
		t.Helper()
		for now.Before(end) {
			now = now.Add(fine)
			tickAt(a, now)
			if now.Sub(t0)%coarse == 0 {
				tickAt(b, now)
				if want := now.Sub(start); b.stream.Now() != want {
					t.Fatalf("the other viewer is at %v at wall %v, want live %v", b.stream.Now(), now.Format(time.TimeOnly), want)
				}
				if check {
					sameMoment(t, "both live at "+now.Format(time.TimeOnly), a, b)
				}
			}
		}
	}
	run(t0.Add(20*time.Second), true)

	// a pauses for a minute: a stands still, b goes on.
	a.Update(press("space"))
	frozen := a.stream.Now()
	run(now.Add(time.Minute), false)
	if a.stream.Now() != frozen || !strings.Contains(plainFrame(a), "PAUSED") {
		t.Fatalf("paused viewer moved: %v -> %v", frozen, a.stream.Now())
	}
	if strings.Contains(plainFrame(b), "PAUSED") {
		t.Fatal("the other viewer shows PAUSED")
	}

	// a resumes at ×8 for 30 s: it races ahead of b, which stays live.
	a.Update(press("+"))
	a.Update(press("+"))
	a.Update(press("+"))
	a.Update(press("space"))
	if a.speed != 8 || b.speed != 1 {
		t.Fatalf("speeds %v and %v, want 8 and 1", a.speed, b.speed)
	}
	run(now.Add(30*time.Second), false)
	if a.stream.Now() <= b.stream.Now() {
		t.Fatalf("viewer at ×8 is not ahead: %v vs %v", a.stream.Now(), b.stream.Now())
	}

	// Pause again, then `l`: a is live again, at b's position, and both go
	// on together.
	a.Update(press("p"))
	run(now.Add(10*time.Second), false)
	if _, cmd := a.Update(press("l")); cmd == nil || a.paused || a.speed != 1 {
		t.Fatalf("l: paused %v speed %v, want live at ×1", a.paused, a.speed)
	}
	now = now.Add(fine)
	tickAt(a, now)
	tickAt(b, now)
	sameMoment(t, "right after l", a, b)
	if strings.Contains(plainFrame(a), "PAUSED") {
		t.Fatal("PAUSED badge after l")
	}
	t0 = now
	run(now.Add(20*time.Second), true)
	if a.RunID() != id || b.RunID() != id {
		t.Fatalf("footer ids changed: %s %s, want %s", a.RunID(), b.RunID(), id)
	}

	// A different seed at the same moment is a different run: the check
	// above can fail.
	c := joinedModel(t, sim.EncodeRunID(sim.Options{Seed: 4243, Start: start}))
	tickAt(c, now)
	if c.snap.Run.Name == b.snap.Run.Name && c.snap.Metrics == b.snap.Metrics {
		t.Fatal("another seed shows the same run")
	}
}

// barLineOf is the first line of a plain frame holding a progress bar.
func barLineOf(frame string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "%|") || strings.Contains(l, "% ") && strings.Contains(l, "/") {
			return l
		}
	}
	return ""
}

// TestLiveViewerCatchesUpAfterAStall: a live viewer whose ticks stop for a
// while (GC, an overloaded server) comes back at the run's live position,
// not behind everyone else watching the same id; a viewer that left live
// (pause, speed) is still only clamped.
func TestLiveViewerCatchesUpAfterAStall(t *testing.T) {
	id := sim.EncodeRunID(sim.Options{Seed: 77, Start: testStart})
	a, b := joinedModel(t, id), joinedModel(t, id)
	now := testStart.Add(10 * time.Minute)
	tickAt(a, now)
	tickAt(b, now)
	for _, stall := range []time.Duration{5 * time.Second, 2 * time.Minute} {
		for range 10 {
			now = now.Add(DefaultTick)
			tickAt(b, now)
		}
		tickAt(a, now.Add(-stall/2)) // a's last tick before its stall
		now = now.Add(stall / 2)
		tickAt(a, now)
		tickAt(b, now)
		sameMoment(t, fmt.Sprintf("after a %v stall", stall), a, b)
	}

	// After a speed change the viewer is no longer live: a stall is clamped.
	a.Update(press("+"))
	before := a.stream.Now()
	tickAt(a, now.Add(time.Hour))
	if got := a.stream.Now() - before; got != time.Duration(float64(maxStep)*a.speed) {
		t.Fatalf("a viewer at ×%v advanced %v over a 1h stall, want the clamp", a.speed, got)
	}
}

// TestTicksFallOnTheRunsGrid: the tick loop's ticks stand for the instants
// Start + k×tick, so every viewer of one run id samples it at the same
// moments and a live viewer sits exactly at (tick − Start) × Speed.
func TestTicksFallOnTheRunsGrid(t *testing.T) {
	const d = 20 * time.Millisecond
	start := time.Now().Add(-3*time.Minute - 1234567*time.Microsecond)
	o, err := sim.ParseRunID(sim.EncodeRunID(sim.Options{Seed: 5, Speed: 2, Start: start}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Options: o, Width: 100, Height: 30, Tick: d})
	if err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(tickMsg{at: time.Now(), gen: m.gen})
	for i := range 5 {
		msg, ok := cmd().(tickMsg)
		if !ok {
			t.Fatalf("tick %d: the tick command gave %T", i, msg)
		}
		if r := sinceGrid(msg.at, o.Start, d); r != 0 {
			t.Fatalf("tick %d at %v is %v off the grid of %v from %v", i, msg.at, r, d, o.Start)
		}
		_, cmd = m.Update(msg)
		if want := 2 * msg.at.Sub(o.Start); m.stream.Now() != want {
			t.Fatalf("tick %d: live viewer at %v, want %v", i, m.stream.Now(), want)
		}
	}
	for _, c := range []struct {
		t    time.Time
		want time.Duration
	}{
		{start.Add(45 * time.Millisecond), 5 * time.Millisecond},
		{start.Add(-15 * time.Millisecond), 5 * time.Millisecond}, // before the start (clock slack)
		{start, 0},
	} {
		if got := sinceGrid(c.t, start, d); got != c.want {
			t.Errorf("sinceGrid(start%+v) = %v, want %v", c.t.Sub(start), got, c.want)
		}
	}
}

// TestLiveViewerHoldsWhenTheClockStepsBack: a tick a little before the last
// one (the wall clock stepped back) leaves a live viewer where it is, log
// and all, instead of seeking back.
func TestLiveViewerHoldsWhenTheClockStepsBack(t *testing.T) {
	m := joinedModel(t, sim.EncodeRunID(sim.Options{Seed: 3, Start: testStart}))
	now := testStart.Add(7 * time.Minute)
	tickAt(m, now)
	tickAt(m, now.Add(time.Second))
	at, lines := m.stream.Now(), m.log.count()
	tickAt(m, now.Add(900*time.Millisecond))
	if m.stream.Now() != at || m.log.count() != lines {
		t.Fatalf("a 100ms clock step back moved the viewer %v -> %v (log %d -> %d lines)", at, m.stream.Now(), lines, m.log.count())
	}
	tickAt(m, now.Add(2*time.Second))
	if want := 7*time.Minute + 2*time.Second; m.stream.Now() != want {
		t.Fatalf("after the clock caught up the viewer is at %v, want %v", m.stream.Now(), want)
	}
}

package app

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/overfit/overfit/sim"
)

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newTestModel(t, testOptions(1), 120, 40)
		_, cmd := m.Update(press(k))
		if !isQuit(cmd) {
			t.Errorf("%s: want a quit command", k)
		}
	}
}

func TestShutdownQuits(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	_, cmd := m.Update(ShutdownMsg{Reason: "server restarting"})
	if !isQuit(cmd) {
		t.Fatal("ShutdownMsg: want a quit command")
	}
}

func TestTickAdvancesByWallTimeTimesSpeed(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	before := m.stream.Now()
	m.Update(tickMsg{at: m.last.Add(400 * time.Millisecond), gen: m.gen})
	if got := m.stream.Now() - before; got != 400*time.Millisecond {
		t.Fatalf("tick advanced %v, want 400ms", got)
	}
	// A stalled live session goes back to the run's live position...
	m.Update(tickMsg{at: m.last.Add(time.Hour), gen: m.gen})
	if got, want := m.stream.Now(), m.last.Sub(testStart); got != want {
		t.Fatalf("a live session after a 1h gap is at %v, want live %v", got, want)
	}
	// ...one that left live (a pause) is clamped, not fast-forwarded.
	at := m.last
	m.Update(press("space"))
	m.Update(press("space"))
	m.Update(tickMsg{at: at, gen: m.gen}) // the resume tick re-anchors
	before = m.stream.Now()
	m.Update(tickMsg{at: at.Add(time.Hour), gen: m.gen})
	if got := m.stream.Now() - before; got != maxStep {
		t.Fatalf("a 1h gap advanced %v, want the clamp %v", got, maxStep)
	}
	// A stale loop's tick is ignored.
	before = m.stream.Now()
	m.Update(tickMsg{at: m.last.Add(time.Second), gen: m.gen - 1})
	if m.stream.Now() != before {
		t.Fatal("a stale tick advanced the stream")
	}
}

func TestHelpKeyShowsGeneratedHelp(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	if strings.Contains(plainFrame(m), "pause/resume") {
		t.Fatal("help visible before ?")
	}
	m.Update(press("?"))
	f := plainFrame(m)
	for _, b := range m.keys.FullHelp() {
		for _, k := range b {
			if !strings.Contains(f, k.Help().Desc) {
				t.Errorf("help lacks %q:\n%s", k.Help().Desc, f)
			}
		}
	}
	m.Update(press("?"))
	if strings.Contains(plainFrame(m), "pause/resume") {
		t.Fatal("help still visible after second ?")
	}
}

func TestPauseFreezesAndResumes(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	advance(m, 3*time.Second)
	m.Update(press("space"))
	if !m.paused || !strings.Contains(plainFrame(m), "PAUSED") {
		t.Fatal("space did not pause (or no PAUSED badge)")
	}
	now := m.stream.Now()
	_, cmd := m.Update(tickMsg{at: m.last.Add(time.Second), gen: m.gen})
	if m.stream.Now() != now || cmd != nil {
		t.Fatal("a paused model advanced or kept ticking")
	}
	_, cmd = m.Update(press("space"))
	if m.paused || cmd == nil {
		t.Fatal("space did not resume with a tick")
	}
	// The first tick after resuming re-anchors: the pause is not replayed.
	resumeAt := m.last.Add(time.Minute)
	m.Update(tickMsg{at: resumeAt, gen: m.gen})
	if m.stream.Now() != now {
		t.Fatalf("resume replayed the pause: %v -> %v", now, m.stream.Now())
	}
	m.Update(tickMsg{at: resumeAt.Add(time.Second), gen: m.gen})
	if m.stream.Now() != now+time.Second {
		t.Fatalf("after resume a 1s tick advanced %v", m.stream.Now()-now)
	}
	if strings.Contains(plainFrame(m), "PAUSED") {
		t.Fatal("PAUSED badge after resume")
	}
}

func TestSpeedKeys(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	if strings.Contains(plainFrame(m), "×") {
		t.Fatal("time-lapse badge at speed 1")
	}
	m.Update(press("+"))
	m.Update(press("+"))
	if m.speed != 4 || !strings.Contains(plainFrame(m), "×4") {
		t.Fatalf("speed %v after ++, want 4 and a ×4 badge", m.speed)
	}
	before := m.stream.Now()
	m.Update(tickMsg{at: m.last.Add(500 * time.Millisecond), gen: m.gen})
	if got := m.stream.Now() - before; got != 2*time.Second {
		t.Fatalf("at ×4 a 500ms tick advanced %v, want 2s", got)
	}
	for range 3 {
		m.Update(press("-"))
	}
	if m.speed != 0.5 || !strings.Contains(plainFrame(m), "×0.5") {
		t.Fatalf("speed %v after 3 slower, want 0.5", m.speed)
	}
	for range 20 {
		m.Update(press("-"))
	}
	if m.speed != speedSteps[0] {
		t.Fatalf("speed %v, want the floor %v", m.speed, speedSteps[0])
	}
	for range 20 {
		m.Update(press("]"))
	}
	if m.speed != speedSteps[len(speedSteps)-1] {
		t.Fatalf("speed %v, want the ceiling", m.speed)
	}
}

func TestSpeedOffTheLadder(t *testing.T) {
	for _, c := range []struct {
		from float64
		dir  string
		want float64
	}{
		{3, "+", 4}, {3, "-", 2}, {100, "+", 128}, {100, "-", 64}, {128, "+", 128}, {0.1, "-", 0.1}, {0.1, "+", 0.25},
	} {
		o := testOptions(1)
		o.Speed = c.from
		m := newTestModel(t, o, 120, 40)
		m.Update(press(c.dir))
		if m.speed != c.want {
			t.Errorf("speed %v then %q: %v, want %v", c.from, c.dir, m.speed, c.want)
		}
	}
}

func TestPlainToggle(t *testing.T) {
	for _, k := range []string{"v", "tab"} {
		m := newTestModel(t, testOptions(1), 120, 40)
		advance(m, 20*time.Second)
		m.Update(press(k))
		f := plainFrame(m)
		if !m.plain || strings.Contains(f, "╭") || strings.Contains(f, "overfit") || strings.Contains(f, "@localhost") {
			t.Fatalf("%s: plain mode shows more than log and bars:\n%s", k, f)
		}
		m.Update(press(k))
		if m.plain || !strings.Contains(plainFrame(m), "@localhost") {
			t.Fatalf("%s: second press did not restore the dashboard", k)
		}
	}
}

func TestPlainConfigStartsPlain(t *testing.T) {
	m, err := New(Config{Options: testOptions(1), Plain: true, Width: 80, Height: 24})
	if err != nil {
		t.Fatal(err)
	}
	if !m.plain {
		t.Fatal("Config.Plain ignored")
	}
}

func TestNewRunKey(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	advance(m, 5*time.Second)
	id, seed := m.RunID(), m.snap.Run.Seed
	m.Update(press("n"))
	if m.RunID() == id || m.snap.Run.Seed == seed {
		t.Fatal("n did not start a different run")
	}
	o, err := sim.ParseRunID(m.RunID())
	if err != nil {
		t.Fatalf("new run id does not parse: %v", err)
	}
	if !o.Start.Equal(m.last) {
		t.Fatalf("new run starts %v, want the last tick %v", o.Start, m.last)
	}
	if !strings.Contains(plainFrame(m), m.RunID()) {
		t.Fatal("footer does not show the new run id")
	}
}

func TestLiveKeyRejoinsTheRun(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	advance(m, 5*time.Second)
	m.Update(press("space"))
	m.Update(press("+"))
	_, cmd := m.Update(press("l"))
	if cmd == nil || m.paused || m.speed != 1 {
		t.Fatal("l did not resume at the run's own speed")
	}
	// Wall time went on while paused: live is (now - Start) x Speed.
	now := testStart.Add(2 * time.Minute)
	m.Update(tickMsg{at: now, gen: m.gen})
	if got := m.stream.Now(); got != 2*time.Minute {
		t.Fatalf("live position %v, want 2m", got)
	}
}

func TestLiveKeyComesBackFromAhead(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	for range 4 {
		m.Update(press("+"))
	}
	advance(m, 20*time.Second) // at ×16: 320 s of run in 20 s
	ahead := m.stream.Now()
	m.Update(press("l"))
	now := m.last.Add(time.Second)
	m.Update(tickMsg{at: now, gen: m.gen})
	want := now.Sub(testStart)
	if got := m.stream.Now(); got != want || got >= ahead {
		t.Fatalf("live from ahead: at %v, want %v (was %v)", got, want, ahead)
	}
	if m.log.count() == 0 || !strings.Contains(plainFrame(m), m.snap.Run.Name) {
		t.Fatal("after going back to live the log or header is empty")
	}
}

func TestJoinLandsLive(t *testing.T) {
	o := testOptions(7)
	m, err := New(Config{Options: o, Width: 120, Height: 40})
	if err != nil {
		t.Fatal(err)
	}
	// A viewer joining 3 minutes after the run started.
	m.Update(tickMsg{at: o.Start.Add(3 * time.Minute), gen: m.gen})
	if got := m.stream.Now(); got != 3*time.Minute {
		t.Fatalf("joined at %v, want 3m", got)
	}
	if m.log.count() == 0 {
		t.Fatal("a joined session has an empty log")
	}
}

func TestIgnoredInputChangesNothing(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	advance(m, 10*time.Second)
	before, now := frame(m), m.stream.Now()
	msgs := []tea.Msg{
		press("x"), press("enter"), press("esc"), press("up"), press("Z"), press("é"), press("0"),
		tea.PasteMsg{Content: "q\x1b[31m?n v +-- rm -rf / \u202e\x00"},
		tea.PasteStartMsg{}, tea.PasteEndMsg{},
		tea.KeyReleaseMsg{Code: 'q', Text: "q"},
		tea.MouseClickMsg{X: 3, Y: 4},
		tea.FocusMsg{}, tea.BlurMsg{},
	}
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		if cmd != nil {
			t.Fatalf("%T %v returned a command", msg, msg)
		}
	}
	for r := rune(0x20); r < 0x250; r++ {
		switch r {
		case 'q', '?', ' ', 'p', '+', '=', ']', '-', '[', '_', 'v', 'n', 'l':
			continue
		}
		if _, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)}); cmd != nil {
			t.Fatalf("rune %q returned a command", r)
		}
	}
	if frame(m) != before || m.stream.Now() != now || m.paused || m.plain || m.showHelp || m.speed != 1 {
		t.Fatal("ignored input changed the state or the frame")
	}
}

func TestResize(t *testing.T) {
	m := newTestModel(t, testOptions(1), 120, 40)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFrame(t, frame(m), 80, 24, "after resize")
	m.Update(tea.WindowSizeMsg{Width: 30, Height: 8})
	if !strings.Contains(plainFrame(m), "too small") {
		t.Fatal("no too-small notice at 30x8")
	}
}

// The screen visibly changes at least twice a second (a target of
// docs/performance.md), while the
// panels (most of a frame's bytes) refresh once a second. A run with 4.8 s
// steps is the hard case: between steps only clocks and telemetry move.
func TestScreenChangesTwiceASecond(t *testing.T) {
	m := modelInto(t, goldenSeed, sim.PhaseTrain, 30*time.Second, 120, 40)
	prev := frame(m)
	var changed []bool
	at := m.last
	for range 60 {
		at = at.Add(m.tick)
		m.Update(tickMsg{at: at, gen: m.gen})
		f := frame(m)
		changed = append(changed, f != prev)
		prev = f
	}
	// Any three consecutive ticks span more than a second.
	for i := 0; i+2 < len(changed); i++ {
		n := 0
		for _, c := range changed[i : i+3] {
			if c {
				n++
			}
		}
		if n < 2 {
			t.Fatalf("ticks %d..%d: %d frames changed, want >= 2", i, i+2, n)
		}
	}
	// And the panels do not redraw on every tick.
	panelRefreshes := 0
	m2 := modelInto(t, goldenSeed, sim.PhaseTrain, 30*time.Second, 120, 40)
	at = m2.last
	for range 60 {
		at = at.Add(m2.tick)
		m2.Update(tickMsg{at: at, gen: m2.gen})
		if m2.panelsDue {
			panelRefreshes++
		}
		_ = m2.View()
	}
	if secs := int(60 * m2.tick / time.Second); panelRefreshes > secs+1 {
		t.Fatalf("panels refreshed %d times in %d s", panelRefreshes, secs)
	}
}

// TestTickAtShowsTheRunAtThatMoment: a tick at a chosen wall time puts a
// fresh model where its run is then, the same for two models and
// different from another moment — what the README's pictures rely on.
func TestTickAtShowsTheRunAtThatMoment(t *testing.T) {
	o := testOptions(goldenSeed)
	at := func(d time.Duration) string {
		m, err := New(Config{Options: o, Width: 120, Height: 40})
		if err != nil {
			t.Fatal(err)
		}
		m.Update(m.TickAt(o.Start.Add(d)))
		if got := m.stream.Now(); got != d {
			t.Fatalf("after TickAt(start+%v) the run is at %v", d, got)
		}
		return frame(m)
	}
	a, b, c := at(3*time.Minute), at(3*time.Minute), at(4*time.Minute)
	if a != b {
		t.Error("two models ticked at the same moment show different frames")
	}
	if a == c {
		t.Error("models ticked a minute apart show the same frame")
	}
}

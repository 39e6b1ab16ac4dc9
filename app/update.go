package app

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/overfit/overfit/sim"
)

// speedSteps is the time-lapse ladder that faster/slower walk.
var speedSteps = [...]float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128}

// Update applies one message. Anything it does not know (mouse, focus,
// unknown keys, pastes) leaves the state, and so the cached frame, untouched.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		return m, m.onTick(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.WindowSizeMsg:
		if msg.Width != m.width || msg.Height != m.height {
			m.width, m.height = msg.Width, msg.Height
			m.panelsDue, m.gpusDue = true, true
			m.dirty = true
		}
	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != m.dark {
			m.dark = dark
			m.restyle()
		}
	case tea.ColorProfileMsg:
		if msg.Profile != m.profile {
			m.profile = msg.Profile
			m.restyle()
		}
	case ShutdownMsg:
		return m, tea.Quit
	}
	return m, nil
}

// restyle rebuilds the palette and every cached styled region.
func (m *Model) restyle() {
	m.attachTheme()
	m.header.invalidate()
	m.chart.invalidate()
	m.metrics.invalidate()
	m.gpus.invalidate()
	m.config.invalidate()
	m.footer.invalidate()
	m.help.invalidate()
	m.log.restyled()
	m.panelsDue, m.gpusDue = true, true
	m.dirty = true
}

// onTick advances the run: a live viewer to the run id's position at the
// tick's time, any other by the wall time since the last tick × speed.
func (m *Model) onTick(t tickMsg) tea.Cmd {
	if t.gen != m.gen || m.paused {
		// A stale loop (its successor is scheduled) or a pause (resume starts
		// a new loop): either way this loop ends here.
		return nil
	}
	if !m.last.IsZero() {
		m.runTokens = min(newRunBurst, m.runTokens+t.at.Sub(m.last).Seconds()*newRunRate)
	}
	switch {
	case !m.synced:
		m.goLive(t.at)
	case m.last.IsZero():
		// First tick after a resume: anchor the clock, advance nothing.
	case m.live:
		// The run id's own clock, not a sum of tick gaps: every viewer of
		// the id agrees exactly, whatever its ticks' timing or a stall.
		m.goLive(t.at)
	default:
		dt := t.at.Sub(m.last)
		dt = max(0, min(dt, maxStep))
		m.stream.Advance(time.Duration(float64(dt) * m.speed))
	}
	m.last = t.at
	m.pull()
	return m.tickCmd()
}

// goLive puts the stream where the run id says the run is at wall time now:
// (now − Start) × Speed. A viewer already live steps forward from where it
// is, at any speed; a join (or l) jumps only when that is cheaper than
// stepping (see sim.SeekCheaper), or when live is behind it.
func (m *Model) goLive(now time.Time) {
	wasLive := m.synced && m.live
	m.synced, m.live = true, true
	o := m.stream.Options()
	target := time.Duration(float64(now.Sub(o.Start)) * speedOf(o))
	target = max(target, 0)
	cur := m.stream.Now()
	switch {
	case target >= cur && (wasLive || !sim.SeekCheaper(cur, target)):
		m.stream.Advance(target - cur)
	case wasLive && cur-target <= maxStep:
		// The wall clock is a little behind the last tick (stepped back,
		// or monotonic and wall time disagree by a hair): wait for it
		// rather than seek back and redraw the log.
	case target != cur:
		if m.cfg.SeekGate != nil {
			m.cfg.SeekGate(func() { m.stream.Seek(target) })
		} else {
			m.stream.Seek(target)
		}
		m.log.reset()
		m.next = 0
	}
}

// pull moves new events into the log and takes a fresh snapshot.
func (m *Model) pull() {
	// Only the newest logCap events can be on screen (and only those
	// are still held after a long tick).
	from := max(m.next, m.stream.OldestSeq())
	end := m.stream.NextSeq()
	from = max(from, end-min(end, logCap))
	for seq := from; seq < end; seq++ {
		if e, ok := m.stream.Event(seq); ok {
			m.log.push(&e)
		}
	}
	m.next = end
	m.stream.Snapshot(&m.snap)
	// Panels refresh once per second of run time, half a second out of step
	// with the run clock (both counted from the run's start): the screen
	// still changes twice a second, but the GPU telemetry, metrics and
	// chart (most of a frame's bytes) once.
	// Faster than 1x, a second of run time passes every tick or more often;
	// the panels then refresh once per second of wall time instead, which
	// is all a watcher can read, so a x128 session costs little more than
	// a x1 one (the log still moves every tick).
	epoch := (m.snap.RunElapsed + panelPhase) / time.Second
	if m.snap.Run != m.panelRun || epoch != m.panelEpoch && m.panelWallDue() {
		m.panelEpoch, m.panelRun, m.panelWall = epoch, m.snap.Run, m.last
		m.panelsDue, m.gpusDue = true, true
	}
	m.dirty = true
}

// panelWallDue reports whether enough wall time has passed since the last
// panel refresh: always at 1x and slower, about a second above (three
// quarters of a tick of slack, so a late tick does not skip a second).
func (m *Model) panelWallDue() bool {
	if m.speed <= 1 || m.last.IsZero() || m.panelWall.IsZero() {
		return true
	}
	return m.last.Sub(m.panelWall) >= time.Second-3*m.tick/4
}

// onKey handles the KeyMap's bindings; every other key is ignored.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(k, m.keys.Pause):
		m.paused = !m.paused
		m.live = false
		if !m.paused {
			// Restart the clock from now: the pause itself is not replayed.
			m.gen++
			m.dirty = true
			return m.resumeCmd()
		}
	case key.Matches(k, m.keys.Faster):
		m.setSpeed(+1)
	case key.Matches(k, m.keys.Slower):
		m.setSpeed(-1)
	case key.Matches(k, m.keys.Plain):
		m.plain = !m.plain
		m.panelsDue, m.gpusDue = true, true
	case key.Matches(k, m.keys.NewRun):
		if m.runTokens < 1 {
			return nil // faster than anyone reads a run: ignored
		}
		m.runTokens--
		m.newRun()
	case key.Matches(k, m.keys.Live):
		m.speed = speedOf(m.stream.Options())
		m.synced = false
		m.paused = false
		m.gen++
		m.dirty = true
		return m.tickNowCmd()
	default:
		return nil
	}
	m.dirty = true
	return nil
}

// resumeCmd restarts the tick loop after a pause without counting the
// paused time: its first tick, at once, only re-anchors the clock.
func (m *Model) resumeCmd() tea.Cmd {
	m.last = time.Time{}
	return m.tickNowCmd()
}

// setSpeed moves one step along the time-lapse ladder. A speed off the
// ladder (from --speed) moves to the nearest step in that direction; beyond
// either end it stays.
func (m *Model) setSpeed(dir int) {
	i := 0
	for i < len(speedSteps) && speedSteps[i] < m.speed {
		i++
	}
	// i is the first step >= speed.
	switch {
	case dir > 0 && i < len(speedSteps) && speedSteps[i] == m.speed:
		i++
	case dir < 0:
		i--
	}
	// The ladder stops where a run id could no longer carry the speed.
	if i < 0 || i >= len(speedSteps) || speedSteps[i] > sim.MaxSpeed {
		return
	}
	m.speed = speedSteps[i]
	m.live = false
}

// newRun abandons the current run for the next one of the stream, as a new
// stream anchored at the last tick so the footer's run id joins it live.
func (m *Model) newRun() {
	m.stream.SkipRun()
	o := m.stream.Options()
	o.Seed = m.stream.Run().Seed
	if !m.last.IsZero() {
		o.Start = m.last
	}
	o.Speed = m.speed
	s, err := sim.NewStream(o)
	if err != nil {
		// The options were valid a moment ago; keep the skipped stream.
		m.pull()
		return
	}
	m.setStream(s)
	// The new id starts at the last tick at this speed: a viewer that is
	// not paused is live in it.
	m.live = !m.paused
}

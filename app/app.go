// Package app is overfit's session UI: a Bubble Tea v2 model that plays one
// simulated training run for one terminal, laid out for its size.
//
// The model owns a sim.Stream and advances it only from tick messages, by the
// wall time between ticks times the time-lapse factor. Frames are built with
// precomputed escape sequences into one reused buffer and cached until the
// state changes, because in a server hosting thousands of sessions the view is
// rebuilt for every message.
package app

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/overfit/overfit/keys"
	"github.com/overfit/overfit/sim"
)

// DefaultTick is the time between frames: the screen must change at least
// twice a second, so a watcher sees a live run. Ticks sit on a half-second grid and the screen has
// a change due every half second of run time (the clocks on the second, the
// panels half a second later; see panelPhase), so at 1× every tick draws and
// frames come evenly 500 ms apart. A tick that did not divide the second
// (450 ms was tried) drifts against those changes: some ticks find nothing
// new and the screen then stands still for 900 ms, one scheduling hiccup
// away from a second without a frame.
const DefaultTick = 500 * time.Millisecond

// panelPhase puts the panels' refresh half a second of run time after the
// run clock's: with both at one per second, some part of the screen changes
// every half second.
const panelPhase = 500 * time.Millisecond

// maxStep bounds how much wall time one tick may account for, so a session
// whose process stalled (GC, overload, a laptop lid) does not leap ahead —
// unless it is live: then it is where everyone watching the run id is.
const maxStep = 2 * time.Second

// MinWidth and MinHeight are the smallest terminal the layout supports;
// below it the model shows a short "terminal too small" message.
const (
	MinWidth  = 40
	MinHeight = 12
)

// Config is what a session starts from.
type Config struct {
	Options sim.Options // validated; Seed and Start always set by the caller
	Plain   bool        // start in plain mode (log + bars only)
	// Share is how others reach this server: the footer shows the ssh
	// line and web link that open the run on screen.
	Share         Share
	Width, Height int           // initial size (clamped by the caller already)
	Tick          time.Duration // time between frames, 0 = DefaultTick
	// SeekGate, if set, runs each jump of the stream (a join far into a
	// run): the server counts them and bounds how many run at once.
	SeekGate func(seek func())
}

// ShutdownMsg is sent by the server (program.Send) when it shuts down: the
// model quits.
type ShutdownMsg struct{ Reason string }

// tickMsg is the only way time reaches the model. gen tells ticks of a
// stopped loop (pause, live) from the current one.
type tickMsg struct {
	at  time.Time
	gen int
}

// Model is one session's UI state. *Model implements tea.Model.
type Model struct {
	cfg    Config
	keys   keys.KeyMap
	stream *sim.Stream
	runID  string
	snap   sim.Snapshot
	next   uint64 // next event Seq to pull

	tick   time.Duration
	gen    int
	last   time.Time // wall time of the last tick applied
	synced bool      // the stream has been put at the run's live position
	// live: since joining (or l) neither paused nor sped up, so every
	// tick puts the stream at the run id's (now − Start) × Speed.
	live   bool
	paused bool
	speed  float64
	// runTokens pace the new-run key (see newRunBurst).
	runTokens float64

	width, height int
	plain         bool
	showHelp      bool
	dark          bool
	profile       colorprofile.Profile
	theme         *theme // shared, read-only (see themes)

	header   headerView
	pipeline pipelineView
	log      logPane
	bars     barsView
	metrics  metricsView
	gpus     gpuGridView
	config   configView
	chart    lossChartView
	footer   footerView
	help     helpView

	// The band's panels show data refreshed once per second of run time
	// (see pull); panelsDue and gpusDue say the next frame takes fresh data
	// (the grid keeps its own flag: a frame may draw no grid).
	panelEpoch time.Duration
	panelRun   *sim.Run
	panelWall  time.Time // tick time of the last refresh
	panelsDue  bool
	gpusDue    bool

	rows    []string // the frame, a row each (see Frame)
	scratch builder  // the row being built, reused
	bandSig bandSig  // what the band's rows in rows were composed from
	dirty   bool
}

// defaultKeys is built once: a KeyMap copied by value shares its bindings'
// key lists, so sessions hold no copies of their own. Never modified.
var defaultKeys = keys.Default()

// New builds a session's model. It fails only if the options are invalid.
func New(cfg Config) (*Model, error) {
	s, err := sim.NewStream(cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("start session: %w", err)
	}
	m := &Model{
		cfg:     cfg,
		keys:    defaultKeys,
		stream:  s,
		tick:    cfg.Tick,
		speed:   speedOf(cfg.Options),
		width:   cfg.Width,
		height:  cfg.Height,
		plain:   cfg.Plain,
		dark:    true,
		profile: colorprofile.TrueColor,
		dirty:   true,

		runTokens: newRunBurst,
	}
	if m.tick <= 0 {
		m.tick = DefaultTick
	}
	m.help.keyMap = m.keys
	m.attachTheme()
	// No GPU telemetry until a frame shows the grid and asks for its nodes.
	m.snap.MaxGPUs = 1
	m.setStream(s)
	return m, nil
}

// attachTheme points the model and every sub-view at the shared theme for
// the model's background and color profile.
func (m *Model) attachTheme() {
	th := themeFor(m.dark, m.profile)
	m.theme = th
	m.header.th, m.pipeline.th, m.log.th, m.bars.th = th, th, th, th
	m.metrics.th, m.gpus.th, m.chart.th, m.config.th = th, th, th, th
	m.footer.th, m.help.th = th, th
}

// speedOf is the options' time-lapse factor (0 means 1).
func speedOf(o sim.Options) float64 {
	if o.Speed <= 0 {
		return 1
	}
	return o.Speed
}

// setStream makes s the session's stream: a new run id for the footer and a
// fresh log.
func (m *Model) setStream(s *sim.Stream) {
	m.stream = s
	m.runID = sim.EncodeRunID(s.Options())
	m.footer.setRun(m.cfg.Share, m.runID)
	m.log.setSource(s)
	m.next = 0
	m.pull()
}

// Init asks for the background color (to pick the palette) and starts the
// clock with an immediate tick, so a joining viewer lands at the run's live
// position before the first real frame.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.tickNowCmd())
}

// tickNowCmd delivers a tick at once (start, resume, live).
func (m *Model) tickNowCmd() tea.Cmd {
	gen := m.gen
	return func() tea.Msg { return tickMsg{at: time.Now(), gen: gen} }
}

// TickAt is a tick of the model's clock at wall time at: applied with
// Update, it puts the model where its run is at that instant, as the first
// tick of a session does. Programs never need it (Init starts the clock);
// it lets a caller without a program and without the wall clock, such as
// the README's pictures, show a run at a chosen moment, reproducibly.
func (m *Model) TickAt(at time.Time) tea.Msg { return tickMsg{at: at, gen: m.gen} }

// tickCmd schedules the next tick of the current loop on the run's tick
// grid: instants Start + k×tick. Every viewer of one run id, on any
// replica, then samples the run at the same moments and their screens
// change together, while sessions of different runs (different starts)
// stay spread over the period instead of rendering all at once.
func (m *Model) tickCmd() tea.Cmd {
	gen, start, d := m.gen, m.stream.Options().Start, m.tick
	wait := d - sinceGrid(time.Now(), start, d)
	return tea.Tick(wait, func(t time.Time) tea.Msg {
		// The timer fires a little late; the tick stands for its grid
		// instant, so viewers' positions agree exactly.
		return tickMsg{at: t.Add(-sinceGrid(t, start, d)), gen: gen}
	})
}

// sinceGrid is how long after the last instant start + k×d the time t is.
func sinceGrid(t, start time.Time, d time.Duration) time.Duration {
	r := t.Sub(start) % d
	if r < 0 {
		r += d
	}
	return r
}

// RunID is the id of the run on screen (what the footer shows).
func (m *Model) RunID() string { return m.runID }

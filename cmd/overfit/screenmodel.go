package main

import (
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/overfit/overfit/app"
	appscreen "github.com/overfit/overfit/app/screen"
)

// frameModel is a UI that hands over its frame as rows (app.Model does).
type frameModel interface {
	tea.Model
	Frame() []string
}

var _ frameModel = (*app.Model)(nil)

// Terminal modes a session's screen runs in: the alternate screen (the
// client's scrollback is left alone) without a cursor.
const (
	enterScreen = "\x1b[?1049h\x1b[?25l"
	// terminalReset leaves the alternate screen, shows the cursor and
	// resets colors: the client's terminal as it was.
	terminalReset = "\x1b[?1049l\x1b[?25h\x1b[0m"
)

// screenModel runs a UI inside a Bubble Tea program that has no renderer of
// its own (tea.WithoutRenderer): every time the program asks for the view
// — after each message — the UI's frame goes through app/screen straight to
// the client, as the bytes that changed. Bubble Tea's renderer is not used:
// it parses each frame from one string into a cell buffer and compares
// whole screens (see docs/renderer.md for what that cost).
type screenModel struct {
	ui      frameModel
	r       *appscreen.Renderer
	out     io.Writer
	buf     []byte
	started bool
	// Frames are drawn at most every minFrameGap: a burst of messages (key
	// repeat, a flood of window changes) draws once, and the last state is
	// drawn by a frameDueMsg when the gap has passed.
	lastFrame time.Time
	due       bool // a frameDueMsg is on its way
	now       func() time.Time
	// observe feeds the frame time metric (building the frame and its
	// bytes) for frames that wrote something.
	observe prometheus.Observer
}

// newScreenModel draws ui on a w×h terminal behind out.
func newScreenModel(ui frameModel, out io.Writer, w, h int, profile colorprofile.Profile, observe prometheus.Observer) *screenModel {
	return &screenModel{ui: ui, r: appscreen.New(w, h, profile), out: out, observe: observe, now: time.Now}
}

// minFrameGap caps a session at 20 frames a second. The app changes its
// screen twice a second; only bursts of input and resizes come faster, and
// every frame after a resize is a full redraw.
const minFrameGap = 50 * time.Millisecond

// frameDueMsg asks for the frame that minFrameGap held back.
type frameDueMsg struct{}

// Init starts the UI.
func (s *screenModel) Init() tea.Cmd { return s.ui.Init() }

// Update passes msg on; a new size or color profile also goes to the
// renderer, which then redraws the whole screen.
func (s *screenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if w, h := s.r.Size(); w != msg.Width || h != msg.Height {
			s.r.Resize(msg.Width, msg.Height)
		}
	case tea.ColorProfileMsg:
		s.r.SetColorProfile(msg.Profile)
	}
	if _, ok := msg.(frameDueMsg); ok {
		s.due = false
		return s, nil // View, which follows, draws the held-back frame
	}
	next, cmd := s.ui.Update(msg)
	if fm, ok := next.(frameModel); ok {
		s.ui = fm
	}
	if wait := minFrameGap - s.now().Sub(s.lastFrame); wait > 0 && !s.due {
		s.due = true
		cmd = tea.Batch(cmd, tea.Tick(wait, func(time.Time) tea.Msg { return frameDueMsg{} }))
	}
	return s, cmd
}

// View draws the UI's frame and returns an empty view: the program has no
// renderer to give it to. A frame identical to the last writes nothing.
// The write happens here, in the program's event loop: a client that stops
// reading holds the loop until the session writer's stall timeout drops it,
// which also bounds how long shutdown waits for such a session.
func (s *screenModel) View() tea.View {
	begun := s.now()
	if s.started && begun.Sub(s.lastFrame) < minFrameGap {
		return tea.View{} // too soon: a frameDueMsg is on its way
	}
	s.lastFrame = begun
	s.buf = s.buf[:0]
	if !s.started {
		s.buf = append(s.buf, enterScreen...)
		s.started = true
	}
	s.buf = s.r.Render(s.buf, s.ui.Frame())
	if len(s.buf) > 0 {
		_, _ = s.out.Write(s.buf)
		if s.observe != nil {
			s.observe.Observe(s.now().Sub(begun).Seconds())
		}
	}
	if cap(s.buf) > maxKeptFrameBuf {
		s.buf = nil // a full redraw of a huge screen: do not keep its buffer
	}
	return tea.View{}
}

// maxKeptFrameBuf is the largest frame buffer a session keeps between
// frames; steady frames need a few hundred bytes.
const maxKeptFrameBuf = 64 << 10

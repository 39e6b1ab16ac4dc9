package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/overfit/overfit/app"
)

// terminal is what a full-screen session needs from its transport, an SSH
// channel with a PTY or a browser's WebSocket: both run the same program
// through runTerminal.
type terminal struct {
	// ctx ends the session; a cause that is an *endNotice (shutdown, time
	// limit) is shown as a goodbye, any other cause means nobody is left
	// to show anything to.
	ctx context.Context
	// out is the client's screen, counted and stall-guarded.
	out io.Writer
	// in is the client's keystrokes and terminal replies, rate-limited. A
	// Read blocked on it must end when the transport closes.
	in io.Reader
	// win holds the terminal size and announces changes.
	win *windowBox
	// env is the client's terminal environment (TERM, COLORTERM, NO_COLOR):
	// it decides the color profile.
	env []string
	// frameTime observes how long each frame took; may be nil.
	frameTime prometheus.Observer
	log       *slog.Logger
	who       []any // names the session and its client in log lines
}

// notice returns the goodbye to show, if the server ended the session.
func (t *terminal) notice() (*endNotice, bool) {
	var n *endNotice
	ok := errors.As(context.Cause(t.ctx), &n)
	return n, ok
}

// runTerminal runs model as a Bubble Tea program on t until it quits or
// t.ctx ends, and returns the session's exit status. The client's terminal
// is left as it was found, with a goodbye line when the server ended it.
func runTerminal(t *terminal, model frameModel) int {
	w, h := t.win.get()
	// The output is not a file, so the profile cannot be detected from it;
	// the client's TERM, COLORTERM and NO_COLOR decide.
	profile := colorprofile.Env(t.env)
	ui := newScreenModel(model, t.out, w, h, profile, t.frameTime)
	// Program.Kill is not safe while Run is still setting up (it races on
	// the input reader), so the watcher waits until the event loop runs:
	// the first message through the filter says it does.
	running := make(chan struct{})
	var once sync.Once
	p := tea.NewProgram(ui,
		// Input is read by readInput below, not by Bubble Tea.
		tea.WithInput(nil),
		// Frames are drawn by screenModel; Bubble Tea writes nothing.
		tea.WithoutRenderer(),
		tea.WithOutput(io.Discard),
		tea.WithFPS(idleFPS),
		tea.WithEnvironment(t.env),
		tea.WithColorProfile(profile),
		tea.WithWindowSize(w, h),
		// The server owns SIGINT/SIGTERM.
		tea.WithoutSignalHandler(),
		// There is no process to suspend on the other end of a session.
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			once.Do(func() { close(running) })
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{}
			}
			return msg
		}),
	)

	// With its input off, Bubble Tea sends no terminal queries; the one the
	// UI needs is the background color (dark or light palette).
	_, _ = io.WriteString(t.out, ansi.RequestBackgroundColor)
	inputCtx, stopInput := context.WithCancel(t.ctx)
	defer stopInput()
	// readInput parses the client's keystrokes and terminal replies.
	// Bubble Tea's own reader is not used because it sends events on a
	// channel without watching for the program's end: input that arrives
	// as the program quits ("qqq" pasted, a burst of bytes) would block it
	// forever, and with it the whole session's memory. Send returns at once
	// after the program ended, so this drains until the input closes.
	go readInput(inputCtx, t.in, func(ev uv.Event) { p.Send(ev) })

	done := make(chan struct{})
	watched := make(chan bool, 1) // whether the program had to be killed
	go t.watch(p, w, h, running, done, watched)
	_, runErr := p.Run()
	close(done)
	<-watched
	// Whatever ended the program, the client's terminal is given back as it
	// was: nothing else leaves the alternate screen.
	if n, ok := t.notice(); ok {
		_, _ = io.WriteString(t.out, terminalReset+"\r\n"+n.message+"\r\n")
		return 0
	}
	if runErr != nil && t.ctx.Err() == nil {
		// Bubble Tea caught a panic (it prints the stack to stderr).
		t.log.Error("session program failed", append(t.who, "err", runErr)...)
		_, _ = io.WriteString(t.out, terminalReset+"\r\n"+internalErrorMessage+"\r\n")
		return 1
	}
	_, _ = io.WriteString(t.out, terminalReset)
	return 0
}

// watch feeds window changes to the program and ends it when the session
// ends. It returns (through watched) once the program is done.
func (t *terminal) watch(p *tea.Program, w, h int, running, done <-chan struct{}, watched chan<- bool) {
	kill := func() {
		select {
		case <-running:
			p.Kill()
		case <-done:
			// Run already returned (it failed during setup): nothing to kill.
		}
	}
	for {
		select {
		case <-done:
			watched <- false
			return
		case <-t.win.notify:
			if nw, nh := t.win.get(); nw != w || nh != h {
				w, h = nw, nh
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
		case <-t.ctx.Done():
			n, ok := t.notice()
			if !ok {
				// The client is gone or stalled: nobody to say goodbye to.
				kill()
				<-done
				watched <- true
				return
			}
			// Send blocks until the program takes the message; a busy or
			// stuck program must not delay the kill below. Send returns once
			// the program has ended either way.
			go p.Send(app.ShutdownMsg{Reason: n.message})
			grace := time.NewTimer(quitGrace)
			select {
			case <-done:
				grace.Stop()
				watched <- false
			case <-grace.C:
				kill()
				<-done
				watched <- true
			}
			return
		}
	}
}

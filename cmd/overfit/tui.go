package main

import (
	"context"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/overfit/overfit/app"
)

// internalErrorMessage is what a visitor sees when their session's program
// failed; other sessions are not affected.
const internalErrorMessage = "overfit: this session hit an internal error — sorry; reconnect for a new run"

// quitGrace is how long a program gets to quit by itself after being told
// the server is ending the session, before it is killed.
const quitGrace = 2 * time.Second

// idleFPS is the rate of Bubble Tea's renderer ticker, which runs even
// without a renderer: at 1 it wakes once a second to flush nothing (its
// default of 60 would cost thousands of wake-ups a second on a busy
// server). Frames do not wait for it: screenModel draws each view as the
// program produces it.
const idleFPS = 1

// runTUI runs one Bubble Tea program for a PTY session and returns its exit
// status.
func (ss *session) runTUI(opts sessionOptions) int {
	w, h := ss.win.get()
	model, err := ss.srv.newModel(app.Config{
		Options: opts.Options,
		Plain:   opts.Plain,
		Share:   ss.srv.share,
		Width:   w,
		Height:  h,
	})
	if err != nil {
		ss.errorLine("overfit: " + err.Error())
		return 1
	}
	env := append(ss.env[:len(ss.env):len(ss.env)], "TERM="+ss.term)
	// The output is not a file, so the profile cannot be detected from it;
	// the client's TERM, COLORTERM and NO_COLOR decide.
	profile := colorprofile.Env(env)
	ui := newScreenModel(model, ss.out, w, h, profile, ss.srv.met.frameTime)
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
		tea.WithEnvironment(env),
		tea.WithColorProfile(profile),
		tea.WithWindowSize(w, h),
		// The server owns SIGINT/SIGTERM.
		tea.WithoutSignalHandler(),
		// There is no process to suspend on the other end of an SSH session.
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
	_, _ = io.WriteString(ss.out, ansi.RequestBackgroundColor)
	inputCtx, stopInput := context.WithCancel(ss.ctx)
	defer stopInput()
	go ss.readInput(inputCtx, p)

	done := make(chan struct{})
	watched := make(chan bool, 1) // whether the program had to be killed
	go ss.watchTUI(p, w, h, running, done, watched)
	_, runErr := p.Run()
	close(done)
	<-watched
	// Whatever ended the program, the client's terminal is given back as it
	// was: nothing else leaves the alternate screen.
	if n, ok := ss.notice(); ok {
		_, _ = io.WriteString(ss.out, terminalReset+"\r\n"+n.message+"\r\n")
		return 0
	}
	if runErr != nil && ss.ctx.Err() == nil {
		// Bubble Tea caught a panic (it prints the stack to stderr).
		ss.srv.log.Error("session program failed", "client", ss.ip, "err", runErr)
		_, _ = io.WriteString(ss.out, terminalReset+"\r\n"+internalErrorMessage+"\r\n")
		return 1
	}
	_, _ = io.WriteString(ss.out, terminalReset)
	return 0
}

// readInput parses the client's keystrokes and terminal replies and sends
// them to the program. Bubble Tea's own reader is not used because it sends
// events on a channel without watching for the program's end: input that
// arrives as the program quits ("qqq" pasted, a burst of bytes) would block
// it forever, and with it the whole session's memory. Send returns at once
// after the program ended, so this drains until the channel closes. Input
// beyond a typing rate is dropped unparsed (see inputLimiter).
func (ss *session) readInput(ctx context.Context, p *tea.Program) {
	readInput(ctx, newInputLimiter(ss.ch, time.Now), func(ev uv.Event) { p.Send(ev) })
}

// watchTUI feeds window changes to the program and ends it when the session
// ends. It returns (through watched) once the program is done.
func (ss *session) watchTUI(p *tea.Program, w, h int, running, done <-chan struct{}, watched chan<- bool) {
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
		case <-ss.win.notify:
			if nw, nh := ss.win.get(); nw != w || nh != h {
				w, h = nw, nh
				p.Send(tea.WindowSizeMsg{Width: w, Height: h})
			}
		case <-ss.ctx.Done():
			n, ok := ss.notice()
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
			t := time.NewTimer(quitGrace)
			select {
			case <-done:
				t.Stop()
				watched <- false
			case <-t.C:
				kill()
				<-done
				watched <- true
			}
			return
		}
	}
}

package main

import (
	"time"

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
	return runTerminal(&terminal{
		ctx: ss.ctx,
		out: ss.out,
		// Input beyond a typing rate is dropped unparsed (see inputLimiter).
		in:        newInputLimiter(ss.ch, time.Now),
		win:       ss.win,
		env:       append(ss.env[:len(ss.env):len(ss.env)], "TERM="+ss.term),
		frameTime: ss.srv.met.frameTime,
		log:       ss.srv.log,
		who:       ss.who(),
	}, model)
}

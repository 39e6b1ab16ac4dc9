package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/overfit/overfit/app"
)

// play runs one session in the local terminal: the same UI as over SSH, or
// the plain log stream when stdout is not a terminal (e.g. piped to a file).
func play(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := parseSessionOptions(args, time.Now(), randomSeed)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, sessionUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 2
	}

	out, isFile := stdout.(*os.File)
	if !isFile || !term.IsTerminal(out.Fd()) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := streamLog(ctx, stdout, opts, time.Now); err != nil && ctx.Err() == nil {
			// A closed pipe (overfit play | head) is a normal way to stop.
			if errors.Is(err, syscall.EPIPE) {
				return 0
			}
			fmt.Fprintln(stderr, "overfit: "+err.Error())
			return 1
		}
		return 0
	}

	w, h := fallbackWidth, fallbackHeight
	if tw, th, err := term.GetSize(out.Fd()); err == nil && tw > 0 && th > 0 {
		w, h = tw, th
	}
	model, err := app.New(app.Config{
		Options: opts.Options,
		Plain:   opts.Plain,
		Share:   shareCommand(getenv(envName("public-addr")), nil),
		Width:   w,
		Height:  h,
	})
	if err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 1
	}
	p := tea.NewProgram(model, tea.WithInput(stdin), tea.WithOutput(out))
	if _, err := p.Run(); err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 1
	}
	return 0
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"github.com/overfit/overfit/app"
)

// play runs one session in the local terminal: the same UI as over SSH, or
// the plain log stream when stdout is not a terminal (e.g. piped to a file).
func play(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A closed stdout (overfit play | head) is a normal way to stop: with
	// SIGPIPE ignored the write fails with EPIPE, and play ends quietly
	// with status 0, rather than killed by the signal (which go run reports
	// as "signal: broken pipe").
	signal.Ignore(syscall.SIGPIPE)
	opts, err := parseSessionOptions(args, time.Now(), randomSeed)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, sessionUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 2
	}
	if opts.List != "" {
		if err := writeList(stdout, opts.List); err != nil && !errors.Is(err, syscall.EPIPE) {
			fmt.Fprintln(stderr, "overfit: "+err.Error())
			return 1
		}
		return 0
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
		Share:   playShare(getenv),
		Width:   w,
		Height:  h,
	})
	if err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 1
	}
	if err := playTUI(model, stdin, out, w, h, os.Environ()); err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 1
	}
	return 0
}

// playTUI runs the dashboard in the local terminal through the same
// screenModel and input decoder as an SSH session: raw mode on the input
// terminal, the alternate screen, live resizes, the terminal restored on
// the way out.
func playTUI(model frameModel, stdin io.Reader, out *os.File, w, h int, env []string) error {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		state, err := term.MakeRaw(f.Fd())
		if err != nil {
			return fmt.Errorf("set the terminal to raw mode: %w", err)
		}
		defer term.Restore(f.Fd(), state) //nolint:errcheck // best effort on the way out
	}
	in, err := uv.NewCancelReader(stdin)
	if err != nil {
		return fmt.Errorf("read the keyboard: %w", err)
	}
	defer in.Close() //nolint:errcheck // best effort on the way out
	profile := colorprofile.Detect(out, env)
	ui := newScreenModel(model, out, w, h, profile, nil)
	p := tea.NewProgram(ui,
		tea.WithInput(nil),
		tea.WithoutRenderer(),
		tea.WithOutput(io.Discard),
		tea.WithFPS(idleFPS),
		tea.WithEnvironment(env),
		tea.WithColorProfile(profile),
		tea.WithWindowSize(w, h),
	)
	_, _ = io.WriteString(out, ansi.RequestBackgroundColor)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		readInput(ctx, in, func(ev uv.Event) { p.Send(ev) })
	}()
	go func() {
		defer wg.Done()
		watchResize(ctx, out, func(w, h int) { p.Send(tea.WindowSizeMsg{Width: w, Height: h}) })
	}()
	_, runErr := p.Run()
	stop()
	in.Cancel()
	wg.Wait()
	_, _ = io.WriteString(out, terminalReset)
	if runErr != nil {
		return fmt.Errorf("run the dashboard: %w", runErr)
	}
	return nil
}

// Command overfit serves a believable, never-ending LLM training run over
// SSH: every visitor of `ssh -p 2222 HOST` watches their own run. See
// `overfit --help` and the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	setMemoryLimit(os.Getenv) // a soft limit near the box's size; see memlimit.go
	setGCPercent(os.Getenv)   // fewer collections; see memlimit.go
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the process exit status:
// 0 success, 1 runtime failure, 2 bad usage.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "play", "version", "healthcheck":
			cmd, args = args[0], args[1:]
		case "--version", "-version":
			cmd, args = "version", args[1:]
		case "help":
			cmd, args = "serve", []string{"--help"}
		}
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "play":
		return play(args, getenv, stdin, stdout, stderr)
	case "healthcheck":
		return healthcheck(args, getenv, stdout, stderr)
	}

	cfg, err := parseServeFlags(args, getenv, stdout)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 2
	}
	// A log line to a closed stderr (a supervisor's pipe gone) must cost
	// that line, not the server: Go kills a process on SIGPIPE from a write
	// to fd 1 or 2 unless the signal is ignored.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, newLogger(cfg.LogFormat, stderr)); err != nil {
		fmt.Fprintln(stderr, "overfit: "+err.Error())
		return 1
	}
	return 0
}

// serve runs the SSH server until ctx is done.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := NewServer(cfg, log)
	if err != nil {
		return err
	}
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	// SIGHUP reloads the authorized keys, as it makes sshd reload its
	// configuration; it never stops the server (by default it would kill
	// it at once, without a goodbye, when the terminal that started it
	// goes away). Shutting down is SIGTERM's job.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go s.reloadOn(ctx, hup)
	return s.Serve(ctx, ln)
}

// newLogger writes structured logs to w as text or JSON.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

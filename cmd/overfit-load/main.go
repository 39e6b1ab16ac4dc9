// Command overfit-load puts a measured load of real SSH sessions on an
// overfit server: each client requests a PTY and a shell, reads everything
// and counts bytes and frames. It reports sessions held and failed,
// first-frame latency, bytes and frames per second per session and, given the
// server's PID or metrics URL, the server's CPU and memory per session.
//
// It only loads loopback targets unless -allow-remote is given, and every run
// is bounded: at most 20,000 sessions, a steady window of at most an hour,
// setup bounded by -timeout. Ctrl-C ends the run early with a partial report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C ends the run with a partial report; restoring the
	// default handler lets a second one kill a teardown that hangs.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: exit code 0 on a completed run, 1 when
// the run could not be made or no session held, 2 on bad flags, 130 when
// interrupted (the partial report is still printed).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(ctx, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "overfit-load: %v\n", err)
		return 2
	}
	server, err := serverSampler(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "overfit-load: %v\n", err)
		return 2
	}
	r := newRunner(cfg, server, stderr)
	res, err := r.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "overfit-load: %v\n", err)
		return 1
	}
	rep := buildReport(cfg, res)
	if cfg.JSON {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "overfit-load: %v\n", err)
		return 1
	}
	switch {
	case rep.Interrupted:
		return 130
	case rep.Held == 0:
		return 1
	}
	return 0
}

// serverSampler picks how the server is sampled, if at all. With -pid it
// checks the process exists now rather than after the ramp.
func serverSampler(cfg Config, stderr io.Writer) (sampler, error) {
	switch {
	case cfg.MetricsURL != "":
		return newMetricsSampler(cfg.MetricsURL), nil
	case cfg.PID > 0:
		p := procSampler{root: "/proc", pid: strconv.Itoa(cfg.PID)}
		if _, err := os.Stat("/proc/" + p.pid); err != nil {
			return nil, fmt.Errorf("-pid %d: %w (give the server's own PID, e.g. from pgrep -x overfit)", cfg.PID, err)
		}
		if p.comm() == "go" {
			fmt.Fprintf(stderr, "warning: pid %d is the go tool, not the server: build the server and run the binary to sample it\n", cfg.PID)
		}
		return p, nil
	}
	return nil, nil
}

//go:build !windows

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/charmbracelet/x/term"
)

// watchResize calls resized with the terminal's new size each time it
// changes (SIGWINCH), until ctx ends.
func watchResize(ctx context.Context, out *os.File, resized func(w, h int)) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	defer signal.Stop(sig)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			if w, h, err := term.GetSize(out.Fd()); err == nil && w > 0 && h > 0 {
				resized(w, h)
			}
		}
	}
}

//go:build windows

package main

import (
	"context"
	"os"
)

// watchResize does nothing on Windows, which has no SIGWINCH: the
// dashboard keeps the size it started with.
func watchResize(ctx context.Context, _ *os.File, _ func(w, h int)) { <-ctx.Done() }

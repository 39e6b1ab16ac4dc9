package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"
)

// Stages of a session's setup, named in failure reasons.
const (
	stageConnect   = "connect"
	stageHandshake = "handshake"
	stageSession   = "session"
	stagePTY       = "pty"
	stageShell     = "shell"
	stageRead      = "read"
)

// Reasons for sessions the generator itself ended or never started.
const (
	reasonCut        = "closed by the generator before setup finished"
	reasonNotStarted = "not started (interrupted)"
	reasonNoOutput   = "no screen output before the end of the run"
	reasonUnknown    = "ended, reason unknown (session did not finish)"
)

// classifyError turns a setup or read error into a short reason. Reasons are
// counted in a map, so they must not carry addresses, ports or other
// per-session detail that would make every failure its own bucket.
func classifyError(stage string, err error) string {
	var netErr net.Error
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return stage + ": ok"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return stage + ": connection reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no free local port (EADDRNOTAVAIL)"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return stage + " timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return stage + ": EOF"
	case errors.Is(err, net.ErrClosed):
		return stage + ": closed"
	case errors.As(err, &exit):
		return fmt.Sprintf("exit status %d", exit.ExitStatus())
	case strings.Contains(err.Error(), "unable to authenticate"):
		return "auth failed"
	}
	msg := err.Error()
	// x/crypto/ssh prefixes its errors with "ssh: "; addresses come first in
	// net.OpError, so keep only the last clause.
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return stage + ": " + truncate(msg, 60)
}

// endReason explains why a session that had been set up ended before the end
// of the steady window. head holds the first bytes of stdout and stderr; an
// overfit server at capacity says "server busy" in one line.
func endReason(head []byte, waitErr error, readErr error) string {
	if bytes.Contains(bytes.ToLower(head), []byte("busy")) {
		return "server busy"
	}
	if waitErr != nil {
		r := classifyError(stageSession, waitErr)
		if line := firstLine(head); line != "" && strings.HasPrefix(r, "exit status") {
			r += ": " + truncate(line, 60)
		}
		return r
	}
	if readErr != nil && !errors.Is(readErr, io.EOF) {
		return classifyError(stageRead, readErr)
	}
	return "closed by server (EOF)"
}

// firstLine returns the first non-blank line of b with control characters
// dropped, so that escape sequences never end up in a reason.
func firstLine(b []byte) string {
	for line := range strings.Lines(ansi.Strip(string(b))) {
		line = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f || r == utf8.RuneError {
				return -1
			}
			return r
		}, line)
		if s := strings.TrimSpace(line); s != "" {
			return s
		}
	}
	return ""
}

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassifyError(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	cases := []struct {
		stage string
		err   error
		want  string
	}{
		{stageConnect, opErr, "connection refused"},
		{stageHandshake, fmt.Errorf("ssh: handshake failed: %w", io.EOF), "handshake: EOF"},
		{stageHandshake, fmt.Errorf("read tcp 127.0.0.1:1->127.0.0.1:2: %w", os.ErrDeadlineExceeded), "handshake timeout"},
		{stageConnect, syscall.EADDRNOTAVAIL, "no free local port (EADDRNOTAVAIL)"},
		{stageConnect, syscall.EMFILE, "too many open files"},
		{stageHandshake, errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey]"), "auth failed"},
		{stagePTY, errors.New("ssh: pty-req failed"), "pty: pty-req failed"},
		{stageRead, fmt.Errorf("read 127.0.0.1:40000: %w", net.ErrClosed), "read: closed"},
	}
	for _, c := range cases {
		if got := classifyError(c.stage, c.err); got != c.want {
			t.Errorf("classifyError(%s, %v) = %q, want %q", c.stage, c.err, got, c.want)
		}
	}
}

func TestEndReason(t *testing.T) {
	if got := endReason([]byte("\x1b[2J Server BUSY: try later\r\n"), nil, nil); got != "server busy" {
		t.Errorf("busy message: %q", got)
	}
	if got := endReason(nil, nil, io.EOF); got != "closed by server (EOF)" {
		t.Errorf("plain EOF: %q", got)
	}
	if got := endReason(nil, nil, syscall.ECONNRESET); got != "read: connection reset" {
		t.Errorf("reset: %q", got)
	}
}

func TestFirstLineDropsControls(t *testing.T) {
	if got := firstLine([]byte("\r\n\x1b[31munknown model \"x\"\x1b[0m\nsecond")); got != `unknown model "x"` {
		t.Fatalf("firstLine = %q", got)
	}
}

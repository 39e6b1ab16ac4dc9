package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// healthTimeout bounds the whole health check.
const healthTimeout = 3 * time.Second

// healthcheck exits 0 when an SSH server answers on the configured listen
// address (it reads the server's version line and hangs up). Containers use
// it because the image has no ssh client or curl.
func healthcheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, getenv, stdout)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "overfit healthcheck: "+err.Error())
		return 2
	}
	if err := probeSSH(dialAddr(cfg.Listen), healthTimeout); err != nil {
		fmt.Fprintln(stderr, "overfit healthcheck: "+err.Error())
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// dialAddr turns a listen address into one to dial: an empty or wildcard
// host means this machine.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// probeSSH connects to addr and checks that it speaks SSH.
func probeSSH(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return fmt.Errorf("no server at %s: %w", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("server at %s did not greet: %w", addr, err)
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("server at %s does not speak SSH (greeting %q)", addr, strings.TrimSpace(line))
	}
	return nil
}

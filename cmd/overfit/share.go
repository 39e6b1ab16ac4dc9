package main

import (
	"net"
	"strconv"
	"strings"

	"github.com/overfit/overfit/app"
	"github.com/overfit/overfit/sim"
)

// sshShare is how visitors reach the SSH listener: --public-addr, or
// localhost and the port listened on.
func sshShare(public string, listen net.Addr) app.Share {
	host, port := "localhost", 2222
	if ta, ok := listen.(*net.TCPAddr); ok {
		port = ta.Port
	}
	if public != "" {
		if h, p, err := net.SplitHostPort(public); err == nil {
			host = h
			if n, err := strconv.Atoi(p); err == nil {
				port = n
			}
		} else {
			host, port = public, 22
		}
	}
	return app.Share{SSHHost: host, SSHPort: port}
}

// runFixingOptions are the session options that choose a run; with any of
// them the ssh user name is not taken as a run id.
var runFixingOptions = []string{"join", "seed", "model", "gpu", "nodes", "job", "speed", "steps", "help", "h", "list"}

// userJoinArgs makes the one-word join work: `ssh <run-id>@host` joins
// that run. A user name that is not a valid run id (anything people type as
// their login) is ignored, as are user names when the options already
// choose a run.
func userJoinArgs(user string, args []string) []string {
	if _, err := sim.ParseRunID(user); err != nil {
		return args
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		for _, f := range runFixingOptions {
			if name == f {
				return args
			}
		}
	}
	return append([]string{"--join", user}, args...)
}

// playShare is the footer's share lines in local play: the server named by
// OVERFIT_PUBLIC_ADDR and OVERFIT_PUBLIC_URL, so a run played locally can
// be pointed at where it is served. Without them no server runs that could
// answer a join line, so the footer shows none (only the run id).
func playShare(getenv func(string) string) app.Share {
	var s app.Share
	if public := getenv(envName("public-addr")); public != "" {
		s = sshShare(public, nil)
	}
	s.Web = strings.TrimRight(getenv(envName("public-url")), "/")
	return s
}

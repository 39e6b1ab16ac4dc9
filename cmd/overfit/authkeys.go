package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// maxAuthorizedKeysSize bounds the --authorized-keys file: a few thousand
// keys; anything larger is a mistake (or not a key file at all).
const maxAuthorizedKeysSize = 1 << 20

// authorizedKeys is the parsed --authorized-keys file. It is parsed once,
// and again when the file changes (checked at each login, by its size,
// modification time and inode) or on reload (SIGHUP). Every line that
// cannot be used is skipped with a warning naming it; the others still
// count.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	stamp fileStamp
	keys  []authorizedKey
}

// authorizedKey is one usable line: a key and the addresses it may come from.
type authorizedKey struct {
	wire []byte   // the key in wire format
	from []string // from="..." patterns; empty = anywhere
}

// fileStamp tells a changed file from the one parsed.
type fileStamp struct {
	size  int64
	mtime time.Time
	ino   uint64
}

// Options of an authorized_keys line this server honours without doing
// anything: it forwards nothing, runs no rc file and never grants more than
// a session. Any other option (command=, no-pty, restrict, principals=,
// expiry-time=, environment=, cert-authority, ...) would restrict the key
// in a way this server does not implement, so such a key is refused rather
// than allowed more than its owner meant.
var honouredOptions = []string{
	"no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc",
	"port-forwarding", "agent-forwarding", "x11-forwarding", "pty", "user-rc",
}

// loadAuthorizedKeys parses path. A file that cannot be read is an error;
// bad lines in it are warnings.
func loadAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ak := &authorizedKeys{path: path, log: log}
	if err := ak.reload(true); err != nil {
		return nil, err
	}
	return ak, nil
}

// reload parses the file again if it changed, or always when force is set.
// On an error the keys parsed before stay in use.
func (ak *authorizedKeys) reload(force bool) error {
	fi, err := os.Stat(ak.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w (check --authorized-keys)", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("authorized keys: %s is not a regular file (check --authorized-keys)", ak.path)
	}
	st := stampOf(fi)
	ak.mu.Lock()
	same := ak.stamp == st && !force
	ak.mu.Unlock()
	if same {
		return nil
	}
	if fi.Size() > maxAuthorizedKeysSize {
		return fmt.Errorf("authorized keys: %s is %d bytes, more than %d (check --authorized-keys)", ak.path, fi.Size(), maxAuthorizedKeysSize)
	}
	f, err := os.Open(ak.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w (check --authorized-keys)", err)
	}
	defer f.Close() //nolint:errcheck
	data, err := io.ReadAll(io.LimitReader(f, maxAuthorizedKeysSize+1))
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	keys := ak.parse(data)
	ak.mu.Lock()
	ak.stamp, ak.keys = st, keys
	ak.mu.Unlock()
	ak.log.Info("authorized keys loaded", "file", ak.path, "keys", len(keys))
	return nil
}

// parse reads every line, warning about those it skips.
func (ak *authorizedKeys) parse(data []byte) []authorizedKey {
	var keys []authorizedKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 16<<10), maxAuthorizedKeysSize+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			ak.log.Warn("authorized keys: line skipped", "file", ak.path, "line", n, "err", err.Error())
			continue
		}
		k := authorizedKey{wire: pub.Marshal()}
		ok := true
		for _, opt := range options {
			name, value, hasValue := strings.Cut(opt, "=")
			name = strings.ToLower(name)
			switch {
			case name == "from" && hasValue:
				k.from = strings.Split(strings.Trim(value, `"`), ",")
			case slices.Contains(honouredOptions, name) && !hasValue:
			default:
				ak.log.Warn("authorized keys: key skipped: option not supported by this server",
					"file", ak.path, "line", n, "option", clientString(name))
				ok = false
			}
		}
		if ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// allows says whether key may log in from addr.
func (ak *authorizedKeys) allows(key gossh.PublicKey, addr net.Addr) bool {
	if err := ak.reload(false); err != nil {
		ak.log.Warn("authorized keys: not reloaded; the keys parsed before stay in use", "err", err.Error())
	}
	wire := key.Marshal()
	ip, _ := addrIP(addr)
	ak.mu.Lock()
	defer ak.mu.Unlock()
	for _, k := range ak.keys {
		if bytes.Equal(k.wire, wire) && (k.from == nil || matchFrom(k.from, ip.Unmap())) {
			return true
		}
	}
	return false
}

// matchFrom applies a from= pattern list as OpenSSH does for an address:
// a negated pattern (!) that matches denies, otherwise any pattern that
// matches allows. A pattern is an address with * and ? wildcards, or a
// CIDR. Host names never match: like OpenSSH without UseDNS, a name is not
// looked up.
func matchFrom(patterns []string, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	s := ip.String()
	allowed := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var hit bool
		if pre, err := netip.ParsePrefix(p); err == nil {
			hit = pre.Contains(ip)
		} else {
			hit, _ = path.Match(p, s)
		}
		if hit && neg {
			return false
		}
		allowed = allowed || hit
	}
	return allowed
}

// publicKeyAuthAlgorithms are the signature algorithms accepted for client
// keys: x/crypto's supported list, which leaves out ssh-rsa (SHA-1).
func publicKeyAuthAlgorithms() []string {
	return slices.DeleteFunc(slices.Clone(gossh.SupportedAlgorithms().PublicKeyAuths), func(a string) bool {
		return a == gossh.KeyAlgoRSA
	})
}

package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// defaultHTTPListen is where the web viewer listens unless told otherwise:
// next to the SSH port's 2222, easy to remember.
const defaultHTTPListen = ":8080"

// WebConfig configures the web viewer: the same runs as over SSH, in a
// browser.
type WebConfig struct {
	// Listen is the HTTP listen address; empty turns the web viewer off.
	Listen string
	// PublicURL is the base URL visitors open (scheme, host, optional
	// path prefix), shown in every footer; empty = http://<ssh host>:<port>.
	PublicURL string
	// TrustedProxies lists reverse proxies (IPs or CIDRs, comma-separated)
	// whose X-Forwarded-For header names the client; anyone else's is ignored.
	TrustedProxies string
}

// addWebFlags registers the web viewer's flags.
func addWebFlags(fs *flag.FlagSet, c *WebConfig) {
	fs.StringVar(&c.Listen, "http-listen", c.Listen, "address of the web viewer (a browser terminal at / and /r/RUN-ID); empty = off")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL visitors open the web viewer at, shown in footers and link previews (default http://<public-addr host>:<http port>)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For names the web client (empty = none)")
}

// validate rejects values that cannot work, naming the flag.
func (c WebConfig) validate() error {
	if _, err := parsePrefixes(c.TrustedProxies); err != nil {
		return err
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url must be an http(s) URL like https://overfit.example.com, not %q", c.PublicURL)
		}
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("--http-listen must be HOST:PORT or :PORT, not %q (empty turns the web viewer off)", c.Listen)
		}
	}
	return nil
}

// parsePrefixes reads --trusted-proxies: IPs become single-address prefixes.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if a, err := netip.ParseAddr(r); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(r)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an IP or CIDR (want e.g. 10.0.0.0/8,192.168.1.5)", r)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

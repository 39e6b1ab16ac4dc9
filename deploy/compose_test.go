package deploy

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of a compose file these checks read.
type composeFile struct {
	Services map[string]struct {
		Environment     map[string]string `json:"environment"`
		StopGracePeriod string            `json:"stop_grace_period"`
	} `json:"services"`
}

// Defaults of the server, as `overfit --help` states them: the shutdown
// waits --shutdown-timeout for sessions, then up to 1 s for clients to
// hang up and 2 s for sessions to unwind after their connections closed.
const (
	defaultShutdownTimeout = 5 * time.Second
	shutdownOverhead       = 3 * time.Second
)

// TestComposeFilesAreConfigurable: in both compose files the address
// visitors are told comes from the deployer's environment (compose's
// ${VAR:-default}), and the grace period before SIGKILL covers the
// server's worst-case stop (drain + shutdown timeout + 3 s), as the
// comments next to it say.
func TestComposeFilesAreConfigurable(t *testing.T) {
	fromEnv := regexp.MustCompile(`^\$\{(OVERFIT_[A-Z_]+):-[^}]+\}$`)
	for _, path := range []string{"../docker-compose.yml", "compose/compose.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f composeFile
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		svc, ok := f.Services["overfit"]
		if !ok {
			t.Fatalf("%s: no overfit service", path)
		}
		for _, name := range []string{"OVERFIT_PUBLIC_ADDR", "OVERFIT_PUBLIC_URL"} {
			v, set := svc.Environment[name]
			if !set {
				continue // the scaled setup serves no web viewer address of its own
			}
			if m := fromEnv.FindStringSubmatch(v); m == nil || m[1] != name {
				t.Errorf("%s: %s is %q, want \"${%s:-default}\" so the deployer's environment sets it", path, name, v, name)
			}
		}
		if _, set := svc.Environment["OVERFIT_PUBLIC_ADDR"]; !set {
			t.Errorf("%s: OVERFIT_PUBLIC_ADDR is not set: every footer would name localhost", path)
		}

		stop := defaultShutdownTimeout + shutdownOverhead
		for name, add := range map[string]bool{"OVERFIT_DRAIN_DELAY": true, "OVERFIT_SHUTDOWN_TIMEOUT": false} {
			v, set := svc.Environment[name]
			if !set {
				continue
			}
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("%s: %s=%q: %v", path, name, v, err)
			}
			if add {
				stop += d
			} else {
				stop += d - defaultShutdownTimeout
			}
		}
		grace, err := time.ParseDuration(svc.StopGracePeriod)
		if err != nil {
			t.Fatalf("%s: stop_grace_period %q: %v", path, svc.StopGracePeriod, err)
		}
		if grace <= stop {
			t.Errorf("%s: stop_grace_period %v, but overfit may take %v to stop: raise it", path, grace, stop)
		}
		// The comment above stop_grace_period states the same sum.
		if want := fmt.Sprintf("= %d s", int(stop.Seconds())); !strings.Contains(string(data), want) {
			t.Errorf("%s: the comment on stop_grace_period does not state the stop time %v (as %q)", path, stop, want)
		}
	}
}

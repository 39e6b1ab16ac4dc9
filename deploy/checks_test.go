package deploy

import (
	"fmt"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// recorder collects what the checks report; Fatalf stops the check.
type recorder struct{ msgs []string }

// errStopped is what Fatalf panics with; run recovers it.
type errStopped struct{}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(errStopped{})
}

// run applies the checks and returns everything they reported.
func (r *recorder) run(m *manifest, want expect) (all string) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(errStopped); !ok {
				panic(p)
			}
		}
		all = strings.Join(r.msgs, "\n")
	}()
	checkManifest(r, m, want)
	return ""
}

// TestChecksCatchBrokenManifests breaks the plain manifest one way at a
// time and expects the checks to say what broke.
func TestChecksCatchBrokenManifests(t *testing.T) {
	data, err := os.ReadFile("kubernetes/overfit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	load := func() *manifest {
		m, err := decodeManifest("overfit.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := expect{hostKeySecret: "overfit-host-key"}
	if got := (&recorder{}).run(load(), want); got != "" {
		t.Fatalf("the unbroken manifest fails the checks:\n%s", got)
	}
	container := func(m *manifest) *corev1.Container { return &m.deployments[0].Spec.Template.Spec.Containers[0] }
	setEnv := func(m *manifest, name, value string) {
		c := container(m)
		for i := range c.Env {
			if c.Env[i].Name == name {
				c.Env[i].Value = value
				return
			}
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
	}
	lb := func(m *manifest) *corev1.Service {
		for _, s := range m.services {
			if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
				return s
			}
		}
		t.Fatal("no LoadBalancer")
		return nil
	}
	for _, tc := range []struct {
		name    string
		breakIt func(*manifest)
		want    string
	}{
		{"grace period below the shutdown", func(m *manifest) {
			g := int64(8)
			m.deployments[0].Spec.Template.Spec.TerminationGracePeriodSeconds = &g
		}, "terminationGracePeriodSeconds"},
		{"a longer drain, same grace", func(m *manifest) { setEnv(m, "OVERFIT_DRAIN_DELAY", "30s") }, "terminationGracePeriodSeconds"},
		{"readiness on the SSH port", func(m *manifest) {
			container(m).ReadinessProbe.HTTPGet.Port = intstr.FromString("ssh")
		}, "readiness probe"},
		{"liveness on another path", func(m *manifest) { container(m).LivenessProbe.HTTPGet.Path = "/" }, "liveness probe"},
		{"metrics elsewhere than the port", func(m *manifest) { setEnv(m, "OVERFIT_METRICS_LISTEN", ":9999") }, "container ports"},
		{"host key outside the Secret", func(m *manifest) { setEnv(m, "OVERFIT_HOST_KEY", "/data/ssh_host_ed25519_key") }, "OVERFIT_HOST_KEY"},
		{"host key world-readable", func(m *manifest) {
			mode := int32(0o444)
			m.deployments[0].Spec.Template.Spec.Volumes[0].Secret.DefaultMode = &mode
		}, "host key mode"},
		{"writable root", func(m *manifest) {
			f := false
			container(m).SecurityContext.ReadOnlyRootFilesystem = &f
		}, "read-only"},
		{"root", func(m *manifest) {
			f := false
			m.deployments[0].Spec.Template.Spec.SecurityContext.RunAsNonRoot = &f
		}, "non-root"},
		{"metrics on the internet", func(m *manifest) {
			s := lb(m)
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 9222, TargetPort: intstr.FromString("metrics")})
		}, "metrics port"},
		{"client addresses lost", func(m *manifest) {
			lb(m).Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
		}, "externalTrafficPolicy"},
		{"memory for too few sessions", func(m *manifest) {
			container(m).Resources.Limits[corev1.ResourceMemory] = resource.MustParse("900Mi")
		}, "soft limit"},
		{"replicas fought over with the HPA", func(m *manifest) {
			n := int32(3)
			m.deployments[0].Spec.Replicas = &n
		}, "HPA owns them"},
		{"PDB blocking drains", func(m *manifest) {
			z := intstr.FromInt32(0)
			m.pdbs[0].Spec.MaxUnavailable = &z
		}, "PDB"},
		{"PROXY protocol from anyone", func(m *manifest) {
			setEnv(m, "OVERFIT_PROXY_PROTOCOL_FROM", "everyone")
		}, "OVERFIT_PROXY_PROTOCOL_FROM"},
	} {
		m := load()
		tc.breakIt(m)
		if got := (&recorder{}).run(m, want); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the checks said %q, want a complaint about %s", tc.name, got, tc.want)
		}
	}
}

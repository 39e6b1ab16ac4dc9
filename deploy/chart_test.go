package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// kubeVersion is the Kubernetes version the chart is rendered for: Helm
// built with `go install` assumes 1.20 otherwise (render.sh says the same).
const kubeVersion = "1.31.0"

// helmBinary finds helm ($HELM or PATH). Outside CI a missing helm skips
// the chart tests with how to get it; in CI it is a failure.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	if h, err := exec.LookPath("helm"); err == nil {
		return h
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("helm not found; .ci/run builds it (go install helm.sh/helm/v3/cmd/helm@…)")
	}
	t.Skip("helm not on PATH: `go install helm.sh/helm/v3/cmd/helm@v3.22.0` (the version .ci/run pins) to run the chart tests")
	return ""
}

// helmTemplate renders the chart with extra flags.
func helmTemplate(t *testing.T, helm string, flags ...string) ([]byte, string, error) {
	t.Helper()
	args := append([]string{"template", "overfit", "helm/overfit", "--kube-version", kubeVersion}, flags...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(helm, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

// TestChartRenderings renders the chart with its defaults and each values
// file under helm/overfit/ci, and checks every object.
func TestChartRenderings(t *testing.T) {
	helm := helmBinary(t)
	for _, tc := range []struct {
		name  string
		flags []string
		want  expect
	}{
		{"defaults: a generated host key", nil, expect{}},
		{"the user's host key Secret", []string{"--set", "hostKey.existingSecret=my-key"}, expect{hostKeySecret: "my-key"}},
		{"PROXY protocol, everything on", []string{"-f", "helm/overfit/ci/proxy-protocol-values.yaml"}, expect{}},
		{"fixed replicas", []string{"-f", "helm/overfit/ci/fixed-replicas-values.yaml"}, expect{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := helmTemplate(t, helm, tc.flags...)
			if err != nil {
				t.Fatalf("helm template %v: %v\n%s", tc.flags, err, stderr)
			}
			m, err := decodeManifest(tc.name, out)
			if err != nil {
				t.Fatal(err)
			}
			checkManifest(t, m, tc.want)
		})
	}
}

// TestChartGeneratesADifferentKeyPerInstall: the generated host key is
// random, not a constant baked into the chart.
func TestChartGeneratesADifferentKeyPerInstall(t *testing.T) {
	helm := helmBinary(t)
	key := func() string {
		out, stderr, err := helmTemplate(t, helm, "--show-only", "templates/secret-host-key.yaml")
		if err != nil {
			t.Fatalf("helm template: %v\n%s", err, stderr)
		}
		m, err := decodeManifest("host key", out)
		if err != nil || len(m.secrets) != 1 {
			t.Fatalf("host key Secret: %v", err)
		}
		return string(m.secrets[0].Data["ssh_host_ed25519_key"])
	}
	if a, b := key(), key(); a == b {
		t.Fatal("two renderings generated the same host key")
	}
}

// TestChartRefusesValuesThatCannotWork: settings that would break the
// shutdown path or the client addresses fail the rendering with a message
// naming the value.
func TestChartRefusesValuesThatCannotWork(t *testing.T) {
	helm := helmBinary(t)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--set", "service.clientAddress=proxyProtocol"}, "proxyProtocol.from"},
		{[]string{"--set", "service.clientAddress=nodePort"}, "service.clientAddress"},
		{[]string{"--set", "terminationGracePeriodSeconds=10"}, "terminationGracePeriodSeconds"},
		{[]string{"--set", "server.drainDelaySeconds=30", "--set", "terminationGracePeriodSeconds=30"}, "terminationGracePeriodSeconds"},
	} {
		_, stderr, err := helmTemplate(t, helm, tc.flags...)
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("helm template %v: err %v, stderr %q; want a failure naming %s", tc.flags, err, stderr, tc.want)
		}
	}
}

package deploy

import (
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of prometheus-operator's monitoring.coreos.com/v1
// ServiceMonitor the chart uses, with the operator's field names. It is not
// in k8s.io/api; decoding it strictly still catches a misspelt field. (The
// operator's own Go types would pull controller-runtime into this module.)
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// manifest is every object of one rendering, decoded.
type manifest struct {
	source      string
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	secrets     []*corev1.Secret
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	monitors    []*serviceMonitor
	metas       []metav1.ObjectMeta // every object's, for the label check
}

// docSep splits a YAML stream into documents.
var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeManifest decodes every document strictly: unknown or duplicate
// fields, and kinds the chart is not known to render, are errors.
func decodeManifest(source string, data []byte) (*manifest, error) {
	m := &manifest{source: source}
	seen := map[string]bool{}
	for i, doc := range docSep.Split(string(data), -1) {
		if onlyComments(doc) {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return nil, fmt.Errorf("%s, document %d: %w", source, i, err)
		}
		var obj any
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			o := &appsv1.Deployment{}
			m.deployments, obj = append(m.deployments, o), o
		case "v1 Service":
			o := &corev1.Service{}
			m.services, obj = append(m.services, o), o
		case "v1 Secret":
			o := &corev1.Secret{}
			m.secrets, obj = append(m.secrets, o), o
		case "policy/v1 PodDisruptionBudget":
			o := &policyv1.PodDisruptionBudget{}
			m.pdbs, obj = append(m.pdbs, o), o
		case "autoscaling/v2 HorizontalPodAutoscaler":
			o := &autoscalingv2.HorizontalPodAutoscaler{}
			m.hpas, obj = append(m.hpas, o), o
		case "monitoring.coreos.com/v1 ServiceMonitor":
			o := &serviceMonitor{}
			m.monitors, obj = append(m.monitors, o), o
		default:
			return nil, fmt.Errorf("%s, document %d: unexpected object %s %q", source, i, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("%s, document %d (%s): %w", source, i, tm.Kind, err)
		}
		meta := obj.(metav1.ObjectMetaAccessor).GetObjectMeta()
		id := tm.Kind + "/" + meta.GetName()
		if seen[id] {
			return nil, fmt.Errorf("%s: %s rendered twice", source, id)
		}
		seen[id] = true
		m.metas = append(m.metas, metav1.ObjectMeta{Name: meta.GetName(), Labels: meta.GetLabels()})
	}
	return m, nil
}

// onlyComments reports whether a document holds nothing but comments.
func onlyComments(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// reporter is the part of *testing.T the checks use, so a test can also
// run them on broken manifests and see them complain.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// kibPerSession is the measured RSS per session the chart sizes with.
func kibPerSession(t reporter) int {
	t.Helper()
	data, err := os.ReadFile("helm/overfit/values.yaml")
	if err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	var v struct {
		Sizing struct {
			KiBPerSession int `json:"kibPerSession"`
		} `json:"sizing"`
	}
	if err := yaml.Unmarshal(data, &v); err != nil || v.Sizing.KiBPerSession <= 0 {
		t.Fatalf("values.yaml sizing.kibPerSession: %d, %v", v.Sizing.KiBPerSession, err)
	}
	return v.Sizing.KiBPerSession
}

// expect says what a rendering is for, beyond the invariants.
type expect struct {
	hostKeySecret string // the Secret's name when it is not rendered ("" = rendered)
}

// checkManifest checks the invariants every rendering must keep.
func checkManifest(t reporter, m *manifest, want expect) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s", m.source, fmt.Sprintf(format, args...))
	}
	if len(m.deployments) != 1 {
		t.Fatalf("%s: %d Deployments, want 1", m.source, len(m.deployments))
	}
	d := m.deployments[0]
	pod := d.Spec.Template.Spec
	podLabels := d.Spec.Template.Labels
	for _, meta := range m.metas {
		if meta.Labels["app.kubernetes.io/name"] == "" {
			fail("%s has no app.kubernetes.io/name label", meta.Name)
		}
	}
	if d.Spec.Selector == nil || !selects(d.Spec.Selector.MatchLabels, podLabels) {
		fail("the Deployment's selector does not match its pods' labels")
	}
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "overfit" {
		t.Fatalf("%s: want one container named overfit", m.source)
	}
	c := pod.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			fail("env %s comes from elsewhere; the test reads values only", e.Name)
		}
		env[e.Name] = e.Value
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}

	// Listeners: what the container declares is where overfit listens.
	sshPort, metricsPort := listenPort(t, env, "OVERFIT_LISTEN"), listenPort(t, env, "OVERFIT_METRICS_LISTEN")
	if ports["ssh"] != sshPort || ports["metrics"] != metricsPort {
		fail("container ports %v, want ssh %d and metrics %d as OVERFIT_LISTEN / OVERFIT_METRICS_LISTEN say", ports, sshPort, metricsPort)
	}
	// The web viewer: declared exactly when it listens (the default would
	// bind :8080 unseen, so the variable must be there either way).
	webListen, ok := env["OVERFIT_HTTP_LISTEN"]
	if !ok {
		fail("OVERFIT_HTTP_LISTEN unset: overfit would serve the web viewer on :8080 undeclared")
	}
	var webPort int32
	if webListen != "" {
		webPort = listenPort(t, env, "OVERFIT_HTTP_LISTEN")
	}
	if ports["web"] != webPort {
		fail("container port web %d, want %d as OVERFIT_HTTP_LISTEN %q says", ports["web"], webPort, webListen)
	}

	// Probes: /healthz on the metrics port.
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			fail("no %s probe over HTTP", name)
			continue
		}
		if p.HTTPGet.Path != "/healthz" || resolvePort(p.HTTPGet.Port, ports) != metricsPort {
			fail("%s probe GET %s on port %s, want /healthz on the metrics port %d", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), metricsPort)
		}
	}

	// Shutdown: the grace period covers preStop, drain, goodbyes and
	// overfit's last 3 s; the liveness probe does not fire meanwhile.
	stop := time.Duration(0)
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			fail("preStop is not a sleep: the image has no shell to exec in")
		} else {
			stop += time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
	}
	stop += envDuration(t, env, "OVERFIT_DRAIN_DELAY", 0) + envDuration(t, env, "OVERFIT_SHUTDOWN_TIMEOUT", 5*time.Second) + 3*time.Second
	if pod.TerminationGracePeriodSeconds == nil {
		fail("no terminationGracePeriodSeconds")
	} else {
		grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		if grace <= stop {
			fail("terminationGracePeriodSeconds %v, want more than preStop + drain + shutdown + 3 s = %v", grace, stop)
		}
		if lp := c.LivenessProbe; lp != nil && time.Duration(lp.PeriodSeconds*lp.FailureThreshold)*time.Second < grace {
			fail("the liveness probe can kill a pod in %d×%d s, within its %v of shutdown", lp.FailureThreshold, lp.PeriodSeconds, grace)
		}
	}

	// Host key: the Secret is mounted where --host-key points.
	checkHostKey(t, m, c, pod, env["OVERFIT_HOST_KEY"], want.hostKeySecret)

	// Non-root, read-only, nothing extra.
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil || csc == nil {
		t.Fatalf("%s: no security contexts", m.source)
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		fail("the pod must run as a non-root user (runAsNonRoot and a runAsUser)")
	}
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		fail("the root file system is not read-only")
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		fail("privilege escalation is allowed")
	}
	if csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" || len(csc.Capabilities.Add) > 0 {
		fail("capabilities: want drop ALL, add none")
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		fail("no RuntimeDefault seccomp profile")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		fail("the service account token is mounted; overfit never talks to the API server")
	}
	if dir := env["OVERFIT_DATA_DIR"]; !mountedFrom(pod, c, dir, func(v corev1.Volume) bool { return v.EmptyDir != nil }) {
		fail("the data dir %q is not a writable emptyDir mount (the root file system is read-only)", dir)
	}

	// Resources: requests for the scheduler and the HPA, memory for
	// --max-sessions below overfit's soft limit (75 % of the limit).
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() {
		fail("want CPU and memory requests and a memory limit, got %v / %v", req, lim)
	} else {
		if lim.Memory().Cmp(*req.Memory()) < 0 {
			fail("memory limit %v below the request %v", lim.Memory(), req.Memory())
		}
		sessions, err := strconv.Atoi(env["OVERFIT_MAX_SESSIONS"])
		if err != nil || sessions <= 0 {
			fail("OVERFIT_MAX_SESSIONS %q: want a positive cap per pod", env["OVERFIT_MAX_SESSIONS"])
		} else if need := int64(sessions) * int64(kibPerSession(t)) << 10; lim.Memory().Value()*3/4 < need {
			fail("memory limit %v: its 75 %% soft limit is below %d sessions × the measured RSS (%d MiB)", lim.Memory(), sessions, need>>20)
		}
	}
	if image := c.Image; image == "" || strings.HasSuffix(image, ":") {
		fail("image %q", image)
	}

	checkServices(t, m, env, podLabels, sshPort, metricsPort)
	checkScaling(t, m, d, podLabels)
}

// checkHostKey: --host-key names a file of a read-only Secret mount, and
// that Secret is the rendered one (a valid ed25519 key, kept on uninstall)
// or the one the user was told to create.
func checkHostKey(t reporter, m *manifest, c corev1.Container, pod corev1.PodSpec, keyPath, existing string) {
	t.Helper()
	if keyPath == "" {
		t.Fatalf("%s: OVERFIT_HOST_KEY unset: each replica would make its own key", m.source)
	}
	dir, file := path.Split(keyPath)
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if strings.TrimSuffix(c.VolumeMounts[i].MountPath, "/")+"/" == dir {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil || !mount.ReadOnly || mount.SubPath != "" {
		t.Fatalf("%s: nothing read-only (and without subPath, which never sees Secret updates) is mounted at %s, where OVERFIT_HOST_KEY points", m.source, dir)
	}
	var secret *corev1.SecretVolumeSource
	for _, v := range pod.Volumes {
		if v.Name == mount.Name {
			secret = v.Secret
		}
	}
	if secret == nil {
		t.Fatalf("%s: the volume at %s is not a Secret", m.source, dir)
	}
	key := file
	for _, it := range secret.Items {
		if it.Path == file {
			key = it.Key
		}
	}
	if secret.DefaultMode == nil || *secret.DefaultMode&0o007 != 0 || *secret.DefaultMode&0o040 == 0 || pod.SecurityContext.FSGroup == nil {
		t.Errorf("%s: host key mode %v with fsGroup %v: want readable by the pod's group only", m.source, secret.DefaultMode, pod.SecurityContext.FSGroup)
	}
	var rendered *corev1.Secret
	for _, s := range m.secrets {
		if s.Name == secret.SecretName {
			rendered = s
		}
	}
	switch {
	case existing != "":
		if rendered != nil || secret.SecretName != existing {
			t.Errorf("%s: want the user's Secret %q mounted and none rendered; mounted %q, rendered %v", m.source, existing, secret.SecretName, rendered != nil)
		}
	case rendered == nil:
		t.Errorf("%s: the Secret %q mounted for the host key is not rendered", m.source, secret.SecretName)
	default:
		if rendered.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Errorf("%s: the host key Secret would be deleted on uninstall; a reinstall would change the fingerprint", m.source)
		}
		signer, err := gossh.ParsePrivateKey(rendered.Data[key])
		if err != nil {
			t.Fatalf("%s: the rendered host key %q does not parse as overfit reads it: %v", m.source, key, err)
		}
		if typ := signer.PublicKey().Type(); typ != gossh.KeyAlgoED25519 {
			t.Errorf("%s: host key type %s, want ed25519", m.source, typ)
		}
	}
}

// checkServices: one LoadBalancer for SSH only, with the client address
// preserved one way or the other; metrics stay in the cluster.
func checkServices(t reporter, m *manifest, env, podLabels map[string]string, sshPort, metricsPort int32) {
	t.Helper()
	var lb, metrics *corev1.Service
	for _, s := range m.services {
		if !selects(s.Spec.Selector, podLabels) {
			t.Errorf("%s: Service %s does not select the pods", m.source, s.Name)
		}
		switch s.Spec.Type {
		case corev1.ServiceTypeLoadBalancer:
			lb = s
		case corev1.ServiceTypeClusterIP, "":
			metrics = s
		}
	}
	if lb == nil || metrics == nil || len(m.services) != 2 {
		t.Fatalf("%s: want one LoadBalancer and one ClusterIP (metrics) Service", m.source)
	}
	named := map[string]int32{"ssh": sshPort, "metrics": metricsPort}
	if env["OVERFIT_HTTP_LISTEN"] != "" {
		named["web"] = listenPort(t, env, "OVERFIT_HTTP_LISTEN")
	}
	_, proxiedLB := env["OVERFIT_PROXY_PROTOCOL_FROM"]
	want := []int32{sshPort}
	if web, ok := named["web"]; ok && !proxiedLB {
		// The web listener reads no PROXY header: exposed only when the
		// balancer keeps addresses without one.
		want = append(want, web)
	}
	if len(lb.Spec.Ports) != len(want) {
		t.Errorf("%s: the LoadBalancer must expose %v (SSH, and the web viewer without PROXY protocol), got %+v", m.source, want, lb.Spec.Ports)
	} else {
		for i, p := range lb.Spec.Ports {
			if resolvePort(p.TargetPort, named) != want[i] {
				t.Errorf("%s: the LoadBalancer must expose %v, got %+v", m.source, want, lb.Spec.Ports)
			}
		}
	}
	for _, p := range lb.Spec.Ports {
		if resolvePort(p.TargetPort, named) == metricsPort {
			t.Errorf("%s: the LoadBalancer exposes the metrics port to the internet", m.source)
		}
	}
	if len(metrics.Spec.Ports) != 1 || resolvePort(metrics.Spec.Ports[0].TargetPort, named) != metricsPort {
		t.Errorf("%s: the metrics Service should target the metrics port, got %+v", m.source, metrics.Spec.Ports)
	}
	from, proxied := env["OVERFIT_PROXY_PROTOCOL_FROM"]
	switch {
	case proxied:
		if lb.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
			t.Errorf("%s: PROXY protocol and externalTrafficPolicy Local: pick one", m.source)
		}
		for _, r := range strings.Split(from, ",") {
			r = strings.TrimSpace(r)
			if _, _, err := net.ParseCIDR(r); err != nil && net.ParseIP(r) == nil {
				t.Errorf("%s: OVERFIT_PROXY_PROTOCOL_FROM %q: %q is no IP or CIDR", m.source, from, r)
			}
		}
		if len(lb.Annotations) == 0 {
			t.Errorf("%s: PROXY protocol on, but no annotation tells the balancer to send it", m.source)
		}
	case lb.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal:
		t.Errorf("%s: without PROXY protocol, externalTrafficPolicy must be Local or pods see node addresses", m.source)
	}
	for _, sm := range m.monitors {
		if !selects(sm.Spec.Selector.MatchLabels, metrics.Labels) || len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("%s: ServiceMonitor %s does not scrape /metrics on the metrics Service", m.source, sm.Name)
		}
		if selects(sm.Spec.Selector.MatchLabels, lb.Labels) {
			t.Errorf("%s: ServiceMonitor %s also selects the LoadBalancer Service", m.source, sm.Name)
		}
	}
}

// checkScaling: PDB and HPA fit the Deployment.
func checkScaling(t reporter, m *manifest, d *appsv1.Deployment, podLabels map[string]string) {
	t.Helper()
	for _, p := range m.pdbs {
		if p.Spec.Selector == nil || !selects(p.Spec.Selector.MatchLabels, podLabels) {
			t.Errorf("%s: PDB %s does not select the pods", m.source, p.Name)
		}
		if p.Spec.MaxUnavailable == nil || p.Spec.MaxUnavailable.IntValue() < 1 {
			t.Errorf("%s: PDB %s must let at least one pod go (maxUnavailable ≥ 1), or node drains block", m.source, p.Name)
		}
	}
	if s := d.Spec.Strategy.RollingUpdate; s == nil || s.MaxUnavailable == nil || s.MaxUnavailable.String() != "0" {
		t.Errorf("%s: a rolling update should never go below the wanted replicas (maxUnavailable 0)", m.source)
	}
	switch len(m.hpas) {
	case 0:
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 1 {
			t.Errorf("%s: no autoscaler and no replica count", m.source)
		}
	case 1:
		h := m.hpas[0]
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || ref.Name != d.Name {
			t.Errorf("%s: the HPA scales %s %s, not the Deployment %s", m.source, ref.Kind, ref.Name, d.Name)
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s: the Deployment sets replicas while an HPA owns them: every upgrade would reset the count", m.source)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			t.Errorf("%s: HPA replicas %v..%d", m.source, h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		cpu := false
		for _, mt := range h.Spec.Metrics {
			switch {
			case mt.Type == autoscalingv2.ResourceMetricSourceType && mt.Resource != nil && mt.Resource.Name == corev1.ResourceCPU:
				cpu = mt.Resource.Target.AverageUtilization != nil
			case mt.Type == autoscalingv2.PodsMetricSourceType && mt.Pods != nil:
				if mt.Pods.Metric.Name != "overfit_sessions_active" || mt.Pods.Target.AverageValue == nil {
					t.Errorf("%s: the HPA's Pods metric %q should be overfit_sessions_active with an average value", m.source, mt.Pods.Metric.Name)
				}
			default:
				t.Errorf("%s: unexpected HPA metric %+v", m.source, mt)
			}
		}
		if !cpu {
			t.Errorf("%s: the HPA has no CPU utilization target", m.source)
		}
		if b := h.Spec.Behavior; b == nil || b.ScaleDown == nil || len(b.ScaleDown.Policies) == 0 {
			t.Errorf("%s: scaling down ends sessions; the HPA needs a slow scale-down policy", m.source)
		}
	default:
		t.Errorf("%s: %d HPAs", m.source, len(m.hpas))
	}
}

// listenPort is the port of a HOST:PORT environment variable.
func listenPort(t reporter, env map[string]string, name string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(env[name])
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("%s=%q: want HOST:PORT", name, env[name])
	}
	return int32(n)
}

// envDuration parses a Go duration from the environment, def when unset.
func envDuration(t reporter, env map[string]string, name string, def time.Duration) time.Duration {
	t.Helper()
	v, ok := env[name]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// resolvePort turns a named or numbered port into a number.
func resolvePort(p intstr.IntOrString, named map[string]int32) int32 {
	if p.Type == intstr.String {
		return named[p.StrVal]
	}
	return p.IntVal
}

// selects reports whether every selector label is among labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// mountedFrom reports whether dir is a writable mount of a volume for which
// ok holds.
func mountedFrom(pod corev1.PodSpec, c corev1.Container, dir string, ok func(corev1.Volume) bool) bool {
	for _, vm := range c.VolumeMounts {
		if filepath.Clean(vm.MountPath) != filepath.Clean(dir) || vm.ReadOnly {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == vm.Name && ok(v) {
				return true
			}
		}
	}
	return false
}

// TestPlainManifests checks the committed manifests for users without
// Helm (rendered by render.sh; CI checks they are current).
func TestPlainManifests(t *testing.T) {
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in kubernetes/ (%v)", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeManifest(f, data)
		if err != nil {
			t.Fatal(err)
		}
		checkManifest(t, m, expect{hostKeySecret: "overfit-host-key"})
	}
}

// TestStrictDecodingCatchesMistakes: the decoder this file relies on does
// fail on a misplaced field, a duplicate field and an unknown kind.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"misplaced field": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  externalTrafficPolicy: Local\n  port: 22\n",
		"duplicate field": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  type: ClusterIP\n  type: LoadBalancer\n",
		"unknown kind":    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
		"wrong version":   "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\n",
		"typo in probe":   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n        - name: overfit\n          readinesProbe: {httpGet: {path: /healthz, port: 9222}}\n",
	} {
		if _, err := decodeManifest(name, []byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

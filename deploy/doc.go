// Package deploy holds no code: its tests check the Kubernetes deployment
// of overfit. They decode every object the Helm chart in helm/overfit
// renders, and the plain manifests in kubernetes/, strictly into the
// k8s.io/api types (an unknown or misplaced field fails), and check what
// the server needs from them: probes on the metrics port, a grace period
// longer than the shutdown, the host key Secret mounted where --host-key
// points, a non-root, read-only container, and more.
//
// This directory is a Go module of its own so that k8s.io/api and its
// dependencies stay out of overfit's module graph and go.sum; it does not
// import overfit, so it needs no replace directive.
package deploy

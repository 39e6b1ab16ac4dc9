#!/usr/bin/env bash
# Renders the plain manifests in kubernetes/ from the Helm chart, for users
# without Helm. Run after every chart change; CI runs it with --check.
#
#   deploy/render.sh           rewrite kubernetes/*.yaml
#   deploy/render.sh --check   fail if they differ from what the chart renders
#
# HELM names the helm binary (default: helm on PATH).
set -euo pipefail
cd "$(dirname "$0")"
helm=${HELM:-helm}
# Helm built with `go install` assumes Kubernetes 1.20; say which we target.
kube=1.31.0

render() { # render OUT [helm template flags]
  local out=$1
  shift
  {
    echo "# Rendered from deploy/helm/overfit by deploy/render.sh: edit the chart, not this file."
    echo "# The host key comes from the Secret overfit-host-key; create it once, before applying:"
    echo "#   ssh-keygen -t ed25519 -N '' -C 'overfit host key' -f ssh_host_ed25519_key"
    echo "#   kubectl create secret generic overfit-host-key --from-file=ssh_host_ed25519_key"
    echo "# then: kubectl apply -f $(basename "$out")   (set OVERFIT_PUBLIC_ADDR to your balancer's name first)"
    "$helm" template overfit helm/overfit --kube-version "$kube" \
      --set hostKey.existingSecret=overfit-host-key "$@"
  } >"$out"
}

dest=kubernetes
if [ "${1:-}" = "--check" ]; then
  dest=$(mktemp -d)
  trap 'rm -rf "$dest"' EXIT
fi
render "$dest/overfit.yaml"
render "$dest/overfit-proxy-protocol.yaml" -f helm/overfit/ci/proxy-protocol-values.yaml

if [ "${1:-}" = "--check" ]; then
  if ! diff -ru kubernetes "$dest" >&2; then
    echo "deploy/kubernetes/ is stale: run deploy/render.sh and commit the result" >&2
    exit 1
  fi
  echo "deploy/kubernetes/ matches the chart"
fi

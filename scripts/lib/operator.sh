#!/usr/bin/env bash
# ncn-operator installed in the test bed the way a provider installs it: the image built from
# ./Containerfile (scripts/image, debug build) and pushed to the test bed's registry, then
# `kubectl apply -k helm-free-kustomize/overlays/devnet` (CRDs, RBAC, the Deployment, the
# ComputeProvider), the pod pulled by the real node's containerd and run with its
# ServiceAccount's token and in-cluster configuration.
#
# The pod uses the node's network (hostNetwork, so its netns ncn-NAME), where nsforward.py makes
# the host's loopback apiserver, relays, mint and LNbits answer at their usual 127.0.0.1
# addresses. Sourced by scripts/testbed after k8s.sh, peers.sh, registry.sh and node.sh.
set -euo pipefail

OPERATOR_OVERLAY="$REPO_ROOT/helm-free-kustomize/overlays/devnet"
OPERATOR_IMAGE="$REGISTRY/ncn/ncn-operator:dev"
OPERATOR_STATE="$STATE/ncn-operator"
OPERATOR_NS=ncn-system
OPERATOR_SELECTOR="app.kubernetes.io/name=ncn-operator,app.kubernetes.io/component=operator"

op_log() { printf '[testbed operator] %s\n' "$*" >&2; }
_op_now_ms() { date +%s%3N; }
_op_since() { awk -v a="$1" -v b="$(_op_now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
_op_env() { sed -n "s/^$1=//p" "$STATE/env" 2>/dev/null | head -n 1; }

# The provider's Secret, unless the caller made one: fresh keys made once per test bed (kept
# in $STATE/ncn-operator/provider-keys, mode 600) and the test bed's provider LNbits wallet,
# whose invoice key can make and check invoices only, plus its NWC connection.
operator_provider_secret() {
  if k8s_kubectl -n "$OPERATOR_NS" get secret ncn-provider >/dev/null 2>&1; then return; fi
  local keys="$OPERATOR_STATE/provider-keys"
  mkdir -p "$OPERATOR_STATE"
  if [ ! -s "$keys" ]; then
    (umask 077 && printf 'nsec=%s\ncashu=%s\n' "$(openssl rand -hex 32)" "$(openssl rand -hex 32)" > "$keys")
  fi
  k8s_kubectl -n "$OPERATOR_NS" create secret generic ncn-provider \
    --from-literal=nsec="$(sed -n 's/^nsec=//p' "$keys")" \
    --from-literal=cashu-p2pk-key="$(sed -n 's/^cashu=//p' "$keys")" \
    --from-literal=lnbits-url="$(_op_env NCN_LNBITS_URL)" \
    --from-literal=lnbits-invoice-key="$(_op_env NCN_LNBITS_PROVIDER_INKEY)" \
    --from-literal=nwc-uri="$(_op_env NCN_NWC_PROVIDER_URI)" >/dev/null
  op_log "created the provider Secret $OPERATOR_NS/ncn-provider (keys in $keys)"
}

# The dashboard's token Secret (the overlay mounts it at /etc/ncn/dashboard), unless it exists:
# a random token, never logged (scripts/devnet prints the dashboard's link with it). Read it with
#   scripts/testbed kubectl -n ncn-system get secret ncn-dashboard -o jsonpath='{.data.token}' | base64 -d
operator_dashboard_secret() {
  if k8s_kubectl -n "$OPERATOR_NS" get secret ncn-dashboard >/dev/null 2>&1; then return; fi
  # On stdin rather than in kubectl's arguments, where ps would show it.
  openssl rand -hex 24 | tr -d '\n' \
    | k8s_kubectl -n "$OPERATOR_NS" create secret generic ncn-dashboard --from-file=token=/dev/stdin >/dev/null
  op_log "created the dashboard token Secret $OPERATOR_NS/ncn-dashboard"
}

# "DEFAULT=ACTUAL" for every test-bed port the devnet overlay names that is not on its default.
_op_port_changes() {
  local pair def actual
  for pair in "17001:$(_peer_port relay-sdk)" "17002:$(_peer_port relay-py)" "17003:$(_peer_port relay-noverify)" \
              "17004:$(_peer_port relay-auth)" "13338:$(_peer_port mint)" "15000:$(_peer_port lnbits)" \
              "15001:$PORT_REGISTRY" "16443:$PORT_APISERVER"; do
    def=${pair%%:*} actual=${pair#*:}
    [ "$def" = "$actual" ] || echo "$def=$actual"
  done
}

# The devnet overlay as kubectl renders it, with the test bed's actual ports when they are not
# the defaults the overlay is written for (127.0.0.1:PORT and the KUBERNETES_SERVICE_PORT value).
operator_manifests() {
  # shellcheck disable=SC2046
  k8s_kubectl kustomize "$OPERATOR_OVERLAY" | python3 -c '
import re, sys
ports = dict(a.split("=") for a in sys.argv[1:])
text = sys.stdin.read()
text = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: "127.0.0.1:" + ports.get(m.group(1), m.group(1)), text)
if "16443" in ports:
    text = text.replace("value: \"16443\"", "value: \"%s\"" % ports["16443"])
sys.stdout.write(text)' $(_op_port_changes)
}

# Only the documents of the given kinds from a multi-document YAML on stdin.
_op_kinds() {
  python3 -c '
import re, sys
kinds = set(sys.argv[1:])
docs = re.split(r"^---\s*$", sys.stdin.read(), flags=re.M)
print("\n---\n".join(d for d in docs if (m := re.search(r"^kind: (\S+)", d, re.M)) and m.group(1) in kinds))' "$@"
}

operator_install() {
  local manifests="$OPERATOR_STATE/manifests.yaml" changes
  mkdir -p "$OPERATOR_STATE"
  operator_manifests > "$manifests"
  changes=$(_op_port_changes | tr '\n' ' ')
  # The ComputeProvider cannot be created before its CRD is established, nor the Secret before
  # the namespace exists: those two kinds first.
  _op_kinds CustomResourceDefinition Namespace < "$manifests" | k8s_kubectl apply -f - >/dev/null
  k8s_kubectl wait --for condition=established --timeout=60s \
    crd/computeleases.ncn.dev crd/computeproviders.ncn.dev >/dev/null
  operator_provider_secret
  operator_dashboard_secret
  if [ -z "$changes" ]; then
    op_log "kubectl apply -k ${OPERATOR_OVERLAY#"$REPO_ROOT"/}"
    k8s_kubectl apply -k "$OPERATOR_OVERLAY" >/dev/null
  else
    op_log "kubectl apply of ${OPERATOR_OVERLAY#"$REPO_ROOT"/} rendered with the test bed's ports (${changes% })"
    k8s_kubectl apply -f "$manifests" >/dev/null
  fi
}

# The imageIDs (repo@sha256:...) of operator pods that were made to run $OPERATOR_IMAGE and
# started it, one a line. (Pods of another image are being replaced by the apply anyway.)
_op_pod_images() {
  k8s_kubectl -n "$OPERATOR_NS" get pods -l "$OPERATOR_SELECTOR" \
    -o jsonpath='{range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].imageID}{"\n"}{end}' 2>/dev/null \
    | awk -v want="$OPERATOR_IMAGE" '$1 == want && $2 != "" {print $2}'
}

operator_up() {
  local node=${1:-node-real-1} t0 started digest
  started=$(_op_now_ms)
  mkdir -p "$OPERATOR_STATE"

  t0=$(_op_now_ms)
  "$REPO_ROOT/scripts/image" operator --config debug --tag "$OPERATOR_IMAGE" --push --tls-verify=false
  digest=$(cat "$CACHE_ROOT/image/operator-debug/digest")
  op_log "image built and pushed in $(_op_since "$t0") s: $OPERATOR_IMAGE@$digest"

  t0=$(_op_now_ms)
  node_forward "$node"
  operator_install
  # The pod template does not change when only the image behind the tag does: a pod that ran
  # an older image is replaced (imagePullPolicy Always pulls the new one).
  if _op_pod_images | grep -qv "@$digest\$"; then
    op_log "the running operator has an older image: kubectl rollout restart"
    k8s_kubectl -n "$OPERATOR_NS" rollout restart deployment/ncn-operator deployment/ncn-steward >/dev/null
  fi
  op_log "installed in $(_op_since "$t0") s"

  t0=$(_op_now_ms)
  if ! k8s_kubectl -n "$OPERATOR_NS" rollout status deployment/ncn-operator --timeout=180s >/dev/null; then
    op_log "the Deployment did not become Available within 180 s:"
    k8s_kubectl -n "$OPERATOR_NS" get pods -o wide >&2 || true
    k8s_kubectl -n "$OPERATOR_NS" get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 10 >&2 || true
    k8s_kubectl -n "$OPERATOR_NS" logs deployment/ncn-operator --tail=20 >&2 || true
    return 1
  fi
  k8s_kubectl -n "$OPERATOR_NS" wait --for condition=Available --timeout=60s deployment/ncn-operator >/dev/null
  # The steward, from the same image: without it the operator cannot write in lease namespaces.
  if ! k8s_kubectl -n "$OPERATOR_NS" rollout status deployment/ncn-steward --timeout=120s >/dev/null; then
    op_log "the steward's Deployment did not become Available within 120 s:"
    k8s_kubectl -n "$OPERATOR_NS" logs deployment/ncn-steward --tail=20 >&2 || true
    return 1
  fi
  local pod
  pod=$(k8s_kubectl -n "$OPERATOR_NS" get pods -l "$OPERATOR_SELECTOR" --field-selector status.phase=Running \
    -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
  op_log "Deployment Available in $(_op_since "$t0") s (pod $pod on $node); all in $(_op_since "$started") s"
  op_log "logs: $K8S_BIN/kubectl --kubeconfig $K8S_DIR/admin.kubeconfig -n $OPERATOR_NS logs deployment/ncn-operator"
}

# Removes the operator's Deployment (the CRDs, RBAC, Secret and ComputeProvider stay), so that
# no later real node runs it again, and waits until its pods are gone unless given --no-wait
# (scripts/testbed down: the nodes are stopped next, and a pod whose node is gone could only be
# waited for until the pod garbage collector removes it).
operator_down() {
  k8s_running kube-apiserver || return 0
  k8s_kubectl -n "$OPERATOR_NS" delete deployment ncn-operator ncn-steward --ignore-not-found --wait=false --request-timeout=10s >/dev/null 2>&1 || true
  [ "${1:-}" = --no-wait ] && return 0
  k8s_kubectl -n "$OPERATOR_NS" wait --for=delete pod -l "$OPERATOR_SELECTOR" --timeout=60s >/dev/null 2>&1 || true
}

# "running (ready/desired, pod NAME on NODE)" or "not installed".
operator_status() {
  local ready
  if ! ready=$(k8s_kubectl -n "$OPERATOR_NS" get deployment ncn-operator \
      -o jsonpath='{.status.readyReplicas}/{.spec.replicas}' 2>/dev/null); then
    echo "not installed"; return
  fi
  echo "deployment ${ready/#\//0/} ready; pods: $(k8s_kubectl -n "$OPERATOR_NS" get pods -l "$OPERATOR_SELECTOR" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} on {.spec.nodeName}; {end}' 2>/dev/null)"
}

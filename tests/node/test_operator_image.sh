#!/usr/bin/env bash
# The operator as a container, installed as a provider installs it: `scripts/testbed up operator`
# builds the image from ./Containerfile, pushes it to the test bed's registry and applies
# helm-free-kustomize/overlays/devnet; the real node pulls and runs it. Checks that the pod
# becomes Ready with the in-cluster configuration, holds the leader Lease, reaches the relays,
# runs as uid 65532 on a read-only root filesystem, that the steward from the same image grants
# it a new lease namespace, and that after `kubectl delete pod` the Deployment's new pod takes
# the lead.
#   tests/node/test_operator_image.sh       (root; about 1 min once Kubernetes and the debug build exist)
# The test bed stays up, the operator installed (the tests after this one use it).
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TESTBED="$REPO_ROOT/scripts/testbed"
CACHE_ROOT="${NCN_CACHE:-$HOME/.cache/nostr-compute}"
NS=ncn-system
SELECTOR="app.kubernetes.io/name=ncn-operator,app.kubernetes.io/component=operator"
failures=0
# shellcheck source=lib.sh
source "$REPO_ROOT/tests/node/lib.sh"

# Waits until CMD... prints WANT; prints what it last saw on failure.
wait_for() {
  local timeout=$1 want=$2; shift 2
  local deadline=$((SECONDS + timeout)) got=""
  while [ $SECONDS -lt $deadline ]; do
    got=$("$@" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    sleep 0.2
  done
  echo "$got"
  return 1
}

# The name of the operator pod that is Running and not being deleted (one line per such pod).
live_pods() {
  k -n "$NS" get pods -l "$SELECTOR" \
    -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name} {.metadata.deletionTimestamp}{"\n"}{end}' \
    | awk 'NF == 1 {print $1}'
}
pod_ready() { k -n "$NS" get pod "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'; }
lease_holder() { k -n "$NS" get lease ncn-operator -o jsonpath='{.spec.holderIdentity}'; }

started=$(now_ms)
log=/tmp/ncn-operator-image-test-up.log
if ! "$TESTBED" up operator > "$log" 2>&1; then
  tail -n 40 "$log"; fail "scripts/testbed up operator"; exit 1
fi
pass "scripts/testbed up operator ($(secs_since "$started") s)"
grep -E '^\[image\] (swift build|buildah bud|pushed)|^\[testbed operator\] (Deployment Available|installed)|^\[testbed\] node_up' "$log" \
  | sed 's/^/     /'
# shellcheck disable=SC1090
source <("$TESTBED" env 2>/dev/null | grep -E '^NCN_(REAL_NODE_IP|APISERVER_URL|REGISTRY|TESTBED_DIR)=')
: "${NCN_REAL_NODE_IP:?no NCN_REAL_NODE_IP in the env file}" "${NCN_APISERVER_URL:?}" "${NCN_REGISTRY:?}" "${NCN_TESTBED_DIR:?}"

# --- the pod, Ready, running the image just pushed ----------------------------------------------
pod=$(live_pods | head -n 1)
if [ -n "$pod" ] && wait_for 60 True pod_ready "$pod" >/dev/null; then
  pass "operator pod $pod Ready on $(k -n "$NS" get pod "$pod" -o jsonpath='{.spec.nodeName}')"
else
  fail "no Ready operator pod"; k -n "$NS" get pods -o wide; exit 1
fi
digest=$(cat "$CACHE_ROOT/image/operator-debug/digest" 2>/dev/null || echo none)
image_id=$(k -n "$NS" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].imageID}')
if [ "$image_id" = "$NCN_REGISTRY/ncn/ncn-operator@$digest" ]; then
  pass "it runs the image just pushed ($image_id)"
else
  fail "the pod runs '$image_id', not $NCN_REGISTRY/ncn/ncn-operator@$digest"
fi
if answer=$(curl -fsS --max-time 2 "http://$NCN_REAL_NODE_IP:8081/readyz"); then
  pass "GET http://$NCN_REAL_NODE_IP:8081/readyz from the host: $answer"
else
  fail "readyz on the node IP does not answer"
fi

# --- in-cluster configuration, the leader Lease, the relays ----------------------------------------
logs=$(k -n "$NS" logs "$pod" 2>&1)
if grep -q "apiserver=$NCN_APISERVER_URL " <<< "$logs" && ! k -n "$NS" get pod "$pod" -o jsonpath='{.spec.containers[0].args}' | grep -q kubeconfig; then
  pass "in-cluster configuration: no kubeconfig, the ServiceAccount token, apiserver $NCN_APISERVER_URL"
else
  fail "the operator did not start with the in-cluster configuration: $(head -n 3 <<< "$logs")"
fi
if wait_for 30 "$pod" lease_holder >/dev/null; then
  pass "ncn-system/ncn-operator Lease held by $pod"
else
  fail "Lease holder is '$(lease_holder)', not $pod"
fi
relays=$(k get computeprovider default -o jsonpath='{.spec.relays[*]}')
for relay in $relays; do
  if wait_for 30 yes bash -c "'$TESTBED' kubectl -n $NS logs $pod 2>/dev/null | grep -qE 'relay=$relay .*\] connected\$' && echo yes" >/dev/null; then
    pass "connected to $relay"
  else
    fail "the log never says connected to $relay"; k -n "$NS" logs "$pod" --tail=20
  fi
done

# --- the NetworkPolicy self-test: the test bed's bridge network ignores policies, and it must say so --
if wait_for 150 yes bash -c "'$TESTBED' kubectl -n $NS logs $pod 2>/dev/null | grep -q 'NetworkPolicy self-test: NOT ENFORCED' && echo yes" >/dev/null; then
  pass "the NetworkPolicy self-test says NOT ENFORCED (true of the test bed's network)"
  gauge=$(curl -fsS --max-time 2 "http://$NCN_REAL_NODE_IP:9090/metrics" 2>/dev/null | awk '$1 == "ncn_networkpolicy_enforced" {print $2}')
  if [ "$gauge" = 0 ] || [ "$gauge" = 0.0 ]; then pass "ncn_networkpolicy_enforced $gauge"; else fail "ncn_networkpolicy_enforced is '$gauge', not 0"; fi
  if wait_for 30 "" bash -c "'$TESTBED' kubectl -n $NS get pods,networkpolicies -l ncn.dev/netpol-probe -o name" >/dev/null; then
    pass "the probe's Pods and policy are gone"
  else
    fail "probe objects left behind: $(k -n "$NS" get pods,networkpolicies -l ncn.dev/netpol-probe -o name | tr '\n' ' ')"
  fi
else
  fail "no NetworkPolicy self-test verdict within 150 s"; k -n "$NS" logs "$pod" | grep -i "self-test" | tail -5
  k -n "$NS" get pods -o wide
fi

# --- uid 65532, read-only root filesystem: the container's process as the host sees it ----------
node_dir="$NCN_TESTBED_DIR/nodes/$(k -n "$NS" get pod "$pod" -o jsonpath='{.spec.nodeName}')"
cid=$(k -n "$NS" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].containerID}'); cid=${cid#containerd://}
pid=$(ctr -a "$node_dir/containerd.sock" -n k8s.io tasks ls 2>/dev/null | awk -v c="$cid" '$1 == c {print $2}')
if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
  uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
  gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
  if [ "$uids" = "65532 65532 65532 65532" ] && [ "$gids" = "65532 65532 65532 65532" ]; then
    pass "the container's process ($pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" | cut -c1-40)...) runs as uid/gid 65532"
  else
    fail "container process uids '$uids' gids '$gids'"
  fi
  root_opts=$(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo" | tail -n 1)
  if [[ ",$root_opts," == *",ro,"* ]]; then pass "its root filesystem is read-only ($root_opts)"; else fail "root filesystem mounted '$root_opts'"; fi
  caps=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
  if [ "$caps" = 0000000000000000 ]; then pass "no capabilities (CapEff $caps)"; else fail "CapEff $caps"; fi
else
  fail "no process for container $cid in $node_dir/containerd.sock"
fi

# --- the steward: same image, its own account, grants a new lease namespace ---------------------
steward=$(k -n "$NS" get pods -l app.kubernetes.io/name=ncn-steward \
  -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\n"}{end}' | head -n 1)
if [ -n "$steward" ] && wait_for 60 True pod_ready "$steward" >/dev/null; then
  pass "steward pod $steward Ready, as ServiceAccount $(k -n "$NS" get pod "$steward" -o jsonpath='{.spec.serviceAccountName}')"
else
  fail "no Ready steward pod"; k -n "$NS" get pods -o wide; k -n "$NS" logs deployment/ncn-steward --tail=20
fi
probe="ncn-lease-imagetest$RANDOM"
k create namespace "$probe" >/dev/null && k label namespace "$probe" "ncn.dev/lease=${probe#ncn-lease-}" >/dev/null
t0=$(now_ms)
if wait_for 30 ncn-operator-lease-namespace k -n "$probe" get rolebinding ncn-operator -o jsonpath='{.roleRef.name}' >/dev/null; then
  pass "the steward bound the operator in a new lease namespace $(secs_since "$t0") s after it appeared"
else
  fail "no RoleBinding ncn-operator in $probe"; k -n "$NS" logs deployment/ncn-steward --tail=20
fi
if [ "$(k auth can-i create pods -n "$probe" --as=system:serviceaccount:$NS:ncn-operator)" = yes ] \
   && [ "$(k auth can-i create pods -n default --as=system:serviceaccount:$NS:ncn-operator)" = no ]; then
  pass "the operator may create pods in $probe, and not in default"
else
  fail "the operator's rights in $probe / default are not as granted"
fi
k delete namespace "$probe" --wait=false >/dev/null

# --- kubectl delete pod: the Deployment's next pod takes the lead ---------------------------------
t0=$(now_ms)
k -n "$NS" delete pod "$pod" --wait=false >/dev/null
next=""
for _ in $(seq 1 300); do
  next=$(live_pods | grep -vx "$pod" | head -n 1)
  [ -n "$next" ] && [ "$(pod_ready "$next" 2>/dev/null)" = True ] && break
  sleep 0.2
done
if [ -n "$next" ] && [ "$(pod_ready "$next")" = True ]; then
  pass "after kubectl delete pod $pod: $next Ready $(secs_since "$t0") s later"
  if wait_for 30 "$next" lease_holder >/dev/null; then
    pass "$next holds the Lease $(secs_since "$t0") s after the delete"
  else
    fail "Lease holder is '$(lease_holder)', not $next"
  fi
else
  fail "no new Ready operator pod within 60 s of the delete"; k -n "$NS" get pods -o wide
fi

if [ $failures -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all operator-image checks passed ($(secs_since "$started") s)"

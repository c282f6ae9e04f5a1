#!/usr/bin/env bash
# A real node end to end: `scripts/testbed up node`, a Pod pulled from the test bed's registry
# (imagePullPolicy: Always) behind a NodePort Service answering an HTTP GET from the host with the
# Pod's env, a container exiting 3, `kubectl logs` and `exec`, the RuntimeClasses (runc-sandbox,
# gvisor), then `scripts/testbed down` and a check that nothing is left on the host.
#   tests/node/test_real_node.sh            (root; about 1-2 min once Kubernetes is built)
# NCN_NODE_TEST_KEEP=1 leaves the test bed up. When the control plane was already running before
# the test, only the real nodes and the registry are stopped at the end, not the rest.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TESTBED="$REPO_ROOT/scripts/testbed"
NODE=node-real-1
NS=ncn-node-test
failures=0
# shellcheck source=lib.sh
source "$REPO_ROOT/tests/node/lib.sh"

# Waits until `k get ... -o jsonpath=PATH` prints WANT (or a regex match with ~).
wait_for() {
  local timeout=$1 want=$2; shift 2
  local deadline=$((SECONDS + timeout)) got=""
  while [ $SECONDS -lt $deadline ]; do
    got=$(k "$@" 2>/dev/null || true)
    if [[ "$want" == "~"* ]]; then [[ "$got" =~ ${want#\~} ]] && return 0; else [ "$got" = "$want" ] && return 0; fi
    sleep 0.2
  done
  echo "$got"
  return 1
}

pod_events() { k -n "$NS" get events --field-selector "involvedObject.name=$1" -o custom-columns=REASON:.reason,MESSAGE:.message --no-headers 2>/dev/null; }

control_plane_was_up=0
"$TESTBED" status 2>/dev/null | grep -q '^kube-apiserver running' && control_plane_was_up=1

started=$SECONDS
if ! "$TESTBED" up node "$NODE" > /tmp/ncn-node-test-up.log 2>&1; then
  cat /tmp/ncn-node-test-up.log; fail "scripts/testbed up node"; exit 1
fi
pass "scripts/testbed up node ($((SECONDS - started)) s)"
# shellcheck disable=SC1090
source <("$TESTBED" env 2>/dev/null | grep -E '^NCN_(REGISTRY|REAL_NODE_IP)=')
: "${NCN_REGISTRY:?no NCN_REGISTRY in the env file}" "${NCN_REAL_NODE_IP:?no NCN_REAL_NODE_IP in the env file}"

k delete namespace "$NS" --wait=true >/dev/null 2>&1 || true
k create namespace "$NS" >/dev/null
wait_for 30 default -n "$NS" get serviceaccount default -o jsonpath='{.metadata.name}' >/dev/null || fail "default ServiceAccount in $NS"

message="lease-$RANDOM$RANDOM"
t0=$(now_ms)
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
spec:
  nodeSelector: {ncn.testbed/real: "true"}
  containers:
  - name: echo
    image: $NCN_REGISTRY/ncn/http-echo:latest
    imagePullPolicy: Always
    args: ["8080"]
    env: [{name: MESSAGE, value: "$message"}]
    ports: [{containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
YAML
if wait_for 90 True -n "$NS" get pod echo -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' >/dev/null; then
  pass "http-echo pod Ready $(( $(now_ms) - t0 )) ms after create"
  note "$(pod_events echo | grep -E 'Pulled' | head -n 1)"
else
  fail "http-echo pod not Ready"; pod_events echo; k -n "$NS" get pod echo -o wide
fi

nodeport=$(k -n "$NS" get service echo -o jsonpath='{.spec.ports[0].nodePort}')
answer=""
for _ in $(seq 1 50); do
  answer=$(curl -fsS --max-time 2 "http://$NCN_REAL_NODE_IP:$nodeport/hello" 2>/dev/null) && break
  sleep 0.2
done
if grep -qx "message=$message" <<< "$answer"; then
  pass "GET http://$NCN_REAL_NODE_IP:$nodeport/ from the host answers message=$message"
else
  fail "NodePort answer from $NCN_REAL_NODE_IP:$nodeport lacks message=$message: '${answer}'"
fi

if k -n "$NS" logs echo 2>&1 | grep -q "http-echo listening on :8080"; then pass "kubectl logs"; else fail "kubectl logs echo: $(k -n "$NS" logs echo 2>&1 | head -n 3)"; fi
if [ "$(k -n "$NS" exec echo -- sh -c 'echo $MESSAGE' 2>&1)" = "$message" ]; then pass "kubectl exec"; else fail "kubectl exec: $(k -n "$NS" exec echo -- sh -c 'echo $MESSAGE' 2>&1)"; fi

# A container exiting 3, under the runc-sandbox RuntimeClass (a second runc handler).
exit_pod() {  # NAME CODE [RUNTIMECLASS]
  k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeSelector: {ncn.testbed/real: "true"}
  restartPolicy: Never
  ${3:+runtimeClassName: $3}
  containers:
  - {name: main, image: "$NCN_REGISTRY/ncn/exit:latest", imagePullPolicy: Always, args: ["$2"]}
YAML
}
exit_pod exit3 3 runc-sandbox
if code=$(wait_for 60 3 -n "$NS" get pod exit3 -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}'); then
  pass "ncn/exit 3 under RuntimeClass runc-sandbox: terminated exitCode 3, phase $(k -n "$NS" get pod exit3 -o jsonpath='{.status.phase}')"
else
  fail "exit3: exitCode '$code'"; pod_events exit3
fi
if k -n "$NS" logs exit3 2>&1 | grep -q "exiting with 3"; then pass "kubectl logs of an exited container"; else fail "kubectl logs exit3"; fi

# gVisor (RuntimeClass gvisor: runsc through containerd's runc v2 shim, as Debian ships no
# containerd-shim-runsc-v1). Known here: the sandbox starts and the container runs, but its exit
# and its output never reach containerd, so it stays Running. Reported, not failed, unless
# NCN_NODE_TEST_GVISOR=1.
exit_pod gvisor-exit 5 gvisor
if code=$(wait_for 20 5 -n "$NS" get pod gvisor-exit -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}'); then
  pass "ncn/exit 5 under RuntimeClass gvisor: exitCode 5"
elif [ "${NCN_NODE_TEST_GVISOR:-0}" = 1 ]; then
  fail "gvisor: exitCode '$code'"; pod_events gvisor-exit | tail -n 3
else
  note "known: gvisor pod phase $(k -n "$NS" get pod gvisor-exit -o jsonpath='{.status.phase}'), no exit code after 20 s; last event: $(pod_events gvisor-exit | tail -n 1)"
fi

if [ "${NCN_NODE_TEST_KEEP:-0}" = 1 ]; then echo "test bed left up (NCN_NODE_TEST_KEEP=1)"; exit $((failures > 0)); fi
k delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
if [ $control_plane_was_up = 1 ]; then
  "$TESTBED" down node >/dev/null || fail "scripts/testbed down node"
else
  "$TESTBED" down >/dev/null || fail "scripts/testbed down"
fi
if leftovers=$("$TESTBED" leftovers); then pass "nothing left on the host after down"; else fail "left on the host after down:"; echo "$leftovers"; fi

if [ $failures -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all real-node checks passed"

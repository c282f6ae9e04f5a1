#!/usr/bin/env bash
# The Kubernetes part of the test bed: etcd + kube-apiserver + kube-scheduler +
# kube-controller-manager (v1.20.2, built from Debian's source package), all on 127.0.0.1.
# Sourced by scripts/testbed; every function works on "$STATE/k8s".
set -euo pipefail

K8S_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s-build.sh
source "$K8S_LIB_DIR/k8s-build.sh"
# shellcheck source=daemon.sh
source "$K8S_LIB_DIR/daemon.sh"

K8S_DIR="$STATE/k8s"
PORT_ETCD="${NCN_PORT_ETCD:-12379}"
PORT_ETCD_PEER="${NCN_PORT_ETCD_PEER:-12380}"
PORT_APISERVER="${NCN_PORT_APISERVER:-16443}"
K8S_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

k8s_log() { printf '[testbed k8s] %s\n' "$*" >&2; }

k8s_kubectl() { "$K8S_BIN/kubectl" --kubeconfig "$K8S_DIR/admin.kubeconfig" "$@"; }

# Certificates and credentials are made once per state folder, so a restart keeps
# the same CA and tokens that running clients already hold.
k8s_make_credentials() {
  local pki="$K8S_DIR/pki"
  [ -f "$pki/done" ] && return
  mkdir -p "$pki"
  k8s_log "creating a CA, the apiserver's serving certificate and service-account keys"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ncn-testbed-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1\n' > "$pki/san.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  local token
  token=$(openssl rand -hex 24)
  printf '%s,ncn-admin,ncn-admin,system:masters\n' "$token" > "$pki/tokens.csv"
  printf '%s' "$token" > "$pki/admin.token"
  touch "$pki/done"
}

k8s_write_kubeconfig() {
  local ca_data token
  ca_data=$(base64 -w0 < "$K8S_DIR/pki/ca.crt")
  token=$(cat "$K8S_DIR/pki/admin.token")
  cat > "$K8S_DIR/admin.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: ncn-testbed
  cluster:
    server: https://127.0.0.1:$PORT_APISERVER
    certificate-authority-data: $ca_data
users:
- name: ncn-admin
  user:
    token: $token
contexts:
- name: ncn-testbed
  context:
    cluster: ncn-testbed
    user: ncn-admin
current-context: ncn-testbed
KUBECONFIG
  chmod 600 "$K8S_DIR/admin.kubeconfig"
}

k8s_pidfile() { printf '%s/pids/%s.pid' "$STATE" "$1"; }

k8s_running() {
  local pidfile; pidfile=$(k8s_pidfile "$1")
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# setsid puts each component in its own process group so that stopping it stops its children too.
k8s_spawn() {
  local name=$1; shift
  if k8s_running "$name"; then return; fi
  mkdir -p "$STATE/pids" "$K8S_DIR/logs"
  (close_inherited_fds; exec_with_default_signals setsid "$@") > "$K8S_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$(k8s_pidfile "$name")"
}

k8s_wait() {
  local what=$1 timeout=$2 log=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      k8s_log "$what did not become ready within ${timeout}s; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

k8s_start_etcd() {
  command -v etcd >/dev/null || { k8s_log "etcd is missing: apt-get install etcd-server"; return 1; }
  k8s_spawn etcd etcd --name ncn-testbed --data-dir "$K8S_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$PORT_ETCD" --advertise-client-urls "http://127.0.0.1:$PORT_ETCD" \
    --listen-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" \
    --initial-cluster "ncn-testbed=http://127.0.0.1:$PORT_ETCD_PEER"
  k8s_wait etcd 30 "$K8S_DIR/logs/etcd.log" curl -fsS "http://127.0.0.1:$PORT_ETCD/health"
}

k8s_start_apiserver() {
  local pki="$K8S_DIR/pki"
  k8s_spawn kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$PORT_ETCD" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$PORT_APISERVER" --insecure-port 0 \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
    --service-cluster-ip-range 10.0.0.0/24 --service-node-port-range 30000-32767 \
    --allow-privileged=false --kubelet-preferred-address-types InternalIP,Hostname
  k8s_wait kube-apiserver 90 "$K8S_DIR/logs/kube-apiserver.log" \
    curl -fsS --cacert "$pki/ca.crt" -H "Authorization: Bearer $(cat "$pki/admin.token")" \
    "https://127.0.0.1:$PORT_APISERVER/readyz"
}

k8s_start_controllers() {
  local pki="$K8S_DIR/pki" kubeconfig="$K8S_DIR/admin.kubeconfig"
  # nodeipam and node lifecycle are off: the test bed's Nodes are API objects with no kubelet
  # behind most of them, and the lifecycle controller would taint and evict them.
  k8s_spawn kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$kubeconfig" --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --leader-elect=false --port 0 --secure-port 0 \
    --use-service-account-credentials=false \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle'
  k8s_spawn kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$kubeconfig" --leader-elect=false --port 0 --secure-port 0 \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig"
  # The default ServiceAccount appearing proves the controller-manager is working.
  k8s_wait kube-controller-manager 60 "$K8S_DIR/logs/kube-controller-manager.log" \
    k8s_kubectl get serviceaccount default -n default
  sleep 1
  k8s_running kube-scheduler || { k8s_log "kube-scheduler exited; see $K8S_DIR/logs/kube-scheduler.log"; tail -n 20 "$K8S_DIR/logs/kube-scheduler.log" >&2; return 1; }
}

k8s_write_env() {
  cat > "$STATE/k8s.env" <<ENV
NCN_KUBECONFIG=$K8S_DIR/admin.kubeconfig
NCN_APISERVER_URL=https://127.0.0.1:$PORT_APISERVER
NCN_APISERVER_CA=$K8S_DIR/pki/ca.crt
NCN_ETCD_URL=http://127.0.0.1:$PORT_ETCD
NCN_K8S_BIN=$K8S_BIN
NCN_KUBECTL=$K8S_BIN/kubectl
ENV
}

k8s_up() {
  k8s_build  # from k8s-build.sh: builds the binaries once, then is a no-op
  mkdir -p "$K8S_DIR"
  k8s_make_credentials
  k8s_write_kubeconfig
  local started=$SECONDS
  k8s_start_etcd
  k8s_start_apiserver
  k8s_start_controllers
  k8s_write_env
  k8s_log "control plane ready in $((SECONDS - started)) s: kubectl --kubeconfig $K8S_DIR/admin.kubeconfig"
}

k8s_stop_one() {
  local name=$1 pidfile; pidfile=$(k8s_pidfile "$name")
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

k8s_down() {
  local i
  for ((i = ${#K8S_COMPONENTS[@]} - 1; i >= 0; i--)); do k8s_stop_one "${K8S_COMPONENTS[$i]}"; done
}

k8s_status() {
  local name
  for name in "${K8S_COMPONENTS[@]}"; do
    if k8s_running "$name"; then echo "$name running"; else echo "$name stopped"; fi
  done
}

# A fake Node: an API object with capacity, no kubelet. The scheduler binds pods to it,
# nothing runs them; tests play the kubelet by patching pod status.
#   k8s_add_node NAME CPU MEMORY [GPU_COUNT GPU_PRODUCT]
k8s_add_node() {
  local name=$1 cpu=$2 memory=$3 gpus=${4:-0} product=${5:-}
  local labels="\"kubernetes.io/hostname\": \"$name\", \"ncn.testbed/fake\": \"true\""
  local extra=""
  if [ "$gpus" -gt 0 ]; then
    labels="$labels, \"nvidia.com/gpu.product\": \"$product\", \"nvidia.com/gpu.count\": \"$gpus\""
    extra=", \"nvidia.com/gpu\": \"$gpus\""
  fi
  # Disk as a real node reports it (ephemeral-storage), so leases asking for theirs fit.
  local resources="\"cpu\": \"$cpu\", \"memory\": \"$memory\", \"ephemeral-storage\": \"500Gi\", \"pods\": \"110\"$extra"
  k8s_kubectl apply -f - >/dev/null <<NODE
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$name", "labels": {$labels}},
 "status": {"capacity": {$resources}, "allocatable": {$resources},
            "conditions": [{"type": "Ready", "status": "True", "reason": "TestbedFakeNode",
                            "message": "fake node, no kubelet", "lastHeartbeatTime": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
                            "lastTransitionTime": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]}}
NODE
  k8s_kubectl taint node "$name" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
  k8s_log "node $name: cpu=$cpu memory=$memory${product:+ gpu=$gpus x $product}"
}

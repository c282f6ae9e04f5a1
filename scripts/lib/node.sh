#!/usr/bin/env bash
# Real test-bed nodes: containerd + runc (Debian) + kubelet + kube-proxy (built from the same
# Kubernetes tree as the control plane), each node in a network namespace of its own joined to
# the host by a veth pair, with a private mount namespace, so it looks like a separate machine.
#
#   node k (1..60): netns ncn-NAME, host veth ncnvK 172.31.250.(4k+1)/30, node eth0 172.31.250.(4k+2)/30,
#                   pods on bridge cni0 172.30.K.0/24 inside the node.
# The node reaches the host's loopback apiserver, registry and peers (relays, mint, LNbits) at
# their usual 127.0.0.1 addresses through testbed/node/nsforward.py. Nothing is written outside $STATE/nodes/NAME except the
# named netns (/run/netns/ncn-NAME), the host veth and the node's cgroups (ncn-NAME), all removed
# by node_down. Sourced by scripts/testbed after k8s.sh and registry.sh.
set -euo pipefail

NODES_DIR="$STATE/nodes"
NODE_SUBNET_PREFIX="172.31.250"
NODE_POD_PREFIX="172.30"

node_log() { printf '[testbed node] %s\n' "$*" >&2; }

node_index() {
  local name=$1 f k
  if [ -f "$NODES_DIR/$name/index" ]; then cat "$NODES_DIR/$name/index"; return; fi
  for k in $(seq 1 60); do
    local used=0
    for f in "$NODES_DIR"/*/index; do [ -f "$f" ] && [ "$(cat "$f")" = "$k" ] && used=1; done
    ip link show "ncnv$k" >/dev/null 2>&1 && used=1
    [ $used = 0 ] && { mkdir -p "$NODES_DIR/$name"; echo "$k" > "$NODES_DIR/$name/index"; echo "$k"; return; }
  done
  node_log "no free node index"; return 1
}

node_ip() { echo "$NODE_SUBNET_PREFIX.$((4 * $1 + 2))"; }
node_host_ip() { echo "$NODE_SUBNET_PREFIX.$((4 * $1 + 1))"; }

# The cgroup controllers' hierarchies (cgroup v1 here, plus the named systemd one).
node_cgroup_roots() {
  awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts
}

node_network() {
  local name=$1 k=$2 ns="ncn-$1"
  ip netns list | grep -qw "^$ns" && ip netns del "$ns" 2>/dev/null || true
  ip link del "ncnv$k" 2>/dev/null || true
  ip netns add "$ns"
  ip link add "ncnv$k" type veth peer name eth0 netns "$ns"
  ip addr add "$(node_host_ip "$k")/30" dev "ncnv$k"
  ip link set "ncnv$k" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(node_ip "$k")/30" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$(node_host_ip "$k")"
}

node_write_config() {
  local name=$1 k=$2 dir="$NODES_DIR/$1"
  local ip; ip=$(node_ip "$k")
  mkdir -p "$dir/logs" "$dir/cni/net.d" "$dir/certs.d/$REGISTRY" "$dir/kubelet/pki"
  cat > "$dir/containerd.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REGISTRY/ncn/pause:latest"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$dir/runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-sandbox]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-sandbox.options]
        Root = "$dir/runc-sandbox"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
        BinaryName = "$REPO_ROOT/testbed/node/runsc-wrapper"
        Root = "$dir/runsc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$dir/certs.d"
TOML
  # The registry is plain HTTP on the host's loopback, reached through nsforward.py.
  cat > "$dir/certs.d/$REGISTRY/hosts.toml" <<TOML
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
TOML
  cat > "$dir/cni/net.d/10-ncn.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "ncn-pods", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$dir/cni/ipam",
            "ranges": [[{"subnet": "$NODE_POD_PREFIX.$k.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}}]}
JSON
  local ca_data token
  ca_data=$(base64 -w0 < "$K8S_DIR/pki/ca.crt")
  token=$(cat "$K8S_DIR/pki/admin.token")
  cat > "$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: ncn-testbed
  cluster: {server: "https://127.0.0.1:$PORT_APISERVER", certificate-authority-data: $ca_data}
users:
- name: $name
  user: {token: $token}
contexts:
- name: ncn-testbed
  context: {cluster: ncn-testbed, user: $name}
current-context: ncn-testbed
KUBECONFIG
  chmod 600 "$dir/kubeconfig"
  cat > "$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupRoot: /ncn-$name
cgroupsPerQOS: true
failSwapOn: false
makeIPTablesUtilChains: true
protectKernelDefaults: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
# What the README tells providers: a fork bomb runs out of its own pod's PIDs, not the node's.
podPidsLimit: 4096
resolvConf: /etc/resolv.conf
YAML
  printf '%s\n' --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubeconfig" \
    --container-runtime=remote --container-runtime-endpoint "unix://$dir/containerd.sock" \
    --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" --hostname-override "$name" --node-ip "$ip" \
    --pod-infra-container-image "$REGISTRY/ncn/pause:latest" \
    --node-labels "ncn.testbed/real=true" --v=1 > "$dir/kubelet.args"
  # conntrack values 0 = leave the kernel's settings alone (some are host-wide).
  printf '%s\n' --kubeconfig "$dir/kubeconfig" --hostname-override "$name" --proxy-mode iptables \
    --cluster-cidr "$NODE_POD_PREFIX.$k.0/24" --conntrack-max-per-core 0 --conntrack-min 0 \
    --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
    --oom-score-adj 0 --v=1 > "$dir/kube-proxy.args"
}

node_make_cgroups() {
  local name=$1 root
  for root in $(node_cgroup_roots); do
    mkdir -p "$root/ncn-$name"
    if [ -f "$root/cpuset.cpus" ] && [ -f "$root/ncn-$name/cpuset.cpus" ]; then
      cat "$root/cpuset.cpus" > "$root/ncn-$name/cpuset.cpus"
      cat "$root/cpuset.mems" > "$root/ncn-$name/cpuset.mems"
    fi
  done
}

# Every process of a node: in its network or private mount namespace, or in its cgroups.
node_pids() {
  local name=$1 dir="$NODES_DIR/$1" netns_ino="" mntns="" p root
  [ -e "/run/netns/ncn-$name" ] && netns_ino=$(stat -L -c %i "/run/netns/ncn-$name" 2>/dev/null || true)
  [ -f "$dir/mntns" ] && mntns=$(cat "$dir/mntns")
  {
    for p in /proc/[0-9]*; do
      if [ -n "$netns_ino" ] && [ "$(readlink "$p/ns/net" 2>/dev/null)" = "net:[$netns_ino]" ]; then echo "${p#/proc/}"
      elif [ -n "$mntns" ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mntns" ]; then echo "${p#/proc/}"; fi
    done
    # gVisor's runsc-sandbox and runsc-gofer live in namespaces of their own; their arguments
    # name the node's folder.
    pgrep -f -- "$dir/" || true
    for root in $(node_cgroup_roots); do
      if [ -d "$root/ncn-$name" ]; then find "$root/ncn-$name" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
    done
  } | sort -un
}

node_down_one() {
  local name=$1 dir="$NODES_DIR/$1" k pids i root
  [ -d "$dir" ] || return 0
  k=$(cat "$dir/index" 2>/dev/null || echo 0)
  # The Node object goes too: no node-lifecycle controller runs here to mark a stopped node
  # NotReady, so the scheduler would keep placing pods on it.
  k8s_kubectl delete node "$name" --ignore-not-found --wait=false --request-timeout=5s >/dev/null 2>&1 || true
  k8s_stop_one "node-$name"
  for i in $(seq 1 20); do
    pids=$(node_pids "$name")
    [ -z "$pids" ] && break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  k8s_stop_one "nsforward-$name"
  for root in $(node_cgroup_roots); do
    if [ -d "$root/ncn-$name" ]; then find "$root/ncn-$name" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  ip netns del "ncn-$name" 2>/dev/null || true
  if [ "$k" != 0 ]; then ip link del "ncnv$k" 2>/dev/null || true; fi
  rm -f "$STATE/node-$name.env"
}

# A real node stopped without 'down' (a reboot, a killed shell) leaves its Node object Ready:
# nothing here marks it NotReady, so the scheduler would place pods where no kubelet runs.
node_forget_stopped() {
  local d name
  for d in "$NODES_DIR"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    k8s_running "node-$name" || k8s_kubectl delete node "$name" --ignore-not-found --wait=false --request-timeout=5s >/dev/null 2>&1 || true
  done
}

node_down() {
  local d
  for d in "$NODES_DIR"/*/; do [ -d "$d" ] && node_down_one "$(basename "$d")"; done
  return 0
}

node_up() {
  local name=${1:-node-real-1}
  local k dir="$NODES_DIR/$name" started=$SECONDS
  for cmd in containerd runc nsenter unshare iptables conntrack; do
    command -v "$cmd" >/dev/null || { node_log "$cmd is missing: scripts/install-deps"; return 1; }
  done
  if k8s_running "node-$name"; then node_log "$name is already running"; return 0; fi
  node_down_one "$name"
  node_snapshot_host
  # Each start is a fresh machine: no images, pods or logs from an earlier run.
  rm -rf "$dir/containerd" "$dir/kubelet" "$dir/fs" "$dir/runc" "$dir/runc-sandbox" "$dir/runsc" "$dir/cni/ipam" "$dir/logs"
  k=$(node_index "$name")
  node_network "$name" "$k"
  node_write_config "$name" "$k"
  node_make_cgroups "$name"
  rm -f "$dir/mntns"
  node_forward "$name"
  K8S_BIN="$K8S_BIN" k8s_spawn "node-$name" env K8S_BIN="$K8S_BIN" \
    nsenter --net="/run/netns/ncn-$name" unshare --mount --propagation private \
    bash "$REPO_ROOT/testbed/node/node-init.sh" "$dir"
  if ! k8s_wait "node $name" 90 "$dir/logs/kubelet.log" node_ready "$name"; then
    tail -n 5 "$K8S_DIR/logs/node-$name.log" "$dir/logs/containerd.log" >&2 || true
    return 1
  fi
  # Admission taints every new Node not-ready; the node lifecycle controller that would lift it
  # is off in the test bed (it would evict the fake nodes), so a Ready real node lifts it here.
  k8s_kubectl taint node "$name" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
  printf 'NCN_REAL_NODE=%s\nNCN_REAL_NODE_IP=%s\n' "$name" "$(node_ip "$k")" > "$STATE/node-$name.env"
  node_log "$name Ready in $((SECONDS - started)) s at $(node_ip "$k") (logs: $dir/logs)"
}

# The host loopback services a node reaches at their usual 127.0.0.1 addresses, through
# nsforward.py: the apiserver and registry (kubelet, containerd), and every peer the operator
# talks to when it runs in the node as a hostNetwork pod (scripts/testbed up operator): the
# relays, the Cashu mint and LNbits, on their actual ports (NCN_PORT_*).
node_forward_addrs() {
  local peer
  echo "127.0.0.1:$PORT_APISERVER"
  echo "$REGISTRY"
  for peer in relay-sdk relay-py relay-noverify relay-auth mint lnbits; do echo "127.0.0.1:$(_peer_port "$peer")"; done
}

# Starts the node's nsforward, or restarts it when the list of addresses changed (a node
# started by an older version of this script forwarded only the apiserver and the registry).
node_forward() {
  local name=$1 dir="$NODES_DIR/$1" addrs
  addrs=$(node_forward_addrs)
  if k8s_running "nsforward-$name" && [ "$(cat "$dir/nsforward.addrs" 2>/dev/null)" = "$addrs" ]; then return; fi
  k8s_stop_one "nsforward-$name"
  printf '%s\n' "$addrs" > "$dir/nsforward.addrs"
  # shellcheck disable=SC2086
  k8s_spawn "nsforward-$name" python3 "$REPO_ROOT/testbed/node/nsforward.py" "/run/netns/ncn-$name" $addrs
}

node_ready() {
  [ "$(k8s_kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# RuntimeClasses for the real nodes: gvisor (containerd handler runsc, gVisor's runsc through
# the runc v2 shim) and runc-sandbox (a second runc handler, so the RuntimeClass path is
# testable whatever happens to gVisor).
node_runtime_classes() {
  k8s_kubectl apply -f - >/dev/null <<YAML
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: runc-sandbox}
handler: runc-sandbox
YAML
}

node_status() {
  local d name
  for d in "$NODES_DIR"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    if k8s_running "node-$name"; then echo "node $name running ($(node_ip "$(cat "$d/index")"))"; else echo "node $name stopped"; fi
  done
  if k8s_running registry; then echo "registry running ($REGISTRY)"; else echo "registry stopped"; fi
}

# What the host looks like where a node could leave traces; node_up saves it before the first
# node starts and node_leftovers compares.
_node_host_sysctls() {
  local key
  for key in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
             kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/ip_forward \
             net/ipv4/conf/all/route_localnet net/bridge/bridge-nf-call-iptables; do
    printf '%s=%s\n' "$key" "$(cat "/proc/sys/$key" 2>/dev/null || echo absent)"
  done
}

_node_host_iptables() {
  local t
  for t in iptables-nft-save ip6tables-nft-save iptables-legacy-save ip6tables-legacy-save; do
    command -v "$t" >/dev/null || continue
    echo "## $t"; { "$t" 2>/dev/null || true; } | { grep -v '^#' || true; } | sed 's/\[[0-9]*:[0-9]*\]//'
  done
}

node_snapshot_host() {
  mkdir -p "$NODES_DIR"
  if [ -f "$NODES_DIR/host-before.sysctl" ] && ls /run/netns 2>/dev/null | grep -q '^ncn-'; then return; fi
  _node_host_sysctls > "$NODES_DIR/host-before.sysctl"
  _node_host_iptables > "$NODES_DIR/host-before.iptables"
}

# Prints everything real nodes left behind on the host; returns 1 if anything.
node_leftovers() {
  local found=0 out
  out=$(ps -eo pid=,args= | grep -E "$NODES_DIR|nsforward.py|containerd-shim|runsc-(gofer|sandbox)|$K8S_BIN/kube(let|-proxy)" | grep -v -E 'grep -E' || true)
  [ -n "$out" ] && { echo "processes:"; echo "$out"; found=1; }
  out=$(grep -E "$NODES_DIR|/run/netns/ncn-" /proc/self/mountinfo || true)
  [ -n "$out" ] && { echo "mounts:"; echo "$out"; found=1; }
  out=$(ip netns list 2>/dev/null | grep '^ncn-' || true)
  [ -n "$out" ] && { echo "network namespaces:"; echo "$out"; found=1; }
  out=$(ip -o link show 2>/dev/null | grep -E ': (ncnv[0-9]+|cni0|veth[0-9a-f]+)[@:]' || true)
  [ -n "$out" ] && { echo "interfaces:"; echo "$out"; found=1; }
  out=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d \( -name 'ncn-*' -o -name k8s.io \) 2>/dev/null || true)
  [ -n "$out" ] && { echo "cgroups:"; echo "$out"; found=1; }
  if [ -f "$NODES_DIR/host-before.iptables" ]; then
    out=$(diff "$NODES_DIR/host-before.iptables" <(_node_host_iptables) || true)
    [ -n "$out" ] && { echo "iptables changed:"; echo "$out"; found=1; }
    out=$(diff "$NODES_DIR/host-before.sysctl" <(_node_host_sysctls) || true)
    [ -n "$out" ] && { echo "sysctls changed:"; echo "$out"; found=1; }
  fi
  out=$(_node_host_iptables | grep -E 'KUBE-|CNI-' || true)
  [ -n "$out" ] && { echo "Kubernetes/CNI iptables rules on the host:"; echo "$out"; found=1; }
  [ $found = 0 ] && echo "no leftovers"
  return $found
}

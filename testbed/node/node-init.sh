#!/usr/bin/env bash
# PID 1 of a real test-bed node, in the node's network namespace and a private mount namespace
# (scripts/lib/node.sh starts it as: nsenter --net=NETNS unshare --mount --propagation private).
# Hides the host's /run, /var/lib, /var/log and the /proc/sys files the kubelet writes behind
# files of the node's folder, then runs containerd, the kubelet and kube-proxy until one exits.
#   node-init.sh NODE_DIR
set -euo pipefail
dir=$1
readlink /proc/self/ns/mnt > "$dir/mntns"

# Kernel tunables the kubelet sets (vm.overcommit_memory=1, kernel.panic=10, ...): ordinary files here.
mkdir -p "$dir/sysctl"
for key in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
           kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
  f="$dir/sysctl/${key//\//.}"
  cat "/proc/sys/$key" > "$f"
  mount --bind "$f" "/proc/sys/$key"
done
for d in run var/lib var/log; do
  mkdir -p "$dir/fs/$d"
  mount --bind "$dir/fs/$d" "/$d"
done
mkdir -p /run/containerd /var/log/pods /var/lib/cni

log() { printf '[node-init] %s\n' "$*"; }
pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait || true; }
trap cleanup EXIT TERM INT

containerd --config "$dir/containerd.toml" > "$dir/logs/containerd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
[ -S "$dir/containerd.sock" ] || { log "containerd did not start; see $dir/logs/containerd.log"; exit 1; }
log "containerd up"

"$K8S_BIN/kubelet" $(cat "$dir/kubelet.args") > "$dir/logs/kubelet.log" 2>&1 &
pids+=($!)
"$K8S_BIN/kube-proxy" $(cat "$dir/kube-proxy.args") > "$dir/logs/kube-proxy.log" 2>&1 &
pids+=($!)
log "kubelet and kube-proxy started"
wait -n "${pids[@]}" || true
log "a node process exited; stopping the node"

#!/usr/bin/env bash
# Builds the Kubernetes v1.20.2 control plane, kubelet, kube-proxy and kubectl from Debian's
# source package, once, into a cache outside the repository.
# Why from source: Debian ships no kube-apiserver binary, and no other registry is reachable.
set -euo pipefail

K8S_VERSION=1.20.2
CACHE_ROOT="${NCN_CACHE:-$HOME/.cache/nostr-compute}"
K8S_BIN="$CACHE_ROOT/k8s-v$K8S_VERSION/bin"
K8S_SRC="$CACHE_ROOT/k8s-v$K8S_VERSION/src"
WANTED=(kube-apiserver kube-scheduler kube-controller-manager kubelet kube-proxy kubectl)

k8s_binaries_ready() {
  local b
  for b in "${WANTED[@]}"; do [ -x "$K8S_BIN/$b" ] || return 1; done
}

log() { printf '[k8s-build] %s\n' "$*" >&2; }

ensure_deb_src() {
  if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then
    return
  fi
  log "adding a deb-src entry so that 'apt-get source kubernetes' works"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    > /etc/apt/sources.list.d/ncn-debian-src.sources
  apt-get update -q >/dev/null
}

fetch_source() {
  [ -d "$K8S_SRC/tree/cmd/kube-apiserver" ] && return
  ensure_deb_src
  rm -rf "$K8S_SRC" && mkdir -p "$K8S_SRC"
  log "downloading Debian's kubernetes source package (about 34 MB)"
  (cd "$K8S_SRC" && apt-get source --download-only -q kubernetes >/dev/null)
  local orig
  orig=$(ls "$K8S_SRC"/kubernetes_*.orig.tar.* | head -n 1)
  mkdir -p "$K8S_SRC/tree"
  log "unpacking $(basename "$orig")"
  tar -xf "$orig" -C "$K8S_SRC/tree" --strip-components=1
}

# Kubernetes 1.20.2 vendors reflect2 v1.0.1, which corrupts memory under go >= 1.18
# and makes the apiserver panic on every JSON write containing a map.
fix_reflect2() {
  local vendored="$K8S_SRC/tree/vendor/github.com/modern-go/reflect2"
  local debian=/usr/share/gocode/src/github.com/modern-go/reflect2
  [ -d "$debian" ] || { log "missing $debian: install golang-github-modern-go-reflect2-dev"; exit 1; }
  if ! cmp -s "$debian/reflect2.go" "$vendored/reflect2.go"; then
    log "replacing vendored reflect2 1.0.1 with Debian's 1.0.2 (mandatory under go >= 1.18)"
    find "$vendored" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
    cp "$debian"/*.go "$vendored"/
    cp "$debian"/*.s "$vendored"/ 2>/dev/null || true
  fi
}

build() {
  command -v rsync >/dev/null || { log "rsync must be installed before the first make"; exit 1; }
  command -v go >/dev/null || { log "go is missing: install golang-go"; exit 1; }
  local tree="$K8S_SRC/tree"
  mkdir -p "$tree/.go/src/k8s.io" "$CACHE_ROOT/gohome"
  [ -e "$tree/.go/src/k8s.io/kubernetes" ] || ln -s ../../.. "$tree/.go/src/k8s.io/kubernetes"
  # A failed earlier make can leave zero-byte generators behind that break later builds.
  if find "$tree/_output/bin" -maxdepth 1 -type f -size 0 2>/dev/null | grep -q .; then
    rm -rf "$tree/_output"
  fi
  local what="" b
  for b in "${WANTED[@]}"; do what="$what cmd/$b"; done
  log "building${what} from source: about 7-9 minutes on 2 cores, once; later runs use $K8S_BIN"
  local started=$SECONDS
  (cd "$tree" && GOPATH="$tree/.go" CGO_ENABLED=0 HOME="$CACHE_ROOT/gohome" GOFLAGS=-mod=vendor \
     make WHAT="${what# }" > "$K8S_SRC/build.log" 2>&1) &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && log "still building ($((SECONDS - started)) s; log: $K8S_SRC/build.log)"
  done
  if ! wait "$pid"; then
    log "build failed; last lines of $K8S_SRC/build.log:"; tail -n 30 "$K8S_SRC/build.log" >&2; exit 1
  fi
  mkdir -p "$K8S_BIN"
  # Copy then rename: a running binary cannot be overwritten in place ("Text file busy").
  for b in "${WANTED[@]}"; do
    cp "$tree/_output/bin/$b" "$K8S_BIN/.$b.new" && mv -f "$K8S_BIN/.$b.new" "$K8S_BIN/$b"
  done
  log "built in $((SECONDS - started)) s into $K8S_BIN"
}

k8s_build() {
  if k8s_binaries_ready; then return; fi
  mkdir -p "$CACHE_ROOT"
  # Two test-bed starts at once must not run two makes in one tree.
  exec 9> "$CACHE_ROOT/k8s-build.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for it"
    flock 9
  fi
  if ! k8s_binaries_ready; then
    fetch_source
    fix_reflect2
    build
  fi
  exec 9>&-
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then k8s_build "$@"; fi

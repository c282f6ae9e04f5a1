#!/usr/bin/env bash
# The test bed's OCI registry (Debian docker-registry, plain HTTP on 127.0.0.1) and the images
# the real node pulls from it: ncn/http-echo, ncn/exit and ncn/pause, built without a Docker
# engine (buildah, vfs storage) from busybox-static and the scripts in testbed/images/; and
# ncn/eicar, http-echo with the EICAR antivirus test file at /eicar.com, for the image scanner.
# Sourced by scripts/testbed after k8s.sh (uses k8s_spawn, k8s_running, k8s_stop_one, k8s_wait).
set -euo pipefail

PORT_REGISTRY="${NCN_PORT_REGISTRY:-15001}"
REGISTRY="127.0.0.1:$PORT_REGISTRY"
REGISTRY_DIR="$STATE/registry"
IMAGES_SRC="$REPO_ROOT/testbed/images"

reg_log() { printf '[testbed registry] %s\n' "$*" >&2; }

# The images' content key: busybox, the image scripts and the recipe below. Pushed images live in
# $CACHE_ROOT/registry/<key>, which is the registry's storage, so they are built once per content.
registry_images_key() {
  cat /bin/busybox "$IMAGES_SRC"/*.sh "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16
}

registry_storage() { printf '%s/registry/%s' "$CACHE_ROOT" "$(registry_images_key)"; }

registry_start() {
  command -v docker-registry >/dev/null || { reg_log "docker-registry is missing: scripts/install-deps"; return 1; }
  mkdir -p "$REGISTRY_DIR" "$(registry_storage)"
  cat > "$REGISTRY_DIR/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(registry_storage)
  delete:
    enabled: true
http:
  addr: $REGISTRY
CONFIG
  if k8s_running registry && ! cmp -s "$REGISTRY_DIR/config.yml" "$REGISTRY_DIR/config.running.yml"; then
    k8s_stop_one registry
  fi
  cp "$REGISTRY_DIR/config.yml" "$REGISTRY_DIR/config.running.yml"
  k8s_spawn registry docker-registry serve "$REGISTRY_DIR/config.yml"
  k8s_wait registry 30 "$K8S_DIR/logs/registry.log" curl -fsS "http://$REGISTRY/v2/"
  printf 'NCN_REGISTRY=%s\nNCN_IMAGE_HTTP_ECHO=%s/ncn/http-echo:latest\nNCN_IMAGE_EXIT=%s/ncn/exit:latest\nNCN_IMAGE_PAUSE=%s/ncn/pause:latest\nNCN_IMAGE_EICAR=%s/ncn/eicar:latest\n' \
    "$REGISTRY" "$REGISTRY" "$REGISTRY" "$REGISTRY" "$REGISTRY" > "$STATE/registry.env"
}

# buildah NAME ENTRYPOINT_JSON SCRIPT [ENV...]: one image, busybox + symlinks + one script.
# NCN_IMAGE_EICAR_FILE=1 adds the EICAR test file at /eicar.com.
_registry_build_one() {
  local name=$1 entrypoint=$2 script=$3; shift 3
  local b=(buildah --root "$CACHE_ROOT/buildah/root" --runroot "$CACHE_ROOT/buildah/runroot" --storage-driver vfs)
  local ctr rootfs="$CACHE_ROOT/buildah/rootfs"
  rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/busybox"
  local applet
  for applet in sh cat echo env hostname ls nc sleep tr wc printf sed grep id ps wget; do ln -s busybox "$rootfs/bin/$applet"; done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  cp "$IMAGES_SRC/$script" "$rootfs/$script"
  # In two halves, so that this script is not itself the test file to a virus scanner.
  if [ "${NCN_IMAGE_EICAR_FILE:-0}" = 1 ]; then
    printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$rootfs/eicar.com"
  fi
  ctr=$("${b[@]}" from --pull=false scratch)
  "${b[@]}" copy "$ctr" "$rootfs" / >/dev/null
  local config=(--entrypoint "$entrypoint" --cmd '' --workingdir / --env PATH=/bin --label "ncn.dev/testbed-image=$name")
  local e
  for e in "$@"; do config+=(--env "$e"); done
  "${b[@]}" config "${config[@]}" "$ctr"
  "${b[@]}" commit --quiet --format oci "$ctr" "ncn/$name:latest" >/dev/null
  "${b[@]}" push --quiet --tls-verify=false "ncn/$name:latest" "docker://$REGISTRY/ncn/$name:latest"
  "${b[@]}" rm "$ctr" >/dev/null
  rm -rf "$rootfs"
}

registry_images() {
  local stamp; stamp="$(registry_storage)/images.done"
  [ -f "$stamp" ] && return
  command -v buildah >/dev/null || { reg_log "buildah is missing: scripts/install-deps"; return 1; }
  local started=$SECONDS
  reg_log "building ncn/http-echo, ncn/exit, ncn/pause and ncn/eicar with buildah and pushing them to $REGISTRY"
  mkdir -p "$CACHE_ROOT/buildah/tmp"
  (
    export TMPDIR="$CACHE_ROOT/buildah/tmp"
    _registry_build_one http-echo '["/bin/sh", "/http-echo.sh"]' http-echo.sh PORT=8080
    _registry_build_one exit '["/bin/sh", "/exit.sh"]' exit.sh
    _registry_build_one pause '["/bin/sh", "/pause.sh"]' pause.sh
    NCN_IMAGE_EICAR_FILE=1 _registry_build_one eicar '["/bin/sh", "/http-echo.sh"]' http-echo.sh PORT=8080
  )
  touch "$stamp"
  reg_log "images built and pushed in $((SECONDS - started)) s"
}

registry_up() {
  mkdir -p "$K8S_DIR/logs"
  registry_start
  registry_images
}

registry_down() { k8s_stop_one registry; rm -f "$STATE/registry.env"; }

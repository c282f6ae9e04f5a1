#!/usr/bin/env bash
# Creates the venv of the benchmark's Python DVM peer (bench/dvm-peer) and
# installs requirements.txt into it. Idempotent: the venv is rebuilt only when
# requirements.txt changed since the last complete install (a stamp of its text
# is kept in the venv, written last).
#
#   bench/dvm-peer/install.sh            # venv at ${NCN_CACHE:-~/.cache/nostr-compute}/venv/dvm-bench
#   bench/dvm-peer/install.sh --print    # only print the venv's python path
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${NCN_CACHE:-$HOME/.cache/nostr-compute}"
venv="$cache/venv/dvm-bench"
reqs="$here/requirements.txt"
stamp="$venv/.ncn-requirements"

log() { printf 'dvm-peer install: %s\n' "$*" >&2; }

if [ "${1:-}" = "--print" ]; then
  echo "$venv/bin/python"
  exit 0
fi

want="$(cat "$reqs")"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "venv is current: $venv"
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$cache/venv"
# Two installs at once (two shells, a bench script) must not build one venv together.
exec 9>"$cache/venv/.dvm-bench.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "venv was made current meanwhile: $venv"
  echo "$venv/bin/python"
  exit 0
fi

t0=$(date +%s)
log "creating venv $venv (a few minutes the first time: nostr-dvm pulls pandas, scipy, pillow, ...)"
rm -rf "$venv"
python3 -m venv "$venv"
log "upgrading pip"
if ! "$venv/bin/python" -m pip install --upgrade pip >"$venv/.install.log" 2>&1; then
  tail -n 20 "$venv/.install.log" >&2
  log "error: upgrading pip failed; log: $venv/.install.log"
  exit 1
fi
log "installing $(grep -c -v -e '^#' -e '^$' "$reqs") requirements from $reqs (log: $venv/.install.log)"
if ! "$venv/bin/python" -m pip install -r "$reqs" >>"$venv/.install.log" 2>&1; then
  tail -n 20 "$venv/.install.log" >&2
  log "error: installing requirements failed; log: $venv/.install.log"
  exit 1
fi
log "checking the imports"
if ! "$venv/bin/python" -c 'import nostr_dvm, nostr_sdk, requests' >>"$venv/.install.log" 2>&1; then
  tail -n 20 "$venv/.install.log" >&2
  log "error: the installed packages do not import; log: $venv/.install.log"
  exit 1
fi
printf '%s' "$want" >"$stamp" # last: only a complete install counts
log "venv ready in $(($(date +%s) - t0)) s: $venv"
echo "$venv/bin/python"

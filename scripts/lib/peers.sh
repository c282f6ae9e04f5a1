#!/usr/bin/env bash
# Real third-party peers for the local test bed, all on 127.0.0.1:
#   relay-sdk       nostr-sdk's LocalRelay (NIP-01 correct), LMDB storage
#   relay-auth      the same relay requiring NIP-42 authentication for reads and writes
#   relay-py        PyPI nostr-relay (sqlite; deviates from NIP-01, usefully)
#   relay-noverify  nostr-relay without signature checks (feeds forged events)
#   mint            nutshell Cashu mint on FakeWallet
#   mint-ln         the same mint program whose Lightning backend is LNbits' `mint` wallet
#                   (testbed/peers/mint_ln.py), so its quotes are paid for real, e.g. by nwc-tenant
#   lnbits          LNbits on FakeWallet, with funded `provider`/`tenant` wallets
#   nwc-provider        NIP-47 wallet service (testbed/peers/nwc_wallet.py) on relay-sdk over
#                       LNbits' provider wallet, NIP-44 v2 and NIP-04
#   nwc-provider-nip04  the same over the same LNbits wallet, NIP-04 only
#   nwc-tenant          the same over LNbits' tenant wallet with its admin key (pay_invoice)
#   The nwc-* peers listen on no port; they need relay-sdk and lnbits running and start
#   after them. Their keys (so their connection URIs) stay the same across restarts.
#
# Sourced by scripts/testbed (the functions below), or run directly:
#   bash scripts/lib/peers.sh install|up|down|status|start NAME|stop NAME
#
# Pins and settings come from shared/notes/test-peers.md.
# Sourcing this file changes none of the caller's shell options.
#
# Layout: venvs in ${NCN_CACHE:-~/.cache/nostr-compute}/venv/{nostr,cashu,lnbits};
# per peer $STATE/<name>/ (data, log), $STATE/pids/<name>.pid, $STATE/<name>.env
# (present while the peer runs); $STATE/env concatenates all $STATE/*.env.
# Ports: NCN_PORT_<NAME> (e.g. NCN_PORT_RELAY_SDK); readiness timeout:
# NCN_PEER_TIMEOUT seconds (default 90).

PEER_NAMES=(relay-sdk relay-py relay-noverify relay-auth mint lnbits nwc-provider nwc-provider-nip04 nwc-tenant mint-ln)
declare -gA _PEERS_LAUNCHED=() # name -> launch time, for the "ready in" line

_PEERS_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_PEERS_PY_DIR="$_PEERS_REPO/testbed/peers"
# shellcheck source=daemon.sh
source "$_PEERS_REPO/scripts/lib/daemon.sh"

# Recomputed on each call, so a caller may set NCN_CACHE / NCN_TESTBED_DIR
# after sourcing.
_peers_paths() {
  _PEERS_VENVS="${NCN_CACHE:-$HOME/.cache/nostr-compute}/venv"
  _PEERS_STATE="${NCN_TESTBED_DIR:-$_PEERS_REPO/.testbed}"
}

_peers_log() { printf '[peers] %s\n' "$*" >&2; }
_peers_now() { echo "${EPOCHREALTIME/,/.}"; }
_peers_since() { awk -v a="$1" -v b="$(_peers_now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- venvs
# Each venv has a pinned requirement set whose text is its stamp. A venv is
# rebuilt from scratch when the stamp is missing (an interrupted install) or
# differs (a pin changed).

_peers_reqs() {
  case "$1" in
    # selenium: tests/python/test_real_dashboard.py drives Debian's chromium through its
    # chromedriver (scripts/install-deps); 4.52 wants a certifi that PyPI does not serve yet.
    nostr) echo "nostr-sdk==0.45.1 nostr-relay==1.14 pytest selenium==4.51.0" ;;
    # cashu's own pin breez-sdk-spark<0.18 has no files left on PyPI, so it is
    # installed --no-deps and its requirements re-pinned (_peers_pip_cashu).
    cashu) echo "cashu==0.21.0 --no-deps; breez-sdk-spark>=0.18.0,<0.19.0 marshmallow<4 limits<5" ;;
    lnbits) echo "lnbits==1.6.2 bitstring<5" ;;
  esac
}

_peers_pip_cashu() {
  local py="$1" reqs
  reqs="$(dirname "$(dirname "$py")")/cashu-requirements.txt"
  "$py" -m pip install --no-deps cashu==0.21.0 || return 1
  "$py" - >"$reqs" <<'EOF' || return 1
from importlib.metadata import requires
for r in requires("cashu"):
    if not r.startswith("breez-sdk-spark"):
        print(r)
EOF
  # marshmallow 4 breaks environs; limits 5 drops the rate-limit strategy.
  printf '%s\n' 'breez-sdk-spark>=0.18.0,<0.19.0' 'marshmallow<4' 'limits<5' >>"$reqs"
  # pip then warns that cashu wants breez<0.18: expected, kept in the log only.
  "$py" -m pip install -r "$reqs"
}

_peers_venv() {
  local name="$1" dir want t0
  dir="$_PEERS_VENVS/$name"
  want="$(_peers_reqs "$name")"
  if [ "$(cat "$dir/.ncn-requirements" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  t0=$(_peers_now)
  _peers_log "creating venv $name (about half a minute, once): $want"
  rm -rf "$dir" && python3 -m venv "$dir" || return 1
  if ! {
    "$dir/bin/python" -m pip install --upgrade pip &&
      if [ "$name" = cashu ]; then
        _peers_pip_cashu "$dir/bin/python"
      else
        # shellcheck disable=SC2086  # a list of requirement words
        "$dir/bin/python" -m pip install $want
      fi
  } >"$dir/.install.log" 2>&1; then
    tail -n 20 "$dir/.install.log" >&2
    _peers_log "error: installing venv $name failed; log: $dir/.install.log"
    return 1
  fi
  printf '%s' "$want" >"$dir/.ncn-requirements" # last: only a full install counts
  _peers_log "venv $name ready in $(_peers_since "$t0") s"
}

peers_install() {
  _peers_paths
  mkdir -p "$_PEERS_VENVS" "$_PEERS_STATE" || return 1
  # Two test beds (say CI and a developer) must not build one venv at once.
  (
    flock 9 || exit 1
    for v in nostr cashu lnbits; do _peers_venv "$v" || exit 1; done
  ) 9>"$_PEERS_VENVS/.lock" || return 1
  _peers_write_env python \
    "NCN_PYTHON_NOSTR=$_PEERS_VENVS/nostr/bin/python" \
    "NCN_PYTHON_CASHU=$_PEERS_VENVS/cashu/bin/python" \
    "NCN_CASHU_BIN=$_PEERS_VENVS/cashu/bin/cashu" \
    "NCN_PYTHON_LNBITS=$_PEERS_VENVS/lnbits/bin/python"
}

# ---------------------------------------------------------------- env files

# _peers_write_env NAME KEY=value... : atomically (re)writes $STATE/NAME.env,
# owner-only since LNbits' lines are wallet keys.
_peers_write_env() {
  local file="$_PEERS_STATE/$1.env"
  shift
  (umask 077 && printf '%s\n' "$@" >"$file.tmp") && mv -f "$file.tmp" "$file"
}

# $STATE/env = every $STATE/*.env in name order (removed when there is none).
peers_combine_env() {
  _peers_paths
  local files=("$_PEERS_STATE"/*.env)
  if [ -e "${files[0]}" ]; then
    (umask 077 && cat "${files[@]}" >"$_PEERS_STATE/env.tmp") && mv -f "$_PEERS_STATE/env.tmp" "$_PEERS_STATE/env"
  else
    rm -f "$_PEERS_STATE/env"
  fi
}

# ---------------------------------------------------------------- peers

_peer_known() {
  local n
  for n in "${PEER_NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
  _peers_log "error: unknown peer '$1' (known: ${PEER_NAMES[*]})"
  return 1
}

# relay-sdk -> RELAY_SDK, for variable names.
_peers_upper() { local u="${1^^}"; echo "${u//-/_}"; }

_peer_port() {
  local var def
  var="NCN_PORT_$(_peers_upper "$1")"
  case "$1" in
    relay-sdk) def=17001 ;; relay-py) def=17002 ;; relay-noverify) def=17003 ;; relay-auth) def=17004 ;;
    mint) def=13338 ;; mint-ln) def=13339 ;; lnbits) def=15000 ;;
    nwc-*) return 0 ;; # no port: a Nostr client, not a server
  esac
  echo "${!var:-$def}"
}

# The peers peer $1 needs running before it starts.
_peer_deps() {
  case "$1" in
    nwc-*) echo "relay-sdk lnbits" ;;
    mint-ln) echo "lnbits" ;;
  esac
}

# KEY's value in $STATE/NAME.env (present only while that peer runs).
_peers_env_value() {
  sed -n "s/^$2=//p" "$_PEERS_STATE/$1.env" 2>/dev/null | head -n 1
}

_peers_tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Each process we start carries NCN_PEER_TAG=<state>/<name>, so a PID file is
# trusted only while that PID still is our peer (not a reused PID).
_peer_tag() { echo "$_PEERS_STATE/$1"; }

# Prints the PID of the running peer; fails if it is not running.
_peer_pid() {
  local pid
  pid=$(cat "$_PEERS_STATE/pids/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qzxF "NCN_PEER_TAG=$(_peer_tag "$1")" "/proc/$pid/environ" 2>/dev/null || return 1
  echo "$pid"
}

peer_status() {
  _peers_paths
  _peer_known "$1" || return 1
  if _peer_pid "$1" >/dev/null; then echo running; else echo stopped; fi
}

# nostr-relay config; $3 = yes keeps the signature check.
_peer_relay_py_config() {
  local dir="$1" port="$2" sig="    - nostr_relay.validators.is_signed"
  [ "$3" = yes ] || sig="    # (no is_signed: this relay stores forged events, on purpose)"
  cat <<EOF
# Written by scripts/lib/peers.sh on every start; edits are lost.
relay_name: ncn test bed $(basename "$dir")
storage:
  sqlalchemy.url: sqlite+aiosqlite:///$dir/nostr.sqlite3
  num_concurrent_reqs: 10
  num_concurrent_adds: 2
  validators:
    - nostr_relay.validators.is_not_too_large
$sig
    - nostr_relay.validators.is_recent
    - nostr_relay.validators.is_not_hellthread
verification:
  nip05_verification: disabled
# Read by --use-uvicorn too (only bind's port, plus host and log level).
gunicorn:
  bind: 127.0.0.1:$port
  host: 127.0.0.1
  workers: 1
  loglevel: warning
authentication:
  enabled: false
message_timeout: 1800
subscription_limit: 32
max_limit: 6000
hellthread_limit: 100
# The default of 4096 characters is too small for job payloads.
max_event_size: 65536
EOF
}

# Prepares peer $1's folder (its working directory): config, data dirs.
_peer_prepare() {
  local name="$1" dir="$2" port="$3" lnbits_pkg
  case "$name" in
    relay-sdk | relay-auth) mkdir -p "$dir/lmdb" ;;
    relay-py) _peer_relay_py_config "$dir" "$port" yes >"$dir/config.yaml" ;;
    relay-noverify) _peer_relay_py_config "$dir" "$port" no >"$dir/config.yaml" ;;
    mint | mint-ln) mkdir -p "$dir/db" "$dir/cashu" ;;
    lnbits)
      # LNbits serves lnbits/static relative to its working directory.
      # (find_spec, since importing lnbits just to ask takes seconds)
      lnbits_pkg=$("$_PEERS_VENVS/lnbits/bin/python" -c 'from importlib.util import find_spec
print(find_spec("lnbits").submodule_search_locations[0])') || return 1
      ln -sfn "$lnbits_pkg" "$dir/lnbits" || return 1
      # Settings reach its database only on the first start, so SUPER_USER
      # must stay the same for the life of the data folder.
      [ -s "$dir/super_user" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/super_user"
      mkdir -p "$dir/data" ;;
    # `ready` is written by the service once it listens; a stale one would fool the probe.
    nwc-*) rm -f "$dir/ready" ;;
  esac
}

# The command that runs peer $1, one word per line.
_peer_command() {
  local v="$_PEERS_VENVS"
  case "$1" in
    relay-sdk) printf '%s\n' "$v/nostr/bin/python" -u "$_PEERS_PY_DIR/relay_sdk.py" "$3" "$2/lmdb" ;;
    relay-auth) printf '%s\n' "$v/nostr/bin/python" -u "$_PEERS_PY_DIR/relay_sdk.py" "$3" "$2/lmdb" --nip42 ;;
    relay-py | relay-noverify) printf '%s\n' "$v/nostr/bin/nostr-relay" -c "$2/config.yaml" serve --use-uvicorn ;;
    mint) echo "$v/cashu/bin/mint" ;;
    mint-ln) printf '%s\n' "$v/cashu/bin/python" -u "$_PEERS_PY_DIR/mint_ln.py" "$v/cashu/bin/mint" ;;
    lnbits) echo "$v/lnbits/bin/lnbits" ;;
    nwc-*)
      printf '%s\n' "$v/nostr/bin/python" -u "$_PEERS_PY_DIR/nwc_wallet.py" "$2" "$(_peers_env_value relay-sdk NCN_RELAY_SDK_URL)"
      [ "$1" = nwc-provider-nip04 ] && echo --nip04-only
      return 0 ;;
  esac
}

# Environment of peer $1 (KEY=value lines for env(1)).
_peer_environment() {
  local name="$1" dir="$2" port="$3"
  case "$name" in
    # FakeWallet "pays" each invoice after FAKEWALLET_DELAY_INCOMING_PAYMENT.
    # At 0 the payment event can fire before the quote is stored: the mint
    # logs "Quote not found", never notifies, and `cashu invoice` (which waits
    # on the websocket) hangs; 5 of 12 runs did. 1 s gives the store time.
    # Polling GET /v1/mint/quote/bolt11/<id> sees "paid" at once either way.
    mint) printf '%s\n' \
      "CASHU_DIR=$dir/cashu" MINT_BACKEND_BOLT11_SAT=FakeWallet \
      MINT_LISTEN_HOST=127.0.0.1 "MINT_LISTEN_PORT=$port" "MINT_DATABASE=$dir/db" \
      MINT_PRIVATE_KEY=ncn-testbed-mint-key-deterministic-keysets \
      MINT_INPUT_FEE_PPK=0 FAKEWALLET_DELAY_INCOMING_PAYMENT=1 MINT_RATE_LIMIT=FALSE ;;
    # Invoices from LNbits' `mint` wallet (through testbed/peers/mint_ln.py, since nutshell 0.21
    # has no LNbits backend): paying one from another LNbits wallet (the tenant's) settles inside
    # LNbits, so NUT-04 minting is paid for real.
    mint-ln) printf '%s\n' \
      "CASHU_DIR=$dir/cashu" \
      "MINT_LN_LNBITS_URL=$(_peers_env_value lnbits NCN_LNBITS_URL)" \
      "MINT_LN_LNBITS_KEY=$(_peers_env_value lnbits NCN_LNBITS_MINT_ADMINKEY)" \
      MINT_LISTEN_HOST=127.0.0.1 "MINT_LISTEN_PORT=$port" "MINT_DATABASE=$dir/db" \
      MINT_PRIVATE_KEY=ncn-testbed-mint-ln-key-deterministic-keysets \
      MINT_INPUT_FEE_PPK=0 MINT_RATE_LIMIT=FALSE ;;
    lnbits) printf '%s\n' \
      HOST=127.0.0.1 "PORT=$port" "LNBITS_DATA_FOLDER=$dir/data" \
      LNBITS_BACKEND_WALLET_CLASS=FakeWallet FAKE_WALLET_SECRET=ncn-testbed-fakewallet \
      LNBITS_ADMIN_UI=true "SUPER_USER=$(cat "$dir/super_user")" \
      AUTH_HTTPS_ONLY=false LNBITS_RESERVE_FEE_MIN=0 LNBITS_RESERVE_FEE_PERCENT=0 \
      `# no outside fetches (extension lists, BTC prices): nothing is reachable` \
      'LNBITS_EXTENSIONS_MANIFESTS=[]' 'LNBITS_WASM_EXTENSIONS_MANIFESTS=[]' \
      LNBITS_PRICE_AGGREGATOR_ENABLED=false 'LNBITS_EXCHANGE_RATE_PROVIDERS=[]' \
      `# every test-bed client comes from 127.0.0.1, which LNbits' default 200 a minute would throttle` \
      LNBITS_RATE_LIMIT_NO=1000000 LNBITS_RATE_LIMIT_UNIT=minute ;;
    # Wallet keys through the environment, not argv, where ps would show them. The provider's
    # services get its invoice key only (invoices and lookups); the tenant's its admin key.
    nwc-provider | nwc-provider-nip04) printf '%s\n' \
      "NWC_LNBITS_URL=$(_peers_env_value lnbits NCN_LNBITS_URL)" \
      "NWC_LNBITS_KEY=$(_peers_env_value lnbits NCN_LNBITS_PROVIDER_INKEY)" ;;
    nwc-tenant) printf '%s\n' \
      "NWC_LNBITS_URL=$(_peers_env_value lnbits NCN_LNBITS_URL)" \
      "NWC_LNBITS_KEY=$(_peers_env_value lnbits NCN_LNBITS_TENANT_INKEY)" \
      "NWC_LNBITS_ADMINKEY=$(_peers_env_value lnbits NCN_LNBITS_TENANT_ADMINKEY)" ;;
  esac
}

# Starts peer $1 in its own session (so it outlives this shell and can be
# stopped as a process group); does not wait for readiness.
_peer_launch() {
  local name="$1" port dir pidfile cmd env_lines
  port=$(_peer_port "$name")
  dir="$_PEERS_STATE/$name"
  pidfile="$_PEERS_STATE/pids/$name.pid"
  unset '_PEERS_LAUNCHED[$name]'
  _peer_pid "$name" >/dev/null && return 0 # already running: nothing to do
  local dep
  for dep in $(_peer_deps "$name"); do
    if ! _peer_pid "$dep" >/dev/null || ! [ -s "$_PEERS_STATE/$dep.env" ]; then
      _peers_log "error: $name needs $dep running first (scripts/testbed start $dep)"
      return 1
    fi
  done
  if [ -n "$port" ] && { ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); }; then
    _peers_log "error: $name: bad port '$port'"
    return 1
  fi
  if [ -n "$port" ] && _peers_tcp_open "$port"; then
    _peers_log "error: $name: port $port is already in use by another process (see: ss -ltnp 'sport = :$port')"
    return 1
  fi
  mkdir -p "$dir" "$_PEERS_STATE/pids" || return 1
  rm -f "$pidfile" "$_PEERS_STATE/$name.env"
  _peer_prepare "$name" "$dir" "$port" || { _peers_log "error: preparing $dir failed"; return 1; }
  mapfile -t cmd < <(_peer_command "$name" "$dir" "$port")
  mapfile -t env_lines < <(_peer_environment "$name" "$dir" "$port")
  _PEERS_LAUNCHED[$name]=$(_peers_now)
  printf '\n=== %s: starting %s%s\n' "$(date -Is)" "$name" "${port:+ on 127.0.0.1:$port}" >>"$dir/log"
  # setsid: new session and process group, no controlling terminal. The inner
  # shell records its own PID (setsid may fork) and then execs the peer.
  # shellcheck disable=SC2016  # $$ and $@ belong to the inner shell
  (
    close_inherited_fds
    cd "$dir" &&
      exec_with_default_signals setsid env "NCN_PEER_TAG=$(_peer_tag "$name")" "${env_lines[@]}" \
        bash -c 'echo $$ >"$0" && exec "$@"' "$pidfile" "${cmd[@]}"
  ) >>"$dir/log" 2>&1 </dev/null &
  local i
  for i in $(seq 50); do
    [ -s "$pidfile" ] && return 0
    sleep 0.1
  done
  _peers_log "error: $name did not start; log: $dir/log"
  return 1
}

# One readiness probe.
_peer_probe() {
  local port
  port=$(_peer_port "$1")
  case "$1" in
    relay-sdk | relay-auth) _peers_tcp_open "$port" ;; # it has no NIP-11 document
    relay-py | relay-noverify)
      curl -sf -m 2 -H 'Accept: application/nostr+json' "http://127.0.0.1:$port/" >/dev/null ;;
    mint | mint-ln) curl -sf -m 2 "http://127.0.0.1:$port/v1/info" >/dev/null ;;
    lnbits) curl -sf -m 2 "http://127.0.0.1:$port/api/v1/health" >/dev/null ;;
    nwc-*) [ -s "$_PEERS_STATE/$1/ready" ] && [ -s "$_PEERS_STATE/$1/uri" ] ;;
  esac
}

# Waits for peer $1 to answer, then writes its env file. A peer that does
# not come up is stopped, so a failed start leaves no process behind.
_peer_wait() {
  _peer_wait_ready "$1" || { peer_stop "$1" >/dev/null 2>&1; return 1; }
}

_peer_wait_ready() {
  local name="$1" dir="$_PEERS_STATE/$1" timeout="${NCN_PEER_TIMEOUT:-90}" t0 port env
  port=$(_peer_port "$name")
  t0=${_PEERS_LAUNCHED[$name]:-$(_peers_now)}
  until _peer_probe "$name"; do
    if ! _peer_pid "$name" >/dev/null; then
      tail -n 15 "$dir/log" >&2
      _peers_log "error: $name exited while starting; log: $dir/log"
      return 1
    fi
    if awk -v e="$(_peers_since "$t0")" -v t="$timeout" 'BEGIN { exit !(e > t) }'; then
      tail -n 15 "$dir/log" >&2
      _peers_log "error: $name not ready${port:+ on port $port} after ${timeout}s; log: $dir/log"
      return 1
    fi
    sleep 0.2
  done
  case "$name" in
    relay-sdk | relay-py | relay-noverify | relay-auth)
      env="NCN_$(_peers_upper "$name")_URL=ws://127.0.0.1:$port" ;;
    mint) env="NCN_MINT_URL=http://127.0.0.1:$port" ;;
    mint-ln) env="NCN_MINT_LN_URL=http://127.0.0.1:$port" ;;
    lnbits)
      env=$("$_PEERS_VENVS/lnbits/bin/python" "$_PEERS_PY_DIR/lnbits_setup.py" \
        "http://127.0.0.1:$port" "$dir" 2>>"$dir/log") || {
        tail -n 3 "$dir/log" >&2
        _peers_log "error: lnbits wallet setup failed; log: $dir/log"
        return 1
      } ;;
    nwc-*) env="NCN_$(_peers_upper "$name")_URI=$(cat "$dir/uri")" ;;
  esac
  # shellcheck disable=SC2086  # one KEY=value per word
  _peers_write_env "$name" $env
  _peers_log "$name ready in $(_peers_since "$t0") s${port:+ (127.0.0.1:$port)}"
}

peer_start() {
  _peers_paths
  _peer_known "$1" || return 1
  _peer_launch "$1" && _peer_wait "$1"
}

# Stops peer $1's whole process group: TERM, then KILL after 15 s.
peer_stop() {
  _peers_paths
  _peer_known "$1" || return 1
  local name="$1" pid port i
  port=$(_peer_port "$name")
  rm -f "$_PEERS_STATE/$name.env"
  if pid=$(_peer_pid "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 150); do
      _peers_group_alive "$pid" || break
      [ "$i" = 150 ] && { _peers_log "$name ignored SIGTERM; killing"; kill -KILL -- "-$pid" 2>/dev/null || true; }
      sleep 0.1
    done
    for i in $(seq 50); do # the KILLed group takes a moment to go
      _peers_group_alive "$pid" || break
      sleep 0.1
    done
    _peers_log "$name stopped"
    if [ -n "$port" ] && _peers_tcp_open "$port"; then
      _peers_log "warning: port $port still answers after stopping $name (another process?)"
    fi
  fi
  rm -f "$_PEERS_STATE/pids/$name.pid"
  return 0
}

# True while process group $1 has a live (non-zombie) member.
_peers_group_alive() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

peers_up() {
  _peers_paths
  local t0 name
  t0=$(_peers_now)
  peers_install || return 1
  # Launch everything first: LNbits alone takes up to 18 s to come up. Peers that depend on
  # others (the NWC wallet services) go in a second round, once those are ready.
  local round names deps
  for round in independent dependent; do
    names=()
    for name in "${PEER_NAMES[@]}"; do
      deps=$(_peer_deps "$name")
      if [ "$round" = "$([ -z "$deps" ] && echo independent || echo dependent)" ]; then names+=("$name"); fi
    done
    for name in "${names[@]}"; do _peer_launch "$name" || return 1; done
    for name in "${names[@]}"; do _peer_wait "$name" || return 1; done
  done
  peers_combine_env
  _peers_log "all peers up in $(_peers_since "$t0") s; env: $_PEERS_STATE/env"
}

peers_down() {
  _peers_paths
  local i
  for ((i = ${#PEER_NAMES[@]} - 1; i >= 0; i--)); do peer_stop "${PEER_NAMES[i]}"; done
  peers_combine_env
}

# ---------------------------------------------------------------- CLI
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-} ${2:-}" in
    "install ") peers_install && peers_combine_env ;;
    "up ") peers_up ;;
    "down ") peers_down ;;
    "status ") for n in "${PEER_NAMES[@]}"; do printf '%-19s %s\n' "$n" "$(peer_status "$n")"; done ;;
    start\ ?*) peer_start "$2" && peers_combine_env ;;
    stop\ ?*) peer_stop "$2" && peers_combine_env ;;
    *)
      echo "usage: $0 install|up|down|status|start NAME|stop NAME  (NAME: ${PEER_NAMES[*]})" >&2
      exit 2 ;;
  esac
fi

#!/usr/bin/env bash
# scripts/bench market: the provider under load, beside a nostr-dvm peer, in one run.
# Needs the test bed's apiserver and LNbits (started here when down). Starts, on ports of its own:
# a nostr-sdk relay with a write limit high enough for the load, the release-built ncn-operator
# (a fake node with room for thousands of unpaid bids, intake limits raised), and the peer from
# bench/dvm-peer; then runs `ncn-bench market` against both and stops everything it started.
# Arguments after `market` go to `ncn-bench market` (e.g. --rates 1,10,100 --count 300).
# NCN_BENCH_LOG_LEVEL=info shows the operator's log; NCN_BENCH_KEEP=1 keeps the logs and relay data;
# NCN_BENCH_INTAKE_PARALLELISM=1 measures the operator handling one request at a time;
# NCN_BENCH_BILLING_WORKERS=1 billing one lease at a time;
# NCN_BENCH_PAYMENTS=N pays N leases afterwards, over LNbits' push and over NWC (default 20; 0 skips).
# NCN_BENCH_PERF=FILE records the operator with `perf record -g` while the load runs, into FILE
# (read it with `perf report -i FILE --no-children`); e.g. where triage's time goes:
#   NCN_BENCH_PERF=/tmp/op.perf NCN_BENCH_PAYMENTS=0 scripts/bench market --rates 1 --count 3 --triage 3000
# It replaces the test bed's ComputeProvider and provider Secret, and removes them and every
# ComputeLease when done: run it on the test bed, not on a devnet (it refuses while an in-cluster
# operator is installed).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
CACHE_ROOT="${NCN_CACHE:-$HOME/.cache/nostr-compute}"
PY="$CACHE_ROOT/venv/nostr/bin/python"
RELAY_PORT="${NCN_BENCH_RELAY_PORT:-27001}"
WORK="$(mktemp -d /tmp/ncn-bench-market.XXXXXX)"
say() { printf 'bench: %s\n' "$*" >&2; }

pids=()
# The operator still running ends the leases in moments (the load's are unpaid bids). Pods on the
# fake nodes have no kubelet to stop them, so they are deleted at once.
remove_leases() {
  "${KUBECTL[@]}" delete computeleases --all --wait=false >/dev/null 2>&1 || true
  "${KUBECTL[@]}" delete pods --all-namespaces -l ncn.dev/lease --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    [ -z "$("${KUBECTL[@]}" get computeleases -o name 2>/dev/null | head -1)" ] && break
    sleep 1
  done
}
cleanup() {
  local pid
  if [ -n "${OP_PID:-}" ] && kill -0 "$OP_PID" 2>/dev/null; then
    say "removing the load's leases"
    remove_leases
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KUBECTL:-}" ]; then
    "${KUBECTL[@]}" get computeleases -o name 2>/dev/null | xargs -r -n 200 "${KUBECTL[@]}" patch --type=merge \
      -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
    "${KUBECTL[@]}" delete computeleases --all --wait=false >/dev/null 2>&1 || true
    for n in $(seq 1 20); do "${KUBECTL[@]}" delete node "bench-node-$n" --ignore-not-found --wait=false >/dev/null 2>&1 || true; done
    # The bench's own provider identity and wallet: the test bed makes its own again when it
    # needs one (scripts/testbed up operator), instead of running on the bench's.
    "${KUBECTL[@]}" -n ncn-system delete secret ncn-provider --ignore-not-found >/dev/null 2>&1 || true
    "${KUBECTL[@]}" delete computeprovider default --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  if [ "${NCN_BENCH_KEEP:-0}" = 1 ]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Read whole before grep: under pipefail, grep -q closing the pipe early fails the status command.
bed_status="$(scripts/testbed status 2>/dev/null || true)"
if ! grep -q '^kube-apiserver running' <<<"$bed_status"; then
  say "starting the test bed (apiserver, LNbits): scripts/testbed up"
  scripts/testbed up >&2
fi
# shellcheck disable=SC1091
set -a; . .testbed/env; set +a
KUBECTL=("$NCN_KUBECTL" --kubeconfig "$NCN_KUBECONFIG")
if "${KUBECTL[@]}" -n ncn-system get deployment ncn-operator >/dev/null 2>&1; then
  say "an in-cluster operator is installed; stop it first (scripts/testbed down operator), or it answers the load too"
  exit 1
fi

say "building ncn-operator and ncn-bench in release mode (about 12 minutes the first time)"
swift build -c release --product ncn-operator > .build/bench-build.log 2>&1 && \
  swift build -c release --product ncn-bench >> .build/bench-build.log 2>&1 || { tail -n 40 .build/bench-build.log; exit 1; }
bash bench/dvm-peer/install.sh >/dev/null

say "relay on 127.0.0.1:$RELAY_PORT"
"$PY" testbed/peers/relay_sdk.py "$RELAY_PORT" "$WORK/relay-db" --notes-per-minute 1000000 > "$WORK/relay.log" 2>&1 &
pids+=($!)
RELAY="ws://127.0.0.1:$RELAY_PORT"

# Two provider identities, made with nostr-sdk: "secret pubkey" per line.
read -r OP_SECRET OP_PUBKEY < <("$PY" -c 'from nostr_sdk import Keys; k = Keys.generate(); print(k.secret_key().to_hex(), k.public_key().to_hex())')
read -r PEER_SECRET PEER_PUBKEY < <("$PY" -c 'from nostr_sdk import Keys; k = Keys.generate(); print(k.secret_key().to_hex(), k.public_key().to_hex())')

say "provider configuration: CRDs, fake nodes with room for the load, the Secret and the ComputeProvider"
"${KUBECTL[@]}" apply -f crds/ -f manifests/00-namespace.yaml >/dev/null
"${KUBECTL[@]}" wait --for condition=established --timeout=60s crd/computeleases.ncn.dev crd/computeproviders.ncn.dev >/dev/null
# A node holds 110 pods, and a bid reserves a pod slot: 20 nodes hold the whole run's bids.
for n in $(seq 1 20); do scripts/testbed node "bench-node-$n" --cpu 200 --memory 800Gi >/dev/null; done
"${KUBECTL[@]}" -n ncn-system create secret generic ncn-provider --dry-run=client -o yaml \
  --from-literal=nsec="$OP_SECRET" --from-literal=lnbits-url="$NCN_LNBITS_URL" \
  --from-literal=lnbits-invoice-key="$NCN_LNBITS_PROVIDER_INKEY" | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" delete computeprovider default --ignore-not-found >/dev/null
"${KUBECTL[@]}" apply -f - >/dev/null <<YAML
apiVersion: ncn.dev/v1alpha1
kind: ComputeProvider
metadata: {name: default}
spec:
  relays: ["$RELAY"]
  pricing: {msatsPerCpuHour: 20000, msatsPerGiBHour: 5000}
  billing: {intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120}
  payments: {lightning: {backend: lnbits}}
  # 64Mi of disk per lease (not 10Gi): the node's 500Gi would otherwise hold only 50 unpaid bids,
  # and the rest would displace each other by proof of work.
  policy: {allowedRegistries: [registry.bench.invalid], maxDurationSeconds: 86400, ephemeralStoragePerLease: 64Mi}
  # The load comes from fresh keys at up to 1,000 a second: the spam limits are opened so that
  # every request is answered, as the peer answers every one.
  intake: {requestsPerMinutePerTenant: 1000, maxUnpaidBidsPerTenant: 1000, maxUnpaidBids: 100000, errorRepliesPerSecond: 1000}
  secretRef: {name: ncn-provider, namespace: ncn-system}
YAML

# Payments are not part of this benchmark: neither side polls LNbits for its open invoices
# during the run (the operator's poll is pushed out, the peer's switched off), so one side's
# hundreds of unpaid invoices never load the wallet while the other is measured.
say "starting ncn-operator (release)"
.build/release/ncn-operator --kubeconfig "$NCN_KUBECONFIG" --leader-elect=false --network-policy-self-test=false \
  --payment-poll-interval 3600s --intake-parallelism "${NCN_BENCH_INTAKE_PARALLELISM:-16}" --billing-workers "${NCN_BENCH_BILLING_WORKERS:-4}" --health-probe-bind-address 127.0.0.1:27081 --metrics-bind-address 127.0.0.1:27082 \
  --log-level "${NCN_BENCH_LOG_LEVEL:-warning}" > "$WORK/operator.log" 2>&1 &
OP_PID=$!; pids+=("$OP_PID")

say "starting the nostr-dvm peer"
"$CACHE_ROOT/venv/dvm-bench/bin/python" bench/dvm-peer/peer.py --relay "$RELAY" --secret-key "$PEER_SECRET" \
  --lnbits-url "$NCN_LNBITS_URL" --lnbits-invoice-key "$NCN_LNBITS_PROVIDER_INKEY" --registry registry.bench.invalid \
  --no-payment-watch --quiet --state-dir "$WORK/peer-state" > "$WORK/peer.log" 2>&1 &
PEER_PID=$!; pids+=("$PEER_PID")

# Ready when the operator's offer is on the relay (tenant.py offer, nostr-sdk as the reader).
say "waiting for the operator's offer on the relay"
if ! TENANT_KEY=$OP_SECRET "$PY" testbed/interop/tenant.py offer --relay "$RELAY" --provider "$OP_PUBKEY" --d default --wait 60 \
    > "$WORK/offer.json" 2>&1 || ! grep -q '"found": true' "$WORK/offer.json"; then
  say "ncn-operator published no offer within a minute:"
  cat "$WORK/offer.json" >&2
  tail -n 30 "$WORK/operator.log" >&2
  exit 1
fi
kill -0 "$PEER_PID" 2>/dev/null || { say "the nostr-dvm peer exited:"; tail -n 30 "$WORK/peer.log" >&2; exit 1; }
sleep 3  # the peer subscribes once its relay connection is up

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(date -u +%Y-%m-%d)"
say "loading both on $RELAY ($machine)"
echo "# scripts/bench market, $machine"
if [ -n "${NCN_BENCH_PERF:-}" ]; then
  command -v perf >/dev/null || { say "NCN_BENCH_PERF needs perf (Debian: linux-perf)"; exit 1; }
  perf record -q -F 999 -g -p "$OP_PID" -o "$NCN_BENCH_PERF" > "$WORK/perf.log" 2>&1 &
  PERF_PID=$!; pids+=("$PERF_PID")
fi
.build/release/ncn-bench market --relay "$RELAY" --image registry.bench.invalid/app:1 --refused-image elsewhere.example/app:1 \
  --target "ncn-operator=$OP_PUBKEY:$OP_PID" --target "nostr-dvm=$PEER_PUBKEY:$PEER_PID" \
  --lnbits-url "$NCN_LNBITS_URL" --lnbits-invoice-key "$NCN_LNBITS_PROVIDER_INKEY" "$@"
if [ -n "${PERF_PID:-}" ]; then
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  say "the operator's profile: perf report -i $NCN_BENCH_PERF --no-children"
fi

# Payment → Pod without polling, on the same operator (its own polling stays at an hour): first
# with its LNbits wallet, which pushes each payment over a WebSocket, then with the test bed's
# nwc-provider (NIP-47 over the same LNbits wallet), which sends payment_received. The tenant pays
# from LNbits' tenant wallet; the bids of the load are removed first, to free the nodes.
payments="${NCN_BENCH_PAYMENTS:-20}"
if [ "$payments" -gt 0 ]; then
  pay_bench() {
    .build/release/ncn-bench payment --wallet "$1" --relay "$RELAY" --provider "$OP_PUBKEY" --kubeconfig "$NCN_KUBECONFIG" \
      --lnbits-url "$NCN_LNBITS_URL" --image registry.bench.invalid/app:1 --count "$payments" \
      --operator-metrics http://127.0.0.1:27082/metrics
  }
  say "payment → Pod with the provider's LNbits wallet ($payments leases)"
  remove_leases
  echo
  NCN_BENCH_LNBITS_INVOICE_KEY="$NCN_LNBITS_PROVIDER_INKEY" NCN_BENCH_LNBITS_ADMIN_KEY="$NCN_LNBITS_TENANT_ADMINKEY" pay_bench lnbits
  say "payment → Pod with the provider's wallet over NWC ($payments leases)"
  remove_leases
  # Read, not sourced: the URI's `&` is not shell syntax.
  nwc_uri="$(grep -m1 '^NCN_NWC_PROVIDER_URI=' .testbed/env | cut -d= -f2-)"
  [ -n "$nwc_uri" ] || { say "the test bed has no nwc-provider (scripts/testbed up nwc-provider)"; exit 1; }
  "${KUBECTL[@]}" -n ncn-system create secret generic ncn-provider --dry-run=client -o yaml \
    --from-literal=nsec="$OP_SECRET" --from-literal=nwc-uri="$nwc_uri" | "${KUBECTL[@]}" apply -f - >/dev/null
  "${KUBECTL[@]}" patch computeprovider default --type=merge -p '{"spec":{"payments":{"lightning":{"backend":"nwc"}}}}' >/dev/null
  sleep 3
  echo
  NCN_BENCH_NWC_URI="$nwc_uri" NCN_BENCH_LNBITS_ADMIN_KEY="$NCN_LNBITS_TENANT_ADMINKEY" pay_bench nwc
fi

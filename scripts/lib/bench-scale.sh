#!/usr/bin/env bash
# scripts/bench scale: the release-built operator with 100, 1,000 … ComputeLeases on the test bed
# (bench/scale/scale.py says what is measured). Replaces the test bed's ComputeProvider, adds a
# fake node, and removes its own leases when done; refuses while an in-cluster operator runs.
# Arguments go to scale.py (e.g. --sizes 100,1000,3000 --rest 60).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
say() { printf 'bench: %s\n' "$*" >&2; }

# Read whole before grep: under pipefail, grep -q closing the pipe early fails the status command.
bed_status="$(scripts/testbed status 2>/dev/null || true)"
if ! grep -q '^kube-apiserver running' <<<"$bed_status"; then
  say "starting the test bed: scripts/testbed up"
  scripts/testbed up >&2
fi
# shellcheck disable=SC1091
set -a; . .testbed/env; set +a
KUBECTL=("$NCN_KUBECTL" --kubeconfig "$NCN_KUBECONFIG")
if "${KUBECTL[@]}" -n ncn-system get deployment ncn-operator >/dev/null 2>&1; then
  say "an in-cluster operator is installed; stop it first (scripts/testbed down operator)"
  exit 1
fi
say "building ncn-operator in release mode (about 12 minutes the first time)"
mkdir -p .build
swift build -c release --product ncn-operator > .build/bench-build.log 2>&1 || { tail -n 40 .build/bench-build.log; exit 1; }

say "provider configuration: CRDs, fake nodes, the Secret and the ComputeProvider"
"${KUBECTL[@]}" apply -f crds/ -f manifests/00-namespace.yaml >/dev/null
"${KUBECTL[@]}" wait --for condition=established --timeout=60s crd/computeleases.ncn.dev crd/computeproviders.ncn.dev >/dev/null
# 110 pods a node: 12 fake nodes schedule the paid leases of 1,000 (more stay unscheduled; both
# are Provisioning, as no kubelet runs them).
for n in $(seq 1 12); do scripts/testbed node "bench-scale-$n" --cpu 200 --memory 200Gi >/dev/null; done
trap 'for n in $(seq 1 12); do "${KUBECTL[@]}" delete node "bench-scale-$n" --ignore-not-found --wait=false >/dev/null 2>&1 || true; done' EXIT
nsec=$("$HOME/.cache/nostr-compute/venv/nostr/bin/python" -c 'from nostr_sdk import Keys; print(Keys.generate().secret_key().to_hex())')
"${KUBECTL[@]}" -n ncn-system create secret generic ncn-provider --dry-run=client -o yaml \
  --from-literal=nsec="$nsec" --from-literal=lnbits-url="$NCN_LNBITS_URL" \
  --from-literal=lnbits-invoice-key="$NCN_LNBITS_PROVIDER_INKEY" | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" delete computeprovider default --ignore-not-found >/dev/null
"${KUBECTL[@]}" apply -f - >/dev/null <<YAML
apiVersion: ncn.dev/v1alpha1
kind: ComputeProvider
metadata: {name: default}
spec:
  relays: ["$NCN_RELAY_SDK_URL"]
  pricing: {msatsPerCpuHour: 20000, msatsPerGiBHour: 5000}
  billing: {intervalSeconds: 3600, graceSeconds: 60, invoiceLeadSeconds: 120}
  payments: {lightning: {backend: lnbits}}
  policy: {allowedRegistries: [registry.bench.invalid], maxDurationSeconds: 86400}
  secretRef: {name: ncn-provider, namespace: ncn-system}
YAML
echo "# scripts/bench scale, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(date -u +%Y-%m-%d)"
"$HOME/.cache/nostr-compute/venv/nostr/bin/python" bench/scale/scale.py --kubectl "$NCN_KUBECTL" --kubeconfig "$NCN_KUBECONFIG" \
  --operator .build/release/ncn-operator "$@"

#!/usr/bin/env python3
"""scripts/bench scale: the operator with many ComputeLeases, measured from outside.

For each size N it creates N leases on the test bed (most of them paid, so each has its
namespace, quota, NetworkPolicies, Job, Service and a Pod bound to a fake node; the rest unpaid
bids), starts the release-built operator, and reports:

  - the time from a (re)start until the operator has done N reconciles (about one per lease);
  - how long until it settles after the restart (no reconcile for 5 s), and how many
    reconciles per lease that took;
  - at rest, once settled: the operator's RSS, its CPU seconds per lease per minute, and its apiserver
    requests per lease per minute (`ncn_kube_requests_total`), over --rest seconds;
  - the lapse delay: for a few paid leases whose paid-until passes while the N exist, the time
    from paid-until + grace to the lease being marked for deletion, seen through a watch.

Standard library only; talks to the apiserver through `kubectl proxy`.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

GROUP = "/apis/ncn.dev/v1alpha1"


def log(message):
    print(f"bench-scale: {message}", file=sys.stderr, flush=True)


def rfc3339(when):
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class API:
    """Plain HTTP through `kubectl proxy` (which adds the credentials)."""

    def __init__(self, kubectl, kubeconfig):
        self.port = free_port()
        self.proxy = subprocess.Popen([kubectl, "--kubeconfig", kubeconfig, "proxy", f"--port={self.port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self.call("GET", "/version")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("bench-scale: kubectl proxy did not come up")

    def call(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return json.loads(text) if text else None

    def close(self):
        self.proxy.terminate()


def lease_object(index, paid, node_cpu, run_id, now, lapse_at=None):
    request_id = secrets.token_hex(32)
    name = "lease-" + request_id[:20]
    spec = {
        "tenantPubkey": secrets.token_hex(32), "requestEventId": request_id, "relays": ["ws://127.0.0.1:9"],
        "image": "registry.bench.invalid/app:1", "command": ["sleep", "86400"],
        # Disk fixed as the market fixes it at bid time; 64Mi so that a fake node holds many.
        "resources": {"cpu": node_cpu, "memory": "16Mi", "ephemeralStorage": "64Mi"}, "durationSeconds": 86400,
        "pricePerIntervalMsats": 1000, "intervalSeconds": 3600, "graceSeconds": 0 if lapse_at else 60,
        "paymentRail": "lightning",
    }
    if not paid:
        spec["bidExpiresAt"] = rfc3339(now + timedelta(hours=2))
    labels = {"bench.ncn.dev/run": run_id, "bench.ncn.dev/kind": "lapse" if lapse_at else ("paid" if paid else "unpaid")}
    return {"apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeLease",
            "metadata": {"name": name, "labels": labels}, "spec": spec}


def paid_status(now, paid_until):
    return {"status": {
        "paidUntil": rfc3339(paid_until),
        "conditions": [{"type": "Paid", "status": "True", "reason": "TranchePaid", "message": "bench",
                        "lastTransitionTime": rfc3339(now)}],
        "ledger": {"tranchesPaid": 1, "msatsReceived": 1000, "lastPaymentAt": rfc3339(now), "state": "Funded"},
    }}


def create_leases(api, count, paid_fraction, node_cpu, run_id):
    now = datetime.now(timezone.utc)
    paid = int(round(count * paid_fraction))
    started = time.monotonic()
    for index in range(count):
        obj = lease_object(index, index < paid, node_cpu, run_id, now)
        api.call("POST", f"{GROUP}/computeleases", obj)
        if index < paid:
            api.call("PATCH", f"{GROUP}/computeleases/{obj['metadata']['name']}/status",
                     paid_status(now, now + timedelta(hours=2)), "application/merge-patch+json")
        if (index + 1) % 500 == 0:
            log(f"  {index + 1}/{count} leases created ({time.monotonic() - started:.0f} s)")
    return paid


class Operator:
    def __init__(self, binary, kubeconfig, log_path):
        self.metrics_port = free_port()
        self.health_port = free_port()
        self.process = subprocess.Popen(
            [binary, "--kubeconfig", kubeconfig, "--leader-elect=false", "--network-policy-self-test=false",
             "--metrics-bind-address", f"127.0.0.1:{self.metrics_port}",
             "--health-probe-bind-address", f"127.0.0.1:{self.health_port}", "--log-level", os.environ.get("NCN_BENCH_LOG_LEVEL", "warning"), "--workers", "4"],
            stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as response:
            values = {}
            for line in response.read().decode().splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                key, _, value = line.rpartition(" ")
                name = key.split("{")[0]
                values[name] = values.get(name, 0.0) + float(value)
                if name == "ncn_kube_requests_total":
                    values[key] = float(value)
            return values

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_reconciled(operator, count, timeout):
    """Seconds from start until the operator has done `count` reconciles: about one per lease.
    (Its queue is never empty while leases wait on deadlines, so the depth cannot say it.)"""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if operator.process.poll() is not None:
            raise SystemExit("bench-scale: the operator exited; see its log")
        try:
            if operator.metrics().get("ncn_reconciles_total", 0) >= count:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    return None


def wait_settled(operator, quiet=5.0, timeout=600):
    """After a (re)start: (seconds until reconciles stopped for `quiet` seconds, reconciles done).
    What a restart costs in all: every lease once is the least; a watch that wakes all leases
    again shows here as a multiple."""
    started = time.monotonic()
    last_count, last_change = -1.0, started
    while time.monotonic() - started < timeout:
        count = operator.metrics().get("ncn_reconciles_total", 0)
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change >= quiet:
            return last_change - started, count
        time.sleep(0.25)
    return None, last_count


def measure_rest(operator, leases, seconds):
    cpu0, m0, t0 = operator.cpu_seconds(), operator.metrics(), time.monotonic()
    time.sleep(seconds)
    cpu1, m1, t1 = operator.cpu_seconds(), operator.metrics(), time.monotonic()
    minutes = (t1 - t0) / 60
    requests = m1.get("ncn_kube_requests_total", 0) - m0.get("ncn_kube_requests_total", 0)
    # Which requests, so that a rise names its cause (verb and resource, most first).
    by_kind = {k: m1[k] - m0.get(k, 0.0) for k in m1 if k.startswith("ncn_kube_requests_total{")}
    for key, count in sorted(by_kind.items(), key=lambda kv: -kv[1])[:8]:
        if count > 0:
            log(f"    {count / minutes:10.0f}/min  {key[len('ncn_kube_requests_total'):]}")
    return {"rss_mb": operator.rss_mb(), "cpu_s_per_lease_min": (cpu1 - cpu0) / minutes / max(leases, 1),
            "api_per_lease_min": requests / minutes / max(leases, 1), "api_per_min": requests / minutes}


def measure_lapse(api, run_id, count, node_cpu, lead=20):
    """Paid leases whose paid-until (grace 0) passes `lead` s from now; delay until each is marked deleted."""
    now = datetime.now(timezone.utc)
    paid_until = now + timedelta(seconds=lead)
    names = []
    for index in range(count):
        obj = lease_object(index, True, node_cpu, run_id, now, lapse_at=paid_until)
        obj["metadata"]["labels"]["bench.ncn.dev/kind"] = "lapse"
        api.call("POST", f"{GROUP}/computeleases", obj)
        api.call("PATCH", f"{GROUP}/computeleases/{obj['metadata']['name']}/status",
                 paid_status(now, paid_until), "application/merge-patch+json")
        names.append(obj["metadata"]["name"])
    deadline_wall = int(paid_until.timestamp())  # the status holds whole seconds
    seen = {}
    selector = f"bench.ncn.dev/run%3D{run_id},bench.ncn.dev/kind%3Dlapse"
    url = f"{api.base}{GROUP}/computeleases?watch=1&labelSelector={selector}&timeoutSeconds={lead + 90}"
    with urllib.request.urlopen(url, timeout=lead + 100) as stream:
        for line in stream:
            event = json.loads(line)
            obj = event["object"]
            name = obj["metadata"]["name"]
            ended = event["type"] == "DELETED" or obj["metadata"].get("deletionTimestamp") \
                or (obj.get("status") or {}).get("phase") in ("Expired", "Terminated", "Failed", "Succeeded")
            if ended and name not in seen:
                seen[name] = time.time() - deadline_wall
            if len(seen) == len(names):
                break
    delays = sorted(seen.values())
    return {"lapsed": len(delays), "of": len(names),
            "p50_s": delays[len(delays) // 2] if delays else None, "max_s": delays[-1] if delays else None}


def clean(api, kubectl, kubeconfig, run_id, operator=None):
    """Deletes this run's leases. The operator, if running, gets 30 s to tear them down; then their
    finalizers are dropped and the garbage collector removes the namespaces they own."""
    subprocess.run([kubectl, "--kubeconfig", kubeconfig, "delete", "computeleases", "-l", f"bench.ncn.dev/run={run_id}",
                    "--wait=false"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    while time.monotonic() - started < 300:
        left = api.call("GET", f"{GROUP}/computeleases?labelSelector=bench.ncn.dev/run%3D{run_id}&limit=500")["items"]
        if not left:
            return
        alive = operator is not None and operator.process.poll() is None
        if not alive or time.monotonic() - started > 30:
            for item in left:
                try:
                    api.call("PATCH", f"{GROUP}/computeleases/{item['metadata']['name']}",
                             {"metadata": {"finalizers": None}}, "application/merge-patch+json")
                except urllib.error.HTTPError:
                    pass
        time.sleep(2)
    log("some leases were still there after 5 minutes")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="example: scripts/bench scale --sizes 100,1000 --paid-fraction 0.9",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kubectl", required=True)
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--operator", required=True, help="the release-built ncn-operator")
    p.add_argument("--sizes", default="100,1000", help="lease counts, comma-separated (default 100,1000)")
    p.add_argument("--paid-fraction", type=float, default=0.9, help="share of paid leases (default 0.9)")
    p.add_argument("--lease-cpu", default="10m", help="CPU per lease; the fake node must hold them all")
    p.add_argument("--rest", type=float, default=60, help="seconds of measurement at rest (default 60)")
    p.add_argument("--lapses", type=int, default=10, help="paid leases made to lapse per size (default 10)")
    p.add_argument("--log-dir", default="/tmp")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    api = API(a.kubectl, a.kubeconfig)
    run_id = secrets.token_hex(4)
    rows = []
    try:
        for size in sizes:
            log(f"{size} leases ({a.paid_fraction:.0%} paid): creating")
            paid = create_leases(api, size, a.paid_fraction, a.lease_cpu, run_id)
            log_path = os.path.join(a.log_dir, f"ncn-bench-scale-{run_id}-{size}.log")
            operator = Operator(a.operator, a.kubeconfig, log_path)
            first = wait_reconciled(operator, size, timeout=max(300, size * 0.5))
            # The restart is measured from a settled operator: restarted mid bring-up, it would
            # count the first start's unfinished work (children, answers) as the restart's.
            first_settled, _ = wait_settled(operator, timeout=max(600, size * 0.5))
            log(f"  first start reconciled all in {first} s, settled after {first_settled} s; restarting")
            operator.stop()
            operator = Operator(a.operator, a.kubeconfig, log_path)
            again = wait_reconciled(operator, size, timeout=max(300, size * 0.5))
            settled_s, settled_count = wait_settled(operator, timeout=max(600, size * 0.5))
            log(f"  after a restart: {again} s to {size} reconciles; settled after {settled_s} s and "
                f"{settled_count:.0f} reconciles; {a.rest:.0f} s at rest")
            rest = measure_rest(operator, size, a.rest)
            log(f"  at rest: {rest}; {a.lapses} lapses")
            lapse = measure_lapse(api, run_id, a.lapses, a.lease_cpu)
            rows.append({"leases": size, "paid": paid, "first_start_s": first, "first_settled_s": first_settled, "restart_s": again, "settled_s": settled_s,
                         "reconciles_per_lease": settled_count / size, **rest, **lapse})
            print(json.dumps(rows[-1]), flush=True)
            log("  cleaning up")
            clean(api, a.kubectl, a.kubeconfig, run_id, operator)
            operator.stop()
    finally:
        clean(api, a.kubectl, a.kubeconfig, run_id)
        api.close()
    print()
    print(f"{'leases':>7} {'paid':>6} {'N reconciles s':>16} {'after restart s':>16} {'settled s':>10} {'rec/lease':>10} {'RSS MB':>7} "
          f"{'CPU ms/lease/min':>17} {'API req/lease/min':>18} {'lapse p50 s':>12} {'lapse max s':>12}")
    for r in rows:
        def num(v, fmt):
            return format(v, fmt) if isinstance(v, (int, float)) else "-"
        print(f"{r['leases']:>7} {r['paid']:>6} {num(r['first_start_s'], '16.1f')} {num(r['restart_s'], '16.1f')} "
              f"{num(r['settled_s'], '10.1f')} {r['reconciles_per_lease']:10.2f} "
              f"{r['rss_mb']:7.0f} {r['cpu_s_per_lease_min'] * 1000:17.3f} {r['api_per_lease_min']:18.3f} "
              f"{num(r['p50_s'], '12.2f')} {num(r['max_s'], '12.2f')}")


if __name__ == "__main__":
    main()

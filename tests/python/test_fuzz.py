"""A fuzz campaign against the in-cluster operator (`scripts/testbed up operator`): at least
10 000 malformed, oversized and adversarial events (tests/python/fuzz_events.py, seeded) published
through the test bed's real relays, while /readyz is polled twice a second.

It checks that the operator
  * never crashes: the pod is the same, its container's restartCount unchanged, and it is Ready;
  * stays ready: every /readyz poll answers 200;
  * makes no ComputeLease and no bid for any fuzz event;
  * stays silent where the draft says to (not a compute request, addressed to another provider,
    expired, too old or too new, too large, badly signed): no 6900/7000 about those events;
  * is not moved by forged or foreign deletions and garbage nutzaps aimed at a live request
    (the "target": a valid request made before the campaign, never paid);
  * still bids on one valid request from a fresh key afterwards.

It does not expect an error for each invalid request: the operator ignores requests beyond
spec.intake.requestsPerMinutePerTenant a key and sends at most errorRepliesPerSecond refusals, so
"answered or ignored" is the expected outcome.

Forged events only reach the operator through relay-noverify, which the devnet overlay does not
list; when the ComputeProvider lacks it, the test adds it and restarts the operator (its relay
pool is made at start), and puts the relay list back afterwards.

Reproduce with the same seed: NCN_FUZZ_SEED=<seed> (NCN_FUZZ_COUNT sets the size). On failure the
campaign is written to .build/fuzz/campaign-<seed>.jsonl with each event's category and note.
Marked `realnode` like test_real_leases.py.
"""

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from nostr_sdk import Keys
from websockets.asyncio.client import connect

import fuzz_events

pytestmark = pytest.mark.realnode

from realbed import REPO, kubectl, tool  # noqa: E402
NAMESPACE = "ncn-system"
SELECTOR = "app.kubernetes.io/name=ncn-operator,app.kubernetes.io/component=operator"
SEED = int(os.environ.get("NCN_FUZZ_SEED", fuzz_events.SEED))
COUNT = int(os.environ.get("NCN_FUZZ_COUNT", fuzz_events.DEFAULT_COUNT))
CPU, MEMORY, BID = "100m", "64Mi", 100_000_000  # as test_real_leases.py asks: a small lease
READYZ_PERIOD = 0.5
# Publishing: relay-sdk (nostr-sdk's LocalRelay) takes at most 60 events a minute on one
# connection, so each connection sends a batch below that and is closed. nostr-relay (relay-py,
# relay-noverify) sleeps before every later answer on a connection once it has refused an event
# there (2 s, doubling with each refusal), and its one worker misses keepalive pings under big
# pipelined batches: one event per connection.
BATCH = {"sdk": 50, "py": 1, "noverify": 1}
WORKERS = {"sdk": 24, "py": 12, "noverify": 8}
SINGLE_WORKERS = 16  # events sent alone on a connection (odd shapes a relay may choke on)
ANSWER_TIMEOUT = 10  # seconds a relay may stay silent before the rest of a batch counts as unanswered
PUBLISH_LIMIT = 150  # seconds; past it the remaining events are not sent (and the summary says so)
MID_REQUEST_AFTER = 15  # seconds into publishing: when the observed mid-campaign valid request goes out




def http_status(url, timeout=3):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


# ---------------------------------------------------------------- the operator

def operator_pod():
    """(name, uid, restartCount, ready) of the live operator pod, or None."""
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-l", SELECTOR, "-o", "json"))
    live = [p for p in pods["items"] if not p["metadata"].get("deletionTimestamp")]
    if len(live) != 1:
        return None
    pod = live[0]
    statuses = {c["name"]: c for c in pod["status"].get("containerStatuses", [])}
    container = statuses.get("operator") or next(iter(statuses.values()), {})
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
    return pod["metadata"]["name"], pod["metadata"]["uid"], container.get("restartCount", 0), ready


def wait_until(what, check, timeout, period=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(period)


def leases():
    return json.loads(kubectl("get", "computeleases", "-o", "json"))["items"]


def metrics(node_ip):
    """The operator's counters that account for requests it read (ignored, refusal not sent)."""
    try:
        status, text = http_status(f"http://{node_ip}:9090/metrics")
    except OSError:
        return {}
    if status != 200:
        return {}
    out = {}
    for name in ("ncn_requests_ignored_total", "ncn_refusals_unsent_total"):
        values = re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.eE+]+)$", text, re.M)
        out[name] = sum(float(v) for v in values)
    return out


class ReadinessWatch:
    """Polls /readyz every half second in a thread; keeps every answer that is not a 200."""

    def __init__(self, url):
        self.url, self.polls, self.failures = url, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, body = http_status(self.url, timeout=5)
            except OSError as error:  # refused, reset or timed out: as bad as a 503
                status, body = None, f"{type(error).__name__}: {error}"
            self.polls += 1
            if status != 200:
                self.failures.append((time.strftime("%H:%M:%S"), status, body[:200]))
            self._stop.wait(max(0.0, READYZ_PERIOD - (time.monotonic() - started)))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)


@pytest.fixture(scope="module")
def bed(peer_env):
    sdk, py, noverify, registry, node_ip, mint = peer_env.need(
        "NCN_RELAY_SDK_URL", "NCN_RELAY_PY_URL", "NCN_RELAY_NOVERIFY_URL", "NCN_REGISTRY", "NCN_REAL_NODE_IP",
        "NCN_MINT_URL")
    ready = kubectl("-n", NAMESPACE, "get", "deployment", "ncn-operator", "-o",
                    "jsonpath={.status.readyReplicas}", check=False).strip()
    if ready != "1":
        pytest.fail("the operator is not running in-cluster: run scripts/testbed up operator", pytrace=False)
    nsec = kubectl("-n", NAMESPACE, "get", "secret", "ncn-provider", "-o", "jsonpath={.data.nsec}")
    provider = Keys.parse(base64.b64decode(nsec).decode()).public_key().to_hex()
    spec = json.loads(kubectl("get", "computeprovider", "default", "-o", "json"))["spec"]
    relays = list(spec.get("relays", []))
    missing = [u for u in (sdk, py) if u not in relays]
    assert not missing, f"the ComputeProvider does not list the test bed relays {missing}: {relays}"
    allowed = spec.get("policy", {}).get("allowedRegistries") or []
    assert registry in allowed, f"the test bed registry {registry} is not in allowedRegistries {allowed}"
    assert not any("docker.io".startswith(a) or a.startswith("docker.io") for a in allowed), allowed

    restored = None
    if noverify not in relays:
        # The relay pool is made when the operator starts: add the relay, then restart it.
        kubectl("patch", "computeprovider", "default", "--type=merge", "-p",
                json.dumps({"spec": {"relays": relays + [noverify]}}))
        restored = relays
        kubectl("-n", NAMESPACE, "rollout", "restart", "deployment/ncn-operator")
        kubectl("-n", NAMESPACE, "rollout", "status", "deployment/ncn-operator", "--timeout=180s", timeout=200)
    try:
        wait_until("no single Ready operator pod", lambda: (operator_pod() or (0, 0, 0, False))[3], 120)
        readyz = f"http://{node_ip}:8081/readyz"
        wait_until("/readyz never answered 200", lambda: _ok(readyz), 120)
        yield {"sdk": sdk, "py": py, "noverify": noverify, "registry": registry, "node_ip": node_ip, "mint": mint,
               "provider": provider, "intake": spec.get("intake", {}), "readyz": readyz,
               "restarted_for_noverify": restored is not None}
    finally:
        if restored is not None:
            # The running operator keeps reading relay-noverify until it restarts; harmless.
            kubectl("patch", "computeprovider", "default", "--type=merge", "-p",
                    json.dumps({"spec": {"relays": restored}}), check=False)


def _ok(url):
    try:
        return http_status(url)[0] == 200
    except OSError:
        return False


# ---------------------------------------------------------------- valid requests

def request_small_lease(bed, keys, pow_bits):
    """A valid request for a small lease from the test bed's registry; returns its id."""
    flags = ["request", "--image", f"{bed['registry']}/ncn/pause:latest", "--cpu", CPU, "--memory", MEMORY,
             "--duration", "600", "--bid", str(BID), "--provider", bed["provider"]]
    if pow_bits:
        flags += ["--pow", str(pow_bits)]
    code, lines = tool(keys, [bed["sdk"]], *flags)
    assert code == 0 and "error" not in lines[-1], lines
    return lines[-1]["id"]


def wait_for_bid(bed, keys, request, timeout):
    """The answers to `request` until its bid or an error; (seconds waited, answers)."""
    started = time.monotonic()
    code, lines = tool(keys, [bed["sdk"]], "watch", "--request", request, "--provider", bed["provider"],
                       "--until", "bid", "--until", "error", "--timeout", str(timeout), timeout=timeout)
    answers = [line for line in lines if line.get("type") == "event"]
    return time.monotonic() - started, answers


# ---------------------------------------------------------------- publishing

class Delivery:
    """What the relays said to each event: role -> "ok" or the refusal."""

    def __init__(self, events):
        self.by_event = [dict() for _ in events]
        self.frames = 0

    def record(self, index, role, outcome):
        self.by_event[index][role] = outcome


async def _send_batch(url, role, batch, delivery):
    """One connection: every event of the batch, then the relay's OK for each (by id)."""
    waiting = {event.id: index for index, event in batch}
    try:
        async with connect(url, max_size=None, open_timeout=10, ping_interval=None) as ws:
            for index, event in batch:
                await ws.send('["EVENT",' + event.text + "]")
                delivery.frames += 1
            while waiting:
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_TIMEOUT))
                except (asyncio.TimeoutError, ValueError):
                    break
                if message[:1] == ["OK"] and len(message) >= 3:
                    index = waiting.pop(message[1], None)
                    if index is None and len(batch) == 1:  # nostr-relay leaves the id empty on a bad signature
                        index = batch[0][0]
                        waiting.clear()
                    if index is not None:
                        delivery.record(index, role, "ok" if message[2] else f"refused: {str(message[3:])[:80]}")
                elif message[:1] == ["NOTICE"] and len(batch) == 1:
                    delivery.record(batch[0][0], role, f"notice: {str(message[1:])[:80]}")
                    waiting.clear()
    except Exception as error:  # a relay that closes on a bad frame: the rest is undelivered
        for index in waiting.values():
            delivery.record(index, role, f"connection: {type(error).__name__}")
        return
    for index in waiting.values():
        delivery.record(index, role, "no answer")


async def publish(events, urls, limit=PUBLISH_LIMIT):
    """Every event to each relay its generator named, concurrently; returns the Delivery. Stops
    taking new batches after `limit` seconds, so a stuck relay cannot hold the test forever."""
    delivery = Delivery(events)
    ids = Counter(e.id for e in events)
    batched, singles = defaultdict(list), asyncio.Queue()
    for index, event in enumerate(events):
        # Odd shapes go alone, so that a relay closing on one loses nothing else, and so that an
        # OK without a usable id (nostr-relay's on a bad signature) can still be attributed.
        alone = event.category.startswith("raw-") or ids[event.id] > 1 or not re.fullmatch(r"[0-9a-f]{64}", event.id)
        for role in event.relays:
            if alone:
                singles.put_nowait((role, [(index, event)]))
            else:
                batched[role].append((index, event))
    queues = {}
    for role, items in batched.items():
        queues[role] = asyncio.Queue()
        for start in range(0, len(items), BATCH[role]):
            queues[role].put_nowait((role, items[start:start + BATCH[role]]))

    deadline = time.monotonic() + limit

    async def worker(queue):
        while not queue.empty():
            role, batch = queue.get_nowait()
            if time.monotonic() > deadline:
                for index, _ in batch:
                    delivery.record(index, role, "not sent (publishing took too long)")
                continue
            await _send_batch(urls[role], role, batch, delivery)

    tasks = [worker(queue) for role, queue in queues.items() for _ in range(WORKERS[role])]
    tasks += [worker(singles) for _ in range(SINGLE_WORKERS)]
    await asyncio.gather(*tasks)
    return delivery


class Answers:
    """The operator's 6900 and 7000 events, read as they come from each of its relays (a relay may
    refuse some of them: relay-sdk takes 60 events a minute on one connection)."""

    def __init__(self, urls, provider, since):
        self.urls, self.provider, self.since = urls, provider, since
        self.events = {}
        self._tasks = []
        self.errors = {}

    async def _run(self, url):
        query = {"kinds": [6900, 7000], "authors": [self.provider], "since": self.since}
        try:
            async with connect(url, max_size=None, ping_interval=None) as ws:
                await ws.send(json.dumps(["REQ", "fuzz-answers", query]))
                async for raw in ws:
                    message = json.loads(raw)
                    if message[:1] == ["EVENT"] and len(message) == 3:
                        self.events[message[2]["id"]] = message[2]
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.errors[url] = f"{type(error).__name__}: {error}"

    def start(self):
        self._tasks = [asyncio.ensure_future(self._run(url)) for url in self.urls]

    async def stop(self):
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def by_request(self):
        out = defaultdict(list)
        for event in self.events.values():
            for tag in event["tags"]:
                if tag[:1] == ["e"] and len(tag) > 1:
                    out[tag[1]].append(event)
        return out


def status_of(answer):
    """The public status of an answer; "encrypted" when it is sealed (§4.2)."""
    status = next((t for t in answer["tags"] if t[:1] == ["status"]), None)
    if status and len(status) > 1:
        return status[1]
    return "encrypted" if ["encrypted"] in answer["tags"] else "?"


def text_of(answer):
    """The status text and reason of a plain answer, for the summary file."""
    status = next((t for t in answer["tags"] if t[:1] == ["status"]), [])
    reason = next((t[1] for t in answer["tags"] if t[:1] == ["reason"] and len(t) > 1), None)
    return f"{status[2] if len(status) > 2 else ''} (reason {reason})"


async def wait_for_drain(bed, answers, quiet=5, limit=90):
    """Until the operator has read the campaign: its ignore/unsent counters and its answers stop
    moving for `quiet` seconds (each request it reads moves one of them). Returns seconds waited."""
    started = time.monotonic()
    last, still = None, 0
    while time.monotonic() - started < limit:
        now = (tuple(sorted(metrics(bed["node_ip"]).items())), len(answers.events))
        still = still + 1 if now == last else 0
        if still >= quiet:
            break
        last = now
        await asyncio.sleep(1)
    return time.monotonic() - started


# ---------------------------------------------------------------- the test

def progress(started, text):
    print(f"[fuzz {time.monotonic() - started:5.1f} s] {text}", flush=True)


def test_fuzz_campaign_neither_crashes_nor_leases(bed):
    started = time.monotonic()
    problems = []
    intake = bed["intake"]
    pow_bits = int(intake.get("minProofOfWork") or 0)
    before_pod = operator_pod()
    assert before_pod and before_pod[3], f"no Ready operator pod: {before_pod}"
    before_leases = {l["metadata"]["name"] for l in leases()}
    before_metrics = metrics(bed["node_ip"])

    made = []  # the valid requests this test made: cancelled at the end, whatever happens
    try:
        with ReadinessWatch(bed["readyz"]) as readiness:
            # A live request for the deletions and nutzaps to aim at: valid, bid on, never paid.
            target_keys = Keys.generate()
            target = request_small_lease(bed, target_keys, pow_bits)
            made.append((target_keys, target))
            _, target_answers = wait_for_bid(bed, target_keys, target, 60)
            assert target_answers and target_answers[-1]["status"] == "bid", \
                f"the target request got no bid before the campaign: {target_answers}"
            progress(started, f"target request {target[:16]}… has its bid; generating {COUNT} events (seed {SEED})")

            generated_at = time.monotonic()
            events = fuzz_events.campaign(
                SEED, COUNT, provider=bed["provider"], now=int(time.time()), registry=bed["registry"], mint=bed["mint"],
                target_id=target, target_pubkey=target_keys.public_key().to_hex(),
                max_age=int(intake.get("maxRequestAgeSeconds") or 600))
            generation = time.monotonic() - generated_at
            urls = {"sdk": bed["sdk"], "py": bed["py"], "noverify": bed["noverify"]}

            async def campaign_phase():
                answers = Answers(list(urls.values()), bed["provider"], int(time.time()) - 60)
                answers.start()
                progress(started, f"publishing {len(events)} events")
                sent_at = time.monotonic()
                publishing = asyncio.ensure_future(publish(events, urls))
                # A valid request in the middle of the flood must be read and bid on: refusals no
                # longer hold up intake, so the flood cannot hide it.
                await asyncio.sleep(MID_REQUEST_AFTER)
                mid_keys = Keys.generate()
                mid = await asyncio.to_thread(request_small_lease, bed, mid_keys, pow_bits)
                made.append((mid_keys, mid))
                mid_sent = time.time()
                delivery = await publishing
                sending = time.monotonic() - sent_at
                progress(started, "published; waiting for the operator to read the campaign")
                draining = await wait_for_drain(bed, answers)
                progress(started, "sending a valid request from a fresh key")
                # The campaign is read: one valid request from a fresh key must still get its bid.
                final_keys = Keys.generate()
                final = await asyncio.to_thread(request_small_lease, bed, final_keys, pow_bits)
                made.append((final_keys, final))
                final_wait, final_answers = await asyncio.to_thread(wait_for_bid, bed, final_keys, final, 30)
                await asyncio.sleep(2)  # answers still on their way to the listener
                await answers.stop()
                mid_answers = [a for a in answers.events.values() if any(t[:2] == ["e", mid] for t in a["tags"])]
                mid_bids = [a for a in mid_answers if a["kind"] == 6900 and status_of(a) == "bid"]
                mid_ok = bool(mid_bids)
                if mid_bids:
                    mid_fate = f"bid about {mid_bids[0]['created_at'] - mid_sent:.0f} s after it was sent"
                elif mid_answers:
                    mid_fate = f"no bid; answered {[(a['kind'], status_of(a), text_of(a)) for a in mid_answers]}"
                else:
                    mid_fate = "NO ANSWER AT ALL: the operator never read it (lost in the flood)"
                return (answers, delivery, sending, draining, final_keys, final, final_wait, final_answers,
                        (mid_keys, mid, mid_fate, mid_ok))

            (answers, delivery, sending, draining, final_keys, final, final_wait, final_answers,
             (mid_keys, mid, mid_fate, mid_ok)) = asyncio.run(campaign_phase())
            time.sleep(1)  # one more readiness poll after everything

        after_pod = operator_pod()
        after_metrics = metrics(bed["node_ip"])
        all_leases = leases()
        total = time.monotonic() - started

        # ---- crashes and readiness
        if readiness.failures:
            problems.append(f"/readyz was not 200 in {len(readiness.failures)} of {readiness.polls} polls: "
                            f"{readiness.failures[:5]}")
        if after_pod is None or after_pod[1] != before_pod[1]:
            problems.append(f"the operator pod changed: before {before_pod}, after {after_pod}")
        elif after_pod[2] != before_pod[2]:
            problems.append(f"the operator container restarted: restartCount {before_pod[2]} -> {after_pod[2]}")
        elif not after_pod[3]:
            problems.append(f"the operator pod is not Ready after the campaign: {after_pod}")

        # ---- no lease, no bid for any fuzz event
        fuzz_ids = {e.id: e for e in events if e.id}
        fuzz_keys = {e.pubkey for e in events if e.pubkey}
        leased = [l for l in all_leases if l["spec"].get("requestEventId") in fuzz_ids
                  or (l["spec"].get("tenantPubkey") in fuzz_keys and l["spec"].get("requestEventId") not in (target, mid))]
        for lease in leased:
            event = fuzz_ids.get(lease["spec"].get("requestEventId"))
            problems.append(f"lease {lease['metadata']['name']} ({lease.get('status', {}).get('phase')}) from a fuzz event"
                            + (f" [{event.category}] {event.note}: {event.short()}" if event else
                               f" by fuzz key {lease['spec'].get('tenantPubkey')}"))
        by_request = answers.by_request()
        for event_id, replies in by_request.items():
            event = fuzz_ids.get(event_id)
            if event is None:
                continue
            kinds = sorted({r["kind"] for r in replies})
            if 6900 in kinds:
                problems.append(f"a 6900 ({[status_of(r) for r in replies if r['kind'] == 6900]}) answered a fuzz event "
                                f"[{event.category}] {event.note}: {event.short()}")
            odd = [status_of(r) for r in replies if r["kind"] == 7000 and status_of(r) not in ("error", "encrypted")]
            if odd:
                problems.append(f"a 7000 {odd} (not an error) answered a fuzz event [{event.category}] {event.note}: "
                                f"{event.short()}")
            if event.expect == "silent":
                problems.append(f"answered ({[(r['kind'], status_of(r)) for r in replies]}) an event the draft says to "
                                f"ignore [{event.category}] {event.note}: {event.short()}")

        # ---- the target: not cancelled by foreign or forged deletions, not paid by garbage nutzaps
        target_lease = next((l for l in all_leases if l["spec"].get("requestEventId") == target), None)
        if target_lease is None:
            problems.append(f"the target request {target} has no lease any more")
        else:
            status = target_lease.get("status", {})
            reason = " ".join(str(status.get(k, "")) for k in ("phase", "reason", "message"))
            if "ancel" in reason:
                problems.append(f"the target lease was cancelled by someone else's deletion: {reason}")
            ledger = status.get("ledger", {})
            if ledger.get("msatsReceived") or ledger.get("credits") or status.get("paidUntil"):
                problems.append(f"garbage nutzaps credited the target lease: {ledger}, paidUntil {status.get('paidUntil')}")

        # ---- the final valid request
        final_status = [(a["kind"], a["status"], a.get("status_text")) for a in final_answers]
        if not (final_answers and final_answers[-1]["kind"] == 6900 and final_answers[-1]["status"] == "bid"):
            problems.append(f"a valid request from a fresh key after the campaign got no bid within 30 s: {final_status}")

        if not mid_ok:
            problems.append(f"a valid request sent {MID_REQUEST_AFTER} s into the campaign got no bid: {mid_fate}")

        # ---- summary for a person
        stored = Counter()
        refused = Counter()
        for event, outcome in zip(events, delivery.by_event):
            stored[event.category] += any(v == "ok" for v in outcome.values())
            refused[event.category] += not any(v == "ok" for v in outcome.values())
        answered = Counter()
        errors_7000 = 0
        for event_id, replies in by_request.items():
            event = fuzz_ids.get(event_id)
            if event is not None:
                answered[event.category] += 1
                errors_7000 += sum(1 for r in replies if r["kind"] == 7000)
        about_target = [r for r in by_request.get(target, []) if r["kind"] == 7000 and status_of(r) == "error"]
        # Every request the operator reads past its address check moves one of: requests ignored
        # (gate: too old, too new, over the per-key rate), refusals unsent (over the error budget), or
        # an answer. So their sum says how much of the campaign reached the gate and the parser.
        read_roles = {"sdk", "py", "noverify"}
        should_read = sum(1 for e, o in zip(events, delivery.by_event)
                          if e.kind == 5900 and (e.expect == "refused" or e.category in ("future", "stale"))
                          and any(o.get(r) == "ok" for r in read_roles))
        delta = {k.replace("ncn_", "").replace("_total", ""): int(after_metrics.get(k, 0) - before_metrics.get(k, 0))
                 for k in after_metrics}
        read = sum(delta.values()) + sum(answered.values())
        new_leases = [l["metadata"]["name"] for l in all_leases if l["metadata"]["name"] not in before_leases]
        lines = [
            f"fuzz campaign: seed {SEED}, {len(events)} events ({sum(len(e.text) for e in events) / 1e6:.1f} MB) "
            f"in {delivery.frames} frames; provider {bed['provider'][:16]}…; "
            f"relay-noverify {'added for the run (operator restarted)' if bed['restarted_for_noverify'] else 'already read'}",
            f"time: total {total:.0f} s; generating {generation:.1f} s, publishing {sending:.1f} s, "
            f"operator draining {draining:.0f} s, final bid after {final_wait:.1f} s",
            f"intake: {json.dumps(intake, sort_keys=True)}",
            "per category: events; stored by at least one relay; stored by none; requests the operator answered",
            f"{'category':26} {'expect':8} {'sent':>6} {'stored':>7} {'unstored':>9} {'answered':>9}",
        ]
        for (category, expect), n in sorted(Counter((e.category, e.expect) for e in events).items()):
            lines.append(f"{category:26} {expect:8} {n:6} {stored[category]:7} {refused[category]:9} {answered[category]:9}")
        lines += [
            f"operator answers: {len(answers.events)} events; {errors_7000} kind 7000 about fuzz requests "
            f"({sum(answered.values())} requests answered); {len(about_target)} payment errors about the target"
            + (f"; listener errors: {answers.errors}" if answers.errors else ""),
            f"operator counters during the run: {delta}; requests it read ~{read} of ~{should_read} stored requests "
            f"addressed to it that pass the address check (some decrypt to no compute request and are not counted)",
            f"readiness: {readiness.polls} polls, {len(readiness.failures)} not 200; pod {before_pod[0]} restarts "
            f"{before_pod[2]} -> {after_pod[2] if after_pod else '?'}, ready {after_pod[3] if after_pod else '?'}",
            f"leases created during the run: {len(new_leases)} (the target, mid-campaign and final requests' included); "
            f"leases from fuzz events: {len(leased)}",
            f"final request {final[:16]}…: {final_status}",
            f"a valid request sent {MID_REQUEST_AFTER} s into the campaign, {mid[:16]}…: {mid_fate}",
        ]
        if problems:
            lines.append(f"PROBLEMS ({len(problems)}):")
            lines += [f"  - {p[:1500]}" for p in problems[:40]]
        report = "\n".join(lines)
        print("\n" + report)
        out = REPO / ".build" / "fuzz"
        out.mkdir(parents=True, exist_ok=True)
        details = [f"{fuzz_ids[i].category} | {fuzz_ids[i].note[:100]} | "
                   + "; ".join(f"{r['kind']} {status_of(r)} {text_of(r)}" for r in replies)
                   for i, replies in sorted(by_request.items()) if i in fuzz_ids]
        (out / f"summary-{SEED}.txt").write_text(report + "\n\nanswers to fuzz events:\n" + "\n".join(details) + "\n")
        if problems:
            with open(out / f"campaign-{SEED}.jsonl", "w") as f:
                for event, outcome in zip(events, delivery.by_event):
                    f.write(json.dumps({"category": event.category, "expect": event.expect, "note": event.note,
                                        "relays": outcome, "event": event.text}, ensure_ascii=False) + "\n")

        assert not problems, f"{len(problems)} problems; see the summary above (and .build/fuzz/)"
    finally:
        # Leave no lease behind: each valid request is cancelled by its author (NIP-09).
        for keys, request in made:
            tool(keys, [bed["sdk"]], "cancel", "--request", request)

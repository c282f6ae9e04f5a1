"""testbed/interop/tenant.py, the nostr-sdk tenant of the end-to-end tests, checked on its own:
what it publishes is read back with a plain nostr-sdk client, and the provider side of `watch`
and `offer` is played here with nostr-sdk. No operator needed; the test bed's relays, mint and
NWC wallet are.

Run with the nostr venv: $NCN_CACHE/venv/nostr/bin/python -m pytest tests/python
"""

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from nostr_sdk import (Client, EventBuilder, EventId, Filter, Keys, Kind,
                       Nip44Version, RelayUrl, ReqTarget, Tag, Timestamp,
                       get_leading_zero_bits, nip04_decrypt, nip04_encrypt,
                       nip44_decrypt, nip44_encrypt)

REPO = Path(__file__).resolve().parents[2]
TOOL = str(REPO / "testbed" / "interop" / "tenant.py")
TIMEOUT = timedelta(seconds=10)


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture
def relays(peer_env):
    return peer_env.need("NCN_RELAY_SDK_URL", "NCN_RELAY_PY_URL")


@pytest.fixture
def tenant():
    return Keys.generate()


@pytest.fixture
def provider():
    return Keys.generate()


def tool(keys, relays, *args, env=None, stdin=None):
    """Runs tenant.py to completion: (exit code, the JSON objects it printed)."""
    environ = dict(os.environ, TENANT_KEY=keys.secret_key().to_bech32(), **(env or {}))
    done = subprocess.run([sys.executable, TOOL, *args, *[f"--relay={r}" for r in relays]],
                          env=environ, input=stdin, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"tenant.py printed nothing; stderr: {done.stderr}"
    return done.returncode, lines


def run(coroutine):
    return asyncio.run(coroutine)


async def fetch(urls, query):
    """What each relay at urls holds for query, by relay: a plain nostr-sdk read-back."""
    found = {}
    for url in urls:
        client = Client()
        await client.add_relay(RelayUrl.parse(url))
        await client.connect(TIMEOUT)
        try:
            found[url] = await client.fetch_events(ReqTarget.auto([query]), TIMEOUT)
        finally:
            await client.shutdown()
    return found


async def publish(urls, *events):
    client = Client()
    for url in urls:
        await client.add_relay(RelayUrl.parse(url))
    await client.connect(TIMEOUT)
    try:
        for event in events:
            out = await client.send_event(event)
            assert not out.failed, out.failed
    finally:
        await client.shutdown()


def signed(keys, kind, tags, content="", created_at=None):
    builder = EventBuilder(Kind(kind), content).tags([Tag.parse(t) for t in tags])
    if created_at is not None:
        builder = builder.custom_created_at(Timestamp.from_secs(created_at))
    return builder.finalize(keys)


def one_event(urls, event_id):
    """The event with that id, checked to be on every relay and validly signed."""
    found = run(fetch(urls, Filter().id(EventId.parse(event_id))))
    for url, events in found.items():
        assert len(events) == 1, f"{url} has {len(events)} copies"
        assert events[0].verify()
    return json.loads(found[urls[0]][0].as_json())


class Watch:
    """`tenant.py watch` as a child process, its lines read by a thread into a queue."""

    def __init__(self, keys, relays, *args):
        environ = dict(os.environ, TENANT_KEY=keys.secret_key().to_hex())
        self.proc = subprocess.Popen([sys.executable, TOOL, "watch", *args, *[f"--relay={r}" for r in relays]],
                                     env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, timeout=15):
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"watch ended; stderr: {self.proc.stderr.read()}"
        return line

    def exit_code(self, timeout=15):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def watches():
    started = []
    yield started
    for watch in started:
        watch.stop()


REQUEST_FLAGS = ["--image", "ghcr.io/example/llm-server:1.4.2", "--cpu", "4", "--memory", "16Gi",
                 "--gpus", "1", "--gpu-model", "NVIDIA-H100-80GB-HBM3",
                 "--args", '["--port","8080"]', "--env", "LOG_LEVEL=info",
                 "--port", "8080/tcp/http", "--port", "2222/tcp/ssh",
                 "--duration", "3600", "--rail", "lightning", "--bid", "2500000"]


# ---------------------------------------------------------------- request

def test_request_publishes_a_signed_5900_with_the_drafts_tags(relays, tenant, provider):
    expiration = int(time.time()) + 600
    code, [out] = tool(tenant, relays, "request", *REQUEST_FLAGS, "--provider", provider.public_key().to_hex(),
                       "--expiration", str(expiration), "--pow", "8")
    assert code == 0, out
    assert sorted(out["relays"]["ok"]) == sorted(relays), out["relays"]

    event = one_event(relays, out["id"])
    assert event == out["event"]
    assert event["kind"] == 5900 and event["pubkey"] == tenant.public_key().to_hex()
    assert event["tags"][:-1] == [
        ["param", "image", "ghcr.io/example/llm-server:1.4.2"],
        ["param", "cpu", "4"],
        ["param", "memory", "16Gi"],
        ["param", "gpus", "1"],
        ["param", "gpu-model", "NVIDIA-H100-80GB-HBM3"],
        ["param", "args", "--port", "8080"],
        ["param", "env", "LOG_LEVEL", "info"],
        ["param", "port", "8080", "tcp", "http"],
        ["param", "port", "2222", "tcp", "ssh"],
        ["param", "duration", "3600"],
        ["param", "rail", "lightning"],
        ["bid", "2500000"],
        ["relays", *relays],
        ["p", provider.public_key().to_hex()],
        ["expiration", str(expiration)],
    ]
    nonce = event["tags"][-1]
    assert nonce[0] == "nonce" and nonce[2] == "8"
    assert get_leading_zero_bits(bytes.fromhex(event["id"])) >= 8


@pytest.mark.parametrize("scheme", ["nip44", "nip04"])
def test_encrypted_request_shows_only_p_encrypted_expiration_and_decrypts_to_the_tags(
        relays, tenant, provider, scheme):
    secret, token = "correct horse battery staple", "cashuBnot-a-real-token"
    code, [out] = tool(tenant, relays, "request", "--image", "docker.io/library/postgres:16", "--cpu", "500m",
                       "--memory", "1Gi", "--secret-env", "POSTGRES_PASSWORD=PW", "--cashu-env", "TOKEN",
                       "--rail", "cashu", "--duration", "7200", "--bid", "200000", "--expires-in", "600",
                       "--provider", provider.public_key().to_hex(), "--encrypt", scheme,
                       env={"PW": secret, "TOKEN": token})
    assert code == 0, out
    assert secret not in json.dumps(out) and token not in json.dumps(out)

    event = one_event(relays, out["id"])
    p = provider.public_key().to_hex()
    assert [t[0] for t in event["tags"]] == ["p", "encrypted", "expiration"]
    assert event["tags"][:2] == [["p", p], ["encrypted"]]
    assert ("?iv=" in event["content"]) == (scheme == "nip04")

    decrypt = nip44_decrypt if scheme == "nip44" else nip04_decrypt
    hidden = json.loads(decrypt(provider.secret_key(), tenant.public_key(), event["content"]))
    assert hidden == [
        ["param", "image", "docker.io/library/postgres:16"],
        ["param", "cpu", "500m"],
        ["param", "memory", "1Gi"],
        ["param", "secret-env", "POSTGRES_PASSWORD", secret],
        ["param", "duration", "7200"],
        ["param", "rail", "cashu"],
        ["param", "cashu", token],
        ["bid", "200000"],
        ["relays", *relays],
    ]


def test_raw_tags_timestamping_request_and_republishing(relays, tenant):
    raw = [["param", "cpu", "2 cores"], ["bid", "lots"]]
    code, [out] = tool(tenant, relays, "request", "--raw-tags", json.dumps(raw), "--content", "bad on purpose")
    assert code == 0, out
    assert one_event(relays, out["id"])["tags"] == raw

    code, [stamp] = tool(tenant, relays, "timestamp", "--hash", "ab" * 32)
    assert code == 0, stamp
    event = one_event(relays, stamp["id"])
    assert (event["kind"], event["tags"]) == (5900, [["i", "ab" * 32, "text"]])

    # The same signed event again, as a duplicate test sends it: both relays count it stored.
    code, [again] = tool(tenant, relays, "publish", stdin=json.dumps(stamp["event"]))
    assert code == 0, again
    assert again["id"] == stamp["id"] and sorted(again["relays"]["ok"]) == sorted(relays), again
    one_event(relays, stamp["id"])


# ---------------------------------------------------------------- watch

def test_watch_prints_plain_and_encrypted_answers_and_stops_at_until(relays, tenant, provider, watches):
    request = Keys.generate().public_key().to_hex()  # any 64-hex id will do for the relays
    t, p = tenant.public_key().to_hex(), provider.public_key().to_hex()
    bid = signed(provider, 6900, [["e", request, relays[0]], ["p", t], ["status", "bid", "1 cpu"],
                                  ["amount", "3000"], ["price", "3000"], ["interval", "600"], ["grace", "60"],
                                  ["duration", "3600"], ["total", "18000"], ["rail", "lightning"],
                                  ["cost", "cpu", "1667"], ["expiration", str(int(time.time()) + 300)]])
    run(publish(relays, bid))  # stored before the watch starts: it must still be printed

    watch = Watch(tenant, relays, "--request", request, "--provider", p, "--until", "running", "--timeout", "30")
    watches.append(watch)
    ready = watch.next()
    assert ready["type"] == "ready" and ready["pubkey"] == t
    first = watch.next()
    assert (first["kind"], first["status"], first["amount"], first["interval"], first["total"]) == \
           (6900, "bid", 3000, 600, 18000)
    assert first["costs"] == {"cpu": 1667} and first["encrypted"] is None

    pay = signed(provider, 7000, [["e", request], ["p", t], ["status", "payment-required", "pay tranche 0"],
                                  ["amount", "3000", "lnbc30n1fake"], ["tranche", "0"]])
    stranger = signed(Keys.generate(), 6900, [["e", request], ["p", t], ["status", "running"]])
    sealed_tags = [["status", "running"], ["endpoint", "203.0.113.7", "31080", "tcp", "http"],
                   ["paid-until", "1767226220"]]
    running = signed(provider, 6900, [["e", request], ["p", t], ["encrypted"]],
                     nip44_encrypt(provider.secret_key(), tenant.public_key(), json.dumps(sealed_tags),
                                   Nip44Version.V2))
    run(publish(relays, pay, stranger, running))

    second = watch.next()
    assert (second["kind"], second["status"], second["status_text"]) == (7000, "payment-required", "pay tranche 0")
    assert (second["amount"], second["bolt11"], second["tranche"]) == (3000, "lnbc30n1fake", 0)
    third = watch.next()
    assert third["pubkey"] == p, "answers from another key are filtered out by --provider"
    assert (third["status"], third["encrypted"], third["paid_until"]) == ("running", "nip44", 1767226220)
    assert third["endpoints"] == [{"host": "203.0.113.7", "port": 31080, "protocol": "tcp", "name": "http"}]
    assert third["public_tags"] == [["e", request], ["p", t], ["encrypted"]]
    done = watch.next()
    assert (done["type"], done["status"], len(done["seen"])) == ("done", "running", 3), done
    assert watch.exit_code() == 0


def test_watch_reads_nip04_answers_and_reports_what_it_cannot_decrypt(relays, tenant, provider, watches):
    request = Keys.generate().public_key().to_hex()
    t = tenant.public_key().to_hex()
    garbage = signed(provider, 7000, [["e", request], ["p", t], ["encrypted"]], "not a payload")
    time.sleep(1.1)  # a later created_at: the watch prints stored answers oldest first
    terminated = signed(provider, 6900, [["e", request], ["p", t], ["encrypted"]],
                        nip04_encrypt(provider.secret_key(), tenant.public_key(),
                                      json.dumps([["status", "terminated", "no pay"], ["reason", "unpaid"]])))
    run(publish(relays, terminated, garbage))  # newest first on purpose

    watch = Watch(tenant, relays, "--request", request, "--until", "terminated", "--timeout", "30")
    watches.append(watch)
    assert watch.next()["type"] == "ready"
    lines = [watch.next(), watch.next()]
    assert [line["kind"] for line in lines] == [7000, 6900], "oldest first, whatever the publishing order"
    by_kind = {line["kind"]: line for line in lines}
    assert by_kind[7000]["status"] is None and "decrypt_error" in by_kind[7000]
    assert (by_kind[6900]["status"], by_kind[6900]["reason"], by_kind[6900]["encrypted"]) == \
           ("terminated", "unpaid", "nip04")
    assert watch.exit_code() == 0


def test_watch_exits_non_zero_on_timeout_with_what_it_saw(relays, tenant, provider, watches):
    request = Keys.generate().public_key().to_hex()
    processing = signed(provider, 7000, [["e", request], ["p", tenant.public_key().to_hex()],
                                         ["status", "processing"]])
    run(publish(relays, processing))
    watch = Watch(tenant, relays, "--request", request, "--until", "success", "--timeout", "2")
    watches.append(watch)
    assert watch.next()["type"] == "ready"
    assert watch.next()["status"] == "processing"
    last = watch.next()
    assert last["type"] == "timeout" and last["seen"] == [{"kind": 7000, "status": "processing", "id": processing.id().to_hex()}]
    assert watch.exit_code() == 3


# ---------------------------------------------------------------- cancel, nutzap, offer, pay-nwc

def test_cancel_is_a_kind_5_with_e_and_k(relays, tenant):
    code, [req] = tool(tenant, relays, "request", *REQUEST_FLAGS)
    assert code == 0, req
    code, [out] = tool(tenant, relays, "cancel", "--request", req["id"], "--reason", "no longer needed")
    assert code == 0, out
    event = one_event(relays, out["id"])
    assert (event["kind"], event["pubkey"], event["content"]) == (5, tenant.public_key().to_hex(), "no longer needed")
    assert event["tags"] == [["e", req["id"]], ["k", "5900"]]


@pytest.fixture
def cashu_wallet(peer_env, tmp_path):
    mint_url, cashu = peer_env.need("NCN_MINT_URL", "NCN_CASHU_BIN")
    environ = dict(os.environ, CASHU_DIR=str(tmp_path / "wallet"), MINT_URL=mint_url, TOR="FALSE")

    def cli(*args):
        done = subprocess.run([cashu, "-y", *args], cwd=tmp_path, env=environ, text=True,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    cli("invoice", "20")
    return mint_url, cli


@pytest.mark.parametrize("legacy", [False, True], ids=["cashuB", "cashuA"])
def test_nutzap_carries_the_tokens_proofs_for_the_request(relays, tenant, provider, cashu_wallet, legacy):
    mint_url, cli = cashu_wallet
    lock = "02" + Keys.generate().public_key().to_hex()  # the provider's P2PK key, not its Nostr key
    sent = cli("send", "3", "--lock", f"P2PK:{lock}", *(["--legacy"] if legacy else []))
    token = next(w for w in sent.split() if w.startswith("cashuA" if legacy else "cashuB"))
    request = Keys.generate().public_key().to_hex()
    p = provider.public_key().to_hex()

    code, [out] = tool(tenant, relays, "nutzap", "--request", request, "--provider", p,
                       "--relay-hint", relays[0], "--comment", "tranche 1", env={"CASHU_TOKEN": token})
    assert code == 0, out
    assert (out["amount"], out["mint"], out["unit"], out["locked_to"]) == (3, mint_url, "sat", [lock])
    event = one_event(relays, out["id"])
    assert (event["kind"], event["content"]) == (9321, "tranche 1")
    proofs = [json.loads(t[1]) for t in event["tags"] if t[0] == "proof"]
    assert sum(p["amount"] for p in proofs) == 3
    assert all({"amount", "id", "secret", "C"} <= set(p) for p in proofs), proofs
    assert [t for t in event["tags"] if t[0] != "proof"] == [
        ["unit", "sat"], ["u", mint_url], ["e", request, relays[0]], ["k", "5900"], ["p", p]]


def test_offer_fetches_the_newest_31900_by_author_and_d(relays, tenant, provider):
    now = int(time.time())
    common = [["k", "5900"], ["price", "cpu", "20000"], ["price", "memory", "2000"],
              ["price", "gpu", "2000000", "NVIDIA-H100-80GB-HBM3"], ["interval", "600"], ["grace", "60"],
              ["rail", "lightning"], ["rail", "cashu"], ["mint", "http://mint.test", "sat"],
              ["p2pk", "02" + "11" * 32], ["expiration", str(now + 3600)]]
    older = signed(provider, 31900, [["d", "eu-1"], ["capacity", "cpu", "64000", "64000"], *common], created_at=now - 10)
    newer = signed(provider, 31900, [["d", "eu-1"], ["capacity", "cpu", "58500", "64000"],
                                     ["capacity", "memory", "100", "200"],
                                     ["capacity", "gpu", "3", "4", "NVIDIA-H100-80GB-HBM3"], *common], "homelab",
                   created_at=now - 5)
    other = signed(provider, 31900, [["d", "us-1"], ["capacity", "cpu", "1", "1"], *common], created_at=now)
    run(publish(relays, older, newer, other))

    code, [out] = tool(tenant, relays, "offer", "--provider", provider.public_key().to_hex(), "--d", "eu-1")
    assert code == 0, out
    assert out["found"] and out["id"] == newer.id().to_hex() and out["d"] == "eu-1"
    assert out["capacity"] == {"cpu": {"free": 58500, "total": 64000}, "memory": {"free": 100, "total": 200},
                               "gpu": {"NVIDIA-H100-80GB-HBM3": {"free": 3, "total": 4}}}
    assert out["prices"] == {"cpu": 20000, "memory": 2000, "gpu": {"NVIDIA-H100-80GB-HBM3": 2000000}}
    assert (out["interval"], out["grace"], out["rails"], out["content"]) == (600, 60, ["lightning", "cashu"], "homelab")

    code, [none] = tool(tenant, relays, "offer", "--provider", provider.public_key().to_hex(), "--d", "eu-1",
                        "--newer-than", str(now), "--wait", "1")
    assert code == 1 and none["found"] is False, none


def test_pay_nwc_pays_a_bolt11_through_the_tenants_wallet(peer_env, tenant):
    base, inkey, uri = peer_env.need("NCN_LNBITS_URL", "NCN_LNBITS_PROVIDER_INKEY", "NCN_NWC_TENANT_URI")
    req = urllib.request.Request(base + "/api/v1/payments", method="POST",
                                 data=json.dumps({"out": False, "amount": 1, "memo": "ncn tenant tool"}).encode(),
                                 headers={"X-Api-Key": inkey, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        invoice = json.loads(resp.read())
    bolt11 = invoice.get("bolt11") or invoice["payment_request"]
    code, [out] = tool(tenant, [], "pay-nwc", bolt11, env={"NWC_URI": uri})
    assert code == 0 and out.get("preimage"), out

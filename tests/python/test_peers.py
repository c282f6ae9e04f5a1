"""Checks that the test bed's third-party peers behave as our tests assume.

Run with the nostr venv: $NCN_CACHE/venv/nostr/bin/python -m pytest tests/python
"""

import asyncio
import hashlib
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlparse

from nostr_sdk import (Client, EventBuilder, Filter, Keys, Kind,
                       RelayUrl, ReqTarget, Tag)
from websockets.asyncio.client import connect

TIMEOUT = timedelta(seconds=10)


# ---------------------------------------------------------------- Nostr helpers

def signed_event(content):
    return (EventBuilder(Kind(1), content)
            .tags([Tag.parse(["t", "ncn-peer-test"])])
            .finalize(Keys.generate()))


async def publish(urls, event):
    client = Client()
    for url in urls:
        await client.add_relay(RelayUrl.parse(url))
    await client.connect(TIMEOUT)
    try:
        # send_event does not raise when a relay refuses: look at the output.
        return await client.send_event(event)
    finally:
        await client.shutdown()


async def fetch_by_id(url, event_id):
    """The events with that id on the one relay at url."""
    client = Client()
    await client.add_relay(RelayUrl.parse(url))
    await client.connect(TIMEOUT)
    try:
        return await client.fetch_events(ReqTarget.auto([Filter().id(event_id)]), TIMEOUT)
    finally:
        await client.shutdown()


def forged_event(content):
    """A well-formed event (right id, real pubkey) with a signature that is noise.

    Built by hand, since nostr-sdk refuses to send a badly signed event."""
    pubkey = Keys.generate().public_key().to_hex()
    created_at, kind, tags = int(time.time()), 1, [["t", "ncn-forged"]]
    serialized = json.dumps([0, pubkey, created_at, kind, tags, content],
                            separators=(",", ":"), ensure_ascii=False)
    return {"id": hashlib.sha256(serialized.encode()).hexdigest(), "pubkey": pubkey,
            "created_at": created_at, "kind": kind, "tags": tags,
            "content": content, "sig": secrets.token_hex(64)}


async def raw_publish(url, event):
    """Sends EVENT over a plain websocket; returns (accepted, message) from OK."""
    async with connect(url) as ws:
        await ws.send(json.dumps(["EVENT", event]))
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg[0] == "OK":  # nostr-relay leaves the id empty on a bad signature
                return msg[2], msg[3]


async def raw_fetch(url, event_id):
    async with connect(url) as ws:
        await ws.send(json.dumps(["REQ", "q", {"ids": [event_id]}]))
        events = []
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg[0] == "EVENT":
                events.append(msg[2])
            elif msg[0] == "EOSE":
                return events


def port_open(url):
    u = urlparse(url)
    try:
        socket.create_connection((u.hostname, u.port), timeout=1).close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- HTTP helper

def http(method, url, body=None, headers=None):
    """(status, decoded JSON body); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


# ---------------------------------------------------------------- tests

def test_signed_event_round_trips_through_both_relays(peer_env):
    urls = peer_env.need("NCN_RELAY_SDK_URL", "NCN_RELAY_PY_URL")
    event = signed_event("round trip")
    out = asyncio.run(publish(urls, event))
    assert not out.failed, out.failed
    assert {str(u).rstrip("/") for u in out.success} == set(urls)
    for url in urls:
        found = asyncio.run(fetch_by_id(url, event.id()))
        assert [e.as_json() for e in found] == [event.as_json()], url


def test_forged_signature_only_passes_the_noverify_relay(peer_env):
    noverify, sdk, py = peer_env.need(
        "NCN_RELAY_NOVERIFY_URL", "NCN_RELAY_SDK_URL", "NCN_RELAY_PY_URL")
    event = forged_event("forged")

    accepted, msg = asyncio.run(raw_publish(noverify, event))
    assert accepted, msg
    assert asyncio.run(raw_fetch(noverify, event["id"])) == [event]

    for url in (sdk, py):
        accepted, msg = asyncio.run(raw_publish(url, event))
        assert not accepted, f"{url} accepted a forged event"
        assert asyncio.run(raw_fetch(url, event["id"])) == []


def test_mint_info_and_cashu_wallet_mints(peer_env, tmp_path):
    mint_url, cashu = peer_env.need("NCN_MINT_URL", "NCN_CASHU_BIN")
    status, info = http("GET", f"{mint_url}/v1/info")
    assert status == 200, info
    assert {"11", "12"} <= set(info["nuts"]), info["nuts"]  # P2PK and DLEQ

    # A private wallet; cwd too, because the CLI also reads ./.env.
    env = dict(os.environ, CASHU_DIR=str(tmp_path / "wallet"), MINT_URL=mint_url, TOR="FALSE")

    def cli(*args):
        return subprocess.run([cashu, *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=120)

    minted = cli("-y", "invoice", "100")
    assert minted.returncode == 0, minted.stdout + minted.stderr
    balance = cli("balance")
    assert "Balance: 100 sat" in balance.stdout, balance.stdout + balance.stderr


def test_lnbits_internal_payment_settles_once(peer_env):
    base, p_inkey, t_inkey, t_adminkey = peer_env.need(
        "NCN_LNBITS_URL", "NCN_LNBITS_PROVIDER_INKEY",
        "NCN_LNBITS_TENANT_INKEY", "NCN_LNBITS_TENANT_ADMINKEY")

    def api(method, path, key, body=None):
        return http(method, base + path, body, {"X-Api-Key": key})

    def tenant_balance_msat():
        status, wallet = api("GET", "/api/v1/wallet", t_inkey)
        assert status == 200, wallet
        return wallet["balance"]

    status, invoice = api("POST", "/api/v1/payments", p_inkey,
                          {"out": False, "amount": 21, "memo": "ncn peer test"})
    assert status == 201, invoice
    bolt11 = invoice.get("bolt11") or invoice["payment_request"]
    before = tenant_balance_msat()

    status, paid = api("POST", "/api/v1/payments", t_adminkey, {"out": True, "bolt11": bolt11})
    assert status == 201, paid
    status, lookup = api("GET", f"/api/v1/payments/{invoice['payment_hash']}", p_inkey)
    assert status == 200 and lookup["paid"] is True, lookup
    assert tenant_balance_msat() == before - 21_000

    status, again = api("POST", "/api/v1/payments", t_adminkey, {"out": True, "bolt11": bolt11})
    assert status >= 400, f"paid the same invoice twice: {again}"
    assert tenant_balance_msat() == before - 21_000


def test_relay_sdk_keeps_events_across_restart(peer_env, peers_sh):
    (url,) = peer_env.need("NCN_RELAY_SDK_URL")
    event = signed_event("survives a restart")
    out = asyncio.run(publish([url], event))
    assert not out.failed, out.failed

    def peers(*args):
        done = subprocess.run(["bash", peers_sh, *args], text=True,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    try:
        peers("stop", "relay-sdk")
        assert not port_open(url), "relay-sdk still listens after stop"
    finally:
        peers("start", "relay-sdk")  # leave the test bed as we found it
    found = asyncio.run(fetch_by_id(url, event.id()))
    assert [e.id().to_hex() for e in found] == [event.id().to_hex()]

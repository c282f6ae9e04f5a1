"""The tenant of the end-to-end tests: "any NIP-90 client" renting compute as docs/nip-compute.md
describes, written on nostr-sdk 0.45.1 primitives only, so the operator is checked against code
that shares nothing with ours.

The tenant key comes from the environment ($TENANT_KEY, hex or nsec; --key-env picks another
variable), never argv, which `ps` shows. Secret values (secret-env, Cashu tokens) likewise.
Relays: --relay URL (repeatable) or $TENANT_RELAYS (comma separated).

  request    publish a kind 5900 compute request            → {"id", "pubkey", "event", "relays"}
  timestamp  publish a timestamping-DVM kind 5900 (not ours) → same
  publish    re-send a signed event read from stdin          → same (duplicate tests)
  watch      follow the 6900/7000 answers to a request       → JSON lines: ready, event…, timeout
  cancel     kind 5 deletion of a request (NIP-09, k 5900)   → {"id", "event", "relays"}
  nutzap     kind 9321 paying a request's lease (NIP-61)     → {"id", "event", "relays", "amount", …}
  offer      fetch a provider's 31900 by author and d        → {"found", "event", "capacity", …}
  pay-nwc    pay a bolt11 over NWC (testbed/interop/nwc_pay.py), URI in $NWC_URI
  pubkey     the tenant's public key                         → {"pubkey", "npub"}

Exit codes: 0 done; 1 failed (the JSON has "error"); 2 usage; 3 watch timed out.
Run with the nostr venv, e.g. by Tests/IntegrationTests/TenantClient.swift or
tests/python/test_tenant_tool.py.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta

from nostr_sdk import (Client, Event, EventBuilder, EventId, Filter, Keys, Kind,
                       Nip44Version, PublicKey, RelayUrl, ReqTarget,
                       SingleThreadPow, Tag, Timestamp, nip04_decrypt,
                       nip04_encrypt, nip44_decrypt, nip44_encrypt)

import cashu_token
import tenant_events

CONNECT = timedelta(seconds=5)


class Failure(Exception):
    """A failure reported as {"error": …} with exit code 1."""


def emit(obj):
    print(json.dumps(obj), flush=True)


def load_keys(a):
    text = os.environ.get(a.key_env)
    if not text:
        raise Failure(f"set ${a.key_env} to the tenant's secret key (hex or nsec)")
    return Keys.parse(text)


def sign(keys, kind, content, tags, pow_bits=None, created_at=None):
    builder = EventBuilder(Kind(kind), content).tags([Tag.parse(t) for t in tags])
    if created_at is not None:
        builder = builder.custom_created_at(Timestamp.from_secs(created_at))
    if pow_bits:
        return builder.finalize_unsigned(keys.public_key()).mine(SingleThreadPow(), pow_bits).sign(keys)
    return builder.finalize(keys)


async def connected(relays):
    client = Client()
    for url in relays:
        await client.add_relay(RelayUrl.parse(url))
    await client.connect(CONNECT)
    return client


async def send(relays, event):
    """Publishes to every relay; a relay answering `duplicate:` (nostr-relay's way) counts as stored."""
    client = await connected(relays)
    try:
        out = await client.send_event(event)  # does not raise when relays refuse
    finally:
        await client.shutdown()
    ok = [str(u) for u in out.success]
    failed = {}
    for url, message in out.failed.items():
        if message.startswith("duplicate:"):
            ok.append(str(url))
        else:
            failed[str(url)] = message
    result = {"id": event.id().to_hex(), "pubkey": event.author().to_hex(),
              "event": json.loads(event.as_json()), "relays": {"ok": ok, "failed": failed}}
    if not ok:
        result["error"] = "no relay stored the event"
    return result


def encrypt(scheme, keys, peer, plaintext):
    if scheme == "nip04":
        return nip04_encrypt(keys.secret_key(), peer, plaintext)
    return nip44_encrypt(keys.secret_key(), peer, plaintext, Nip44Version.V2)


def decrypt(keys, peer, payload):
    if tenant_events.scheme_of(payload) == "nip04":
        return nip04_decrypt(keys.secret_key(), peer, payload)
    return nip44_decrypt(keys.secret_key(), peer, payload)


# ---------------------------------------------------------------- commands

async def cmd_request(a):
    keys = load_keys(a)
    tags = json.loads(a.raw_tags) if a.raw_tags is not None else tenant_events.request_tags(a, os.environ)
    expiration = a.expiration or (int(time.time()) + a.expires_in if a.expires_in else None)
    if expiration is not None:
        tags.append(["expiration", str(expiration)])
    content = a.content
    if a.encrypt:
        provider = a.provider or next((t[1] for t in tags if t[:1] == ["p"] and len(t) > 1), None)
        if not provider:
            raise Failure("--encrypt needs --provider: the request is sealed to one provider")
        tags, hidden = tenant_events.split_for_encryption(tags, provider)
        content = encrypt(a.encrypt, keys, PublicKey.parse(provider), json.dumps(hidden))
    event = sign(keys, 5900, content, tags, a.pow, a.created_at)
    return await send(a.relay, event)


async def cmd_timestamp(a):
    keys = load_keys(a)
    digest = a.hash or os.urandom(32).hex()
    return await send(a.relay, sign(keys, 5900, "", [["i", digest, "text"]]))


async def cmd_publish(a):
    event = Event.from_json(sys.stdin.read())
    return await send(a.relay, event)


async def cmd_cancel(a):
    keys = load_keys(a)
    tags = [["e", a.request], ["k", "5900"]]
    return await send(a.relay, sign(keys, 5, a.reason, tags))


async def cmd_nutzap(a):
    keys = load_keys(a)
    text = a.token or os.environ.get(a.token_env)
    if not text:
        raise Failure(f"give the token in ${a.token_env} (or --token, which ps shows)")
    token = cashu_token.decode(text)
    if a.mint:
        token["mint"] = a.mint
    tags = tenant_events.nutzap_tags(token, a.request, a.provider, a.relay_hint)
    result = await send(a.relay, sign(keys, 9321, a.comment, tags))
    result.update({"amount": sum(p["amount"] for p in token["proofs"]), "mint": token["mint"],
                   "unit": token["unit"], "locked_to": sorted({_lock(p) for p in token["proofs"]} - {None})})
    return result


def _lock(proof):
    """The NUT-11 P2PK key a proof's secret is locked to, if any (a check the tests can assert)."""
    try:
        kind, body = json.loads(proof["secret"])
        return body["data"] if kind == "P2PK" else None
    except (ValueError, TypeError, KeyError):
        return None


async def cmd_offer(a):
    query = Filter().kind(Kind(31900)).author(PublicKey.parse(a.provider)).identifier(a.d)
    deadline = time.monotonic() + a.wait
    client = await connected(a.relay)
    try:
        while True:
            events = await client.fetch_events(ReqTarget.auto([query]), timedelta(seconds=3))
            live = [e for e in events if not e.is_expired()]
            # NIP-01: the newest wins, the lowest id on a tie; a relay may keep several (nostr-relay).
            live.sort(key=lambda e: (-e.created_at().as_secs(), e.id().to_hex()))
            best = live[0] if live else None
            if best and (a.newer_than is None or best.created_at().as_secs() > a.newer_than):
                break
            if time.monotonic() >= deadline:
                return {"found": False, "error": "no such offer" if best is None else "no offer newer than --newer-than",
                        "copies": len(events)}
            await asyncio.sleep(0.5)
    finally:
        await client.shutdown()
    raw = json.loads(best.as_json())
    return {"found": True, "id": raw["id"], "pubkey": raw["pubkey"], "created_at": raw["created_at"],
            "copies": len(events), **tenant_events.offer_fields(raw["tags"]),
            "content": raw["content"], "tags": raw["tags"], "event": raw}


async def cmd_pay_nwc(a):
    import nwc_pay  # reused as is: it already pays with nostr-sdk's own NIP-47 client
    uri = os.environ.get("NWC_URI")
    if not uri:
        raise Failure("set $NWC_URI to the tenant's nostr+walletconnect URI")
    return await nwc_pay.pay(uri, a.bolt11)


async def cmd_pubkey(a):
    keys = load_keys(a)
    return {"pubkey": keys.public_key().to_hex(), "npub": keys.public_key().to_bech32()}


async def cmd_watch(a):
    keys = load_keys(a)
    client = await connected(a.relay)
    notifications = client.notifications()  # before subscribing, or early events are lost
    query = Filter().kinds([Kind(k) for k in a.kind]).event(EventId.parse(a.request))
    if a.provider:
        query = query.author(PublicKey.parse(a.provider))
    # Stored answers first, in full: relays send them newest first, and a watch started late
    # must still print the bid before the terminated. Anything stored after the fetch comes
    # with the subscription's own stored events; `printed` drops the overlap.
    stored = await client.fetch_events(ReqTarget.auto([query]), CONNECT)
    await client.subscribe(ReqTarget.auto([query]))
    emit({"type": "ready", "request": a.request, "pubkey": keys.public_key().to_hex(), "relays": a.relay})
    deadline = time.monotonic() + a.timeout
    seen, printed = [], set()

    def show(event, relay):
        """Prints an answer once; True when it is one of the --until statuses."""
        if event.id().to_hex() in printed or event.kind().as_u16() not in a.kind:
            return False
        printed.add(event.id().to_hex())
        line = describe(event, keys, relay)
        emit(line)
        seen.append({"kind": line["kind"], "status": line["status"], "id": line["id"]})
        if line["status"] in a.until:
            # Said in a line of its own: a reader need not wait for the pipe to close, which
            # CI once saw never happen after the --until status was printed.
            emit({"type": "done", "status": line["status"], "seen": seen})
            return True
        return False

    for event in sorted(stored, key=lambda e: (e.created_at().as_secs(), e.id().to_hex())):
        if show(event, None):
            return 0
    pending = None
    while True:
        remaining = deadline - time.monotonic()
        # The pending next() is kept across turns rather than cancelled: cancelling a future
        # the Rust side still completes is not something to rely on.
        pending = pending or asyncio.ensure_future(notifications.next())
        done, _ = await asyncio.wait({pending}, timeout=max(remaining, 0))
        if not done:
            emit({"type": "timeout", "after": a.timeout, "until": a.until, "seen": seen})
            return 3
        notification, pending = pending.result(), None
        if notification is None or notification.is_shutdown():
            emit({"type": "closed", "seen": seen})
            return 1
        if notification.is_new_event() and show(notification.event, str(notification.relay_url)):
            return 0


def describe(event, keys, relay):
    """One answer as a JSON line: its fields, with encrypted content opened (§4.2)."""
    raw = json.loads(event.as_json())
    line = {"type": "event", "kind": raw["kind"], "id": raw["id"], "pubkey": raw["pubkey"],
            "created_at": raw["created_at"], "received_at": time.time(), "relay": relay,
            "encrypted": None}
    tags = list(raw["tags"])
    if ["encrypted"] in tags and raw["content"]:
        line["encrypted"] = tenant_events.scheme_of(raw["content"])
        try:
            hidden = json.loads(decrypt(keys, event.author(), raw["content"]))
            if not (isinstance(hidden, list) and all(isinstance(t, list) and all(isinstance(v, str) for v in t)
                                                     for t in hidden)):
                raise ValueError("not an array of arrays of strings")
            tags += hidden
        except Exception as error:  # the test asserts on it; the tool keeps watching
            line["decrypt_error"] = f"{type(error).__name__}: {error}"
    line.update(tenant_events.answer_fields(tags))
    line.update({"tags": tags, "public_tags": raw["tags"], "content": raw["content"]})
    return line


# ---------------------------------------------------------------- arguments

def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--relay", action="append", default=[], help="relay URL (repeatable)")
    common.add_argument("--key-env", default="TENANT_KEY", help="variable holding the secret key")

    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("request", parents=[common], help="publish a kind 5900 compute request")
    for name in ("image", "cpu", "memory", "gpus", "gpu-model", "duration", "bid"):
        r.add_argument(f"--{name}")
    r.add_argument("--command", help='JSON array of words, e.g. \'["python","-m","http.server"]\'')
    r.add_argument("--args", help="JSON array of arguments")
    r.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    r.add_argument("--secret-env", action="append", default=[], metavar="NAME[=FROM_VAR]",
                   help="value read from $FROM_VAR (default $NAME)")
    r.add_argument("--port", action="append", default=[], metavar="NUM[/PROTO[/NAME]]")
    r.add_argument("--rail", help="lightning or cashu")
    r.add_argument("--cashu-env", action="append", default=[], metavar="VAR",
                   help="a ['param','cashu',token] with the token read from $VAR")
    r.add_argument("--relays-tag", action="append", default=[], metavar="URL",
                   help="the request's relays tag (default: the --relay URLs)")
    r.add_argument("--no-relays-tag", action="store_true")
    r.add_argument("--provider", help="p tag: the provider's hex pubkey")
    r.add_argument("--expiration", type=int, help="NIP-40 expiration, unix seconds")
    r.add_argument("--expires-in", type=int, help="NIP-40 expiration, seconds from now")
    r.add_argument("--pow", type=int, help="NIP-13 difficulty to mine")
    r.add_argument("--encrypt", choices=["nip44", "nip04"], help="seal the spec to --provider (§4.1)")
    r.add_argument("--tag", action="append", default=[], metavar="JSON", help="an extra tag, e.g. '[\"param\",\"x\",\"1\"]'")
    r.add_argument("--raw-tags", metavar="JSON", help="the whole tag array instead of the flags")
    r.add_argument("--content", default="")
    r.add_argument("--created-at", type=int)
    r.set_defaults(run=cmd_request)

    t = sub.add_parser("timestamp", parents=[common], help="publish a timestamping-DVM 5900")
    t.add_argument("--hash", help="sha256 hex (default random)")
    t.set_defaults(run=cmd_timestamp)

    p = sub.add_parser("publish", parents=[common], help="re-send a signed event read from stdin")
    p.set_defaults(run=cmd_publish)

    w = sub.add_parser("watch", parents=[common], help="follow the answers to a request")
    w.add_argument("--request", required=True)
    w.add_argument("--provider", help="only answers by this pubkey")
    w.add_argument("--until", action="append", default=[], metavar="STATUS", help="stop after this status")
    w.add_argument("--timeout", type=float, default=60)
    w.add_argument("--kind", action="append", type=int, help="default 6900 and 7000")
    w.set_defaults(run=cmd_watch)

    c = sub.add_parser("cancel", parents=[common], help="kind 5 deletion of a request")
    c.add_argument("--request", required=True)
    c.add_argument("--reason", default="")
    c.set_defaults(run=cmd_cancel)

    n = sub.add_parser("nutzap", parents=[common], help="NIP-61 kind 9321 for a request")
    n.add_argument("--request", required=True)
    n.add_argument("--provider", required=True)
    n.add_argument("--token-env", default="CASHU_TOKEN", help="variable holding the token")
    n.add_argument("--token", help="the token itself (visible to ps: prefer --token-env)")
    n.add_argument("--mint", help="u tag, overriding the token's mint URL")
    n.add_argument("--relay-hint", help="third value of the e tag")
    n.add_argument("--comment", default="")
    n.set_defaults(run=cmd_nutzap)

    o = sub.add_parser("offer", parents=[common], help="fetch a 31900 offer")
    o.add_argument("--provider", required=True)
    o.add_argument("--d", required=True)
    o.add_argument("--wait", type=float, default=0, help="keep trying this many seconds")
    o.add_argument("--newer-than", type=int, help="only an offer created after this unix time")
    o.set_defaults(run=cmd_offer)

    y = sub.add_parser("pay-nwc", parents=[common], help="pay a bolt11 with $NWC_URI")
    y.add_argument("bolt11")
    y.set_defaults(run=cmd_pay_nwc)

    k = sub.add_parser("pubkey", parents=[common], help="the tenant's public key")
    k.set_defaults(run=cmd_pubkey)
    return top


def main():
    a = parser().parse_args()
    if not a.relay and os.environ.get("TENANT_RELAYS"):
        a.relay = [u for u in os.environ["TENANT_RELAYS"].split(",") if u]
    if a.cmd == "watch" and a.kind is None:
        a.kind = [6900, 7000]
    if not a.relay and a.cmd not in ("pubkey", "pay-nwc"):
        emit({"error": "give --relay URL (repeatable) or $TENANT_RELAYS"})
        return 2
    asyncio.run(run_then_exit(a))


async def run_then_exit(a):
    """Runs the command and exits from inside the event loop: asyncio.run's teardown can wait
    forever on a future the bindings' Rust side never completes (CI saw a watch that had printed
    its --until status never exit), and nothing is left to clean up."""
    try:
        result = await a.run(a)
    except Failure as error:
        result = {"error": str(error)}
    except Exception as error:  # tests assert on the message, never a traceback
        result = {"error": f"{type(error).__name__}: {error}"}
    if isinstance(result, int):  # watch printed its own lines
        code = result
    else:
        emit(result)
        code = 1 if "error" in result else 0
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)

"""nostr-sdk (rust-nostr) as an independent reference for interop tests.

Reads a JSON list of requests on stdin and writes a JSON list of answers on stdout,
one answer per request, so a Swift test pays Python's start-up once per batch.
Each request is an object with "op"; failures answer {"error": "..."} instead of raising.
"""

import asyncio
import json
import sys
from datetime import timedelta

from nostr_sdk import (Client, Coordinate, Filter, ReqTarget, Event, EventBuilder, EventId, Keys, Kind,
                       Nip19Coordinate, Nip19Event, Nip19Profile, Nip44Version,
                       PublicKey, RelayUrl, SecretKey, Tag, Timestamp,
                       nip04_decrypt, nip04_encrypt, nip44_decrypt,
                       nip44_encrypt)


def relays(values):
    return [RelayUrl.parse(v) for v in values]


def verify(req):
    event = Event.from_json(json.dumps(req["event"]))
    return {"ok": event.verify(), "id": event.id().to_hex()}


def sign(req):
    keys = Keys(SecretKey.parse(req["secret"]))
    builder = EventBuilder(Kind(req["kind"]), req["content"]).tags(
        [Tag.parse(t) for t in req.get("tags", [])])
    if "created_at" in req:
        builder = builder.custom_created_at(Timestamp.from_secs(req["created_at"]))
    return {"event": json.loads(builder.finalize(keys).as_json())}


def nip44(req):
    secret = SecretKey.parse(req["secret"])
    peer = PublicKey.parse(req["peer"])
    if req["op"] == "nip44_encrypt":
        return {"payload": nip44_encrypt(secret, peer, req["plaintext"], Nip44Version.V2)}
    return {"plaintext": nip44_decrypt(secret, peer, req["payload"])}


def nip04(req):
    secret = SecretKey.parse(req["secret"])
    peer = PublicKey.parse(req["peer"])
    if req["op"] == "nip04_encrypt":
        return {"payload": nip04_encrypt(secret, peer, req["plaintext"])}
    return {"plaintext": nip04_decrypt(secret, peer, req["payload"])}


def nip19_encode(req):
    out = {}
    if "pubkey" in req:
        pk = PublicKey.parse(req["pubkey"])
        out["npub"] = pk.to_bech32()
        out["nprofile"] = Nip19Profile(pk, relays(req.get("relays", []))).to_bech32()
    if "secret" in req:
        out["nsec"] = SecretKey.parse(req["secret"]).to_bech32()
    if "event_id" in req:
        eid = EventId.parse(req["event_id"])
        out["note"] = eid.to_bech32()
        author = PublicKey.parse(req["pubkey"]) if "pubkey" in req else None
        kind = Kind(req["kind"]) if "kind" in req else None
        out["nevent"] = Nip19Event(eid, author, kind, relays(req.get("relays", []))).to_bech32()
    if "identifier" in req:
        coordinate = Coordinate(Kind(req["kind"]), PublicKey.parse(req["pubkey"]), req["identifier"])
        out["naddr"] = Nip19Coordinate(coordinate, relays(req.get("relays", []))).to_bech32()
    return out


def nip19_decode(req):
    text = req["value"]
    prefix = text.split("1", 1)[0]
    if prefix == "npub":
        return {"pubkey": PublicKey.parse(text).to_hex()}
    if prefix == "nsec":
        return {"secret": SecretKey.parse(text).to_hex()}
    if prefix == "note":
        return {"event_id": EventId.parse(text).to_hex()}
    if prefix == "nprofile":
        p = Nip19Profile.from_bech32(text)
        return {"pubkey": p.public_key().to_hex(), "relays": [str(r) for r in p.relays()]}
    if prefix == "nevent":
        e = Nip19Event.from_bech32(text)
        author = e.author()
        kind = e.kind()
        return {"event_id": e.event_id().to_hex(), "pubkey": author.to_hex() if author else None,
                "kind": kind.as_u16() if kind else None, "relays": [str(r) for r in e.relays()]}
    if prefix == "naddr":
        c = Nip19Coordinate.from_bech32(text)
        coord = c.coordinate()
        return {"kind": coord.kind().as_u16(), "pubkey": coord.public_key().to_hex(),
                "identifier": coord.identifier(), "relays": [str(r) for r in c.relays()]}
    return {"error": f"unknown NIP-19 prefix {prefix}"}


def fetch_addressable(req):
    """Every event the relay holds for (kind, author, d): a NIP-01 relay keeps one."""
    async def run():
        client = Client()
        await client.add_relay(RelayUrl.parse(req["relay"]))
        await client.connect(timedelta(seconds=5))
        try:
            found = Filter().kind(Kind(req["kind"])).author(PublicKey.parse(req["pubkey"])).identifier(req["identifier"])
            events = await client.fetch_events(ReqTarget.single(RelayUrl.parse(req["relay"]), [found]),
                                               timedelta(seconds=req.get("timeout", 5)))
            # Checked here too: a forged event must not pass for the provider's offer.
            return {"events": [json.loads(e.as_json()) for e in events if e.verify()]}
        finally:
            await client.shutdown()
    return asyncio.run(run())


OPS = {
    "verify": verify, "sign": sign,
    "nip44_encrypt": nip44, "nip44_decrypt": nip44,
    "nip04_encrypt": nip04, "nip04_decrypt": nip04,
    "nip19_encode": nip19_encode, "nip19_decode": nip19_decode,
    "fetch_addressable": fetch_addressable,
}


def answer(req):
    try:
        return OPS[req["op"]](req)
    except Exception as error:  # the caller asserts on the message, never a crash
        return {"error": f"{type(error).__name__}: {error}"}


if __name__ == "__main__":
    json.dump([answer(r) for r in json.load(sys.stdin)], sys.stdout)

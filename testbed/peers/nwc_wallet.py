"""A NIP-47 (Nostr Wallet Connect) wallet service over an LNbits wallet, for tests.

Usage: python nwc_wallet.py STATE_DIR RELAY_URL [--nip04-only]
Environment: NWC_LNBITS_URL, NWC_LNBITS_KEY (invoice key, or admin key) and optionally
NWC_LNBITS_ADMINKEY (enables pay_invoice). Keys come through the environment, not argv, so
that `ps` does not show them.

Keys live in STATE_DIR (wallet_key, client_key; made once, kept across restarts), so the
connection URI, written to STATE_DIR/uri, stays the same. STATE_DIR/ready appears once the
info event is published and requests are being listened for.

Behaviour tests rely on: only the URI's client key is served; a request seen again (same
event id) gets the first answer again, never a second invoice; requests past their NIP-40
`expiration` are ignored; paid invoices this service made are announced as payment_received
(kind 23197 under NIP-44, 23196 under NIP-04, following the request that made the invoice).
--nip04-only: the info event has no `encryption` tag (NIP-47: NIP-04 only) and NIP-44
requests get UNSUPPORTED_ENCRYPTION. Runs in the nostr venv (nostr-sdk==0.45.1).
"""

import asyncio
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from nostr_sdk import (Client, Event, EventBuilder, Filter, Keys, Kind, PublicKey,
                       RelayUrl, ReqTarget, SecretKey, Tag, nip04_decrypt, nip04_encrypt,
                       nip44_decrypt, nip44_encrypt, Nip44Version)

INFO, REQUEST, RESPONSE, NOTIFY_NIP04, NOTIFY_NIP44 = 13194, 23194, 23195, 23196, 23197


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def load_key(path):
    """A hex secret key kept in path, made on first use (owner-only)."""
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(Keys.generate().secret_key().to_hex())
    with open(path) as f:
        return Keys(SecretKey.parse(f.read().strip()))


class WalletError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class LNbits:
    def __init__(self, url, key, adminkey):
        self.url, self.key, self.adminkey = url.rstrip("/"), key, adminkey

    def call(self, method, path, body=None, admin=False):
        req = urllib.request.Request(self.url + path, method=method)
        req.add_header("X-Api-Key", self.adminkey if admin else self.key)
        if body is not None:
            req.data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:200]
            if e.code == 404:
                raise WalletError("NOT_FOUND", detail) from None
            raise WalletError("INTERNAL", f"LNbits HTTP {e.code}: {detail}") from None


def unix(text):
    """LNbits timestamps are ISO 8601, sometimes without a zone (then UTC)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def transaction(p, paid=None):
    """An LNbits payment as a NIP-47 transaction."""
    expires_at = unix(p.get("expiry"))
    paid = p.get("status") == "success" if paid is None else paid
    state = "settled" if paid else ("failed" if p.get("status") == "failed" else
                                    "expired" if expires_at and expires_at <= time.time() else "pending")
    tx = {"type": "outgoing" if p.get("amount", 0) < 0 else "incoming",
          "invoice": p.get("bolt11") or p.get("payment_request"), "description": p.get("memo"),
          "payment_hash": p["payment_hash"], "amount": abs(p.get("amount", 0)),
          "fees_paid": abs(p.get("fee") or 0), "created_at": unix(p.get("created_at") or p.get("time")),
          "expires_at": expires_at, "state": state}
    if paid:
        tx["preimage"] = p.get("preimage")
        tx["settled_at"] = unix(p.get("updated_at")) or int(time.time())
    return tx


class Service:
    def __init__(self, state_dir, relay, nip04_only, lnbits):
        self.keys = load_key(os.path.join(state_dir, "wallet_key"))
        self.client_keys = load_key(os.path.join(state_dir, "client_key"))
        self.relay, self.nip04_only, self.lnbits = relay, nip04_only, lnbits
        self.methods = ["make_invoice", "lookup_invoice", "get_info", "get_balance"]
        if lnbits.adminkey:
            self.methods.append("pay_invoice")
        self.answers = {}   # request id -> response plaintext: de-duplication
        self.busy = set()   # request ids being worked on
        self.watched = {}   # payment hash -> encryption of the request that made the invoice
        self.client = Client()
        # Secret first: scripts that `source` the env file split this line at `&`, and what
        # follows the last `&` becomes a shell variable; better the relay than the secret.
        self.uri = (f"nostr+walletconnect://{self.keys.public_key().to_hex()}"
                    f"?secret={self.client_keys.secret_key().to_hex()}&relay={quote(relay, safe='')}")

    # ------------------------------------------------------------ encryption
    def encrypt(self, scheme, text):
        peer = self.client_keys.public_key()
        if scheme == "nip04":
            return nip04_encrypt(self.keys.secret_key(), peer, text)
        return nip44_encrypt(self.keys.secret_key(), peer, text, Nip44Version.V2)

    def decrypt(self, scheme, payload):
        peer = self.client_keys.public_key()
        if scheme == "nip04":
            return nip04_decrypt(self.keys.secret_key(), peer, payload)
        return nip44_decrypt(self.keys.secret_key(), peer, payload)

    async def publish(self, kind, content, tags):
        event = EventBuilder(Kind(kind), content).tags([Tag.parse(t) for t in tags]).finalize(self.keys)
        output = await self.client.send_event(event)
        if output.failed:
            log("publish failed:", output.failed)

    # ------------------------------------------------------------ requests
    async def handle(self, event):
        ev = json.loads(event.as_json())
        rid, tags = ev["id"], ev["tags"]
        expiration = next((int(t[1]) for t in tags if t[0] == "expiration" and t[1].isdigit()), None)
        if expiration is not None and expiration <= time.time():
            log("ignoring expired request", rid)
            return
        scheme = next((t[1] for t in tags if t[0] == "encryption" and len(t) > 1), "nip04")
        if rid in self.answers:
            log("repeated request", rid, "- answering from cache")
            await self.respond(rid, *self.answers[rid])
            return
        if rid in self.busy:
            log("repeated request", rid, "- already being answered")
            return
        self.busy.add(rid)
        try:
            method = "unknown"
            if scheme not in ("nip04",) + (() if self.nip04_only else ("nip44_v2",)):
                body = {"result_type": method, "error": {"code": "UNSUPPORTED_ENCRYPTION",
                        "message": f"this wallet does not speak {scheme}"}, "result": None}
                scheme = "nip04"
            else:
                try:
                    request = json.loads(self.decrypt(scheme, ev["content"]))
                except Exception as e:  # not for us, or garbled: nothing sensible to answer
                    log("cannot read request", rid, f"({scheme}):", e)
                    return
                method = request.get("method", "unknown")
                try:
                    result = await asyncio.to_thread(self.dispatch, method, request.get("params") or {}, scheme)
                    body = {"result_type": method, "error": None, "result": result}
                except WalletError as e:
                    body = {"result_type": method, "error": {"code": e.code, "message": str(e)}, "result": None}
            log("answered", method, rid, scheme, (body["error"] or {}).get("code", "ok"))
            self.answers[rid] = (scheme, json.dumps(body))
            await self.respond(rid, scheme, json.dumps(body))
        finally:
            self.busy.discard(rid)

    async def respond(self, rid, scheme, plaintext):
        # Signed afresh each time: relays may swallow a copy of an event they already passed on.
        tags = [["p", self.client_keys.public_key().to_hex()], ["e", rid]]
        await self.publish(RESPONSE, self.encrypt(scheme, plaintext), tags)

    def dispatch(self, method, params, scheme):
        if method not in self.methods:
            raise WalletError("NOT_IMPLEMENTED", f"{method} is not offered")
        if method == "make_invoice":
            msats = int(params.get("amount", 0))
            if msats <= 0 or msats % 1000:
                raise WalletError("OTHER", "LNbits invoices whole satoshis only")
            body = {"out": False, "amount": msats // 1000, "memo": params.get("description", "")}
            if params.get("expiry"):
                body["expiry"] = int(params["expiry"])
            p = self.lnbits.call("POST", "/api/v1/payments", body)
            self.watched[p["payment_hash"]] = scheme
            return transaction(p, paid=False)
        if method == "lookup_invoice":
            return self.lookup(params.get("payment_hash", ""))
        if method == "get_balance":
            return {"balance": self.lnbits.call("GET", "/api/v1/wallet")["balance"]}
        if method == "get_info":
            return {"alias": "ncn test bed NWC", "color": "000000", "pubkey": self.keys.public_key().to_hex(),
                    "network": "regtest", "block_height": 0, "block_hash": "00" * 32,
                    "methods": self.methods, "notifications": ["payment_received"]}
        if method == "pay_invoice":
            try:
                p = self.lnbits.call("POST", "/api/v1/payments", {"out": True, "bolt11": params["invoice"]}, admin=True)
            except WalletError as e:
                raise WalletError("PAYMENT_FAILED", str(e)) from None
            tx = self.lookup(p["payment_hash"])
            return {"preimage": tx.get("preimage") or p.get("preimage"), "fees_paid": tx.get("fees_paid", 0)}
        raise WalletError("NOT_IMPLEMENTED", method)

    def lookup(self, payment_hash):
        r = self.lnbits.call("GET", f"/api/v1/payments/{payment_hash}")
        p = dict(r["details"], preimage=r.get("preimage") or r["details"].get("preimage"))
        return transaction(p, paid=bool(r.get("paid")))

    # ------------------------------------------------------------ notifications
    async def watch_payments(self):
        while True:
            await asyncio.sleep(0.5)
            for payment_hash, scheme in list(self.watched.items()):
                try:
                    tx = await asyncio.to_thread(self.lookup, payment_hash)
                except WalletError as e:
                    log("lookup while watching failed:", e)
                    continue
                if tx["state"] == "pending":
                    continue
                del self.watched[payment_hash]
                if tx["state"] == "settled":
                    body = json.dumps({"notification_type": "payment_received", "notification": tx})
                    kind = NOTIFY_NIP44 if scheme == "nip44_v2" else NOTIFY_NIP04
                    await self.publish(kind, self.encrypt(scheme, body), [["p", self.client_keys.public_key().to_hex()]])
                    log("payment_received", payment_hash)

    # ------------------------------------------------------------ main
    async def run(self, state_dir):
        tmp = os.path.join(state_dir, "uri.tmp")  # holds the client secret: owner-only
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.uri + "\n")
        os.replace(tmp, os.path.join(state_dir, "uri"))
        await self.client.add_relay(RelayUrl.parse(self.relay))
        await self.client.connect(timedelta(seconds=10))
        notifications = self.client.notifications()  # before subscribing, or early events are lost
        # No `since`: requests are ephemeral, so there is no backlog, and a client re-sending an
        # older request after we restarted must still reach us.
        requests = Filter().kind(Kind(REQUEST)).author(self.client_keys.public_key()).pubkey(self.keys.public_key())
        await self.client.subscribe(ReqTarget.auto([requests]))
        tags = [["notifications", "payment_received"]]
        if not self.nip04_only:
            tags.append(["encryption", "nip44_v2 nip04"])
        await self.publish(INFO, " ".join(self.methods), tags)
        with open(os.path.join(state_dir, "ready"), "w") as f:
            f.write(self.keys.public_key().to_hex() + "\n")
        log("serving", self.keys.public_key().to_hex(), "on", self.relay, "nip04 only" if self.nip04_only else "nip44_v2 nip04")
        watcher = asyncio.create_task(self.watch_payments())
        tasks = {watcher}
        while (note := await notifications.next()) is not None:
            # MESSAGE, not NEW_EVENT: the client reports each event id once, but a re-sent request
            # (same id) must be seen again to be answered again.
            if not note.is_MESSAGE():
                continue
            message = note.message.as_enum()
            if not message.is_EVENT_MSG():
                continue
            event = message.event
            if event.kind().as_u16() != REQUEST or not event.verify():
                continue
            if event.author().to_hex() != self.client_keys.public_key().to_hex():
                continue
            task = asyncio.create_task(self.handle(event))
            tasks.add(task)
            task.add_done_callback(tasks.discard)


async def main(state_dir, relay, nip04_only):
    os.makedirs(state_dir, exist_ok=True)
    lnbits = LNbits(os.environ["NWC_LNBITS_URL"], os.environ["NWC_LNBITS_KEY"], os.environ.get("NWC_LNBITS_ADMINKEY"))
    service = Service(state_dir, relay, nip04_only, lnbits)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(service.run(state_dir))
    done, _ = await asyncio.wait({serving, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if serving in done:
        serving.result()  # raises what stopped it
    await service.client.shutdown()
    log("stopped")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], "--nip04-only" in sys.argv[3:]))
    os._exit(0)  # as relay_sdk.py: skip the teardown race with the bindings' Rust threads

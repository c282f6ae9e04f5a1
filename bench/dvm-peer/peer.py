#!/usr/bin/env python3
"""The benchmark's Python peer: a NIP-90 DVM on the PyPI framework nostr-dvm (1.1.8) that does
a compute provider's market job from docs/nip-compute.md.

For each plain kind 5900 compute request it reads the params, checks them (the draft's rules,
then this provider's policy), prices them with the draft's formula, and answers with a kind 6900
`bid` followed by a kind 7000 `payment-required` carrying a bolt11 invoice from LNbits. A
request that breaks a rule gets a kind 7000 `error` with the draft's reason code. It runs no
containers: see README.md for what it does not do.

How it sits on nostr-dvm: the framework's DVM loop (subscription, signature checks, p-tag
filter, user database, bid check, LNbits invoice, job list, payment polling) runs as is, with
one DVMTaskInterface task of kind 5900. The framework prices per task (FIX_COST +
PER_UNIT_COST x "duration"), so the amount computation is overridden, and the framework writes
its own NIP-90 feedback, so its publish step is hooked to send the draft's events. The hooks
replace names in the module nostr_dvm.dvm, which is where the loop looks them up at call time:

  input_data_file_duration  -> ComputeMarket.intake: parse, check, price one request (it is the
                               framework's per-request "units" step and gets the event)
  get_amount_per_task       -> ComputeMarket.amount: the quoted price in sats, or None to stop
  create_bolt11_ln_bits     -> ComputeMarket.create_invoice: the framework's LNbits call
                               (POST /api/v1/payments, invoice key), remembered per payment hash
  check_bolt11_ln_bits_is_paid -> ComputeMarket.check_paid: the framework's LNbits poll, ended
                               when the bid lapses instead of after the framework's 24 h
  send_event_outbox         -> ComputeMarket.publish: 6900 bid + draft 7000 in place of the
                               framework's payment-required; publishes to the peer's relays

Example:
  bench/dvm-peer/install.sh
  ~/.cache/nostr-compute/venv/dvm-bench/bin/python bench/dvm-peer/peer.py \\
      --relay ws://127.0.0.1:27001 --secret-key $(openssl rand -hex 32) \\
      --lnbits-url http://127.0.0.1:13340 --lnbits-invoice-key <inkey>
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compute_request as cr  # noqa: E402  (this folder's pure protocol code)

KIND_REQUEST, KIND_RESULT, KIND_FEEDBACK = 5900, 6900, 7000
KIND_OFFER, KIND_HANDLER = 31900, 31990
EXAMPLE = """example:
  %(prog)s --relay ws://127.0.0.1:27001 --secret-key <64 hex> \\
      --lnbits-url http://127.0.0.1:13340 --lnbits-invoice-key <invoice key>
  NCN_DVM_SECRET_KEY=<hex> LNBITS_URL=http://127.0.0.1:13340 LNBITS_INVOICE_KEY=<key> \\
      %(prog)s --relay ws://127.0.0.1:27001 --relay ws://127.0.0.1:27002 --gpu NVIDIA-H100-80GB-HBM3:8:2000000

It prints one line per answer to stderr ("bid <id> ... in N ms" / "refused <id> ...") and the
framework's own log to stdout. Stop it with SIGINT or SIGTERM.
"""


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} dvm-peer: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ command line

def parse_args(argv=None):
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="peer.py",
        description="A NIP-90 DVM (nostr-dvm 1.1.8) that answers kind 5900 compute requests "
                    "of docs/nip-compute.md with a 6900 bid and a 7000 payment-required "
                    "carrying an LNbits invoice.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--relay", action="append", default=[], metavar="URL",
                   help="relay to read requests from and publish answers to (repeat; "
                        "default: $NCN_DVM_RELAYS, comma-separated)")
    p.add_argument("--secret-key", default=env("NCN_DVM_SECRET_KEY"), metavar="HEX",
                   help="provider secret key, 64 hex (default: $NCN_DVM_SECRET_KEY)")
    p.add_argument("--lnbits-url", default=env("LNBITS_URL"), metavar="URL",
                   help="LNbits base URL (default: $LNBITS_URL)")
    p.add_argument("--lnbits-invoice-key", default=env("LNBITS_INVOICE_KEY"), metavar="KEY",
                   help="LNbits wallet invoice/read key (default: $LNBITS_INVOICE_KEY)")
    p.add_argument("--state-dir", default=None, metavar="DIR",
                   help="where nostr-dvm keeps its sqlite user table (default: "
                        "${NCN_CACHE:-~/.cache/nostr-compute}/dvm-peer/<pubkey prefix>)")
    p.add_argument("--name", default="ncn-dvm-peer", help="DVM name (NIP-89 and logs)")
    p.add_argument("--offer-d", default="dvm-peer", metavar="ID",
                   help="d tag of the 31900 offer and 31990 announcement")
    p.add_argument("--no-announce", action="store_true",
                   help="publish neither the 31900 offer nor the NIP-89 31990 at start")
    p.add_argument("--log-level", choices=["error", "warn", "info", "debug"], default="warn",
                   help="nostr-dvm's log level (default warn: one line per answer from this "
                        "peer, little from the framework)")
    p.add_argument("--quiet", action="store_true",
                   help="no line per answer on stderr (the counts are printed at the end)")
    p.add_argument("--no-payment-watch", action="store_true",
                   help="do not poll LNbits for payment of the invoices (the framework polls "
                        "every unpaid invoice once a second until its bid lapses)")
    g = p.add_argument_group("prices (msats per hour; defaults are manifests/ ComputeProvider's)")
    g.add_argument("--price-cpu", type=int, default=20_000, metavar="MSATS", help="per core-hour")
    g.add_argument("--price-memory", type=int, default=5_000, metavar="MSATS", help="per GiB-hour")
    g.add_argument("--price-disk", type=int, default=100, metavar="MSATS",
                   help="per GiB-hour of local disk")
    g.add_argument("--gpu", action="append", default=[], metavar="MODEL:COUNT:MSATS",
                   help="a GPU model rented out: how many and msats per GPU-hour (repeat)")
    g = p.add_argument_group("billing and policy")
    g.add_argument("--interval", type=int, default=600, help="billing interval, s (600)")
    g.add_argument("--grace", type=int, default=60, help="grace after paid-until, s (60)")
    g.add_argument("--lead", type=int, default=120, help="invoice lead before paid-until, s")
    g.add_argument("--bid-lifetime", type=int, default=300, help="how long a bid stands, s (300)")
    g.add_argument("--registry", action="append", default=None, metavar="PREFIX",
                   help="allowed image registry prefix (repeat; default docker.io ghcr.io "
                        "quay.io; 'any' allows every registry)")
    g.add_argument("--ports", default="1024-65535", metavar="MIN-MAX",
                   help="container ports a request may declare")
    g.add_argument("--max-duration", type=int, default=86_400, metavar="S")
    g.add_argument("--max-gpus", type=int, default=8)
    g.add_argument("--default-disk", default="10Gi", metavar="QUANTITY")
    g.add_argument("--max-disk", default="100Gi", metavar="QUANTITY")
    g.add_argument("--capacity-cpu", default="64", metavar="CORES",
                   help="cores offered (no per-lease accounting: a request larger than this "
                        "gets no-capacity)")
    g.add_argument("--capacity-memory", default="256Gi", metavar="QUANTITY")
    g.add_argument("--capacity-disk", default="2Ti", metavar="QUANTITY")
    args = p.parse_args(argv)

    if not args.relay and env("NCN_DVM_RELAYS"):
        args.relay = [u for u in env("NCN_DVM_RELAYS").split(",") if u]
    problems = []
    if not args.relay:
        problems.append("at least one --relay is needed")
    for url in args.relay:
        if not url.startswith(("ws://", "wss://")):
            problems.append(f"--relay {url!r} is not a ws:// or wss:// URL")
    key = args.secret_key or ""
    if len(key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in key):
        problems.append("--secret-key (or NCN_DVM_SECRET_KEY) must be 64 hex characters")
    if not args.lnbits_url or not args.lnbits_url.startswith(("http://", "https://")):
        problems.append("--lnbits-url (or LNBITS_URL) must be an http(s) URL")
    if not args.lnbits_invoice_key:
        problems.append("--lnbits-invoice-key (or LNBITS_INVOICE_KEY) is needed")
    try:
        args.policy = build_policy(args)
    except ValueError as e:
        problems.append(str(e))
    if problems:
        p.error("; ".join(problems))
    args.lnbits_url = args.lnbits_url.rstrip("/")
    return args


def build_policy(args) -> cr.Policy:
    gpus = {}
    for spec in args.gpu:
        parts = spec.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise ValueError(f"--gpu {spec!r}: write MODEL:COUNT:MSATS_PER_GPU_HOUR")
        gpus[parts[0]] = (int(parts[1]), int(parts[2]))
    lo, _, hi = args.ports.partition("-")
    if not lo.isdigit() or not hi.isdigit():
        raise ValueError(f"--ports {args.ports!r}: write MIN-MAX, e.g. 1024-65535")

    def size(flag, text):
        n = cr.quantity_bytes(text)
        if n is None:
            raise ValueError(f"{flag} {text!r} is not a quantity of bytes (e.g. 10Gi)")
        return n

    cpu = cr.millicores(args.capacity_cpu)
    if cpu is None:
        raise ValueError(f"--capacity-cpu {args.capacity_cpu!r} is not a CPU quantity")
    registries = args.registry if args.registry is not None else ["docker.io", "ghcr.io", "quay.io"]
    if "any" in registries:
        registries = []
    return cr.Policy(
        msats_cpu_hour=args.price_cpu, msats_memory_gib_hour=args.price_memory,
        msats_disk_gib_hour=args.price_disk, gpus=gpus, interval=args.interval,
        grace=args.grace, lead=args.lead, bid_lifetime=args.bid_lifetime, registries=registries,
        port_min=int(lo), port_max=int(hi), max_duration=args.max_duration,
        max_gpus=args.max_gpus, default_disk=size("--default-disk", args.default_disk),
        max_disk=size("--max-disk", args.max_disk), capacity_millicores=cpu,
        capacity_memory=size("--capacity-memory", args.capacity_memory),
        capacity_disk=size("--capacity-disk", args.capacity_disk))


# ------------------------------------------------------------------ the market, hooked into nostr-dvm

class ComputeMarket:
    """The compute-specific part of the DVM, called by nostr-dvm's loop through the hooks."""

    REMEMBERED = 200_000  # request ids kept for one-answer-per-request

    def __init__(self, policy: cr.Policy, keys, relays, payment_watch: bool, quiet=False):
        import nostr_sdk
        self.sdk = nostr_sdk
        self.quiet = quiet
        self.policy = policy
        self.keys = keys
        self.pubkey = keys.public_key().to_hex()
        self.relays = list(relays)
        self.payment_watch = payment_watch
        self.answered = OrderedDict()  # request id -> None, in arrival order (bounded)
        self.quotes = {}               # request id -> (Quote, received at, monotonic)
        self.invoices = {}             # payment hash -> lapse time (unix s)
        self.lock = threading.Lock()   # invoices are made in the framework's worker threads
        self.counts = {"bid": 0, "refused": 0, "ignored": 0, "wallet-error": 0,
                       "handler-error": 0}
        self._framework_invoice = None
        self._framework_check_paid = None

    def install(self):
        """Points nostr-dvm's loop at this market (see the module docstring)."""
        import nostr_dvm.dvm as framework
        self._framework_invoice = framework.create_bolt11_ln_bits
        framework_amount_of = framework.parse_amount_from_bolt11_invoice

        def amount_of(bolt11):  # the framework's parser reads "lnbc" invoices only
            try:
                return framework_amount_of(bolt11)
            except (ValueError, IndexError):
                return 0
        framework.parse_amount_from_bolt11_invoice = amount_of
        self._framework_check_paid = framework.check_bolt11_ln_bits_is_paid
        framework.input_data_file_duration = self.intake
        framework.get_amount_per_task = self.amount
        framework.create_bolt11_ln_bits = self.create_invoice
        framework.check_bolt11_ln_bits_is_paid = self.check_paid
        framework.send_event_outbox = self.publish
        framework_notifications = framework.handle_notifications
        market = self

        async def notifications(client, handler):
            # The framework awaits each event's handling in its one notification task, with no
            # guard: one exception (say, from its user table) would leave the DVM deaf.
            class Guarded:
                async def handle(self, relay_url, subscription_id, event):
                    try:
                        await handler.handle(relay_url, subscription_id, event)
                    except Exception as e:
                        market.counts["handler-error"] += 1
                        log(f"nostr-dvm failed on event {event.id().to_hex()[:12]}: {e!r}")

                async def handle_msg(self, relay_url, msg):
                    await handler.handle_msg(relay_url, msg)
            await framework_notifications(client, Guarded())
        framework.handle_notifications = notifications

    # --- the DVMTaskInterface side: which 5900s are ours at all

    def wants(self, tags) -> bool:
        """Plain compute requests addressed to everyone or to us; others stay unanswered (§1.1,
        §3.1). Encrypted requests are not handled by this peer (the framework would decrypt
        them, but the draft's encrypted answers are not written here)."""
        if cr.is_encrypted(tags) or not cr.is_compute_request(tags):
            return False
        if not cr.addressed_to(tags, self.pubkey):
            return False
        expiration = cr.expiration_of(tags)
        return expiration is None or expiration > int(time.time())

    # --- hook: input_data_file_duration(event, dvm_config, client, start=0, end=0)

    async def intake(self, event, dvm_config=None, client=None, start=0, end=0):
        received = time.monotonic()
        if event.kind().as_u16() != KIND_REQUEST:  # the framework also reads kind 5999
            return None
        request_id = event.id().to_hex()
        if request_id in self.answered:  # the same request from another relay: one answer
            self.counts["ignored"] += 1
            return None
        self.answered[request_id] = None
        while len(self.answered) > self.REMEMBERED:
            self.answered.popitem(last=False)
        tags = [t.to_vec() for t in event.tags()]
        if not self.wants(tags):
            self.counts["ignored"] += 1
            return None
        try:
            request = cr.parse_request(tags)
            quote = cr.check_policy_and_price(request, self.policy)
        except cr.Refusal as refusal:
            await self._send(client, self._error(event, refusal.reason, refusal.text))
            self.counts["refused"] += 1
            self.quiet or log(f"refused {request_id[:12]} {refusal.reason}: {refusal.text[:100]} "
                f"in {(time.monotonic() - received) * 1000:.1f} ms")
            return refusal
        self.quotes[request_id] = (quote, int(time.time()), received)
        while len(self.quotes) > 10_000:  # never reached by the framework's invoice step
            self.quotes.pop(next(iter(self.quotes)))
        return quote

    # --- hook: get_amount_per_task(task, dvm_config, duration=1)

    def amount(self, task, dvm_config=None, duration=1):
        """The framework's amount is whole sats for the whole job; ours is the first tranche,
        a whole number of sats by the draft's rounding. None stops the framework quietly
        (the request was ignored or has already been refused)."""
        if isinstance(duration, cr.Quote):
            return duration.price_sats
        return None

    # --- hook: create_bolt11_ln_bits(sats, config) -> (bolt11, payment_hash); runs in a thread

    def create_invoice(self, sats, config):
        bolt11, payment_hash = self._framework_invoice(sats, config)
        if payment_hash:
            with self.lock:
                self.invoices[payment_hash] = int(time.time()) + self.policy.bid_lifetime
        return bolt11, payment_hash

    # --- hook: check_bolt11_ln_bits_is_paid(payment_hash, config) -> True/False/None

    def check_paid(self, payment_hash, config):
        with self.lock:
            lapse = self.invoices.get(payment_hash)
        if lapse is not None and time.time() > lapse:
            with self.lock:
                self.invoices.pop(payment_hash, None)
            return None  # the framework drops the job: the bid has lapsed
        if not self.payment_watch:
            return False
        paid = self._framework_check_paid(payment_hash, config)
        if paid:
            with self.lock:
                self.invoices.pop(payment_hash, None)
        return paid

    # --- hook: send_event_outbox(event, client, dvm_config) -> SendEventOutput

    async def publish(self, event, client, dvm_config=None):
        kind = event.kind().as_u16()
        tags = [t.to_vec() for t in event.tags()]
        status = next((t[1] for t in tags if len(t) > 1 and t[0] == "status"), "")
        request_id = next((t[1] for t in tags if len(t) > 1 and t[0] == "e"), "")
        tenant = next((t[1] for t in tags if len(t) > 1 and t[0] == "p"), "")
        if kind == KIND_FEEDBACK and status == "payment-required":
            return await self._bid_and_invoice(client, request_id, tenant, tags)
        if kind == KIND_FEEDBACK and status == "processing":
            paid_until = int(time.time()) + self.policy.interval
            return await self._send(client, self._build(KIND_FEEDBACK, [
                ["e", request_id], ["p", tenant],
                ["status", "processing", f"Payment received; paid until {paid_until}."],
                ["paid-until", str(paid_until)]]))
        if kind == KIND_RESULT or (kind == KIND_FEEDBACK and status == "success"):
            # The framework's job result after a payment: this peer runs no containers, so the
            # lease ends at once, the provider's doing, in the draft's words.
            if kind == KIND_FEEDBACK:
                return None
            text = "this benchmark peer runs no containers"
            await self._send(client, self._build(KIND_RESULT, [
                ["e", request_id], ["p", tenant], ["status", "terminated", text],
                ["reason", "provider-stopped"]]))
            return await self._send(client, self._build(KIND_FEEDBACK, [
                ["e", request_id], ["p", tenant], ["status", "error", text],
                ["reason", "provider-stopped"]]))
        return await self._send(client, event)

    async def _bid_and_invoice(self, client, request_id, tenant, tags):
        entry = self.quotes.pop(request_id, None)
        if entry is None:  # not a request this market quoted: nothing of ours to send
            return None
        quote, created, received = entry
        amount = next((t for t in tags if t and t[0] == "amount"), [])
        bolt11 = amount[2] if len(amount) > 2 and amount[2] else None
        if bolt11 is None:
            self.counts["wallet-error"] += 1
            log(f"no invoice for {request_id[:12]}: LNbits did not answer with one")
            return await self._send(client, self._build(KIND_FEEDBACK, [
                ["e", request_id], ["p", tenant],
                ["status", "error", "the provider could not create a Lightning invoice just now; "
                                    "send the request again in a minute"],
                ["reason", "busy"]]))
        bid_tags = [
            ["e", request_id], ["p", tenant], ["status", "bid", cr.describe(quote)],
            ["amount", str(quote.price)], ["price", str(quote.price)],
            ["interval", str(self.policy.interval)], ["grace", str(self.policy.grace)],
            ["duration", str(quote.request.duration)], ["total", str(quote.total)],
            ["rail", "lightning"], ["cost", "cpu", str(quote.cost_cpu)],
            ["cost", "memory", str(quote.cost_memory)]]
        if quote.request.gpus:
            bid_tags.append(["cost", "gpu", str(quote.cost_gpu)])
        bid_tags += [["cost", "disk", str(quote.cost_disk)],
                     ["expiration", str(created + self.policy.bid_lifetime)]]
        await self._send(client, self._build(KIND_RESULT, bid_tags, created))
        output = await self._send(client, self._build(KIND_FEEDBACK, [
            ["e", request_id], ["p", tenant],
            ["status", "payment-required", "pay tranche 0 to start"],
            ["amount", str(quote.price), bolt11], ["tranche", "0"]]))
        self.counts["bid"] += 1
        self.quiet or log(f"bid {request_id[:12]} price {quote.price} total {quote.total} msats "
            f"in {(time.monotonic() - received) * 1000:.1f} ms")
        return output

    # --- events

    def _build(self, kind, tags, created_at=None, content=""):
        sdk = self.sdk
        builder = sdk.EventBuilder(sdk.Kind(kind), content).tags([sdk.Tag.parse(t) for t in tags])
        if created_at is not None:
            builder = builder.custom_created_at(sdk.Timestamp.from_secs(created_at))
        return builder.finalize(self.keys)

    def _error(self, request_event, reason, text):
        return self._build(KIND_FEEDBACK, [
            ["e", request_event.id().to_hex()], ["p", request_event.author().to_hex()],
            ["status", "error", text], ["reason", reason]])

    async def _send(self, client, event):
        try:
            output = await client.send_event(event)
        except Exception as e:  # a relay error must not stop the framework's loop
            log(f"publishing kind {event.kind().as_u16()} failed: {e}")
            return None
        if not output.success:
            log(f"no relay took kind {event.kind().as_u16()} {event.id().to_hex()[:12]}: "
                f"{dict(output.failed)}")
        return output

    # --- announcements: the 31900 offer (§8) and the tags of the NIP-89 31990 (§8.1)

    def offer_event(self, d: str, name: str):
        p = self.policy
        now = int(time.time())
        tags = [["d", d], ["k", str(KIND_REQUEST)],
                ["capacity", "cpu", str(p.capacity_millicores), str(p.capacity_millicores)],
                ["capacity", "memory", str(p.capacity_memory), str(p.capacity_memory)]]
        for model, (count, _) in sorted(p.gpus.items()):
            tags.append(["capacity", "gpu", str(count), str(count), model])
        tags += [["capacity", "disk", str(p.capacity_disk), str(p.capacity_disk)],
                 ["price", "cpu", str(p.msats_cpu_hour)],
                 ["price", "memory", str(p.msats_memory_gib_hour)]]
        for model, (_, msats) in sorted(p.gpus.items()):
            tags.append(["price", "gpu", str(msats), model])
        tags += [["price", "disk", str(p.msats_disk_gib_hour)],
                 ["interval", str(p.interval)], ["grace", str(p.grace)],
                 ["rail", "lightning"], ["max-duration", str(p.max_duration)],
                 ["max-gpus", str(p.max_gpus)], ["default-disk", str(p.default_disk)],
                 ["max-disk", str(p.max_disk)]]
        tags += [["registry", r] for r in p.registries]
        tags += [["ports", str(p.port_min), str(p.port_max)], ["lead", str(p.lead)],
                 ["bid-lifetime", str(p.bid_lifetime)], ["relays", *self.relays],
                 ["reply-relays", "0"], ["refunds", "none"],
                 ["label", "implementation", "nostr-dvm 1.1.8 benchmark peer"],
                 ["expiration", str(now + 24 * 3600)]]
        content = (f"{name}: a nostr-dvm benchmark peer. It bids and invoices (Lightning) but "
                   "runs no containers.")
        return self._build(KIND_OFFER, tags, now, content)


def make_task_class():
    """The DVMTaskInterface subclass, made after nostr-dvm is imported (so --help stays fast)."""
    from nostr_sdk import Client, Kind, RelayUrl
    from nostr_dvm.interfaces.dvmtaskinterface import DVMTaskInterface

    class ComputeLeaseTask(DVMTaskInterface):
        KIND = Kind(KIND_REQUEST)
        TASK = "compute-lease"
        # Non-zero so that the framework never takes the task for a free one; the amount it
        # asks for comes from ComputeMarket.amount, not from FIX_COST + PER_UNIT_COST.
        FIX_COST = 1
        PER_UNIT_COST = 0

        async def init_dvm(self, name, dvm_config, nip89config, nip88config=None,
                           admin_config=None, options=None):
            market = self.options["market"]
            if self.options.get("offer") is None:
                return
            client = Client()
            for url in market.relays:
                await client.add_relay(RelayUrl.parse(url))
            await client.connect()
            output = await client.send_event(self.options["offer"])
            log(f"offer 31900 published to {len(output.success)} relay(s)")
            await client.disconnect()

        async def is_input_supported(self, tags, client=None, dvm_config=None):
            market = self.options["market"]
            if market.wants([t.to_vec() for t in tags]):
                return True
            market.counts["ignored"] += 1
            return False

        async def create_request_from_nostr_event(self, event, client=None, dvm_config=None):
            return {"request": event.id().to_hex()}

        async def process(self, request_form):
            # Reached only after an invoice was paid; ComputeMarket.publish turns the result
            # into a `terminated` (provider-stopped): no container is run here.
            return "no container"

    return ComputeLeaseTask


def main(argv=None):
    args = parse_args(argv)
    from nostr_sdk import Keys, LogLevel, Tag
    from nostr_dvm.utils.admin_utils import AdminConfig
    from nostr_dvm.utils.dvmconfig import DVMConfig
    from nostr_dvm.utils.nip89_utils import NIP89Config

    keys = Keys.parse(args.secret_key.lower())
    pubkey = keys.public_key().to_hex()
    state = args.state_dir or os.path.join(
        os.environ.get("NCN_CACHE") or os.path.expanduser("~/.cache/nostr-compute"),
        "dvm-peer", pubkey[:16])
    os.makedirs(state, exist_ok=True)
    os.chdir(state)  # nostr-dvm writes db/<name>.db and outputs/ under the working directory

    market = ComputeMarket(args.policy, keys, args.relay, not args.no_payment_watch, args.quiet)
    market.install()

    config = DVMConfig()
    config.PRIVATE_KEY = keys.secret_key().to_hex()
    config.PUBLIC_KEY = pubkey
    config.IDENTIFIER = args.name
    # Every relay list of the framework is ours: it must not reach for its public defaults.
    config.RELAY_LIST = list(args.relay)
    config.ANNOUNCE_RELAY_LIST = list(args.relay)
    config.SYNC_DB_RELAY_LIST = list(args.relay)
    config.NUTZAP_RELAYS = list(args.relay)
    config.AVOID_OUTBOX_RELAY_LIST = []
    config.LNBITS_URL = args.lnbits_url
    config.LNBITS_INVOICE_KEY = args.lnbits_invoice_key
    config.LNBITS_ADMIN_KEY = ""  # never pays anything (no refunds by zap)
    config.LN_ADDRESS = ""
    config.PROVIDE_INVOICE = True
    config.FIX_COST = 1
    config.PER_UNIT_COST = 0
    config.NEW_USER_BALANCE = 0
    config.DELETE_ANNOUNCEMENT_ON_SHUTDOWN = False
    config.ENABLE_NUTZAP = False
    config.EXPIRATION_DURATION = args.bid_lifetime
    config.LOGLEVEL = {"error": LogLevel.ERROR, "warn": LogLevel.WARN, "info": LogLevel.INFO,
                       "debug": LogLevel.DEBUG}[args.log_level]

    nip89 = NIP89Config()
    nip89.DTAG = args.offer_d
    nip89.NAME = args.name
    nip89.CONTENT = json.dumps({
        "name": args.name,
        "about": "nostr-dvm benchmark peer for Nostr compute (kind 5900): bids and invoices "
                 "over Lightning, runs no containers. See the tags for the offer."})
    nip89.EXTRA_TAGS = [Tag.parse(["a", f"{KIND_OFFER}:{pubkey}:{args.offer_d}"])]
    admin = AdminConfig()
    admin.REBROADCAST_NIP89 = not args.no_announce

    offer = None
    if not args.no_announce:
        offer = market.offer_event(args.offer_d, args.name)

    log(f"provider {pubkey} on {', '.join(args.relay)}; LNbits {args.lnbits_url}; "
        f"state {state}")
    task_class = make_task_class()
    dvm = task_class(name=args.name, dvm_config=config, nip89config=nip89, admin_config=admin,
                     options={"market": market, "offer": offer})

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    dvm.run()  # the framework's DVM loop, in its own thread
    log("ready: listening for kind 5900")
    while not stop.wait(1.0):
        if dvm.nostr_dvm_thread is not None and not dvm.nostr_dvm_thread.is_alive():
            log("the nostr-dvm loop ended; stopping")
            break
    log(f"stopping; answers: {market.counts}")
    sys.stdout.flush()
    sys.stderr.flush()
    # The framework's loop has no stop of its own (its stop flag is never read): leave hard.
    os._exit(0)


if __name__ == "__main__":
    main()

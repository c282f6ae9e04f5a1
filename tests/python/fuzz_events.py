"""A seeded fuzz campaign against the provider's intake: malformed, oversized and adversarial
Nostr events, every one of which the provider must refuse or ignore (never bid on, never turn
into a ComputeLease). Pure: `campaign()` returns events and does no I/O; tests/python/test_fuzz.py
publishes them through the test bed's relays to the in-cluster operator.

Every event is invalid for a reason docs/nip-compute.md states, so a lease made from one is a
bug. Mutations whose verdict the draft leaves open (an unknown tag, a malformed `relays` tag, an
extra public tag beside `encrypted`, an empty tag…) are always combined with an *anchor*, a
defect that is invalid whatever the reading: a bid of 1 msat (every price is at least 1000,
§7.1), a missing cpu (§3.2) or a duration above 31 536 000 s (§3.2).

Each event has an expectation:
  refused  answered with a kind 7000 error or ignored (the provider rate-limits refusals);
  silent   no answer at all: the draft says to ignore it (not a compute request, addressed to
           another provider, expired, too old or too new, too large, badly signed).

Deterministic: the same seed, count, `now` and inputs give the same events, except for the parts
that are random by design (BIP-340 signatures' auxiliary randomness, NIP-44/NIP-04 nonces), so
ids repeat whenever no encryption is involved. Keys come from the seeded generator too.

  python tests/python/fuzz_events.py --seed 5900 --count 10000 --sample 5
prints the campaign's categories and a few of its events (run with the nostr venv).
"""

import argparse
import base64
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass

from nostr_sdk import (EventBuilder, Keys, Kind, Nip44Version, PublicKey, Tag,
                       Timestamp, nip04_encrypt, nip44_encrypt)

SEED = 5900
DEFAULT_COUNT = 10_000

# Relay roles; the test maps them to URLs. "sdk" and "py" are the provider's own relays (the
# ComputeProvider lists them); "noverify" stores events without checking signatures.
SDK, PY, NOVERIFY = "sdk", "py", "noverify"
OWN = (SDK, PY)

MAX_EVENT_BYTES = 64 * 1024  # the operator's limit (draft §10) and relay-sdk's
BID = "100000000"            # above any devnet price: a request the provider would bid on
MAX_NIP44_PLAINTEXT = 60_000  # nostr-sdk refuses 65 535 bytes; stay clear of its limit
CONTROL_ESCAPE = re.compile(r"\\u00[01][0-9a-f]")


@dataclass
class FuzzEvent:
    category: str
    text: str                 # the event JSON exactly as sent in ["EVENT", <text>]
    relays: tuple             # relay roles to publish to
    expect: str               # "refused" or "silent" (see the module docstring)
    note: str                 # what is wrong with it, for a person reading a failure
    pubkey: str = ""          # as claimed by the event ("" when absent or not a string)
    id: str = ""              # as claimed by the event ("" when absent or not a string)
    kind: object = None       # as claimed by the event

    def short(self, limit=600):
        return self.text if len(self.text) <= limit else self.text[:limit] + f"…(+{len(self.text) - limit} chars)"


# ---------------------------------------------------------------- values invalid per the draft
# One pool per key; every value breaks §2/§3.2 for that key (checked entry by entry: "1.5" is a
# valid cpu and "0" a valid gpus, so they are not in those pools; "+5" is a valid quantity).

_NOT_NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "0X1F", "0b101", "0o17", "1_000",
                "１２３", "٣", "²", "", "  ", "\t1", "1\n", "5-", "--5", "1e", "e1", ".", "-.5", "1,5",
                "one", "null", "[]", "{}", "true", "0x", "\u00a0600", "600\u200b"]
_HUGE = ["99999999999999999999999999", "18446744073709551616", "9223372036854775808",
         "340282366920938463463374607431768211456", "9" * 300]
_NEGATIVE = ["-1", "-9223372036854775809", "-1e309", "-100m", "-0.5"]

POOLS = {
    # §2 CPU: a Kubernetes quantity, 1m … 4096 cores.
    "cpu": _NOT_NUMBERS + _HUGE + _NEGATIVE + ["0", "0m", "-0", "1e309", "4097", "5000", "1e18", "1Mi", "100M",
                                               "100mm", "m", "1.5.5", "1 ", " 1", "1 m", "0x1p3", "1e4", "１"],
    # §2 memory: unsigned quantity with Ki…Ei / k…E / e<n>, 16Mi … 64Ti.
    "memory": _NOT_NUMBERS + _HUGE + _NEGATIVE + ["0", "1", "16777215", "15Mi", "8GB", "8gi", "8 Gi", "-1Gi", "65Ti",
                                                  "1Pi", "1e309", "1e30", "0x1000", "64mi", "64MB", "Gi", "1.5.5Gi",
                                                  "∞", "1e18", "1e3", "1.5", "64Mi ", "1Ei"],
    # §3.2 gpus: whole GPUs 0 … 64, decimal digits only.
    "gpus": [v for v in _NOT_NUMBERS if v != ""] + _HUGE + _NEGATIVE + ["65", "1.5", "1e1", "1e309", "+1", "01.0", "0x1"],
    # §3.2 duration: seconds 1 … 31 536 000.
    "duration": _NOT_NUMBERS + _HUGE + _NEGATIVE + ["0", "31536001", "99999999", "1e3", "600.0", " 600", "0x258",
                                                    "1e309", "+600", "６００", "600s", "10m", "PT10M"],
    # §3.1 bid: integer 1 … 2 100 000 000 000 000 000; "1" is valid but below any price (§7.1).
    "bid": _NOT_NUMBERS + _HUGE + _NEGATIVE + ["0", "2100000000000000001", "lots", "1e6", "600000.0", "0x10",
                                               "1e309", "+600000", "600000 msats", "1", "1"],
    # §3.2 image: 1–1024 printable ASCII characters, no spaces (plus the provider's allowlist).
    "image": ["", " ", "has space/img:1", "img\ttab", "img\nnewline", "img\x00nul", "img\x7fdel", "ünïcode/img:1",
              "emoji/😀:1", "img\u202eevil", "\u200bimg", "x" * 1025, "a/" * 600],
    # §2 GPU models: 1–63 of [A-Za-z0-9._-], starting and ending with a letter or digit.
    "gpu-model": ["", "-H100", "H100-", "a" * 64, "has space", "NVIDIA/H100", "Ünïcode", "x\x00y", ".", "_x_",
                  "NVIDIA-H100-80GB-HBM3\n", "*", "H100;rm -rf /"],
    # §3.2 rail: lightning or cashu.
    "rail": ["", "bitcoin", "Lightning", "CASHU", "cashu ", "lightning\x00", "ln", "onchain", "lightning,cashu"],
}

# Port tags (§3.2): number 1 … 65535, protocol tcp|udp, IANA name; at most 16; unique.
_BAD_PORTS = [["0"], ["65536"], ["-1"], ["99999999999999999999"], ["NaN"], ["1e3"], ["0x1F90"], ["8080/tcp"], [],
              ["8080", "sctp"], ["8080", "tcp/udp"], ["8080", "tcp", "HTTP"], ["8080", "tcp", "a" * 16],
              ["8080", "tcp", "--"], ["8080", "tcp", "123"], ["8080", "tcp", "-web"], ["8080", "tcp", "web-"],
              ["8080", "tcp", "we--b"], ["8080", "tcp", "w b"], ["8080", "tcp", "wéb"], ["８０８０"], [" 8080"]]

# Env tags (§3.2): name [-._a-zA-Z][-._a-zA-Z0-9]*, 1–256 characters; value at most 32 768 bytes.
_BAD_ENV_NAMES = ["", "1ABC", "A=B", "A B", "a" * 257, "A\x00", "Ä", "A\nB", "$HOME", "A/B", "😀", "9"]


# ---------------------------------------------------------------- signing

def nip01_serialize(pubkey, created_at, kind, tags, content, ascii_only=False):
    """The NIP-01 id preimage (json.dumps escapes control characters the way NIP-01 and
    serde_json do; ascii_only keeps lone surrogates as \\udXXX escapes)."""
    return json.dumps([0, pubkey, created_at, kind, tags, content], separators=(",", ":"),
                      ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def sign_raw(keys, kind, content, tags, created_at, ascii_only=False):
    """A correctly signed event whose shape nostr-sdk's builder would refuse (empty tags,
    non-string elements, negative times): id and BIP-340 signature computed here."""
    pubkey = keys.public_key().to_hex()
    event_id = hashlib.sha256(nip01_serialize(pubkey, created_at, kind, tags, content, ascii_only)).hexdigest()
    return {"id": event_id, "pubkey": pubkey, "created_at": created_at, "kind": kind, "tags": tags,
            "content": content, "sig": keys.sign_schnorr(bytes.fromhex(event_id))}


def sign(keys, kind, content, tags, created_at):
    """Signed with nostr-sdk's EventBuilder as tenant.py does; with sign_raw (still nostr-sdk's
    BIP-340) when the builder refuses a shape, does not keep the tags verbatim, or the event is
    big: the bindings copy every tag through Python byte by byte, which for thousands of tags or
    tens of kilobytes takes most of a second per event. Returns the event JSON text."""
    try:
        if created_at < 0:
            raise ValueError("negative created_at")
        if len(tags) > 40 or len(content) + sum(len(v) for t in tags for v in t) > 4000:
            raise ValueError("big: sign by hand")
        event = (EventBuilder(Kind(kind), content).tags([Tag.parse(t) for t in tags])
                 .custom_created_at(Timestamp.from_secs(created_at)).finalize(keys))
        text = event.as_json()
        parsed = json.loads(text)
        if parsed["tags"] == tags and parsed["content"] == content:
            return text
    except Exception:  # nostr-sdk refused the shape: sign it by hand
        pass
    return json.dumps(sign_raw(keys, kind, content, tags, created_at), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- the generator

class Generator:
    def __init__(self, rng, *, provider, now, registry, mint, target_id, target_pubkey, foreign_image, max_age):
        self.rng = rng
        self.provider = provider
        self.now = now
        self.registry = registry
        self.mint = mint
        self.target_id = target_id
        self.target_pubkey = target_pubkey
        self.foreign_image = foreign_image
        self.max_age = max_age

    # -- building blocks

    def keys(self):
        while True:
            try:
                return Keys.parse(self.rng.randbytes(32).hex())
            except Exception:  # a scalar out of range: one in 2^128
                continue

    def hex(self, n=32):
        return self.rng.randbytes(n).hex()

    def recent(self):
        """A created_at the provider accepts (its limit is 600 s back, 60 s ahead)."""
        return self.now - self.rng.randint(0, 30)

    def base(self):
        """The tags of a request the provider would bid on; every event changes it."""
        return [["param", "image", f"{self.registry}/ncn/pause:latest"], ["param", "cpu", "100m"],
                ["param", "memory", "64Mi"], ["param", "duration", "600"], ["bid", BID]]

    def anchor(self, tags):
        """Makes a request invalid whatever else it carries (see the module docstring)."""
        choice = self.rng.randrange(3)
        if choice == 0:
            return self.set_value(tags, "bid", "1", tag="bid"), "bid of 1 msat (below any price)"
        if choice == 1:
            return [t for t in tags if t[:2] != ["param", "cpu"]], "cpu missing"
        return self.set_value(tags, "duration", "31536001"), "duration 31536001 (above the draft's maximum)"

    @staticmethod
    def set_value(tags, key, value, tag="param"):
        out = []
        for t in tags:
            if tag == "param" and t[:2] == ["param", key]:
                out.append(["param", key, value])
            elif tag != "param" and t[:1] == [tag]:
                out.append([tag, value])
            else:
                out.append(list(t))
        return out

    def addressed(self, tags):
        return tags + [["p", self.provider]]

    def event(self, category, tags, *, expect="refused", note, kind=5900, content="", keys=None, created_at=None,
              relays=None):
        keys = keys or self.keys()
        created_at = self.recent() if created_at is None else created_at
        text = sign(keys, kind, content, tags, created_at)
        relays = relays or self.own_relays()
        if PY in relays and CONTROL_ESCAPE.search(text):
            # nostr-relay serializes control characters as \u001F (upper case) for the id check,
            # NIP-01 and nostr-sdk as \u001f: it would refuse the event as badly signed.
            relays = tuple(r for r in relays if r != PY) or (SDK,)
        return self.wrap(category, text, relays, expect, note)

    def own_relays(self):
        """One of the provider's relays, sometimes both (the same event from two relays). Mostly
        relay-sdk: nostr-relay (relay-py) is one Python worker that throttles a connection after
        each event it refuses, so it gets a smaller share."""
        r = self.rng.random()
        return OWN if r < 0.1 else ((SDK,) if r < 0.8 else (PY,))

    @staticmethod
    def wrap(category, text, relays, expect, note):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # deliberately unreadable: the fields by pattern
            parsed = dict(re.findall(r'"(id|pubkey)":"([0-9a-f]{64})"', text))
        parsed = parsed if isinstance(parsed, dict) else {}
        pubkey, event_id = parsed.get("pubkey"), parsed.get("id")
        return FuzzEvent(category, text, tuple(relays), expect, note,
                         pubkey if isinstance(pubkey, str) else "", event_id if isinstance(event_id, str) else "",
                         parsed.get("kind"))

    # -- kind 5900, plain, addressed to the provider

    def missing(self):
        victim = self.rng.choice(["image", "cpu", "memory", "duration", "bid"])
        bare = self.rng.random() < 0.5  # the tag is there, its value is not
        prefix = ["bid"] if victim == "bid" else ["param", victim]
        tags = []
        for t in self.base():
            if t[:len(prefix)] != prefix:
                tags.append(t)
            elif bare:
                tags.append(list(prefix))
        note = f"{victim} tag without a value" if bare else f"{victim} missing"
        return [self.event("param-missing", self.addressed(tags), note=note)]

    def duplicate(self):
        tags = self.base()
        key = self.rng.choice(["image", "cpu", "memory", "duration", "bid", "gpus", "rail", "command", "args"])
        same = self.rng.random() < 0.5
        values = {"image": [f"{self.registry}/ncn/pause:latest", f"{self.registry}/ncn/exit:latest"],
                  "cpu": ["100m", "200m"], "memory": ["64Mi", "128Mi"], "duration": ["600", "300"],
                  "bid": [BID, "200000000"], "gpus": ["0", "0"], "rail": ["lightning", "cashu"],
                  "command": ["sleep", "true"], "args": ["1", "2"]}[key]
        extra = values[0] if same else values[1]
        if key == "bid":
            tags.append(["bid", extra])
        elif key in ("gpus", "rail", "command", "args"):
            tags += [["param", key, values[0]], ["param", key, extra]]
        else:
            tags.append(["param", key, extra])
        self.rng.shuffle(tags)
        return [self.event("param-duplicate", self.addressed(tags),
                           note=f"{key} twice ({'same' if same else 'different'} values; once only)")]

    def garbage(self):
        tags = self.base()
        key = self.rng.choice(["image", "cpu", "memory", "gpus", "gpu-model", "duration", "bid", "rail", "port",
                               "env", "secret-env", "cashu", "image-foreign"])
        if key in ("cpu", "memory", "duration", "image"):
            value = self.rng.choice(POOLS[key])
            tags = self.set_value(tags, key, value)
            note = f"{key} {value[:60]!r}"
        elif key == "bid":
            value = self.rng.choice(POOLS["bid"])
            tags = self.set_value(tags, "bid", value, tag="bid")
            note = f"bid {value[:60]!r}"
        elif key == "image-foreign":
            image = self.rng.choice([self.foreign_image, f"{self.registry}evil/ncn/pause:latest",
                                     f"{self.registry}0/ncn/pause:latest", f"evil.{self.registry}/ncn/pause:latest",
                                     f"{self.registry.split(':')[0]}:1{self.registry.split(':')[-1]}/x:1"])
            tags = self.set_value(tags, "image", image)
            note = f"image {image!r} outside the allowed registry {self.registry!r} (prefix must match at '/')"
        elif key == "gpus":
            form = self.rng.randrange(4)
            if form == 0:
                value = self.rng.choice(POOLS["gpus"])
                tags += [["param", "gpus", value], ["param", "gpu-model", "NVIDIA-L4"]]
                note = f"gpus {value[:60]!r}"
            elif form == 1:
                tags.append(["param", "gpus", str(self.rng.randint(1, 8))])
                note = "gpus > 0 without gpu-model"
            elif form == 2:
                tags += [["param", "gpus", "0"], ["param", "gpu-model", "NVIDIA-L4"]]
                note = "gpu-model with gpus 0 (forbidden)"
            else:
                tags.append(["param", "gpu-model", "NVIDIA-L4"])
                note = "gpu-model without gpus (default 0: forbidden)"
        elif key == "gpu-model":
            value = self.rng.choice(POOLS["gpu-model"])
            tags += [["param", "gpus", "1"], ["param", "gpu-model", value]]
            note = f"gpu-model {value[:60]!r}"
        elif key == "rail":
            if self.rng.random() < 0.7:
                value = self.rng.choice(POOLS["rail"])
                tags.append(["param", "rail", value])
                note = f"rail {value!r}"
            else:
                tags += [["param", "rail", "lightning"], ["param", "cashu", "cashuB" + self.b64(self.rng.randint(10, 400))]]
                note = "a cashu token with rail lightning"
        elif key == "port":
            form = self.rng.randrange(4)
            if form == 0:
                port = self.rng.choice(_BAD_PORTS)
                tags.append(["param", "port", *port])
                note = f"port {port}"
            elif form == 1:
                tags += [["param", "port", str(2000 + i)] for i in range(self.rng.randint(17, 300))]
                note = "more than 16 ports"
            elif form == 2:
                tags += [["param", "port", "8080", "tcp"], ["param", "port", "8080"]]
                note = "port 8080/tcp twice"
            else:
                tags += [["param", "port", "8080", "tcp", "web"], ["param", "port", "8081", "tcp", "web"]]
                note = "port name 'web' twice"
        elif key == "env":
            form = self.rng.randrange(4)
            if form == 0:
                name = self.rng.choice(_BAD_ENV_NAMES)
                tags.append(["param", "env", name, "v"])
                note = f"env name {name[:40]!r}"
            elif form == 1:
                tags += [["param", "env", f"V{i}", "x"] for i in range(self.rng.randint(129, 600))]
                note = "more than 128 env variables"
            elif form == 2:
                tags += [["param", "env", "SAME", "1"], ["param", "env", "SAME", "2"]]
                note = "env name SAME twice"
            else:
                tags.append(["param", "env"])
                note = "env tag without a name"
        elif key == "secret-env":
            tags.append(["param", "secret-env", "PASSWORD", "hunter2"])
            note = "secret-env in a plain request"
        else:  # cashu
            form = self.rng.randrange(2)
            if form == 0:
                tags += [["param", "cashu", "cashuB" + self.b64(40)] for _ in range(self.rng.randint(5, 12))]
                note = "more than 4 cashu tokens"
            else:
                value = self.rng.choice(["notatoken", "", "cashu", "cashuC" + self.b64(40), "CASHUB" + self.b64(40)])
                tags.append(["param", "cashu", value])
                note = f"cashu {value[:30]!r} is not a serialized token"
        self.rng.shuffle(tags)
        return [self.event("param-garbage", self.addressed(tags), note=note)]

    def absurd_number(self):
        tags = self.base()
        key = self.rng.choice(["cpu", "memory", "gpus", "duration", "bid", "port"])
        pool = _NOT_NUMBERS + _HUGE + _NEGATIVE + ["1e309", "-1e309", "1e18"]
        if key in ("gpus", "port"):
            pool = pool + ["1.5", "1e3"]
        if key in ("memory", "duration", "bid"):
            pool = pool + ["0", "1.5", "1e3"]
        value = self.rng.choice(pool)
        if key == "bid":
            tags = self.set_value(tags, "bid", value, tag="bid")
        elif key == "gpus":
            tags += [["param", "gpus", value], ["param", "gpu-model", "NVIDIA-L4"]]
        elif key == "port":
            tags.append(["param", "port", value, "tcp"])
        else:
            tags = self.set_value(tags, key, value)
        return [self.event("absurd-number", self.addressed(tags), note=f"{key} {value[:40]!r}")]

    def overlong(self):
        tags = self.base()
        form = self.rng.randrange(8)
        if form == 0:
            n = self.rng.randint(1025, 20000)
            tags = self.set_value(tags, "image", f"{self.registry}/" + "a" * (n - len(self.registry) - 1))
            note = f"image of {n} characters (at most 1024)"
        elif form == 1:
            n = self.rng.randint(32769, 50000)
            tags.append(["param", "env", "BIG", "v" * n])
            note = f"env value of {n} bytes (at most 32768)"
        elif form == 2:
            tags.append(["param", "command", *(["w"] * self.rng.randint(65, 2000))])
            note = "command of more than 64 words"
        elif form == 3:
            tags.append(["param", "command", "x" * self.rng.randint(4097, 30000)])
            note = "command word over 4096 bytes"
        elif form == 4:
            tags.append(["param", "args", *(["a"] * self.rng.randint(257, 5000))])
            note = "more than 256 args"
        elif form == 5:
            tags.append(["param", "args", "y" * self.rng.randint(4097, 30000)])
            note = "arg over 4096 bytes"
        elif form == 6:
            tags += [["param", "gpus", "1"], ["param", "gpu-model", "M" * self.rng.randint(64, 5000)]]
            note = "gpu-model over 63 characters"
        else:
            tags = self.set_value(tags, "cpu", "1" * self.rng.randint(20, 20000))
            note = "cpu of thousands of digits"
        return [self.event("overlong", self.addressed(tags), note=note)]

    def near_limit(self):
        """Just under and around the 64 KiB limit; anchored, so its size alone decides nothing."""
        tags, note = self.anchor(self.addressed(self.base()))
        size = self.rng.randint(MAX_EVENT_BYTES - 2000, MAX_EVENT_BYTES)
        keys = self.keys()
        created_at = self.recent()
        probe = sign(keys, 5900, "", tags + [["x", ""]], created_at)
        pad = max(0, size - len(probe.encode()))
        content_share = self.rng.randint(0, pad)
        tags = tags + [["x", "p" * (pad - content_share)]]
        return [self.event("near-limit", tags, note=f"{note}; about {size} bytes", content="c" * content_share, keys=keys,
                           created_at=created_at, relays=OWN)]

    def escapes(self):
        tags = self.base()
        nasty = self.rng.choice(["\x00", "\x01", "\x08", "\x0b", "\x1b[31m", "\x1f", "\x7f", "\u2028", "\u2029",
                                 "\ufeff", "\u202e", "\u200b", "\ufffd", "\U0001f4a9", "e\u0301", "\\u0000", "\\",
                                 '"', "\r\n", "%00", "${jndi:ldap://127.0.0.1:1/a}", "'; DROP TABLE leases; --",
                                 "{{7*7}}", "../../../../etc/passwd"])
        key = self.rng.choice(["image", "cpu", "memory", "duration", "bid", "env-name", "port-name", "content"])
        if key == "bid":
            tags = self.set_value(tags, "bid", BID + nasty, tag="bid")
            content, note = "", f"bid with {nasty!r} appended"
        elif key == "env-name":
            tags.append(["param", "env", "A" + nasty, "v"])
            content, note = "", f"env name with {nasty!r}"
        elif key == "port-name":
            tags.append(["param", "port", "8080", "tcp", "web" + nasty])
            content, note = "", f"port name with {nasty!r}"
        elif key == "content":
            tags, note = self.anchor(tags)
            content = "".join(self.rng.choice([nasty, "\x00", "\u2028", "a", "\U0001f600", "\\"]) for _ in range(200))
            note = f"{note}; content full of {nasty!r}"
        else:
            original = next(t[2] for t in tags if t[:2] == ["param", key])
            if key == "image" and nasty.isascii() and nasty.isprintable() and " " not in nasty:
                nasty = "\x7f"  # printable ASCII would leave the image valid
            value = self.rng.choice([original + nasty, nasty + original, original[:1] + nasty + original[1:]])
            tags = self.set_value(tags, key, value)
            content, note = "", f"{key} {value[:60]!r}"
        return [self.event("escapes", self.addressed(tags), content=content, note=note)]

    def tag_shape(self):
        """Odd arities and stray tags, anchored."""
        tags, note = self.anchor(self.base())
        shapes = [["param"], ["param", "cpu"], ["param", "memory", "64Mi", "extra", "more"], ["p"], ["p", "", ""],
                  ["p", "zz"], ["p", self.provider.upper()], ["e"], ["e", "zz"], ["bid"], ["relays"], ["expiration"],
                  ["expiration", "NaN"], ["expiration", "-1"], ["expiration", "1e309"], ["expiration", "9" * 40],
                  ["nonce"], ["nonce", "x", "999"], ["nonce", "1", "-1"], ["nonce", "1", "99999999999999999999"],
                  ["encrypted", "x"], [""], ["", ""], ["param", ""], ["param", "", ""], ["param", "unknown-key", "x"],
                  ["PARAM", "cpu", "100m"], ["param", "CPU", "100m"], ["i", "x"], ["output", "text/plain"],
                  ["relays", "not a url"], ["relays", "http://127.0.0.1:1"], ["relays", "ws://127.0.0.1:1"],
                  ["relays", *["ws://127.0.0.1:1"] * 17], ["relays", "ws://127.0.0.1:1/" + "a" * 600],
                  ["relays", "ws://user:pass@127.0.0.1:1"], ["relays", "ws://[::1]:1"], ["relays", "ws://"],
                  ["relays", "wss://127.0.0.1:1\x00"], ["t" * 300, "x"], ["param", "image", "x", "y", "z"]]
        extra = [list(self.rng.choice(shapes)) for _ in range(self.rng.randint(1, 6))]
        if self.rng.random() < 0.1:  # thousands of tiny tags
            extra += [["t", str(i)] for i in range(self.rng.randint(500, 3000))]
        tags = self.addressed(tags) + extra
        self.rng.shuffle(tags)
        return [self.event("tag-shape", tags, note=f"{note}; with {extra[:3]}")]

    def nonce_claims(self):
        """A nonce tag that claims more work than the id has: anchored (minProofOfWork may be 0)."""
        tags, note = self.anchor(self.addressed(self.base()))
        claim = self.rng.choice([["nonce", "0", "256"], ["nonce", "0", "40"], ["nonce", "abc", "8"],
                                 ["nonce", "0", "0"], ["nonce", "", ""], ["nonce", "1", "1", "extra"]])
        return [self.event("nonce-claim", tags + [claim], note=f"{note}; {claim}")]

    def burst(self):
        """One key, many refused requests at once: past the per-key rate (12 a minute by default)."""
        keys = self.keys()
        out = []
        for _ in range(self.rng.randint(20, 40)):
            tags, note = self.anchor(self.addressed(self.base()))
            tags.append(["t", self.hex(4)])  # distinct ids
            out.append(self.event("same-key-burst", tags, keys=keys, relays=(SDK,), note=f"{note}; one key, a burst"))
        return out

    def untagged(self):
        """Open requests (no p): any provider may answer; anchored, and rare, so that other
        providers on these relays (the Swift integration tests') see little of the campaign."""
        tags, note = self.anchor(self.base())
        return [self.event("untagged", tags, note=f"{note}; no p tag")]

    # -- must be ignored without a word

    def not_compute(self):
        form = self.rng.randrange(4)
        if form == 0:
            tags, note = [["i", self.hex(), "text"]], "timestamping-DVM request (no compute param)"
        elif form == 1:
            tags, note = [["param", "unknown-key", "x"], ["bid", BID]], "only an unknown param key"
        elif form == 2:
            tags, note = [["param", "Image", "x"], ["param", "CPU", "1"], ["bid", BID]], "param keys in the wrong case"
        else:
            tags, note = [["i", "x", "url"], ["output", "text/plain"], ["param", "model", "llama"]], "a text-generation-style job"
        if self.rng.random() < 0.7:
            tags = self.addressed(tags)
        return [self.event("not-compute", tags, expect="silent", note=note)]

    def other_provider(self):
        """A request the provider would bid on, but addressed to someone else (§3.1: stay silent)."""
        others = [["p", self.hex()] for _ in range(self.rng.randint(1, 3))]
        return [self.event("other-provider", self.base() + others, expect="silent",
                           note="valid request addressed to other providers only")]

    def expired(self):
        past = self.now - self.rng.choice([1, 5, 60, 3600, 86400 * 365, self.now - 1])
        tags = self.addressed(self.base()) + [["expiration", str(past)]]
        return [self.event("expired", tags, expect="silent", relays=OWN,  # relay-sdk refuses them, relay-py keeps them
                           note=f"valid request with NIP-40 expiration {past} (past)")]

    def stale(self):
        age = self.max_age + self.rng.choice([300, 3600, 86400, 86400 * 365 * 5])
        age = min(age, self.now)  # created_at 0 at most
        # relay-sdk only: nostr-relay refuses old events and then slows the connection down.
        return [self.event("stale", self.addressed(self.base()), expect="silent", created_at=self.now - age,
                           relays=(SDK,), note=f"valid request dated {age} s ago (limit {self.max_age} s)")]

    def future(self):
        ahead = self.rng.choice([300, 900, 3600 * 2, 86400 * 365, 2 ** 32, 2 ** 40])
        return [self.event("future", self.addressed(self.base()), expect="silent", created_at=self.now + ahead,
                           relays=(SDK,), note=f"valid request dated {ahead} s ahead (limit 60 s)")]

    def oversized(self):
        """A valid request over the 64 KiB the operator accepts. relay-sdk refuses those; relay-py
        limits the content only, so the padding goes in a tag and the event reaches the operator."""
        size = self.rng.randint(MAX_EVENT_BYTES + 1000, 100_000)
        keys, created_at = self.keys(), self.recent()
        tags = self.addressed(self.base())
        probe = sign(keys, 5900, "", tags + [["x", ""]], created_at)
        tags = tags + [["x", "o" * (size - len(probe.encode()))]]
        return [self.event("oversized", tags, expect="silent", keys=keys, created_at=created_at, relays=(PY, NOVERIFY),
                           note=f"valid request of about {size} bytes (limit 65536)")]

    # -- encrypted requests

    def b64(self, n):
        return base64.b64encode(self.rng.randbytes(n)).decode()

    def garbage_payload(self):
        form = self.rng.randrange(15)
        provider = PublicKey.parse(self.provider)
        other = PublicKey.parse(self.keys().public_key().to_hex())
        if form == 0:
            return self.b64(self.rng.randint(1, 2000)), "random base64"
        if form == 1:
            return "", "empty content"
        if form == 2:
            return self.rng.choice(["?iv=", "abc?iv=", "?iv=abc", "a?iv=b?iv=c", "?iv=" + self.b64(16)]), "NIP-04 shape, no ciphertext"
        if form == 3:
            return f"{self.b64(self.rng.randint(16, 500))}?iv={self.b64(16)}", "NIP-04 shape, random bytes"
        if form == 4:
            body = b"\x02" + self.rng.randbytes(32) + self.rng.randbytes(self.rng.randint(32, 1000)) + self.rng.randbytes(32)
            return base64.b64encode(body).decode(), "NIP-44 v2 shape, bad MAC"
        if form == 5:
            version = self.rng.choice([b"\x00", b"\x01", b"\x03", b"\xff"])
            return base64.b64encode(version + self.rng.randbytes(self.rng.randint(98, 600))).decode(), f"NIP-44 version {version[0]}"
        if form == 6:
            return "#" + self.b64(100), "NIP-44 '#' (unsupported version) prefix"
        keys = self.keys()
        real = nip44_encrypt(keys.secret_key(), provider, json.dumps(self.base()), Nip44Version.V2)
        if form == 7:
            # Not in the last 4 characters, whose low bits a base64 decoder may ignore.
            i = self.rng.randrange(len(real) - 4)
            flipped = real[:i] + ("A" if real[i] != "A" else "B") + real[i + 1:]
            return flipped, "real NIP-44 payload with one character changed", keys
        if form == 8:
            return real[:self.rng.randrange(1, len(real))], "real NIP-44 payload truncated", keys
        if form == 9:
            return nip44_encrypt(keys.secret_key(), other, json.dumps(self.base()), Nip44Version.V2), \
                "NIP-44 payload encrypted to another pubkey", keys
        if form == 10:
            return nip04_encrypt(keys.secret_key(), other, json.dumps(self.base())), "NIP-04 payload encrypted to another pubkey", keys
        if form == 11:
            return self.rng.choice(["!!!!", "ü" * 40, "AAAA\nAAAA", "AA AA", "====", "A" * 4 + "=" * 20]), "not base64"
        if form == 12:
            return self.b64(self.rng.randint(30000, 45000)), "huge random base64"
        if form == 13:
            return f"{self.b64(64)}?iv=AAAA", "NIP-04 with a 3-byte IV"
        return real + "?iv=" + self.b64(16), "NIP-44 payload with a NIP-04 suffix", keys

    def encrypted_garbage(self):
        made = self.garbage_payload()
        content, note = made[0], made[1]
        keys = made[2] if len(made) > 2 else None
        tags = [["p", self.provider], ["encrypted"]]
        return [self.event("encrypted-garbage", tags, content=content, keys=keys, note=note)]

    def encrypted_bad_plaintext(self):
        keys = self.keys()
        anchored, anchor_note = self.anchor(self.base())
        choices = [
            ("null", "null"), ("{}", "an object"), ("[1,2]", "numbers"), ("[[1]]", "a tag of numbers"),
            ('[["param","cpu",5]]', "a number in a tag"), ("not json", "not JSON"), ('[["param"]]', "a bare param tag"),
            ('["param","image","x"]', "a flat array"), ("[[]]", "an empty tag"), ('[["param","image",null]]', "null"),
            ('{"tags":[]}', "an object of tags"), ("\ufeff" + json.dumps(anchored), f"BOM first ({anchor_note})"),
            (json.dumps(anchored) + "]]]", f"trailing garbage ({anchor_note})"),
            (json.dumps(anchored), f"a spec that is invalid: {anchor_note}"),
            (json.dumps(anchored + [["p", self.hex()], ["encrypted"], ["nonce", "1", "99"]]),
             f"copies of public tags inside ({anchor_note})"),
            (json.dumps(anchored + [["t", str(i)] for i in range(2000)]), f"2000 tags inside ({anchor_note})"),
            ("[" * 20000 + "]" * 20000, "arrays nested 20000 deep"),
            ("[[" + '"a",' * 8000 + '"b"]]', "one tag of 8001 values"),
            (self.rng.randbytes(200).decode("latin-1"), "random bytes"),
            ('[["param","image","\\ud800"]]', "a lone surrogate escape"),
        ]
        plaintext, note = self.rng.choice(choices)
        scheme = "nip04" if self.rng.random() < 0.3 else "nip44"
        provider = PublicKey.parse(self.provider)
        if scheme == "nip04":
            content = nip04_encrypt(keys.secret_key(), provider, plaintext)
        else:
            content = nip44_encrypt(keys.secret_key(), provider, plaintext[:MAX_NIP44_PLAINTEXT], Nip44Version.V2)
        return [self.event("encrypted-bad-plaintext", [["p", self.provider], ["encrypted"]], content=content, keys=keys,
                           note=f"{scheme} plaintext: {note}")]

    def encrypted_public_spec(self):
        """["encrypted"] but the spec in public tags and the content empty or plain text: anchored."""
        tags, note = self.anchor(self.base())
        return [self.event("encrypted-public-spec", self.addressed(tags) + [["encrypted"]],
                           content=self.rng.choice(["", "hello", "[]"]), note=f"{note}; spec public beside ['encrypted']")]

    def encrypted_elsewhere(self):
        """Encrypted to the provider's key but not addressed to it, or to no one: unreadable, ignored (§1.1)."""
        keys = self.keys()
        content = nip44_encrypt(keys.secret_key(), PublicKey.parse(self.provider), json.dumps(self.base()), Nip44Version.V2)
        if self.rng.random() < 0.5:
            tags, note = [["p", self.hex()], ["encrypted"]], "encrypted, p-tagged to another provider"
        else:
            tags, note = [["encrypted"]], "encrypted, no p tag"
        return [self.event("encrypted-elsewhere", tags, content=content, keys=keys, expect="silent", note=note)]

    # -- deletions (kind 5) and nutzaps (kind 9321)

    def deletion(self):
        form = self.rng.randrange(6)
        k = [["k", "5900"]] if self.rng.random() < 0.8 else self.rng.choice([[], [["k", "x"]], [["k", ""]], [["k", "5900", "5"]]])
        if form == 0 and self.target_id:
            tags, category, note = [["e", self.target_id]] + k, "deletion-foreign", "deletes the target request; not its author"
        elif form == 1:
            tags, category, note = [["e", self.hex()] for _ in range(self.rng.randint(1, 5))] + k, "deletion-unknown", "unknown request ids"
        elif form == 2:
            tags, category, note = [["e", self.hex()] for _ in range(self.rng.randint(200, 800))] + k, "deletion-unknown", "hundreds of ids"
        elif form == 3:
            tags, category = [["e", self.rng.choice(["", "zz", "0" * 63, "0" * 65, self.hex().upper(), "x" * 5000])]] + k, "deletion-unknown"
            note = "malformed e tag"
        elif form == 4 and self.target_id:
            tags, category = [["a", f"5900:{self.target_pubkey}:x"], ["e", self.target_id, "ws://127.0.0.1:1"]] + k, "deletion-foreign"
            note = "deletes the target by e and a; not its author"
        else:
            tags, category, note = [["e"], ["e", ""], ["k"]], "deletion-unknown", "e and k without values"
        # Relays may refuse to store a deletion of someone else's event: every relay gets it.
        return [self.event(category, tags, kind=5, content=self.rng.choice(["", "cancel", "\x00" * 10]), expect="silent",
                           relays=OWN + (NOVERIFY,) if category == "deletion-foreign" else None, note=note)]

    def proof(self):
        form = self.rng.randrange(7)
        if form == 0:
            return self.rng.choice(["", "not json", "{}", "[]", "null", "1", '{"amount":'])
        if form == 1:
            return json.dumps({"amount": self.rng.choice([-1, 0, 2 ** 64, 1e309, "1", None]), "id": self.hex(8),
                               "secret": self.hex(), "C": "02" + self.hex()}, allow_nan=True)
        if form == 2:  # the right shape, P2PK-locked to nobody in particular, with a DLEQ that proves nothing
            secret = json.dumps(["P2PK", {"nonce": self.hex(), "data": "02" + self.hex()}])
            return json.dumps({"amount": self.rng.choice([1, 2, 4, 1024]), "id": "00" + self.hex(7), "secret": secret,
                               "C": "02" + self.hex(), "dleq": {"e": self.hex(), "s": self.hex(), "r": self.hex()}})
        if form == 3:
            return json.dumps({"amount": 1, "id": self.hex(8), "secret": "x" * 5000, "C": "zz"})
        if form == 4:
            return "[" * 3000 + "]" * 3000
        if form == 5:
            return json.dumps({"amount": 8, "id": self.hex(33), "secret": self.hex(), "C": "04" + self.hex(64)})
        return json.dumps([{"amount": 1}] * 50)

    def nutzap(self):
        request = self.target_id if (self.target_id and self.rng.random() < 0.6) else self.hex()
        mint = self.rng.choice([self.mint, self.mint + "/", self.mint.upper(), "", "not a url", "http://127.0.0.1:1",
                                "ftp://127.0.0.1/", "javascript:alert(1)", self.mint + "?x=" + "y" * 2000,
                                "http://[::1]:1", self.mint + "\x00"])
        tags = [["proof", self.proof()] for _ in range(self.rng.randint(0, 6))]
        tags += self.rng.choice([[["unit", "sat"]], [["unit", "msat"]], [["unit", "btc"]], [["unit", ""]], []])
        tags += [["u", mint]] if self.rng.random() < 0.9 else []
        tags += self.rng.choice([[["e", request]], [["e", request], ["e", self.hex()]], [["e", ""]], []])
        tags += [["k", "5900"], ["p", self.provider]]
        self.rng.shuffle(tags)
        target = "the target request" if request == self.target_id else "an unknown request"
        return [self.event("nutzap-garbage", tags, kind=9321, content=self.rng.choice(["", "zap", "\u2028"]),
                           expect="silent", note=f"garbage nutzap for {target} at mint {mint[:40]!r}")]

    # -- forged and raw events (sent to relay-noverify, which keeps what relays would refuse)

    def forged(self):
        form = self.rng.randrange(7)
        keys = self.keys()
        created_at = self.recent()
        if form in (0, 1):
            event = json.loads(sign(keys, 5900, "", self.addressed(self.base()), created_at))
            event["sig"] = self.hex(64) if form == 0 else "0" * 128
            category, note = "forged-sig", "valid request, signature " + ("random" if form == 0 else "all zeros")
        elif form == 2:
            event = json.loads(sign(keys, 5900, "", self.addressed(self.base()), created_at))
            event["content"] = "changed after signing"
            category, note = "forged-id", "valid request, content changed after signing (id and sig of the original)"
        elif form == 3:
            event = json.loads(sign(keys, 5900, "", self.addressed(self.base()), created_at))
            event["tags"] = self.set_value(event["tags"], "cpu", "200m")
            category, note = "forged-id", "valid request, cpu changed after signing"
        elif form == 4 and self.target_id:
            event = {"id": "", "pubkey": self.target_pubkey, "created_at": created_at, "kind": 5,
                     "tags": [["e", self.target_id], ["k", "5900"]], "content": "", "sig": self.hex(64)}
            event["id"] = hashlib.sha256(nip01_serialize(event["pubkey"], created_at, 5, event["tags"], "")).hexdigest()
            category, note = "forged-deletion", "deletion of the target request in its author's name, bad signature"
        elif form == 5 and self.target_id:
            event = json.loads(sign(keys, 5, "", [["e", self.target_id], ["k", "5900"]], created_at))
            event["pubkey"] = self.target_pubkey  # keeps the deleter's id and signature
            category, note = "forged-deletion", "deletion by another key relabelled as the target's author"
        else:
            tags = [["proof", self.proof()], ["u", self.mint], ["unit", "sat"], ["e", self.target_id or self.hex()],
                    ["p", self.provider]]
            event = json.loads(sign(keys, 9321, "", tags, created_at))
            event["sig"] = self.hex(64)
            category, note = "forged-nutzap", "nutzap with a random signature"
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        return [self.wrap(category, text, (NOVERIFY,), "silent", note)]

    def raw_shape(self):
        """Signed or not, shapes nostr-sdk will not build: JSON types, nesting, escapes."""
        keys = self.keys()
        created_at = self.recent()
        tags, anchor_note = self.anchor(self.addressed(self.base()))
        form = self.rng.randrange(14)
        if form == 0:  # properly signed, with empty tags among the rest
            event = sign_raw(keys, 5900, "", tags + [[]] * self.rng.randint(1, 3), created_at)
            return [self.wrap("raw-empty-tag", self.dumps(event), OWN + (NOVERIFY,), "refused", f"{anchor_note}; empty tag(s)")]
        if form == 1:  # properly signed, non-string tag elements
            odd = self.rng.choice([1, -1, 1.5, 1e300, None, True, [], {}, ["nested"], {"k": "v"}])
            event = sign_raw(keys, 5900, "", tags + [["param", "cpu", odd]], created_at)
            return [self.wrap("raw-non-string", self.dumps(event), OWN + (NOVERIFY,), "refused",
                              f"{anchor_note}; tag element {odd!r}")]
        if form == 2:  # a lone surrogate, escaped, in a signed event
            event = sign_raw(keys, 5900, "\udc80", tags + [["t", "\ud800x"]], created_at, ascii_only=True)
            return [self.wrap("raw-surrogate", json.dumps(event, ensure_ascii=True, separators=(",", ":")),
                              OWN + (NOVERIFY,), "refused", f"{anchor_note}; lone surrogate escapes")]
        event = json.loads(sign(keys, 5900, "", tags, created_at))
        if form == 3:
            depth = self.rng.randint(1000, 30000)
            text = self.dumps(dict(event, sig=self.hex(64)))
            text = text.replace('"tags":[', '"tags":[' + "[" * depth + "]" * depth + ",", 1)
            return [self.wrap("raw-deep-nesting", text, (NOVERIFY,), "silent", f"tags nested {depth} deep")]
        mutations = {
            4: ("created_at", self.rng.choice([str(created_at), created_at + 0.5, 1e20, -1, None, [], 2 ** 64])),
            5: ("kind", self.rng.choice(["5900", 5900.0, -5900, 70000, 2 ** 64, None])),
            6: ("id", event["id"].upper()),
            7: ("pubkey", self.rng.choice(["ff" * 32, "00" * 32, event["pubkey"].upper(), event["pubkey"][:63], "", 5])),
            8: ("sig", self.rng.choice([event["sig"][:127], event["sig"] + "00", event["sig"].upper(), "", None])),
            9: ("content", self.rng.choice([None, 5, [], {"a": 1}])),
            10: ("tags", self.rng.choice([None, {}, "[]", [["p", self.provider], "x"], [5]])),
        }
        if form in mutations:
            name, value = mutations[form]
            event = dict(event)
            event[name] = value
            # A lenient reader may take "123" for 123 or null for "" and still match the id, so
            # these may be answered (they are anchored: never a bid).
            return [self.wrap("raw-field-type", self.dumps(event), (NOVERIFY,), "refused",
                              f"{anchor_note}; {name} = {str(value)[:40]!r}")]
        if form == 11:
            event = dict(event)
            del event[self.rng.choice(["id", "pubkey", "created_at", "kind", "tags", "content", "sig"])]
            return [self.wrap("raw-missing-field", self.dumps(event), (NOVERIFY,), "refused", f"{anchor_note}; a field missing")]
        if form == 12:
            event = dict(event, extra={"nested": [1, 2, 3]}, relays=["ws://127.0.0.1:1"])
            return [self.wrap("raw-extra-field", self.dumps(event), OWN + (NOVERIFY,), "refused", f"{anchor_note}; extra fields")]
        text = self.dumps(event)
        text = text.replace('"content":', '"content":"x","content":', 1)  # duplicate key: the id commits to ""
        return [self.wrap("raw-duplicate-key", text, (NOVERIFY,), "refused", f"{anchor_note}; content key twice")]

    @staticmethod
    def dumps(event):
        return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


# Weights (percent of the campaign). Most events are plain requests addressed to the provider,
# so that they get past its intake gate and into the parser.
WEIGHTS = {
    "missing": 5, "duplicate": 5, "garbage": 16, "absurd_number": 10, "overlong": 4, "escapes": 4, "tag_shape": 6,
    "nonce_claims": 1, "near_limit": 1, "burst": 3, "untagged": 2,
    "not_compute": 2, "other_provider": 3, "expired": 3, "stale": 2, "future": 2, "oversized": 1,
    "encrypted_garbage": 6, "encrypted_bad_plaintext": 4, "encrypted_public_spec": 1, "encrypted_elsewhere": 1,
    "deletion": 4, "nutzap": 4, "forged": 5, "raw_shape": 5,
}


def campaign(seed=SEED, count=DEFAULT_COUNT, *, provider, now, registry, mint, target_id="", target_pubkey="",
             foreign_image="docker.io/library/busybox:1.36", max_age=600):
    """At least `count` events, deterministic in everything but signatures and encryption nonces.

    provider: the provider's hex pubkey; now: unix seconds the dates are relative to; registry: a
    registry the provider allows (the base request's image is from it); mint: a mint it accepts;
    target_id/target_pubkey: a live request (and its author) for deletions and nutzaps to aim at;
    foreign_image: an image from a registry the provider does not allow; max_age: the provider's
    spec.intake.maxRequestAgeSeconds (stale requests are dated beyond it)."""
    rng = random.Random(seed)
    gen = Generator(rng, provider=provider, now=now, registry=registry, mint=mint, target_id=target_id,
                    target_pubkey=target_pubkey, foreign_image=foreign_image, max_age=max_age)
    assert sum(WEIGHTS.values()) == 100, "weights are percentages"
    # Each generator makes one or more events (a burst makes dozens): the next one to run is
    # always the one furthest below its share, so every category gets its percentage of events.
    made = dict.fromkeys(WEIGHTS, 0)
    events = []
    while len(events) < count:
        name = max(WEIGHTS, key=lambda n: WEIGHTS[n] * count / 100 - made[n])
        batch = getattr(gen, name)()
        made[name] += len(batch)
        events.extend(batch)
    # Interleaved, so that the relays and the operator see every category all along.
    rng.shuffle(events)
    return events


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print a fuzz campaign's categories and a sample of its events.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--now", type=int, default=None, help="unix seconds the dates are relative to (default: now)")
    parser.add_argument("--provider", default=None, help="provider hex pubkey (default: one derived from the seed)")
    parser.add_argument("--sample", type=int, default=5, help="events to print in full (truncated)")
    a = parser.parse_args(argv)
    provider = a.provider or Keys.parse(hashlib.sha256(f"fuzz provider {a.seed}".encode()).hexdigest()).public_key().to_hex()
    target = Keys.parse(hashlib.sha256(f"fuzz target {a.seed}".encode()).hexdigest()).public_key().to_hex()
    events = campaign(a.seed, a.count, provider=provider, now=a.now or int(time.time()), registry="127.0.0.1:15001",
                      mint="http://127.0.0.1:13338", target_id=hashlib.sha256(b"target").hexdigest(), target_pubkey=target)
    print(f"seed {a.seed}: {len(events)} events, {sum(len(e.text.encode()) for e in events) / 1e6:.1f} MB")
    for (category, expect), n in sorted(Counter((e.category, e.expect) for e in events).items()):
        print(f"  {category:26} {expect:8} {n:6}")
    for e in random.Random(a.seed).sample(events, min(a.sample, len(events))):
        print(f"\n[{e.category}] {e.note} -> {', '.join(e.relays)} ({e.expect})\n{e.short(400)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The reference half of the NostrBridge benchmark: the same operations in nostr-sdk.

Reads {"events": [event JSON strings], "nip44": {"secret", "peer", "payloads"}, "seconds": s}
on stdin and prints {"verify": ops/s, "parse_verify": ops/s, "nip44_decrypt": ops/s}.
"""

import json
import sys
import time

from nostr_sdk import Event, PublicKey, SecretKey, nip44_decrypt


def rate(operation, items, seconds):
    """Runs operation over items round-robin for about `seconds`; returns operations per second."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for item in items:
            operation(item)
        done += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def main():
    job = json.load(sys.stdin)
    seconds = job.get("seconds", 2.0)
    raw = job["events"]
    parsed = [Event.from_json(s) for s in raw]
    secret = SecretKey.parse(job["nip44"]["secret"])
    peer = PublicKey.parse(job["nip44"]["peer"])
    payloads = job["nip44"]["payloads"]

    def parse_verify(s):
        if not Event.from_json(s).verify():
            raise SystemExit("a benchmark event failed to verify")

    json.dump({
        "verify": rate(lambda e: e.verify_signature(), parsed, seconds),
        "parse_verify": rate(parse_verify, raw, seconds),
        "nip44_decrypt": rate(lambda p: nip44_decrypt(secret, peer, p), payloads, seconds),
    }, sys.stdout)


if __name__ == "__main__":
    main()

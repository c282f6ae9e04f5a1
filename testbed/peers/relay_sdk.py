"""Runs nostr-sdk's built-in LocalRelay (NIP-01 correct) with LMDB storage.

Usage: python relay_sdk.py PORT DB_DIR [--nip42] [--notes-per-minute N]
Events survive a restart because they live in LMDB under DB_DIR. With --nip42 the
relay demands NIP-42 authentication before it serves reads or accepts writes.
--notes-per-minute raises the per-connection write limit (scripts/bench market's relay).
Run with the nostr venv (nostr-sdk==0.45.1).
"""

import asyncio
import os
import signal
import sys

from nostr_sdk import (LocalRelayBuilder, LocalRelayBuilderNip42,
                       LocalRelayBuilderNip42Mode, NostrLmdb, RateLimit,
                       uniffi_set_event_loop)


async def main(port: int, db_dir: str, nip42: bool, notes_per_minute: int) -> None:
    # Without this, LMDB's async callbacks have no loop and every EVENT hangs.
    uniffi_set_event_loop(asyncio.get_running_loop())
    db = await NostrLmdb.open(db_dir)
    # LocalRelay's default of 60 events a minute per connection would refuse a provider that
    # answers a burst of requests (a bid and an invoice each); public relays allow far more.
    # 1,200 a minute still bounds a flood from one connection.
    builder = (LocalRelayBuilder().addr("127.0.0.1").port(port).database(db)
               .rate_limit(RateLimit(max_reqs=64, notes_per_minute=notes_per_minute)))
    if nip42:
        builder = builder.nip42(LocalRelayBuilderNip42(mode=LocalRelayBuilderNip42Mode.BOTH))
    relay = builder.build()
    await relay.run()
    print(f"relay-sdk listening on {await relay.url()}", flush=True)

    # run() returns once the listener is up; `relay` must stay referenced
    # (dropping it stops the relay), so park here until told to stop.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    relay.shutdown()
    await asyncio.sleep(0.2)  # let the relay close its connections
    print("relay-sdk stopped", flush=True)


if __name__ == "__main__":
    rest = sys.argv[3:]
    notes = int(rest[rest.index("--notes-per-minute") + 1]) if "--notes-per-minute" in rest else 1200
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], "--nip42" in rest, notes))
    # Interpreter teardown races the bindings' Rust threads and segfaults now
    # and then; skip it. LMDB has committed every write already.
    os._exit(0)

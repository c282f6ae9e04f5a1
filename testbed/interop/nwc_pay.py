"""Pays a BOLT11 invoice with nostr-sdk's own NIP-47 client (NostrWalletConnect).

Usage: NWC_URI=nostr+walletconnect://... python nwc_pay.py BOLT11
The connection URI comes through the environment because it holds the client secret, which
argv would show to `ps`. Prints one JSON object: {"preimage", "fees_paid"} or {"error"}.
Run with the nostr venv (nostr-sdk==0.45.1), e.g. by Tests/IntegrationTests/NWCWalletTests.swift.
"""

import asyncio
import json
import os
import sys
from datetime import timedelta

from nostr_sdk import (NostrWalletConnect, NostrWalletConnectBuilder,
                       NostrWalletConnectUri, PayInvoiceRequest)


async def pay(uri, bolt11):
    nwc = NostrWalletConnectBuilder(NostrWalletConnectUri.parse(uri)).timeout(timedelta(seconds=30)).build()
    paid = await nwc.pay_invoice(PayInvoiceRequest(id=None, invoice=bolt11, amount=None))
    return {"preimage": paid.preimage, "fees_paid": paid.fees_paid}


if __name__ == "__main__":
    try:
        answer = asyncio.run(pay(os.environ["NWC_URI"], sys.argv[1]))
    except Exception as error:  # the test asserts on the message
        answer = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(answer), flush=True)
    os._exit(0)  # skip the teardown race with the bindings' Rust threads

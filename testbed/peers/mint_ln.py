"""The mint-ln peer: nutshell's mint whose Lightning backend is an LNbits wallet, for tests.

Usage: python mint_ln.py MINT_EXECUTABLE
Environment: MINT_LN_LNBITS_URL and MINT_LN_LNBITS_KEY (the wallet's admin key), plus the
mint's own settings (MINT_LISTEN_PORT, MINT_DATABASE, …), which are passed on.

nutshell 0.21 has no LNbits backend, so this serves, on a free 127.0.0.1 port, the few Core
Lightning REST calls its CLNRestWallet makes (listfunds, invoice, listinvoices, waitanyinvoice)
on top of LNbits' wallet API, and runs the mint with MINT_BACKEND_BOLT11_SAT=CLNRestWallet
pointed at it. The mint's invoices are then LNbits invoices: another wallet of the same LNbits
(the tenant's, over NWC) pays one for real, inside LNbits, and the mint sees it paid when a
quote is looked up. waitanyinvoice never answers (no push; quotes are looked up on demand);
paying out (melting) is not offered. Standard library only.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LNBITS = os.environ.get("MINT_LN_LNBITS_URL", "").rstrip("/")
KEY = os.environ.get("MINT_LN_LNBITS_KEY", "")


def lnbits(method, path, body=None):
    request = urllib.request.Request(LNBITS + path, method=method)
    request.add_header("X-Api-Key", KEY)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


class CLNRest(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("[mint-ln shim] " + (fmt % args) + "\n")

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        try:
            form = json.loads(raw) if raw.startswith("{") else {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            if self.path == "/v1/listfunds":
                balance = lnbits("GET", "/api/v1/wallet").get("balance", 0)
                return self.reply(200, {"channels": [{"our_amount_msat": balance}], "outputs": []})
            if self.path == "/v1/invoice":
                sats = -(-int(form["amount_msat"]) // 1000)
                body = {"out": False, "amount": sats, "memo": form.get("description") or "ncn test bed mint-ln"}
                if form.get("expiry"):
                    body["expiry"] = int(form["expiry"])
                payment = lnbits("POST", "/api/v1/payments", body)
                return self.reply(200, {"payment_hash": payment["payment_hash"],
                                        "bolt11": payment.get("bolt11") or payment.get("payment_request")})
            if self.path == "/v1/listinvoices":
                payment_hash = form.get("payment_hash")
                if not payment_hash:
                    return self.reply(200, {"invoices": []})
                try:
                    payment = lnbits("GET", f"/api/v1/payments/{urllib.parse.quote(payment_hash)}")
                except urllib.error.HTTPError as e:
                    if e.code == 404:
                        return self.reply(200, {"invoices": []})
                    raise
                status = "paid" if payment.get("paid") else "unpaid"
                return self.reply(200, {"invoices": [{"payment_hash": payment_hash, "status": status, "pay_index": 1}]})
            if self.path == "/v1/waitanyinvoice":
                time.sleep(3600)
                return self.reply(200, {})
            return self.reply(404, {"code": -32601, "message": f"{self.path} is not served by the test bed's shim"})
        except Exception as e:  # the mint reads "message" as an error
            return self.reply(500, {"code": -1, "message": f"shim: {e}"})


def main(mint):
    if not LNBITS or not KEY:
        sys.exit("mint-ln: set MINT_LN_LNBITS_URL and MINT_LN_LNBITS_KEY")
    server = ThreadingHTTPServer(("127.0.0.1", 0), CLNRest)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINT_LN_")}
    env.update({"MINT_BACKEND_BOLT11_SAT": "CLNRestWallet", "MINT_CLNREST_URL": f"http://127.0.0.1:{server.server_address[1]}",
                "MINT_CLNREST_RUNE": "ncn-test-bed", "MINT_CLNREST_ENABLE_MPP": "FALSE"})
    # The peer is stopped as a process group, which takes the mint with it.
    sys.exit(subprocess.call([mint], env=env))


if __name__ == "__main__":
    main(sys.argv[1])

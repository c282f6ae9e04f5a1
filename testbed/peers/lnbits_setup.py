"""Prepares a running LNbits (FakeWallet) for tests; idempotent.

Usage: python lnbits_setup.py URL STATE_DIR
Prints the NCN_LNBITS_* env lines on stdout.

First start: claims the instance (first_install), creates the wallets
`provider`, `tenant` and `mint` (the Lightning backend of the mint-ln peer),
and funds the tenant. Later starts reuse what
STATE_DIR/credentials.json recorded, re-logging in only when needed.
Standard library only, so any python runs it.
"""

import json
import os
import secrets
import sys
import urllib.error
import urllib.request

TENANT_FUNDING_SATS = 1_000_000
ADMIN_USER = "ncn-admin"


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


def call(base, method, path, body=None, token=None, api_key=None):
    req = urllib.request.Request(base + path, method=method)
    req.add_header("Accept", "application/json")
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if api_key:
        req.add_header("X-Api-Key", api_key)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raise HttpError(e.code, e.read().decode(errors="replace")) from None


def ok(fn):
    try:
        fn()
        return True
    except HttpError:
        return False


def save(path, data):
    # Holds a password and wallet keys: owner-only, written atomically.
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def admin_token(base, creds):
    token = creds.get("token")
    if token and ok(lambda: call(base, "GET", "/api/v1/auth", token=token)):
        return token
    login = {"username": ADMIN_USER, "password": creds["password"]}
    if not creds.get("installed"):
        # With the admin UI on, every request redirects until this is done.
        try:
            r = call(base, "PUT", "/api/v1/auth/first_install",
                     dict(login, password_repeat=creds["password"]))
            creds["installed"] = True
            return r["access_token"]
        except HttpError as e:
            if e.status != 403:  # 403: claimed before, by a run whose
                raise            # credentials.json is gone
    try:
        r = call(base, "POST", "/api/v1/auth", login)
    except HttpError as e:
        sys.exit(f"lnbits setup failed: admin login: {e}\n"
                 "(if credentials.json was lost, delete the lnbits state folder to start over)")
    creds["installed"] = True
    return r["access_token"]


def wallet(base, creds, name, token, fund=0):
    w = creds.get("wallets", {}).get(name)
    if w and ok(lambda: call(base, "GET", "/api/v1/wallet", api_key=w["inkey"])):
        return w
    r = call(base, "POST", "/api/v1/account", {"name": name})
    w = {"id": r["id"], "inkey": r["inkey"], "adminkey": r["adminkey"]}
    if fund:
        call(base, "PUT", "/users/api/v1/balance",
             {"id": w["id"], "amount": fund}, token=token)
    creds.setdefault("wallets", {})[name] = w
    return w


def main(base, state_dir):
    path = os.path.join(state_dir, "credentials.json")
    creds = {"password": secrets.token_urlsafe(24)}
    if os.path.exists(path):
        with open(path) as f:
            creds = json.load(f)
    try:
        creds["token"] = admin_token(base, creds)
        provider = wallet(base, creds, "provider", creds["token"])
        tenant = wallet(base, creds, "tenant", creds["token"], TENANT_FUNDING_SATS)
        mint = wallet(base, creds, "mint", creds["token"])
    finally:
        save(path, creds)  # keep the password even if a later step failed
    lines = {
        "NCN_LNBITS_URL": base,
        "NCN_LNBITS_ADMIN_TOKEN": creds["token"],
    }
    for role, w in (("PROVIDER", provider), ("TENANT", tenant), ("MINT", mint)):
        lines[f"NCN_LNBITS_{role}_WALLET_ID"] = w["id"]
        lines[f"NCN_LNBITS_{role}_INKEY"] = w["inkey"]
        lines[f"NCN_LNBITS_{role}_ADMINKEY"] = w["adminkey"]
    for k, v in lines.items():
        print(f"{k}={v}")


if __name__ == "__main__":
    try:
        main(sys.argv[1].rstrip("/"), sys.argv[2])
    except (HttpError, urllib.error.URLError) as e:
        sys.exit(f"lnbits setup failed: {e}")

"""Reads a serialized Cashu token (NUT-00) into the JSON proofs a NIP-61 nutzap carries.

cashuA is base64url over JSON, cashuB base64url over CBOR. The nostr venv has no CBOR library
and the tenant tool must not grow dependencies, so a small decoder for the subset Cashu
wallets emit lives here (definite and indefinite lengths, tags skipped, no floats needed).
"""

import base64
import json


def decode(token):
    """{"mint", "unit", "memo", "proofs": [{"amount", "id", "secret", "C", "dleq"?, "witness"?}]}."""
    token = token.strip()
    if token.startswith("cashuA"):
        return _from_v3(json.loads(_b64(token[6:])))
    if token.startswith("cashuB"):
        return _from_v4(_Cbor(_b64(token[6:])).item())
    raise ValueError("not a Cashu token: expected a cashuA… or cashuB… string")


def _b64(text):
    # Wallets emit base64url without padding; some older ones standard base64.
    text = text.replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _from_v3(obj):
    entries = obj.get("token") or []
    mints = {e.get("mint") for e in entries}
    if len(mints) != 1:
        raise ValueError(f"the token spans {len(mints)} mints; a nutzap names exactly one")
    return {"mint": mints.pop(), "unit": obj.get("unit"), "memo": obj.get("memo"),
            "proofs": [p for e in entries for p in e.get("proofs", [])]}


def _from_v4(obj):
    proofs = []
    for group in obj.get("t", []):
        keyset = group["i"].hex()
        for p in group.get("p", []):
            proof = {"amount": p["a"], "id": keyset, "secret": p["s"], "C": p["c"].hex()}
            if "d" in p:
                proof["dleq"] = {k: v.hex() for k, v in p["d"].items()}
            if "w" in p:
                proof["witness"] = p["w"]
            proofs.append(proof)
    return {"mint": obj.get("m"), "unit": obj.get("u"), "memo": obj.get("d"), "proofs": proofs}


class _Cbor:
    BREAK = object()

    def __init__(self, data):
        self.data, self.at = data, 0

    def _take(self, n):
        if self.at + n > len(self.data):
            raise ValueError("truncated CBOR in the Cashu token")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def _length(self, info):
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            return int.from_bytes(self._take(1 << (info - 24)), "big")
        if info == 31:
            return None  # indefinite
        raise ValueError(f"unsupported CBOR length encoding {info}")

    def item(self):
        head = self._take(1)[0]
        major, info = head >> 5, head & 0x1F
        if head == 0xFF:
            return self.BREAK
        if major == 7:
            simple = {20: False, 21: True, 22: None, 23: None}
            if info in simple:
                return simple[info]
            raise ValueError(f"unsupported CBOR simple value {info}")
        n = self._length(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            raw = self._chunks() if n is None else self._take(n)
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            return self._until_break() if n is None else [self.item() for _ in range(n)]
        if major == 5:
            if n is None:
                flat = self._until_break()
                return dict(zip(flat[0::2], flat[1::2]))
            return {self.item(): self.item() for _ in range(n)}
        return self.item()  # major 6: a semantic tag; the tagged item is what matters

    def _until_break(self):
        items = []
        while (value := self.item()) is not self.BREAK:
            items.append(value)
        return items

    def _chunks(self):
        parts = self._until_break()
        return b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)

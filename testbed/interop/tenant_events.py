"""The compute vocabulary of docs/nip-compute.md as the tenant tool needs it, without I/O:
building request tags, splitting them for encryption (§4.1), and flattening answers (§5)
and offers (§8) into JSON a test can assert on.

Nothing here validates: the tool is also used to send malformed requests on purpose.
"""

import json

# §4.1: the only tags an encrypted request shows; everything else moves into the content.
PUBLIC_WHEN_ENCRYPTED = {"p", "encrypted", "expiration", "nonce"}


def port_param(spec):
    """"8080", "8080/udp" or "8080/tcp/http" → ["param","port","8080",…]."""
    return ["param", "port", *spec.split("/")]


def env_param(spec, key):
    """"NAME=value" → ["param", key, "NAME", "value"]; "NAME" alone → an empty value (§3.2)."""
    name, _, value = spec.partition("=")
    return ["param", key, name, value]


def request_tags(a, environ):
    """The tags of a kind 5900 from the `request` command's arguments, in the draft's order."""
    tags = []

    def param(key, *values):
        tags.append(["param", key, *[str(v) for v in values]])

    for key in ("image", "cpu", "memory", "gpus"):
        if getattr(a, key) is not None:
            param(key, getattr(a, key))
    if a.gpu_model is not None:
        param("gpu-model", a.gpu_model)
    if a.command is not None:
        param("command", *json.loads(a.command))
    if a.args is not None:
        param("args", *json.loads(a.args))
    tags += [env_param(e, "env") for e in a.env]
    for spec in a.secret_env:
        # NAME[=FROM]: the value is read from the environment variable FROM (default NAME),
        # so that it never appears in argv.
        name, _, source = spec.partition("=")
        param("secret-env", name, environ[source or name])
    tags += [port_param(p) for p in a.port]
    if a.duration is not None:
        param("duration", a.duration)
    if a.rail is not None:
        param("rail", a.rail)
    for variable in a.cashu_env:
        param("cashu", environ[variable])
    tags += [json.loads(t) for t in a.tag]
    if a.bid is not None:
        tags.append(["bid", str(a.bid)])
    relays = a.relays_tag if a.relays_tag else ([] if a.no_relays_tag else a.relay)
    if relays:
        tags.append(["relays", *relays])
    if a.provider:
        tags.append(["p", a.provider])
    return tags


def split_for_encryption(tags, provider):
    """(public tags, hidden tags) for a request encrypted to `provider` (§4.1)."""
    hidden = [t for t in tags if t and t[0] not in PUBLIC_WHEN_ENCRYPTED]
    public = [["p", provider], ["encrypted"]]
    public += [t for t in tags if t and t[0] in ("expiration", "nonce")]
    return public, hidden


def scheme_of(payload):
    """§4.1: a NIP-04 payload carries "?iv=", a NIP-44 v2 payload is plain base64."""
    return "nip04" if "?iv=" in payload else "nip44"


def _number(value):
    """An integer, or None when absent or malformed: typed readers get one type, and the raw
    tags printed beside these fields keep the exact text for tests of malformed answers."""
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _first(tags, name):
    return next((t for t in tags if t and t[0] == name), None)


def _value(tags, name, index=1):
    tag = _first(tags, name)
    return tag[index] if tag is not None and len(tag) > index else None


def answer_fields(tags):
    """The fields of a 6900/7000 (§5) from its tags, public and decrypted together."""
    status = _first(tags, "status") or []
    amount = _first(tags, "amount") or []
    fields = {
        "status": status[1] if len(status) > 1 else None,
        "status_text": status[2] if len(status) > 2 else None,
        "amount": _number(amount[1]) if len(amount) > 1 else None,
        "bolt11": amount[2] if len(amount) > 2 else None,
        "endpoints": [
            {"host": t[1], "port": _number(t[2]), "protocol": t[3] if len(t) > 3 else None,
             "name": t[4] if len(t) > 4 else None}
            for t in tags if t and t[0] == "endpoint" and len(t) > 2],
        "mints": [{"url": t[1], "unit": t[2] if len(t) > 2 else None}
                  for t in tags if t and t[0] == "mint" and len(t) > 1],
        "costs": {t[1]: _number(t[2]) for t in tags
                  if t and t[0] == "cost" and len(t) > 2 and _number(t[2]) is not None},
        "reason": _value(tags, "reason"),
        "rail": _value(tags, "rail"),
        "p2pk": _value(tags, "p2pk"),
    }
    for name in ("tranche", "paid-until", "expiration", "price", "interval", "grace",
                 "duration", "total", "exit-code"):
        fields[name.replace("-", "_")] = _number(_value(tags, name))
    refund = _first(tags, "refund")
    fields["refund"] = ({"msats": _number(refund[1]), "token": refund[2] if len(refund) > 2 else None}
                        if refund and len(refund) > 1 else None)
    return fields


def offer_fields(tags):
    """The fields of a 31900 offer (§8) from its tags."""
    capacity, prices = {"gpu": {}}, {"gpu": {}}
    for t in tags:
        if len(t) >= 4 and t[0] == "capacity":
            entry = {"free": _number(t[2]), "total": _number(t[3])}
            if t[1] == "gpu" and len(t) > 4:
                capacity["gpu"][t[4]] = entry
            else:
                capacity[t[1]] = entry
        elif len(t) >= 3 and t[0] == "price":
            if t[1] == "gpu" and len(t) > 3:
                prices["gpu"][t[3]] = _number(t[2])
            else:
                prices[t[1]] = _number(t[2])
    return {
        "d": _value(tags, "d"),
        "capacity": capacity,
        "prices": prices,
        "interval": _number(_value(tags, "interval")),
        "grace": _number(_value(tags, "grace")),
        "rails": [t[1] for t in tags if len(t) > 1 and t[0] == "rail"],
        "mints": [{"url": t[1], "unit": t[2] if len(t) > 2 else None}
                  for t in tags if len(t) > 1 and t[0] == "mint"],
        "p2pk": _value(tags, "p2pk"),
        "registries": [t[1] for t in tags if len(t) > 1 and t[0] == "registry"],
        "max_duration": _number(_value(tags, "max-duration")),
        "max_gpus": _number(_value(tags, "max-gpus")),
        "expiration": _number(_value(tags, "expiration")),
    }


def nutzap_tags(token, request_id, provider, relay_hint=None):
    """NIP-61 kind 9321 tags paying the lease of `request_id` (draft §7.3)."""
    tags = [["proof", json.dumps(p, separators=(",", ":"))] for p in token["proofs"]]
    if token.get("unit"):
        tags.append(["unit", token["unit"]])
    tags.append(["u", token["mint"]])
    tags.append(["e", request_id, relay_hint] if relay_hint else ["e", request_id])
    tags.append(["k", "5900"])
    tags.append(["p", provider])
    return tags

"""The compute vocabulary of docs/nip-compute.md, in plain Python (no Nostr library).

Reads the tags of a plain kind 5900 request (§3), checks them against the draft's rules
(§2, §3.1, §3.2) and against a provider policy (§3.3), and prices them (§7.1). The DVM in
peer.py calls it from inside nostr-dvm's request loop; the self-test calls it directly too.

Everything here is a pure function of the tags, the policy and the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

# The param keys of §3.2. A kind 5900 with none of them is someone else's job (§1.1).
COMPUTE_PARAM_KEYS = frozenset({
    "image", "cpu", "memory", "gpus", "gpu-model", "disk", "command", "args", "env",
    "secret-env", "port", "duration", "rail", "cashu",
})
_ONCE_KEYS = ("image", "cpu", "memory", "gpus", "gpu-model", "disk", "command", "args",
              "duration", "rail")

MAX_BID_MSATS = 2_100_000_000_000_000_000
GIB = 1 << 30
_CPU_MIN_MILLI, _CPU_MAX_MILLI = 1, 4096 * 1000
_MEMORY_MIN, _MEMORY_MAX = 16 << 20, 64 << 40
_DISK_MIN, _DISK_MAX = 64 << 20, 64 << 40
_DURATION_MAX = 31_536_000
_GPUS_MAX = 64
_IMAGE_MAX = 1024
_WORD_MAX_BYTES = 4096
_COMMAND_MAX_WORDS, _ARGS_MAX = 64, 256
_ENV_MAX, _ENV_NAME_MAX, _ENV_VALUE_MAX_BYTES = 128, 256, 32768
_PORTS_MAX = 16
_CASHU_MAX, _CASHU_TOKEN_MAX = 4, 65536
_RELAYS_MAX, _RELAY_URL_MAX = 16, 512

_DIGITS = re.compile(r"[0-9]{1,19}")
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_GPU_MODEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
_PORT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_BINARY_SUFFIX = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50,
                  "Ei": 1 << 60}
_DECIMAL_SUFFIX = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
                   "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


class Refusal(Exception):
    """A request this provider answers with a kind 7000 `error` (§5.2): `reason` is the code,
    the message says what to fix. It never quotes secret values or Cashu tokens."""

    def __init__(self, reason: str, text: str):
        super().__init__(text)
        self.reason = reason
        self.text = text


def _invalid(text: str) -> Refusal:
    return Refusal("invalid-request", text)


# ------------------------------------------------------------------ values (§2)

def parse_number(text: str):
    """A §2 number: decimal digits only, at most 19. None otherwise."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    return int(text)


def _unsigned_decimal(text: str):
    """'12', '1.5', '.5', '3.' as an exact Fraction; None for anything else."""
    if text.count(".") > 1 or not text or not all(c.isdigit() or c == "." for c in text):
        return None
    if not any(c.isdigit() for c in text):
        return None
    whole, _, frac = text.partition(".")
    value = Fraction(int(whole or "0"))
    if frac:
        value += Fraction(int(frac), 10 ** len(frac))
    return value


def parse_quantity(text: str):
    """A Kubernetes quantity (unsigned) as an exact Fraction, or None.

    "500m", "2", "0.5", "16Gi", "8G", "1e9", "2.5E-1". Binary suffixes are tried first, then
    the one-letter decimal ones, then a decimal exponent: "1E" is one exa, "1e3" is 1000.
    """
    if not isinstance(text, str) or not text or len(text) > 64 or not text.isascii():
        return None
    multiplier = Fraction(1)
    number = text
    if text[-2:] in _BINARY_SUFFIX:
        number, multiplier = text[:-2], Fraction(_BINARY_SUFFIX[text[-2:]])
    elif text[-1] in _DECIMAL_SUFFIX:
        number, multiplier = text[:-1], Fraction(_DECIMAL_SUFFIX[text[-1]])
    else:
        cut = min((i for i in (text.find("e"), text.find("E")) if i >= 0), default=-1)
        if cut >= 0:
            exponent = text[cut + 1:]
            negative = exponent.startswith("-")
            if exponent[:1] in ("-", "+"):
                exponent = exponent[1:]
            if not exponent.isdigit() or int(exponent) > 40:
                return None
            number = text[:cut]
            power = Fraction(10) ** int(exponent)
            multiplier = 1 / power if negative else power
    mantissa = _unsigned_decimal(number)
    if mantissa is None:
        return None
    return mantissa * multiplier


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def millicores(text: str):
    q = parse_quantity(text)
    return None if q is None else _ceil(q * 1000)


def quantity_bytes(text: str):
    q = parse_quantity(text)
    return None if q is None else _ceil(q)


def format_bytes(n: int) -> str:
    for suffix, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def format_cpu(milli: int) -> str:
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def canonical_image(image: str) -> str:
    """Docker's reading of a reference: 'busybox' is 'docker.io/library/busybox', 'org/app' is
    'docker.io/org/app'; a first component with '.' or ':' or 'localhost' is a registry host."""
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return image
    if not sep:
        return "docker.io/library/" + image
    return "docker.io/" + image


def registry_allowed(image: str, prefixes) -> bool:
    if not prefixes:
        return True
    canonical = canonical_image(image)
    return any(canonical == p or canonical.startswith(p.rstrip("/") + "/") for p in prefixes)


# ------------------------------------------------------------------ the request (§3)

@dataclass
class Port:
    number: int
    protocol: str = "tcp"
    name: str = ""


@dataclass
class ComputeRequest:
    image: str
    millicores: int
    memory_bytes: int
    duration: int
    bid_msats: int
    gpus: int = 0
    gpu_model: str = ""
    disk_bytes: int = None  # None: the provider's default disk
    command: list = field(default_factory=list)
    args: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    ports: list = field(default_factory=list)
    rail: str = "lightning"
    relays: list = field(default_factory=list)
    expiration: int = None


def is_compute_request(tags) -> bool:
    """§1.1: a kind 5900 is a compute request iff it has a param tag with a §3.2 key."""
    return any(len(t) >= 2 and t[0] == "param" and t[1] in COMPUTE_PARAM_KEYS for t in tags)


def is_encrypted(tags) -> bool:
    return any(t and t[0] == "encrypted" for t in tags)


def addressed_to(tags, pubkey: str) -> bool:
    """§3.1: a request with `p` tags is for those providers only; without, for everyone."""
    named = [t[1] for t in tags if len(t) >= 2 and t[0] == "p"]
    return not named or pubkey in named


def expiration_of(tags):
    """The NIP-40 expiration, or None when absent or unreadable."""
    for t in tags:
        if len(t) >= 2 and t[0] == "expiration":
            return parse_number(t[1])
    return None


def parse_request(tags) -> ComputeRequest:
    """Reads and checks a plain compute request's tags (§3.1, §3.2); raises Refusal."""
    params = {}
    for t in tags:
        if len(t) >= 2 and t[0] == "param":
            params.setdefault(t[1], []).append(list(t[2:]))
    for key in _ONCE_KEYS:
        if len(params.get(key, [])) > 1:
            raise _invalid(f'param {key} appears {len(params[key])} times: keep exactly one '
                           f'["param","{key}",…] tag')

    def one(key):
        values = params.get(key)
        return None if not values else values[0]

    # bid: exactly one
    bids = [t for t in tags if t and t[0] == "bid"]
    if not bids:
        raise _invalid('missing bid: add ["bid","<msats>"], the most you pay for the whole '
                       'duration in millisatoshis, e.g. ["bid","600000"]')
    if len(bids) > 1:
        raise _invalid(f'{len(bids)} bid tags: keep exactly one ["bid","<msats>"]')
    bid_text = bids[0][1] if len(bids[0]) > 1 else ""
    bid = parse_number(bid_text)
    if bid is None or not 1 <= bid <= MAX_BID_MSATS:
        raise _invalid(f'bid "{bid_text[:40]}" is not a number of millisatoshis: write a whole '
                       f'number from 1 to {MAX_BID_MSATS} in decimal digits, e.g. ["bid","600000"]')

    # image
    image_values = one("image")
    if not image_values:
        raise _invalid('missing image: add ["param","image","<reference>"], e.g. '
                       '"ghcr.io/org/app:1.2" or "busybox"')
    image = image_values[0]
    if not 1 <= len(image) <= _IMAGE_MAX or not all(0x21 <= ord(c) <= 0x7E for c in image):
        raise _invalid(f'image is not an image reference: 1 to {_IMAGE_MAX} printable ASCII '
                       'characters without spaces, e.g. "ghcr.io/org/app:1.2"')

    # cpu
    cpu_values = one("cpu")
    if not cpu_values:
        raise _invalid('missing cpu: add a tag ["param","cpu","<cores>"], e.g. "2" (cores) or '
                       '"500m" (millicores)')
    milli = millicores(cpu_values[0])
    if milli is None:
        raise _invalid(f'cpu "{cpu_values[0][:40]}" is not a Kubernetes CPU quantity: write cores '
                       '("2", "0.5") or millicores ("500m")')
    if not _CPU_MIN_MILLI <= milli <= _CPU_MAX_MILLI:
        raise _invalid(f'cpu "{cpu_values[0][:40]}" is out of range: from 1m to 4096 cores')

    # memory
    memory_values = one("memory")
    if not memory_values:
        raise _invalid('missing memory: add ["param","memory","<bytes>"], e.g. "512Mi" or "8Gi"')
    memory = quantity_bytes(memory_values[0])
    if memory is None:
        raise _invalid(f'memory "{memory_values[0][:40]}" is not a Kubernetes memory quantity: '
                       'write bytes with a binary suffix ("512Mi", "8Gi") or a decimal one ("8G"); '
                       '"GB" and "gb" are not suffixes')
    if not _MEMORY_MIN <= memory <= _MEMORY_MAX:
        raise _invalid(f'memory "{memory_values[0][:40]}" is out of range: from 16Mi to 64Ti')

    # gpus and gpu-model
    gpus = 0
    gpus_values = one("gpus")
    if gpus_values is not None:
        text = gpus_values[0] if gpus_values else ""
        gpus = parse_number(text)
        if gpus is None or gpus > _GPUS_MAX:
            raise _invalid(f'gpus "{text[:40]}" is not a number of GPUs: write a whole number '
                           f'from 0 to {_GPUS_MAX}, e.g. ["param","gpus","1"]')
    model_values = one("gpu-model")
    model = ""
    if model_values is not None:
        model = model_values[0] if model_values else ""
        if not _GPU_MODEL.fullmatch(model):
            raise _invalid(f'gpu-model "{model[:63]}" is not a GPU model name: 1 to 63 letters, '
                           'digits, "-", "_" or ".", e.g. NVIDIA-H100-80GB-HBM3')
    if gpus > 0 and not model:
        raise _invalid(f'gpus is {gpus} but gpu-model is missing: add ["param","gpu-model",'
                       '"<model>"] with a model from the provider\'s offer, e.g. '
                       'NVIDIA-H100-80GB-HBM3')
    if gpus == 0 and model:
        raise _invalid('gpu-model is set but gpus is 0: remove the gpu-model tag, or ask for '
                       'GPUs with ["param","gpus","1"]')

    # disk
    disk = None
    disk_values = one("disk")
    if disk_values is not None:
        text = disk_values[0] if disk_values else ""
        disk = quantity_bytes(text)
        if disk is None:
            raise _invalid(f'disk "{text[:40]}" is not a Kubernetes quantity of bytes: write e.g. '
                           '"10Gi" or "50G"')
        if not _DISK_MIN <= disk <= _DISK_MAX:
            raise _invalid(f'disk "{text[:40]}" is out of range: from 64Mi to 64Ti')

    # command and args
    command = one("command")
    if command is not None:
        if not command:
            raise _invalid('command has no words: write ["param","command","<program>","<arg>",…]'
                           ' or leave it out to keep the image\'s entrypoint')
        if len(command) > _COMMAND_MAX_WORDS or any(len(w.encode()) > _WORD_MAX_BYTES for w in command):
            raise _invalid(f'command is too long: at most {_COMMAND_MAX_WORDS} words of at most '
                           f'{_WORD_MAX_BYTES} bytes')
    args = one("args") or []
    if len(args) > _ARGS_MAX or any(len(w.encode()) > _WORD_MAX_BYTES for w in args):
        raise _invalid(f'args is too long: at most {_ARGS_MAX} arguments of at most '
                       f'{_WORD_MAX_BYTES} bytes')

    # env and secret-env
    if params.get("secret-env"):
        raise _invalid('secret-env in a plain request is public: send the request encrypted '
                       '(NIP-44, §4) or use ["param","env",…] for values that are not secret')
    env = {}
    for values in params.get("env", []):
        name = values[0] if values else ""
        if not 1 <= len(name) <= _ENV_NAME_MAX or not _ENV_NAME.fullmatch(name):
            raise _invalid(f'env name "{name[:64]}" is not valid: 1 to {_ENV_NAME_MAX} characters '
                           'of letters, digits, "-", "_", ".", not starting with a digit, e.g. '
                           '["param","env","LOG_LEVEL","info"]')
        if name in env:
            raise _invalid(f'env {name} is set twice: give each variable one tag')
        value = values[1] if len(values) > 1 else ""
        if len(value.encode()) > _ENV_VALUE_MAX_BYTES:
            raise _invalid(f'env {name} is too long: at most {_ENV_VALUE_MAX_BYTES} bytes')
        env[name] = value
    if len(env) > _ENV_MAX:
        raise _invalid(f'{len(env)} environment variables: at most {_ENV_MAX}')

    # ports
    ports = []
    for values in params.get("port", []):
        text = values[0] if values else ""
        number = parse_number(text)
        if number is None or not 1 <= number <= 65535:
            raise _invalid(f'port "{text[:40]}" is not a port number: write 1 to 65535, e.g. '
                           '["param","port","8080","tcp","http"]')
        protocol = values[1] if len(values) > 1 and values[1] != "" else "tcp"
        if protocol not in ("tcp", "udp"):
            raise _invalid(f'port {number} has protocol "{protocol[:16]}": write "tcp" or "udp"')
        name = values[2] if len(values) > 2 else ""
        if name and (len(name) > 15 or not _PORT_NAME.fullmatch(name)
                     or not any(c.isalpha() for c in name)):
            raise _invalid(f'port name "{name[:32]}" is not a service name: 1 to 15 lower-case '
                           'letters, digits and inner single dashes, with a letter, e.g. "http"')
        if any(p.number == number and p.protocol == protocol for p in ports):
            raise _invalid(f'port {number}/{protocol} is declared twice: declare each once')
        if name and any(p.name == name for p in ports):
            raise _invalid(f'port name "{name}" is used twice: names must be unique')
        ports.append(Port(number, protocol, name))
    if len(ports) > _PORTS_MAX:
        raise _invalid(f'{len(ports)} ports: at most {_PORTS_MAX}')

    # duration
    duration_values = one("duration")
    if not duration_values:
        raise _invalid('missing duration: add ["param","duration","<seconds>"], e.g. "3600" '
                       'for an hour')
    duration = parse_number(duration_values[0])
    if duration is None or not 1 <= duration <= _DURATION_MAX:
        raise _invalid(f'duration "{duration_values[0][:40]}" is not a number of seconds: write a '
                       f'whole number from 1 to {_DURATION_MAX}, e.g. "3600"')

    # rail and cashu (never quote a token)
    tokens = params.get("cashu", [])
    if len(tokens) > _CASHU_MAX:
        raise _invalid(f'{len(tokens)} cashu tokens: at most {_CASHU_MAX}')
    for values in tokens:
        token = values[0] if values else ""
        if not token.startswith(("cashuA", "cashuB")) or len(token) > _CASHU_TOKEN_MAX:
            raise _invalid('a cashu param is not a serialized Cashu token: it must begin with '
                           f'"cashuB" (or "cashuA") and be at most {_CASHU_TOKEN_MAX} characters')
    rail_values = one("rail")
    if rail_values is not None:
        rail = rail_values[0] if rail_values else ""
        if rail not in ("lightning", "cashu"):
            raise _invalid(f'rail "{rail[:32]}" is not a rail: write "lightning" or "cashu"')
        if rail == "lightning" and tokens:
            raise _invalid('rail is lightning but the request carries cashu tokens: remove the '
                           'cashu params, or set ["param","rail","cashu"]')
    else:
        rail = "cashu" if tokens else "lightning"

    # relays (§3.1)
    relays = []
    for t in tags:
        if t and t[0] == "relays":
            urls = list(t[1:])
            if len(urls) > _RELAYS_MAX:
                raise _invalid(f'relays names {len(urls)} relays: at most {_RELAYS_MAX}')
            for url in urls:
                if len(url) > _RELAY_URL_MAX or not url.startswith(("ws://", "wss://")):
                    raise _invalid('relays holds a URL that is not a ws:// or wss:// URL of at most '
                                   f'{_RELAY_URL_MAX} characters')
            relays = urls
            break

    return ComputeRequest(
        image=image, millicores=milli, memory_bytes=memory, duration=duration, bid_msats=bid,
        gpus=gpus, gpu_model=model, disk_bytes=disk, command=list(command or []),
        args=list(args), env=env, ports=ports, rail=rail, relays=relays,
        expiration=expiration_of(tags))


# ------------------------------------------------------------------ policy and price (§3.3, §7.1)

@dataclass
class Policy:
    """What this provider rents and at what price; the offer (§8) publishes the same facts."""
    msats_cpu_hour: int = 20_000          # per core-hour
    msats_memory_gib_hour: int = 5_000    # per GiB-hour
    msats_disk_gib_hour: int = 100        # per GiB-hour of local disk
    gpus: dict = field(default_factory=dict)  # model -> (count, msats per GPU-hour)
    interval: int = 600
    grace: int = 60
    lead: int = 120
    bid_lifetime: int = 300
    registries: list = field(default_factory=lambda: ["docker.io", "ghcr.io", "quay.io"])
    port_min: int = 1024
    port_max: int = 65535
    max_duration: int = 86_400
    max_gpus: int = 8
    default_disk: int = 10 * GIB
    max_disk: int = 100 * GIB
    capacity_millicores: int = 64_000
    capacity_memory: int = 256 * GIB
    capacity_disk: int = 2048 * GIB


@dataclass
class Quote:
    request: ComputeRequest
    disk_bytes: int
    cost_cpu: int
    cost_memory: int
    cost_gpu: int
    cost_disk: int
    price: int      # msats per interval, a whole number of sats
    tranches: int
    total: int

    @property
    def price_sats(self) -> int:
        return self.price // 1000


def _ceil_div(numerator: int, denominator: int) -> int:
    return -((-numerator) // denominator)


def price_request(req: ComputeRequest, policy: Policy) -> Quote:
    """The §7.1 formula, in exact integers."""
    interval = policy.interval
    disk = req.disk_bytes if req.disk_bytes is not None else policy.default_disk
    cost_cpu = _ceil_div(policy.msats_cpu_hour * req.millicores * interval, 1000 * 3600)
    cost_memory = _ceil_div(policy.msats_memory_gib_hour * req.memory_bytes * interval, GIB * 3600)
    gpu_price = policy.gpus.get(req.gpu_model, (0, 0))[1] if req.gpus else 0
    cost_gpu = _ceil_div(gpu_price * req.gpus * interval, 3600)
    cost_disk = _ceil_div(policy.msats_disk_gib_hour * disk * interval, GIB * 3600)
    price = max(1000, _ceil_div(cost_cpu + cost_memory + cost_gpu + cost_disk, 1000) * 1000)
    tranches = _ceil_div(req.duration, interval)
    return Quote(req, disk, cost_cpu, cost_memory, cost_gpu, cost_disk, price, tranches,
                 price * tranches)


def check_policy_and_price(req: ComputeRequest, policy: Policy) -> Quote:
    """§3.3: policy, capacity (of the whole offer, no per-lease accounting), then bid vs total."""
    if req.rail != "lightning":
        raise Refusal("policy", 'this provider takes Lightning only: drop the cashu params and set '
                                '["param","rail","lightning"] (or leave rail out)')
    if not registry_allowed(req.image, policy.registries):
        registry = canonical_image(req.image).split("/", 1)[0]
        raise Refusal("policy", f"image registry {registry} is not allowed here; allowed: "
                                f"{', '.join(policy.registries)}")
    if req.duration > policy.max_duration:
        raise Refusal("policy", f"duration {req.duration} s is over this provider's maximum of "
                                f"{policy.max_duration} s per lease")
    for p in req.ports:
        if not policy.port_min <= p.number <= policy.port_max:
            raise Refusal("policy", f"port {p.number} is outside the ports allowed here "
                                    f"({policy.port_min}-{policy.port_max})")
    if req.disk_bytes is not None and req.disk_bytes > policy.max_disk:
        raise Refusal("policy", f"disk {format_bytes(req.disk_bytes)} is over this provider's "
                                f"maximum of {format_bytes(policy.max_disk)} per lease")
    if req.gpus:
        if req.gpus > policy.max_gpus:
            raise Refusal("policy", f"gpus {req.gpus} is over this provider's maximum of "
                                    f"{policy.max_gpus} per lease")
        if req.gpu_model not in policy.gpus:
            offered = ", ".join(sorted(policy.gpus)) or "none"
            raise Refusal("policy", f"GPU model {req.gpu_model} is not rented out here; "
                                    f"models: {offered}")
        if req.gpus > policy.gpus[req.gpu_model][0]:
            raise Refusal("no-capacity", f"{req.gpus}x {req.gpu_model} is more than this "
                                         f"provider has ({policy.gpus[req.gpu_model][0]})")
    disk = req.disk_bytes if req.disk_bytes is not None else policy.default_disk
    if (req.millicores > policy.capacity_millicores or req.memory_bytes > policy.capacity_memory
            or disk > policy.capacity_disk):
        raise Refusal("no-capacity", "the request is larger than this provider's capacity "
                                     f"({format_cpu(policy.capacity_millicores)} cores, "
                                     f"{format_bytes(policy.capacity_memory)} memory, "
                                     f"{format_bytes(policy.capacity_disk)} disk)")
    quote = price_request(req, policy)
    if quote.total > req.bid_msats:
        raise Refusal("bid-too-low",
                      f"the total for {req.duration} s is {quote.total} msats ({quote.price} per "
                      f"{policy.interval} s interval) but the bid is {req.bid_msats}: raise "
                      f'["bid","{quote.total}"] or more, or ask for less')
    return quote


def describe(quote: Quote) -> str:
    """The bid's human text, e.g. '1x NVIDIA-H100-80GB-HBM3, 4 cores, 16Gi, 50Gi disk for 1 h'."""
    req = quote.request
    parts = []
    if req.gpus:
        parts.append(f"{req.gpus}x {req.gpu_model}")
    cores = format_cpu(req.millicores)
    parts.append(f"{cores} core{'s' if cores != '1' else ''}" if not cores.endswith("m")
                 else f"{cores} CPU")
    parts.append(format_bytes(req.memory_bytes))
    parts.append(f"{format_bytes(quote.disk_bytes)} disk")
    d = req.duration
    span = f"{d // 3600} h" if d % 3600 == 0 else f"{d // 60} min" if d % 60 == 0 else f"{d} s"
    return ", ".join(parts) + " for " + span

"""`ncn logs` against the operator installed in-cluster (`scripts/testbed up operator`): a real
container on the test bed's real node writes numbered lines, and the `ncn` binary (built by
`swift build`, run as a subprocess the way a tenant runs it) prints them, with `--follow` as they
are written and without it as one read, each line once and in order; a key that is not the
lease's tenant gets no answer. nostr-sdk (testbed/interop/tenant.py) rents and LNbits pays, as
in test_real_leases.py. Marked `realnode`.
"""

import base64
import json
import os
import subprocess
import tempfile
import time
import urllib.request

import pytest
from nostr_sdk import Keys

pytestmark = pytest.mark.realnode

from realbed import REPO, kubectl, tool  # noqa: E402

NCN = REPO / ".build" / "debug" / "ncn"
BID = 100_000_000
# Numbered lines, five a second, for two minutes.
WRITER = 'i=0; while [ $i -lt 600 ]; do echo "log-line $i"; i=$((i+1)); sleep 0.2; done'


@pytest.fixture(scope="module")
def real_node_only():
    """Fake nodes another test left behind (a crashed MarketBed run) would take the workload and
    never run it: they are kept out of scheduling while this module runs."""
    fake = kubectl("get", "nodes", "-l", "!ncn.testbed/real", "-o",
                   "jsonpath={range .items[?(@.spec.unschedulable!=true)]}{.metadata.name} {end}").split()
    for node in fake:
        kubectl("cordon", node)
    try:
        yield
    finally:
        for node in fake:
            kubectl("uncordon", node, check=False)


@pytest.fixture(scope="module")
def lease(peer_env, real_node_only):
    relay, lnbits, tenant_admin, registry = peer_env.need(
        "NCN_RELAY_SDK_URL", "NCN_LNBITS_URL", "NCN_LNBITS_TENANT_ADMINKEY", "NCN_REGISTRY")
    ready = kubectl("-n", "ncn-system", "get", "deployment", "ncn-operator", "-o",
                    "jsonpath={.status.readyReplicas}", check=False).strip()
    if ready != "1":
        pytest.fail("the operator is not running in-cluster: run scripts/testbed up operator", pytrace=False)
    if not NCN.is_file():
        pytest.fail(f"{NCN} is missing: swift build --build-tests", pytrace=False)
    nsec = kubectl("-n", "ncn-system", "get", "secret", "ncn-provider", "-o", "jsonpath={.data.nsec}")
    provider = Keys.parse(base64.b64decode(nsec).decode()).public_key().to_hex()
    keys = Keys.generate()
    code, lines = tool(keys, [relay], "request", "--image", f"{registry}/ncn/pause:latest",
                       "--command", json.dumps(["/bin/sh", "-c", WRITER]), "--cpu", "100m", "--memory", "64Mi",
                       "--duration", "300", "--bid", str(BID), "--provider", provider, "--pow", "10")
    assert code == 0 and "error" not in lines[-1], lines
    request = lines[-1]["id"]
    bolt11 = None
    deadline = time.monotonic() + 60
    while bolt11 is None:
        assert time.monotonic() < deadline, "no invoice for tranche 0"
        code, lines = tool(keys, [relay], "watch", "--request", request, "--provider", provider, "--timeout", "3", timeout=3)
        for event in lines:
            if event.get("type") == "event" and event["status"] == "error":
                raise AssertionError(f"refused: {event['status_text']}")
            if event.get("type") == "event" and event["status"] == "payment-required" and event["bolt11"]:
                bolt11 = event["bolt11"]
    body = json.dumps({"out": True, "bolt11": bolt11}).encode()
    paying = urllib.request.Request(lnbits + "/api/v1/payments", data=body, method="POST",
                                    headers={"X-Api-Key": tenant_admin, "Content-Type": "application/json"})
    with urllib.request.urlopen(paying, timeout=30) as answer:
        assert answer.status in (200, 201), answer.read()
    code, lines = tool(keys, [relay], "watch", "--request", request, "--provider", provider, "--until", "running",
                       "--timeout", "90", timeout=90)
    assert code == 0, f"the lease never ran: {[(e.get('kind'), e.get('status')) for e in lines]}"
    yield {"relay": relay, "keys": keys, "request": request, "provider": provider}
    tool(keys, [relay], "cancel", "--request", request)


def ncn(lease, *args, keys=None):
    """The environment and argv of `ncn ARGS` as the lease's tenant (or `keys`)."""
    home = tempfile.mkdtemp(prefix="ncn-logs-")
    environ = dict(os.environ, NCN_KEY=(keys or lease["keys"]).secret_key().to_bech32(), XDG_CONFIG_HOME=home,
                   NCN_RELAYS=lease["relay"])
    return [str(NCN), *args], environ


def numbers(texts):
    return [int(text.split()[1]) for text in texts]


def test_ncn_logs_follow_prints_what_the_container_writes(lease):
    argv, environ = ncn(lease, "logs", lease["request"], "--follow", "--json")
    started = time.monotonic()
    process = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    texts, first_at = [], None
    try:
        for line in process.stdout:
            event = json.loads(line)
            assert event["event"] == "line", event
            texts.append(event["text"])
            first_at = first_at or time.monotonic() - started
            if len(texts) >= 60:
                break
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert len(texts) >= 60, f"ncn logs --follow printed {texts}; stderr: {stderr}"
    seen = numbers(texts)
    assert seen == list(range(seen[0], seen[0] + len(seen))), seen
    assert seen[0] == 0, "a follow starts at the beginning of the log"
    # 60 lines are 12 s of writing: most of them arrived as they were written, not in one read.
    assert time.monotonic() - started >= 6, "the lines came faster than the container wrote them"
    print(f"\nncn logs --follow: first line after {first_at:.1f} s, {len(texts)} lines in {time.monotonic() - started:.1f} s")


def test_ncn_logs_reads_the_log_so_far_and_exits_0(lease):
    argv, environ = ncn(lease, "logs", lease["request"], "--timestamps")
    done = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) >= 10, done.stdout
    assert all(line.split(" ", 1)[0].endswith("Z") for line in lines), lines[:3]
    seen = numbers([line.split(" ", 1)[1] for line in lines])
    assert seen == list(range(0, len(seen))), seen

    argv, environ = ncn(lease, "logs", lease["request"], "--tail", "3")
    done = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 3, (done.stdout, done.stderr)


def test_ncn_logs_from_another_key_gets_no_answer(lease):
    argv, environ = ncn(lease, "logs", lease["request"], keys=Keys.generate())
    done = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 5, (done.returncode, done.stdout, done.stderr)
    assert "did not answer" in done.stderr, done.stderr
    assert done.stdout == "", done.stdout

"""What the tests against the in-cluster operator share: the test bed's kubectl and the
independent tenant tool (testbed/interop/tenant.py, nostr-sdk underneath)."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = str(REPO / "testbed" / "interop" / "tenant.py")
TESTBED = str(REPO / "scripts" / "testbed")


def kubectl(*args, check=True, stdin=None, timeout=60):
    done = subprocess.run([TESTBED, "kubectl", *args], capture_output=True, text=True, input=stdin, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def tool(keys, relays, *args, timeout=60):
    """Runs tenant.py as `keys`: (exit code, its JSON lines)."""
    environ = dict(os.environ, TENANT_KEY=keys.secret_key().to_bech32())
    done = subprocess.run([sys.executable, TOOL, *args, *[f"--relay={r}" for r in relays]],
                          env=environ, capture_output=True, text=True, timeout=timeout + 30)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"tenant.py printed nothing; stderr: {done.stderr}"
    return done.returncode, lines

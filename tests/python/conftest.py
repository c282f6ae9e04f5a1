"""Shared fixtures for the peer tests: the test bed's env file.

The peers are started by `bash scripts/lib/peers.sh up` (or `scripts/testbed up`),
which writes $NCN_TESTBED_DIR/env (default <repo>/.testbed/env). Without it the
tests skip, except under CI=true, where a missing test bed is a failure.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("NCN_TESTBED_DIR") or REPO / ".testbed")
ENV_FILE = STATE / "env"


def _missing(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the test bed must be up)", pytrace=False)
    pytest.skip(reason)


def read_env_file(path):
    env = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


class PeerEnv(dict):
    def need(self, *keys):
        """The values of keys; skips (fails in CI) when a peer is not up."""
        absent = [k for k in keys if not self.get(k)]
        if absent:
            _missing(f"{ENV_FILE} lacks {', '.join(absent)}: is that peer up?")
        return [self[k] for k in keys]


@pytest.fixture(scope="session")
def peer_env():
    if not ENV_FILE.is_file():
        _missing(f"no test bed env file at {ENV_FILE}; run: bash scripts/lib/peers.sh up")
    return PeerEnv(read_env_file(ENV_FILE))


@pytest.fixture(scope="session")
def peers_sh():
    return str(REPO / "scripts" / "lib" / "peers.sh")


def pytest_configure(config):
    config.addinivalue_line("markers", "realnode: needs the operator in-cluster and a real node (scripts/testbed up operator)")

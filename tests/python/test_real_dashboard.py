"""The operator's web dashboard in a real browser: the operator installed in-cluster (`scripts/testbed
up operator`, whose devnet overlay serves the dashboard on the real node's :8088 behind the token in
the Secret ncn-system/ncn-dashboard), nostr-sdk as the tenant paying over LNbits as in
test_real_leases.py, and headless Chromium driven by Selenium through Debian's chromedriver (no
Selenium Manager, no download). Marked `realnode`.

One paid lease and one refused request (a registry outside the allowlist) must show up on the page
as it polls /api/state: the lease's row with what it earned and its phase, the refusal with its
reason, the earnings chart with a point. The page is saved as a screenshot ($NCN_ARTIFACTS_DIR or
.build/artifacts/dashboard.png).
"""

import base64
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.realnode

from conftest import _missing  # noqa: E402
from realbed import REPO, kubectl  # noqa: E402
# `bed`: the in-cluster operator, the tenant's relays and wallet, 30 s tranches (a fixture).
from test_real_leases import Tenant, bed, provider_view  # noqa: E402,F401

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:
    webdriver = None

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PORT = 8088  # --dashboard-bind-address in helm-free-kustomize/overlays/devnet/deployment.yaml
WIDTH, HEIGHT = 1280, 900

# What the page shows, read in one go (the page re-renders its tables every 2 s).
SNAPSHOT = """
const [lease, request] = arguments;
const cells = (row, names) => row && Object.fromEntries(
  names.map(n => [n, (row.querySelector('td.' + n) || {textContent: ''}).textContent.trim()]));
const earnings = document.querySelector('#earnings');
return {
  state: document.body.dataset.state,
  lease: cells(document.querySelector(`#leases tbody tr[data-lease="${lease}"]`),
               ['tenant', 'image', 'phase', 'paid-until', 'earned']),
  market: cells(document.querySelector(`#market tbody tr[data-request="${request}"]`), ['outcome', 'reason']),
  points: Number(earnings && earnings.getAttribute('data-points')),
  text: document.body.innerText,
};
"""


@pytest.fixture(scope="module")
def dashboard(bed):
    """The in-cluster operator's dashboard: its address on the real node and its token."""
    token = kubectl("-n", "ncn-system", "get", "secret", "ncn-dashboard", "-o", "jsonpath={.data.token}")
    return {"token": base64.b64decode(token).decode().strip(), "url": f"http://{bed['node_ip']}:{PORT}"}


@pytest.fixture(scope="module")
def browser():
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if absent:
        _missing(f"no {' or '.join(absent)}: run scripts/install-deps (Debian's chromium, chromium-driver)")
    if webdriver is None:
        _missing("no selenium in this Python: bash scripts/lib/peers.sh install (the nostr venv pins it)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # --no-sandbox: Chromium's sandbox refuses to run as root, which the tests are.
    for flag in ("--headless=new", "--no-sandbox", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    # A driver path given to Service: Selenium Manager is never started (it would go online).
    # TMPDIR: the profile and the socket folders Chromium would otherwise leave in /tmp.
    with tempfile.TemporaryDirectory(prefix="ncn-chromium-") as scratch:
        service = Service(executable_path=CHROMEDRIVER, env=dict(os.environ, TMPDIR=scratch))
        driver = webdriver.Chrome(service=service, options=options)
        yield driver
        driver.quit()


def http_status(url, **headers):
    """The answer's status code, or why there was none."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:  # URLError among them: refused, timed out
        return f"no answer ({getattr(error, 'reason', error)})"


def sats(text):
    """1,000 from "1,000 sats"; None without a number of sats."""
    found = re.search(r"([\d,]+(?:\.\d+)?)\s*sats?\b", text or "")
    return float(found.group(1).replace(",", "")) if found else None


def shows_npub(text, npub):
    """The whole npub, or its ends around an ellipsis."""
    return text.startswith("npub1") and all(part in npub for part in re.split(r"…|\.\.\.", text) if part)


def problem_with(page, lease, npub, phase):
    """What the page does not show yet, or None."""
    if page["state"] != "live":
        return f"body[data-state] is {page['state']!r}, not 'live'"
    row = page["lease"]
    if not row:
        return f"no row tr[data-lease={lease}] in #leases"
    if not shows_npub(row["tenant"], npub) or "ncn/http-echo" not in row["image"] or not row["paid-until"]:
        return f"lease row is {row}; want tenant {npub}, image ncn/http-echo and a paid-until"
    if not (sats(row["earned"]) or 0) > 0:
        return f"lease row shows earned {row['earned']!r}, want more than 0 sats"
    if row["phase"].lower() != phase.lower():
        return f"lease row shows phase {row['phase']!r}, the lease is {phase!r}"
    refusal = page["market"]
    if not refusal or refusal["outcome"] != "refused" or "registr" not in refusal["reason"].lower():
        return f"the refused request's row in #market is {refusal}, want outcome 'refused' and a reason naming the registry"
    if not (page["points"] or 0) >= 1:
        return f"#earnings[data-points] is {page['points']}, want at least 1"
    return None


def save_screenshot(driver):
    """The whole page as a PNG; its path."""
    folder = Path(os.environ.get("NCN_ARTIFACTS_DIR") or REPO / ".build" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dashboard.png"
    # Chromium's own full-page capture (a taller window would still leave out its frame's height).
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"\ndashboard screenshot: {path}")
    return path


def test_the_dashboard_shows_a_paid_lease_and_a_refused_request(bed, dashboard, browser):
    tenant = Tenant(bed)
    refused = tenant.request("docker.io/library/busybox:1.36")
    tenant.watch(refused, "error", timeout=30)
    request = tenant.request(f"{bed['registry']}/ncn/http-echo:latest", args=["8080"], ports=["8080/tcp/http"])
    lease = "lease-" + request[:20]  # ComputeLease.name(forRequestEventId:)
    npub = tenant.keys.public_key().to_bech32()
    page, problem, screenshot = None, "the page was not opened", None
    try:
        tenant.pay(tenant.invoice(request, 0))
        api = f"{dashboard['url']}/api/state"
        for headers, want in (({}, 401), ({"Authorization": f"Bearer {dashboard['token']}"}, 200)):
            status = http_status(api, **headers)
            assert status == want, f"GET {api} {list(headers) or 'without the token'}: {status}, not {want}\n{provider_view()}"
        browser.get(f"{dashboard['url']}/?token={dashboard['token']}")
        # Paid once, the lease lives at least one interval plus grace (60 s here): time enough.
        deadline = time.monotonic() + 60
        while problem and time.monotonic() < deadline:
            time.sleep(1)
            phase = kubectl("get", "computelease", lease, "-o", "jsonpath={.status.phase}", check=False).strip()
            page = browser.execute_script(SNAPSHOT, lease, refused)
            problem = problem_with(page, lease, npub, phase)
    finally:
        try:
            screenshot = save_screenshot(browser)
        except Exception as error:  # a diagnostic: never hides the test's own failure
            screenshot = f"none ({error})"
        tenant.cancel(request)
    assert problem is None, (f"after 60 s the dashboard at {dashboard['url']}/ still fails: {problem}\n"
                             f"screenshot: {screenshot}\n--- page text\n{(page or {}).get('text', '')[:3000]}\n"
                             f"--- provider\n{provider_view()}")
    tenant.watch(request, "terminated", timeout=60)

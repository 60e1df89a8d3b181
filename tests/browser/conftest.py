"""Browser-test fixtures: a Solara server in its own process session, and Debian's Chromium.

The server runs ``solara run app.py --production`` on a free port of 127.0.0.1; it is
started once per test worker and killed (its whole process group) at teardown. Tests skip
when /usr/bin/chromium is missing, except under CI (CI=true), where ``.ci/run`` installs it
and a missing browser is an error.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
# Screenshots go to results/screenshots/ (ignored by git); set UPDATE_SCREENSHOTS=1 to refresh
# the ones the README shows in docs/img/.
UPDATE_SHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
SHOTS = ROOT / ("docs/img" if UPDATE_SHOTS else "results/screenshots")
STARTUP_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _solara() -> str:
    candidate = Path(sys.executable).with_name("solara")
    return str(candidate) if candidate.exists() else "solara"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of a running app server (one per test worker)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "solara.log"
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", MPLBACKEND="Agg",
               OMP_WAIT_POLICY="PASSIVE")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [_solara(), "run", "app.py", "--host", "127.0.0.1", "--port", str(port), "--no-open",
             "--production"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"solara exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail(f"solara did not answer within {STARTUP_TIMEOUT:.0f} s:\n"
                            f"{log.read_text()[-3000:]}")
            time.sleep(0.2)  # polling the server's state, not a fixed wait
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing (.ci/run installs it)")
        pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class AppPage:
    """A loaded page plus every URL it requested."""

    def __init__(self, page, requests: list[str]) -> None:
        self.page = page
        self.requests = requests

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def open_page(browser, url: str, locale: str | None = None, width: int = 1440,
              height: int = 1000) -> AppPage:
    options = {"locale": locale} if locale else {}
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(90_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.locator(".no-run").wait_for()
    return AppPage(page, requests)


@pytest.fixture
def new_app_page(browser, server):
    """Open another session (its own browser context); closed by the caller."""
    return lambda url="", **options: open_page(browser, server + url, **options)


@pytest.fixture
def app_page(browser, server):
    """A fresh browser context with the app loaded (a new Solara session)."""
    app = open_page(browser, server)
    yield app
    app.page.context.close()

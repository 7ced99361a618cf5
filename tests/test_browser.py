"""The side panel in a real browser: `coach ui` on 127.0.0.1, driven by Debian's Chromium.

Run with `pytest -m browser tests/test_browser.py`; screenshots land in the test's tmp folder and
are copied to tests/output/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
OUTPUT = REPO / "tests" / "output"
START_TIMEOUT_S = 90
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
WAIT_MS = 180_000  # the first suggestion builds the retrieval index in a fresh COACH_HOME

HEBREW = "הזמנתי חדר משפחה לפני חודש וכשהגענו קיבלנו חדר קטן ומלוכלך. אני כועסת מאוד!"
ENGLISH = ("My order was supposed to arrive a week ago and it still hasn't come. "
           "I've called three times and nobody helps me. This is ridiculous!")
MINIMIZING = "It's just a small delay, it's not a big deal. Calm down."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`coach ui` exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"`coach ui` did not answer on {url} within {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def panel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`coach ui` started for real, with its own state folder and the rules backend."""
    if not CHROMIUM.is_file():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    home = tmp_path_factory.mktemp("browser-coach-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_HOME=str(home), COACH_BACKEND="rules")
    log = home / "ui.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ui", "--port", str(port)],
                                cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def page(panel_url: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 420, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.outside = []  # every request that leaves this machine (there must be none)
        page.on("request", lambda request: None if request.url.startswith(LOCAL)
                else page.outside.append(request.url))
        yield page
        browser.close()


def _shoot(page, tmp_path: Path, name: str) -> Path:
    """The whole panel: Streamlit scrolls inside the page, so the viewport grows for the shot."""
    path = tmp_path / name
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
    page.locator('[data-testid="stVegaLiteChart"] svg.marks, '
                 '[data-testid="stVegaLiteChart"] canvas').first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(path, OUTPUT / name)
    return path


def _settled(page) -> None:
    """Wait for the app's run to end: while Streamlit reruns it keeps the previous run's
    elements on screen (marked stale), and input given before the run ends can be lost."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')")


def _add_customer_message(page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Add customer message").click()
    page.locator('[data-testid="stChatMessage"]', has_text=text[:20]).first.wait_for()
    page.get_by_text("Suggested reply").wait_for()
    page.get_by_text("Offer:").first.wait_for()
    _settled(page)


def test_panel_in_a_narrow_browser(page, panel_url: str, tmp_path: Path) -> None:
    page.goto(panel_url)
    page.get_by_text("Type or paste the customer's first message").wait_for()

    _add_customer_message(page, HEBREW)
    customer = page.locator('[data-testid="stChatMessage"] div[dir="rtl"]').first
    assert "חדר משפחה" in customer.inner_text()
    assert customer.evaluate("e => getComputedStyle(e).direction") == "rtl"
    reply = page.locator('[data-testid="stCode"]').first.inner_text()
    assert any("\u0590" <= ch <= "\u05ff" for ch in reply), "the Hebrew suggestion is not Hebrew"
    assert "session=" in page.url
    _shoot(page, tmp_path, "panel-hebrew.png")

    page.get_by_role("button", name="New conversation").click()
    page.get_by_text("Type or paste the customer's first message").wait_for()
    _settled(page)
    _add_customer_message(page, ENGLISH)
    assert page.get_by_text("Recovery").is_visible()

    page.get_by_role("textbox", name="Draft").fill(MINIMIZING)
    page.get_by_role("button", name="Check my draft").click()
    _settled(page)
    page.get_by_text("Minimizes the problem").first.wait_for()
    page.get_by_text("No apology").wait_for()
    shot = _shoot(page, tmp_path, "panel-english.png")
    assert shot.stat().st_size > 10_000

    page.reload()  # a reload (or a restart of the app) resumes the same conversation
    page.get_by_text("Suggested reply").wait_for()
    page.locator('[data-testid="stChatMessage"]', has_text="nobody helps me").wait_for()
    assert page.outside == [], "the panel must not fetch anything from the internet"

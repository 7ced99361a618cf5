"""The side panel in a real browser: `coach ui` on 127.0.0.1, driven by Debian's Chromium.

Run with `pytest -m browser tests/test_browser.py`; screenshots land in the test's tmp folder and
are copied to tests/output/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
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
HANGING_DEADLINE_S = 4
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


@contextlib.contextmanager
def _coach_ui(home: Path, **env_extra: str) -> Iterator[str]:
    """`coach ui` started for real, with its own state folder; stopped afterwards."""
    if not CHROMIUM.is_file():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update({"COACH_HOME": str(home), "COACH_BACKEND": "rules", **env_extra})
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


@pytest.fixture(scope="module")
def panel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The panel on the rules backend."""
    with _coach_ui(tmp_path_factory.mktemp("browser-coach-home")) as url:
        yield url


@contextlib.contextmanager
def _never_answering_endpoint() -> Iterator[str]:
    """A local port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


@pytest.fixture(scope="module")
def hanging_panel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The panel on the openai backend, pointed at an endpoint that never answers."""
    with _never_answering_endpoint() as endpoint, _coach_ui(
            tmp_path_factory.mktemp("browser-hanging-home"), COACH_BACKEND="openai",
            COACH_OPENAI_BASE_URL=endpoint, COACH_OPENAI_API_KEY="test",
            COACH_OPENAI_MODEL="test-model",
            COACH_SUGGESTION_DEADLINE_S=str(HANGING_DEADLINE_S)) as url:
        yield url


@pytest.fixture
def page(panel_url: str, request: pytest.FixtureRequest) -> Iterator:
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
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:  # what the page showed when the test failed
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / f"failed-{request.node.name}.png"), full_page=True)
        browser.close()


def _shoot(page, tmp_path: Path, name: str) -> Path:
    """The whole panel: Streamlit scrolls inside the page, so the viewport grows for the shot."""
    path = tmp_path / name
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    if chart.count() and chart.is_visible():  # the mood chart draws after the page settles
        chart.locator("svg.marks, canvas").first.wait_for()
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


HEBREW_FIVE_TURNS = [
    "שלום, הזמנתי ספה ב-3,200 ש\"ח והמשלוח מתעכב כבר שבועיים!",
    "מצטערים לשמוע, אני בודקת.",
    "כבר התקשרתי שלוש פעמים ואף אחד לא חוזר אליי",
    "אני מבינה, רגע אחד בבקשה.",
    "אני רוצה לדעת מתי זה מגיע ומה אתם נותנים לי על העיכוב הזה",
]
PERSIAN = "سفارش من دو هفته دیر رسید و جعبه‌اش شکسته بود. خیلی عصبانی هستم."
CARD = '[class*="st-key-card"]'
TIMINGS: dict[str, float] = {}


def _record(name: str, seconds: float) -> None:
    """Figures for the closing note (never asserted tightly: the machine is shared)."""
    TIMINGS[name] = round(seconds, 2)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "timings.json").write_text(json.dumps(TIMINGS, indent=1))


def _card_shown(page) -> float:
    """Seconds until the card's reply and offer are on screen."""
    started = time.monotonic()
    page.locator(f'{CARD} [data-testid="stCode"]').first.wait_for()
    page.locator(CARD).get_by_text("Offer:").first.wait_for()
    took = time.monotonic() - started
    _settled(page)
    return took


def _speaker(page, name: str):
    """The Customer / Me toggle's option (a radio button)."""
    return page.locator('[class*="st-key-speaker"]').get_by_role("radio", name=name, exact=True)


def _type_message(page, text: str, *, me: bool = False) -> None:
    """The toggle (when it is not already there), then the box: Enter sends."""
    toggle = _speaker(page, "Me" if me else "Customer")
    if toggle.get_attribute("aria-checked") != "true":
        toggle.click()
        _settled(page)
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.click()
    box.fill(text)
    box.press("Enter")


def _add_customer_message(page, text: str) -> float:
    _type_message(page, text)
    page.locator('[data-testid="stChatMessage"]', has_text=text[:20]).first.wait_for()
    return _card_shown(page)


def _pick(page, select, option: str) -> None:
    """Streamlit's select box: open its list, type to filter it, Enter picks the match."""
    combo = select.get_by_role("combobox")
    combo.scroll_into_view_if_needed()
    combo.click()
    listbox = page.locator('[role="listbox"]').first
    if not listbox.is_visible():
        page.wait_for_timeout(300)
        if not listbox.is_visible():
            combo.click()  # the first click landed while the page was still drawing
    listbox.wait_for()
    combo.fill(option)
    page.locator('[role="option"]', has_text=option).first.wait_for()
    combo.press("Enter")


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


def _shoot_widths(page, tmp_path: Path, name: str) -> None:
    _shoot(page, tmp_path, f"{name}-420.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    _settled(page)
    _shoot(page, tmp_path, f"{name}-1280.png")
    page.set_viewport_size({"width": 420, "height": 900})
    _settled(page)


def _open_transcript(page, tmp_path: Path, turns: list[str]) -> float:
    path = tmp_path / "he-five-turns.json"
    path.write_text(json.dumps({"id": "he-five", "turns": [
        {"role": ["customer", "agent"][i % 2], "text": t} for i, t in enumerate(turns)]},
        ensure_ascii=False), encoding="utf-8")
    page.get_by_test_id("stExpander").get_by_text("Load a transcript file").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Open it as a new conversation").click()
    return _card_shown(page)


def test_card_keyboard_and_case_facts_at_420(page, panel_url: str, tmp_path: Path) -> None:
    page.goto(panel_url)
    page.get_by_text("Type or paste the customer's first message").wait_for()
    _settled(page)
    _record("card_cold_s (first suggestion, index built)", _open_transcript(
        page, tmp_path, HEBREW_FIVE_TURNS))

    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    card = page.locator(CARD)
    for part in (card.locator('[data-testid="stCode"]').first,
                 card.get_by_text("Offer:").first,
                 card.get_by_role("button", name="Used as is"),
                 card.get_by_role("button", name="Rejected")):
        assert _in_viewport(page, part), f"{part} is outside the 420×900 viewport"
    reply = card.locator('[data-testid="stCode"]').first.inner_text()
    assert any("\u0590" <= ch <= "\u05ff" for ch in reply), "the Hebrew suggestion is not Hebrew"
    _shoot_widths(page, tmp_path, "panel-he")

    # Enter sends, Shift+Enter is a new line, the toggle says who is speaking
    box = page.locator('[data-testid="stChatInputTextArea"]')
    _speaker(page, "Me").click()
    _settled(page)
    box.click()
    box.type("אני מצטערת מאוד")
    box.press("Shift+Enter")
    box.type("אבדוק עכשיו")
    assert "\n" in box.input_value()
    box.press("Enter")
    mine = page.locator('[data-testid="stChatMessage"]', has_text="אבדוק עכשיו").first
    mine.wait_for()
    _settled(page)
    assert "אני מצטערת מאוד" in mine.inner_text()
    assert mine.locator('[data-testid="stChatMessageAvatarAssistant"], '
                        '[data-testid="stIconMaterial"]').count() > 0
    _record("focus_back_in_box (1 = yes)", float(page.evaluate(
        "() => document.activeElement?.dataset?.testid === 'stChatInputTextArea'")))
    _speaker(page, "Customer").click()
    _settled(page)
    started = time.monotonic()
    box.click()
    box.fill("ועדיין אין תשובה!!")
    box.press("Enter")
    page.locator('[data-testid="stChatMessage"]', has_text="ועדיין אין").first.wait_for()
    _card_shown(page)
    _record("card_warm_s (customer message to card)", time.monotonic() - started)

    # the case facts: order value and currency change the offer at once
    offer = page.locator('[class*="st-key-offer-line"]')
    before = offer.inner_text()
    page.get_by_text("Case facts:").first.click()
    value = page.get_by_role("spinbutton", name="Order value")
    value.fill("3200")
    value.press("Enter")
    page.locator(CARD).get_by_text(re.compile(r"Offer:.*₪")).first.wait_for()
    _settled(page)
    in_shekels = offer.inner_text()
    assert in_shekels != before and "₪" in in_shekels
    if not page.get_by_role("spinbutton", name="Order value").is_visible():
        page.get_by_text("Case facts:").first.click()  # the strip reopens with the new facts
    currency = page.locator('[data-testid="stSelectbox"]', has_text="Currency")
    _pick(page, currency, "EUR")
    page.locator(CARD).get_by_text(re.compile(r"Offer:.*€")).first.wait_for()
    _settled(page)

    # the end of the conversation: a wrap-up note naming the issue and the offer, to copy, in
    # the conversation's Hebrew and (for this English interface) in English
    page.get_by_role("button", name="End conversation — wrap-up note").click()
    notes = page.locator('[class*="copy-wrap-up"] [data-testid="stCode"]')
    notes.first.wait_for()
    _settled(page)
    assert notes.count() == 2
    hebrew, english = notes.first.inner_text(), notes.nth(1).inner_text()
    assert "עיכוב" in hebrew and "זיכוי" in hebrew and "€" in hebrew, hebrew
    assert "delay" in english and "credit" in english and "€" in english, english
    note = notes.nth(1)
    note.hover()
    note.locator("button").first.click()  # Streamlit's copy icon
    assert page.outside == [], "the panel must not fetch anything from the internet"


@pytest.mark.parametrize(("lang", "text"), [("en", ENGLISH), ("fa", PERSIAN)])
def test_screenshots_and_draft_check(page, panel_url: str, tmp_path: Path, lang: str,
                                     text: str) -> None:
    page.goto(panel_url)
    page.get_by_role("button", name="New conversation", exact=True).wait_for()
    _settled(page)
    page.get_by_role("button", name="New conversation", exact=True).click()
    page.get_by_text("Type or paste the customer's first message").wait_for()
    _settled(page)
    _add_customer_message(page, text)
    if lang == "en":
        assert page.get_by_text("Recovery").is_visible()
        page.get_by_role("textbox", name="Draft").fill(MINIMIZING)
        page.get_by_role("button", name="Check my draft").click()
        _settled(page)
        page.get_by_text("Minimizes the problem").first.wait_for()
        page.get_by_text("No apology").wait_for()
    _shoot_widths(page, tmp_path, f"panel-{lang}")
    page.reload()  # a reload (or a restart of the app) resumes the same conversation
    page.locator('[data-testid="stChatMessage"]', has_text=text[:20]).first.wait_for()
    page.locator(f'{CARD} [data-testid="stCode"]').first.wait_for()
    assert page.outside == [], "the panel must not fetch anything from the internet"


def test_a_never_answering_model_shows_the_wait_then_the_rules_reply(
        hanging_panel_url: str, page, tmp_path: Path) -> None:
    page.goto(hanging_panel_url)
    page.get_by_text("Type or paste the customer's first message").wait_for()
    _settled(page)
    _type_message(page, ENGLISH)
    started = time.monotonic()
    page.get_by_text("Waiting for the model").first.wait_for()
    placeholder = time.monotonic() - started
    _record("placeholder_after_enter_s", placeholder)
    page.locator(CARD).get_by_text("did not answer in time").first.wait_for()
    rules = time.monotonic() - started
    _record(f"rules_reply_after_enter_s (deadline {HANGING_DEADLINE_S} s)", rules)
    # The issue asks for the placeholder within 1 s and the rules reply by the deadline; the
    # panel keeps 1 s of the deadline for drawing (measured under a load of 3.8 on 2 cores:
    # 0.80–0.82 s and 3.1–3.7 s for a 4 s deadline). The margins are for a shared CI machine.
    assert placeholder < 2, placeholder
    assert rules < HANGING_DEADLINE_S + 0.5, rules
    page.locator(f'{CARD} [data-testid="stCode"]').first.wait_for()
    _shoot(page, tmp_path, "panel-en-hanging-model.png")

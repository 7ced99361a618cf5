"""Issue #16 in a real browser: with COACH_UI_LANGUAGE=he or fa, Live assist, Replay and
Settings show no English word except product names and the customer's own text, the page runs
right to left, and the HTML replay report passes the same check. Screenshots go to tests/output/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, WAIT_MS, _coach_ui
from tests.test_i18n_catalogue import PRODUCT_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CUSTOMER = {"he": "הזמנתי חדר משפחה לפני חודש וקיבלנו חדר קטן ומלוכלך. אני כועסת מאוד!",
            "fa": "سفارشم یک هفته دیر رسیده و هیچ‌کس جواب نمی‌دهد. خیلی عصبانی‌ام!"}
# What the page shows that is not ours: icons (Material ligatures), the conversation, the reply
# and anything the app marks as data (code blocks, inputs' values are not in innerText).
VISIBLE_OURS = """() => {
  const copy = document.querySelector('[data-testid="stApp"]').cloneNode(true);
  const live = document.querySelectorAll('[data-testid="stApp"] *');
  const icons = new Set([...live].filter(e => getComputedStyle(e).fontFamily.includes('Material'))
    .map(e => [...live].indexOf(e)));
  [...copy.querySelectorAll('*')].forEach((e, i) => { if (icons.has(i)) e.textContent = ''; });
  copy.querySelectorAll('[data-testid="stChatMessage"], pre, code, style, script,'
    + ' [data-testid="stToolbar"], [data-testid="stDecoration"],'
    + ' [data-testid="stFileUploaderDropzoneInstructions"], [data-testid="stFileUploaderDropzone"]')
    .forEach(e => e.remove());
  return copy.innerText;
}"""
ENGLISH = re.compile(r"[A-Za-z]{3,}")
# Companies the seed articles' cases are about (knowledge/sources.yaml): names, not English.
BRANDS = r"|DellHell|Dell|Nestlé|Walmart|Elevenmoms|Zappos|Starbucks|General Mills|Pssst"


def english_words(text: str) -> list[str]:
    # Data, not words: what the product isolates as data (a policy condition, U+2068…U+2069),
    # policy rule ids (wrong_item.medium, stay-partial-refund), currency codes, file names, paths.
    data = (r"|\u2068[^\u2069]*\u2069|\b\w+\.\w+\b|\b[a-z]+(?:-[a-z]+)+\b"
            r"|(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])|https?://\S+|/\S+")
    return ENGLISH.findall(re.sub(PRODUCT_NAMES + BRANDS + data, " ", text))


@pytest.fixture(scope="module", params=["he", "fa"])
def ui(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    lang = request.param
    with _coach_ui(tmp_path_factory.mktemp(f"i18n-home-{lang}"), COACH_UI_LANGUAGE=lang) as url:
        yield lang, url


@pytest.fixture
def page(ui) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 900, "height": 1400}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def _settled(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')")


def ui_lang(page) -> str:
    return "he" if "סיוע" in page.content() or "הגדרות" in page.content() else "fa"


def _check(page, name: str) -> list[str]:
    """Screenshot, direction, and the English words left on the page (returned)."""
    _settled(page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / name), full_page=True)
    assert page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).direction") \
        == "rtl"
    # Streamlit's own hidden skip link is not ours.
    return english_words(page.evaluate(VISIBLE_OURS).replace("Skip to main content", " "))


def test_live_assist_settings_and_replay_speak_the_agents_language(ui, page) -> None:
    from assistant.i18n import _

    lang, url = ui
    page.goto(url)
    page.get_by_text(_("Type or paste the customer's first message below, or load a transcript "
                       "file.", lang)).wait_for()
    page.locator('[data-testid="stChatInputTextArea"]').fill(CUSTOMER[lang])
    page.keyboard.press("Enter")
    page.get_by_text(_("Suggested reply", lang)).first.wait_for()
    left = {"live": _check(page, f"i18n-live-assist-{lang}.png")}
    page.get_by_role("button", name=_("End conversation — wrap-up note", lang)).click()
    page.locator('[class*="copy-wrap-up"] [data-testid="stCode"]').first.wait_for()
    left["wrap-up"] = _check(page, f"i18n-wrap-up-{lang}.png")
    page.goto(f"{url}/settings")
    page.get_by_text(_("Interface language", lang)).first.wait_for()
    left["settings"] = _check(page, f"i18n-settings-{lang}.png")
    page.goto(f"{url}/replay")
    page.get_by_text(_("…or pick an example", lang)).first.wait_for()
    left["replay"] = _check(page, f"i18n-replay-page-{lang}.png")
    assert not any(left.values()), left


def test_replay_report_in_a_browser(ui, page, coach, tmp_path: Path) -> None:
    from assistant.replay.report import render_replay
    from assistant.replay.runner import replay_transcript
    from tests.test_i18n_reports import english_left
    from tests.test_rubric import double_charge

    lang, _url = ui
    transcript = double_charge("en" if lang == "fa" else "he")
    html = render_replay(replay_transcript(transcript, coach, lang), transcript, lang)
    assert english_left(html) == []
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    page.goto(report.as_uri())
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"i18n-replay-report-{lang}.png"), full_page=True)
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"

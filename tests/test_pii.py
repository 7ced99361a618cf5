"""Personal data never leaves the machine: placeholders go to the model (suggest, repair, judge)
and are mapped back locally in its reply."""

from __future__ import annotations

import json

import pytest

from assistant.coach import Coach
from assistant.models import Transcript
from assistant.read.pii import Redactor, iban_ok, iranian_code_ok, israeli_id_ok, luhn_ok
from tests.conftest import isolated_settings
from tests.openai_server import Answer, OpenAICompatibleServer

SECRETS = {
    "en": ("My card 4111 1111 1111 1111 (CVV 737) was charged twice for the late parcel! "
           "IBAN GB82 WEST 1234 5698 7654 32, mail me at dana.whitaker@example.org or call "
           "+1 (415) 555-0134. I live at 221 Baker Street, Apt 4.",
           ["4111 1111 1111 1111", "737", "GB82 WEST 1234 5698 7654 32",
            "dana.whitaker@example.org", "555-0134", "221 Baker Street"]),
    "he": ("החבילה מאחרת בשבועיים! תעודת זהות 123456782, טלפון 052-7654321, "
           "כרטיס 5555 5555 5555 4444, גרה ברחוב הרצל 12 דירה 4.",
           ["123456782", "052-7654321", "5555 5555 5555 4444", "רחוב הרצל 12"]),
    "fa": ("سفارشم دو هفته دیر رسیده! کد ملی ۰۰۸۴۵۷۵۹۴۸، موبایل ۰۹۱۲۳۴۵۶۷۸۹، "
           "شبا IR062960000000100324200001، آدرس خیابان ولیعصر کوچه بهار پلاک ۱۲.",
           ["۰۰۸۴۵۷۵۹۴۸", "۰۹۱۲۳۴۵۶۷۸۹", "IR062960000000100324200001", "پلاک ۱۲"]),
}


@pytest.mark.parametrize("lang", SECRETS)
def test_every_detail_is_masked_and_restored(lang: str) -> None:
    text, details = SECRETS[lang]
    redactor = Redactor()
    masked = redactor.redact(text)
    for detail in details:
        assert detail not in masked
    assert redactor.restore(masked) == text


def test_ordinary_numbers_stay() -> None:
    text = "Order 48213 cost 250 USD on 2026-11-20; I waited 45 minutes, room 1204."
    assert Redactor().redact(text) == text


def test_check_digits() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB83 WEST 1234 5698 7654 32")
    assert israeli_id_ok("123456782") and not israeli_id_ok("123456789")
    assert iranian_code_ok("0084575948") and not iranian_code_ok("0084575949")


def test_turned_off_for_an_on_premise_model() -> None:
    text = SECRETS["en"][0]
    assert Redactor(enabled=False).redact(text) == text


@pytest.mark.parametrize("lang", SECRETS)
def test_no_raw_detail_in_any_request_body(coach: Coach, lang: str) -> None:
    """A first answer the guards refuse forces a repair call; both bodies are checked, and the
    placeholder the model writes comes back as the customer's own detail."""
    text, details = SECRETS[lang]
    transcript = Transcript(id=f"pii-{lang}", context={"order_value": 100, "currency": "USD"},
                            turns=[{"role": "customer", "text": text}])
    answers = [Answer("not json at all"), Answer(json.dumps({"reply": "x"}))]
    with OpenAICompatibleServer(lambda request: answers.pop(0) if answers else Answer(
            status=500)) as server:
        settings = isolated_settings(coach.settings.home, backend="openai",
                                     openai_base_url=server.base_url, openai_api_key="test",
                                     suggestion_deadline_s=20.0)
        model_coach = Coach(settings, coach.resources, coach.retriever)
        model_coach.suggest(transcript)
        bodies = [json.dumps(r, ensure_ascii=False) for r in server.requests]
    assert len(bodies) == 2
    for body in bodies:
        for detail in details:
            assert detail not in body, detail


def test_replay_reports_mask_personal_details_unless_asked() -> None:
    from assistant.replay.runner import masked

    transcript = Transcript(id="r", turns=[{"role": "customer", "text": SECRETS["he"][0]}])
    shown = masked(transcript).turns[0].text
    assert all(detail not in shown for detail in SECRETS["he"][1])


def test_csv_cells_cannot_run_as_formulas() -> None:
    from assistant.replay.runner import spreadsheet_cell

    assert spreadsheet_cell('=HYPERLINK("http://x","a")') == '\'=HYPERLINK("http://x","a")'
    assert spreadsheet_cell("@SUM(A1)").startswith("'") and spreadsheet_cell(-3) == -3
    assert spreadsheet_cell("Dana") == "Dana"


def test_a_reply_never_quotes_a_card_number_back(coach: Coach) -> None:
    """The harm span is quoted to the customer: one that holds personal details is not used."""
    from assistant.read.assessment import assess
    from assistant.read.lexicon import get_lexicon

    transcript = Transcript.model_validate({"turns": [{"role": "customer", "text": (
        "You charged my card 4111 1111 1111 1111 twice for the same order. "
        "I want the second charge back today!")}]})
    assert not any("4111" in span.text for span in assess(transcript, get_lexicon()).harm)
    assert "4111" not in coach.suggest(transcript).reply

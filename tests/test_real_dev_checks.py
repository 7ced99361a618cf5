"""The real-dev reply checks (assistant/evaluation/real_dev.py) on our own invented items: the
real texts never enter the repository."""

from __future__ import annotations

import pytest

from assistant.evaluation import real_dev
from assistant.models import Assessment, Compensation, CompensationKind, Suggestion, Transcript

TEXT = "My suitcase arrived 2.5 hours late and the handle was snapped off."


def item(text: str = TEXT, *, channel: str = "chat", wellbeing: bool = False,
         agent: str | None = None, **facts: object) -> real_dev.Item:
    turns = [{"role": "customer", "text": text}]
    if agent:
        turns += [{"role": "agent", "text": agent}, {"role": "customer", "text": "ok"}]
    start = text.index("handle")
    label = {
        "id": "x1", "language": "en", "wellbeing_required": wellbeing,
        "harm": [{"turn": 0, "start": start, "end": start + len("handle was snapped off")}],
        "facts": {"order_ref": False, "amounts": [], "times": ["2.5 hours"],
                  "channel_tried": None, "what_happened": True, "wants": [], **facts},
        "remedy_kinds": ["repair", "refund"],
    }
    transcript = Transcript.model_validate({"channel": channel, "turns": turns})
    return real_dev.Item(transcript, label)


def suggestion(reply: str, kind: CompensationKind = CompensationKind.repair,
               amount: float | None = None) -> Suggestion:
    return Suggestion(reply=reply, language="en", assessment=Assessment(),
                      compensation=Compensation(kind=kind, amount=amount,
                                                currency="USD" if amount else None))


def test_naming_the_harm_needs_the_customers_own_content_words() -> None:
    assert real_dev.names_harm(item(), "I'm so sorry your handle was snapped off.")
    assert not real_dev.names_harm(item(), "I'm so sorry about the problem with your trip.")


def test_a_harm_told_in_short_words_is_named_by_quoting_them() -> None:
    """Every content word of "خیلی شل و کج بود" (very loose and crooked) has two letters:
    quoting them still names the harm."""
    text = "میز رسید. خیلی شل و کج بود"
    start = text.index("خیلی")
    label = item().label | {"language": "fa",
                            "harm": [{"turn": 0, "start": start, "end": len(text)}]}
    named = real_dev.Item(Transcript.model_validate(
        {"channel": "chat", "turns": [{"role": "customer", "text": text}]}), label)
    assert real_dev.names_harm(named, "بابت «خیلی شل و کج بود» متأسفیم.")
    assert not real_dev.names_harm(named, "بابت مشکل میز متأسفیم.")


def test_asking_for_what_was_already_said_is_a_reask() -> None:
    assert not real_dev.no_reask(item(), "Could you tell me more about what happened?")
    assert not real_dev.no_reask(item(), "When did this happen? How long did you wait?")
    assert real_dev.no_reask(item(), "What would put this right for you?")


def test_a_claimed_check_counts_only_when_an_agent_made_it() -> None:
    assert not real_dev.no_invented_action(item(), "I've checked and found the cause.")
    assert real_dev.no_invented_action(item(agent="I've checked your booking."),
                                       "As I said, I've checked your booking.")


def test_numbers_must_be_the_customers_or_the_policys() -> None:
    assert real_dev.numbers_kept(item(), suggestion("Your bag was 2.5 hours late."))
    assert not real_dev.numbers_kept(item(), suggestion("Your bag was 3 hours late."))
    assert real_dev.numbers_kept(item(), suggestion("A $40.00 refund.", amount=40.0))


def test_wellbeing_comes_first_where_someone_was_hurt() -> None:
    assert real_dev.wellbeing_first(item(wellbeing=True), suggestion(
        "First, are you all right? I'm sorry the handle snapped."))
    assert not real_dev.wellbeing_first(item(wellbeing=True), suggestion(
        "Could you send a photo? Are you okay?"))
    assert real_dev.wellbeing_first(item(), suggestion("Sorry.")) is None
    # numbers after the wellbeing question do not count against it, however it is capitalised
    assert real_dev.wellbeing_first(item(wellbeing=True), suggestion(
        "Before Anything Else, are you all right? The 50 bites must have been awful."))
    assert not real_dev.wellbeing_first(item(wellbeing=True), suggestion(
        "A $40 refund is on its way. Are you all right?"))


def test_an_offer_made_now_is_stated_in_the_reply() -> None:
    refund = Compensation(kind=CompensationKind.refund, amount=40.0, currency="USD")
    said = Suggestion(reply="I'm refunding $40.00 to your original payment method.",
                      language="en", assessment=Assessment(), compensation=refund)
    assert real_dev.offer_stated(said) is True
    left_out = said.model_copy(update={"reply": "I'm sorry the handle snapped. Send us a DM."})
    assert real_dev.offer_stated(left_out) is False
    no_amount = left_out.model_copy(update={"compensation": Compensation(
        kind=CompensationKind.credit)})
    assert real_dev.offer_stated(no_amount) is None  # a credit waits for the agent's amount
    assert real_dev.offer_stated(suggestion("Sorry.", CompensationKind.none)) is None


@pytest.mark.parametrize("channel,reply,fits", [
    ("social", "x" * 280, True), ("social", "x" * 281, False),
    ("chat", "word " * 60, True), ("chat", "word " * 61, False),
])
def test_each_channel_has_its_budget(channel: str, reply: str, fits: bool) -> None:
    assert real_dev.within_budget(item(channel=channel), reply) is fits


def test_summary_is_per_language_and_gates_on_the_floors() -> None:
    results = [("en", {name: True for name in real_dev.THRESHOLDS}),
               ("he", {**{name: True for name in real_dev.THRESHOLDS}, "names_harm": False})]
    summary = real_dev.summarize(results)
    assert summary["all"]["names_harm"]["rate"] == 0.5
    assert real_dev.failures(summary, {"he": {"names_harm": 0.5}}) == [
        "he names_harm: 0.000 < 0.5"]
    assert "he names_harm: 0.000 < 0.85" in real_dev.below_targets(summary)


def test_missing_texts_are_a_clear_input_error(tmp_path) -> None:
    from assistant.errors import InputError

    with pytest.raises(InputError, match="not here"):
        real_dev.load_items(tmp_path / "absent.jsonl")

"""Guards on model-written replies: JSON shape, money, language, apology, leaks."""

from __future__ import annotations

import pytest

from assistant.critic.findings import stated_amounts as money_amounts
from assistant.critic.guards import check_reply, parse_reply
from assistant.models import Assessment, Compensation, CompensationKind, Stage, Step

TOKEN = "CC-1234abcd"


def _credit(amount: float = 40.0, offer_now: bool = True) -> Compensation:
    return Compensation(kind=CompensationKind.credit, amount=amount, currency="USD",
                        policy_id="delay.high", offer_now=offer_now)


@pytest.mark.parametrize(("text", "expected"), [
    ("We'll refund $40 today.", [40.0]),
    ("A credit of 40.00 USD and 15% off", [40.0, 15.0]),
    ("החזר של 120 ש\"ח יועבר אליך", [120.0]),
    ("مبلغ ۵۰ دلار به حساب شما برمی‌گردد", [50.0]),
    ("Your order 3348917502 arrives in 2 days", []),
])
def test_money_amounts_sees_currency_amounts_only(text: str, expected: list[float]) -> None:
    assert money_amounts(text) == expected


def test_parse_reply_accepts_fenced_json_and_rejects_garbage() -> None:
    parsed, error = parse_reply('```json\n{"reply": "Hello", "practice_ids": ["a"]}\n```')
    assert error is None and parsed is not None and parsed.reply == "Hello"
    assert parse_reply("I think you should apologize")[0] is None
    assert "reply" in (parse_reply('{"practice_ids": []}')[1] or "")
    assert "JSON" in (parse_reply('{"reply": "x",}')[1] or "")


def test_a_higher_amount_than_the_policy_is_rejected() -> None:
    assessment = Assessment(language="en", company_at_fault=False)
    problems = check_reply("I can refund $5000 right now.", assessment, _credit(), TOKEN)
    assert any("5000" in p for p in problems)


def test_the_policy_amount_must_be_stated_when_offering() -> None:
    assessment = Assessment(language="en", company_at_fault=False)
    problems = check_reply("We will make it right for you.", assessment, _credit(), TOKEN)
    assert any("must state the remedy" in p for p in problems)
    fine = check_reply("I've added a $40 credit to your account.", assessment, _credit(), TOKEN)
    assert fine == []


def test_no_money_when_the_policy_says_not_now() -> None:
    assessment = Assessment(language="en", company_at_fault=False)
    problems = check_reply("Here is $40 for you.", assessment, _credit(offer_now=False), TOKEN)
    assert any("no amount at all" in p for p in problems)


def test_wrong_language_and_leaks_are_rejected() -> None:
    assessment = Assessment(language="he", company_at_fault=False)
    none = Compensation()
    assert any("must be in he" in p for p in check_reply("Sorry about that.", assessment, none,
                                                          TOKEN))
    leaked = check_reply(f"אני מבין. {TOKEN}", assessment, none, TOKEN)
    assert any("instructions" in p for p in leaked)


def test_apology_required_when_company_at_fault() -> None:
    at_fault = Assessment(language="en", company_at_fault=True)
    none = Compensation()
    assert any("apologize" in p for p in check_reply("Thanks for telling us.", at_fault, none,
                                                      TOKEN))
    already = at_fault.model_copy(update={"steps_done": [Step.apologized]})
    assert check_reply("Thanks for telling us.", already, none, TOKEN) == []


def test_a_listening_reply_need_not_name_the_remedy_yet_but_never_another_amount() -> None:
    heard = Assessment(language="en", company_at_fault=False, wants_to_be_heard=True)
    listening = "I'm listening, and I've noted everything you told me."
    assert check_reply(listening, heard, _credit(), TOKEN, stage=Stage.listen) == []
    offering = check_reply(listening, heard, _credit(), TOKEN)
    assert any("must state the remedy" in p for p in offering)
    assert any("mentions money" in p for p in check_reply("Here is $90.", heard, _credit(), TOKEN,
                                                          stage=Stage.listen))

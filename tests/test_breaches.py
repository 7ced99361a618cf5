"""Offers held against the policy's decision: over the cap, nothing allowed, unprompted, wrong
kind or currency, and within policy (issue #17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.coach import Coach
from assistant.critic.breaches import Allowance, check_offers
from assistant.critic.drafts import check_draft
from assistant.models import CompensationKind
from assistant.policy.engine import load_policy
from assistant.read.offers import read_offers
from assistant.read.transcripts import load_transcripts
from assistant.replay.runner import replay_batch

REPO = Path(__file__).resolve().parent.parent

CREDIT_100 = Allowance(CompensationKind.credit, 100.0, "USD", "delayed-flight-certificate")
ON_REQUEST = Allowance(CompensationKind.credit, 100.0, "USD", "delayed-flight-certificate",
                       offer_now=False)
NOTHING = Allowance(CompensationKind.none, None, None, "delayed-flight-no-change")
REFUND_ORDER = Allowance(CompensationKind.refund, 640.0, "ILS", "double-charge-refund",
                         order_value=640.0)
DISCOUNT_10 = Allowance(CompensationKind.discount, 50_000.0, "IRT", "slow-speed-discount",
                        order_value=500_000.0)


def kinds(text: str, lang: str, allowance: Allowance) -> list[str]:
    return [b.kind for b in check_offers(read_offers(text, lang), allowance)]


@pytest.mark.parametrize(("text", "lang", "allowance", "expected"), [
    ("I've issued a travel certificate of $150 to your account.", "en", CREDIT_100,
     ["over_cap"]),
    ("I've issued a travel certificate of $100 to your account.", "en", CREDIT_100, []),
    ("I've issued a travel certificate of $150 to your account.", "en", NOTHING,
     ["not_allowed"]),
    ("I've upgraded you to business class.", "en", NOTHING, ["not_allowed"]),
    ("I've issued a travel certificate of $100 to your account.", "en", ON_REQUEST,
     ["unprompted"]),
    ("I can refund $100 to your card.", "en", CREDIT_100, ["wrong_kind"]),
    ("I've issued a travel voucher of 90 € to your account.", "en", CREDIT_100, ["wrong_kind"]),
    ("I've added a $60 credit and a $60 voucher to your account.", "en", CREDIT_100,
     ["over_cap"]),
    ("I have refunded the duplicate charge in full.", "en", REFUND_ORDER, []),
    ("נחזיר לך 800 ש\"ח כבר היום.", "he", REFUND_ORDER, ["over_cap"]),
    ("החלטנו לזכות את דמי השינוי במלואם.", "he", CREDIT_100, ["wrong_kind"]),
    ("۲۰ درصد تخفیف روی قبض این ماه به شما می‌دهیم.", "fa", DISCOUNT_10, ["over_cap"]),
    ("۱۰ درصد تخفیف روی قبض این ماه برایتان اعمال کردیم.", "fa", DISCOUNT_10, []),
    ("I've arranged a complimentary lounge pass for you.", "en", NOTHING, []),
])
def test_each_breach_kind(text: str, lang: str, allowance: Allowance, expected: list[str]) -> None:
    assert kinds(text, lang, allowance) == expected


def test_the_breach_names_the_rule_and_quotes_the_agent() -> None:
    text = "I'm sorry. I've issued a travel certificate of $150 to your account."
    [breach] = check_offers(read_offers(text, "en"), NOTHING)
    assert "policy allows nothing here: rule delayed-flight-no-change" in breach.reason
    assert breach.quote == "I've issued a travel certificate of $150 to your account."
    assert breach.record().model_dump(mode="json") == {
        "kind": "not_allowed", "offered": {"amount": 150.0, "currency": "USD", "kind": "credit"},
        "allowed": None, "rule": "delayed-flight-no-change"}


def test_another_currency_is_never_converted() -> None:
    [breach] = check_offers(read_offers("I've added a €50 credit.", "en"), CREDIT_100)
    assert breach.kind == "wrong_kind" and "no exchange rate is assumed" in breach.reason
    assert breach.allowed is not None and breach.allowed.currency == "USD"


def test_check_my_draft_warns_before_an_offer_beyond_the_policy(coach: Coach) -> None:
    airline = Coach(coach.settings, coach.practices,
                    load_policy(REPO / "examples" / "policies" / "airline.yaml"), coach.retriever)
    [example] = load_transcripts(REPO / "examples" / "en_delayed_flight_certificate.json")
    before_reply = example.upto(1)
    draft = ("I'm so sorry about the five-hour delay, Marcus. I've issued a travel certificate "
             "of $150 to your account for the three passengers.")
    result = check_draft(draft, before_reply, airline)
    assert not result.ok
    assert [b.kind for b in result.breaches] == ["not_allowed"]
    assert any("delayed-flight-no-change" in line and "$150" in line
               for line in result.findings())
    fine = check_draft("I'm so sorry about the five-hour delay, Marcus. I've arranged lounge "
                       "access for the three of you while you wait.", before_reply, airline)
    assert not fine.breaches


def test_replay_batch_counts_breaches_per_agent_and_rule(coach: Coach, tmp_path: Path) -> None:
    airline = Coach(coach.settings, coach.practices,
                    load_policy(REPO / "examples" / "policies" / "airline.yaml"), coach.retriever)
    example = REPO / "examples" / "en_delayed_flight_certificate.json"
    batch = replay_batch([example], airline, tmp_path / "out", progress=False)
    summary = batch.summary
    assert summary.breaches == 1
    assert [(b.key, b.breaches, b.kinds) for b in summary.breaches_by_agent] == [
        ("Jordan", 1, {"not_allowed": 1})]
    assert [b.key for b in summary.breaches_by_rule] == ["delayed-flight-no-change"]
    [row] = summary.breach_rows
    assert (row.turn, row.kind) == (1, "not_allowed") and "$150" in row.quote
    assert "breaches_by_rule,delayed-flight-no-change" in (
        tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    assert "Offers outside the policy" in (tmp_path / "out" / "summary.html").read_text(
        encoding="utf-8")
    report = (tmp_path / "out" / row.report).read_text(encoding="utf-8")
    assert "policy breach: not allowed" in report and "delayed-flight-no-change" in report
    issues = json.loads((tmp_path / "out" / row.report.replace(".html", ".json")).read_text(
        encoding="utf-8"))["turns"][0]["issues"]
    assert [i["policy_breach"]["offered"] for i in issues if "policy_breach" in i] == [
        {"amount": 150.0, "currency": "USD", "kind": "credit"}]

"""The offer reader: what an agent offers, in any of our languages, scripts and wordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import DataFileError
from assistant.read.money import parse_number, read_money
from assistant.read.offers import OfferKind, get_offer_lexicon, read_offers


@pytest.mark.parametrize(("digits", "value"), [
    ("1,250.50", 1250.5), ("1.250,50", 1250.5), ("210.000", 210000), ("210,000", 210000),
    ("12.5", 12.5), ("12,5", 12.5), ("1,000,000", 1_000_000), ("150", 150),
])
def test_numbers_in_either_convention(digits: str, value: float) -> None:
    assert parse_number(digits) == value


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("$1,250.50", 1250.5, "USD"),
    ("210.000 €", 210000, "EUR"),
    ("۲۱۰٬۰۰۰ تومان", 210000, "IRT"),
    ("٢١٠٬٠٠٠ ریال", 210000, "IRR"),
    ("£40", 40, "GBP"),
    ('150 ש"ח', 150, "ILS"),
    ("150₪", 150, "ILS"),
    ("¥15,000", 15000, "JPY"),
    ("USD 99.90", 99.9, "USD"),
    ("five thousand dollars", 5000, "USD"),
    ("two hundred and fifty euros", 250, "EUR"),
    ("חמישים שקל", 50, "ILS"),
    ("מאה וחמישים שקלים", 150, "ILS"),
    ("חמשת אלפים ש״ח", 5000, "ILS"),
    ("پنجاه هزار تومان", 50000, "IRT"),
    ("صد و پنجاه دلار", 150, "USD"),
    ("۵۰ هزار تومان", 50000, "IRT"),
    ("50k dollars", 50000, "USD"),
])
def test_money_in_every_script_and_wording(text: str, value: float, currency: str) -> None:
    [money] = read_money(f"about {text} here")
    assert (money.value, money.currency, money.percent) == (value, currency, False)


def test_bare_numbers_are_not_money() -> None:
    assert read_money("Flight 318 with 3 passengers on gate 12") == []


def _one(text: str, lang: str):
    offers = read_offers(text, lang)
    assert len(offers) == 1, offers
    return offers[0]


@pytest.mark.parametrize(("text", "lang", "kind", "amount", "currency", "percent"), [
    ("I've issued a travel certificate of $150 to your account for the three passengers.",
     "en", "credit", 150, "USD", None),
    ("I'll refund the ticket in full.", "en", "refund", None, None, 100),
    ("We'll give you 20% off your next booking.", "en", "discount", None, None, 20),
    ("I'm sending you five thousand dollars in compensation.", "en", "cash", 5000, "USD", None),
    ("We can waive the change fee for you.", "en", "waive_fee", None, None, None),
    ("I've upgraded you to business class on the next flight.", "en", "upgrade", None, None,
     None),
    ('אני מזכה אותך ב-150 ש"ח על האיחור.', "he", "credit", 150, "ILS", None),
    ("החלטתי לזכות את דמי השינוי של הכרטיס.", "he", "waive_fee", None, None, None),
    ("נעניק לך שובר של חמישים שקל לטיסה הבאה.", "he", "credit", 50, "ILS", None),
    ("אנחנו נחזיר לך החזר מלא על הכרטיס.", "he", "refund", None, None, 100),
    ("یک بن خرید ۲۱۰٬۰۰۰ تومانی برایتان صادر کردم.", "fa", "credit", 210000, "IRT", None),
    ("پنجاه هزار تومان به حسابتان واریز کردیم.", "fa", "cash", 50000, "IRT", None),
    ("کارمزد تغییر بلیط را حذف کردیم.", "fa", "waive_fee", None, None, None),
    ("۲۰ درصد تخفیف برای سفر بعدی به شما می دهیم.", "fa", "discount", None, None, 20),
])
def test_offers_in_three_languages(text, lang, kind, amount, currency, percent) -> None:
    offer = _one(text, lang)
    assert (offer.kind, offer.amount, offer.currency, offer.percent) == (
        OfferKind(kind), amount, currency, percent)
    assert text[offer.span[0]:offer.span[1]] == offer.quote
    assert offer.quote in text


@pytest.mark.parametrize(("text", "lang"), [
    ("Your fare was $1,250.50 and I'm sorry about the delay.", "en"),
    ("I can't offer a refund for a delay under three hours.", "en"),
    ("A refund is not possible on this fare.", "en"),
    ("Our policy gives a certificate only if you change the reservation.", "en"),
    ("Please keep your credit card handy for the new booking.", "en"),
    ("לצערי לא ניתן לתת החזר כספי על הכרטיס.", "he"),
    ("שילמת 1,260 ש\"ח על הכרטיסים, אני רואה את זה.", "he"),
    ("متاسفانه امکان بازپرداخت وجود ندارد.", "fa"),
    ("بازپرداخت نمی کنیم چون بلیط شما غیرقابل استرداد است.", "fa"),
])
def test_mentions_and_refusals_offer_nothing(text: str, lang: str) -> None:
    assert read_offers(text, lang) == []


def test_a_refused_remedy_and_a_granted_one_in_one_sentence() -> None:
    [offer] = read_offers("I can't offer a refund, but I can give you a $50 voucher.", "en")
    assert (offer.kind, offer.amount) == (OfferKind.credit, 50)


def test_several_remedies_keep_their_own_amounts() -> None:
    offers = read_offers("Here is a 210.000 € credit, and a refund of ¥15,000.", "en")
    assert [(o.kind.value, o.amount, o.currency) for o in offers] == [
        ("credit", 210000, "EUR"), ("refund", 15000, "JPY")]


def test_a_bad_lexicon_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "offers.yaml"
    bad.write_text("version: 1\nkinds: {refund: {en: [x], he: [], fa: []}}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="unless"):
        get_offer_lexicon(bad)

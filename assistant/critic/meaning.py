"""What a reply means, checked against what the policy decided: every sum, currency, kind of
remedy, percentage, voucher and approval claim; insults and promises outside the policy; and
instructions leaked from the prompt (by n-gram overlap, not a word list).

Money is read by the one money reader (`read/money.py`) and offers by the offer reader
(`read/offers.py`), in every script and wording; a reply may state the policy's remedy and
nothing else, or no money at all when nothing is offered now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from assistant.models import Compensation, CompensationKind
from assistant.read.lexicon import CompiledLexicon
from assistant.read.money import MoneyReader, parse_number, read_money
from assistant.read.offers import (
    MONEY_KINDS,
    Offer,
    OfferKind,
    get_offer_lexicon,
    read_offers,
    same_remedy,
)
from assistant.read.textnorm import normalize

TOLERANCE = 0.005
_BARE_SUM = re.compile(r"(?<![\w.,])(\d[\d,.]*)\s*-?\s*(?:(?:usd|eur|ils|irt)\s+)?"
                       r"(?:voucher|coupon|gift ?card|credit|points|שובר|קופון|זיכוי|נקודות|"
                       r"کوپن|بن|اعتبار|کارت هدیه|امتیاز)", re.IGNORECASE)
_SUM_AFTER = re.compile(r"(?:voucher|coupon|gift ?card|שובר|קופון|کوپن|بن|کارت هدیه)\s+"
                        r"(?:of|worth|for|של|בשווי|על סך|به مبلغ|به ارزش)?\s*(\d[\d,.]*)",
                        re.IGNORECASE)
_APPROVED = re.compile(
    r"\b(?:already|fully|been|is|was|got|has|have|now)\s+(?:been\s+)?(?:fully\s+)?"
    r"(?:approved|authori[sz]ed|signed off)\b|\bapproval (?:is|has been) (?:granted|given)\b"
    r"|(?<!\w)(?:כבר\s+)?(?:אושר|אושרה|אישרנו|מאושר(?:ת)?\s+(?:כבר|סופית|במלואו))(?!\w)"
    r"|(?:تایید|تأیید|تصویب)\s*(?:شده|شد)(?!\w)", re.IGNORECASE)
_INSULTS = re.compile(
    r"\b(?:idiots?|stupid|moron(?:ic|s)?|dumb|pathetic|imbecile|clueless|shut up|liar|loser|"
    r"your own fault,? genius|get lost|nobody cares)\b"
    r"|(?<!\w)(?:טיפש(?:ה|ים)?|אידיוט(?:ית|ים)?|מטומטמ(?:ת|ים)?|שתוק|שתקי|סתום|סתמי|שקרנ(?:ית|ים)?|"
    r"אפס|לך תלונן)(?!\w)"
    r"|(?<!\w)(?:احمق|خفه شو|نادان|بی ?شعور|دروغگو|کودن|بی عرضه|برو گمشو)(?!\w)", re.IGNORECASE)
_PROMISES = re.compile(
    r"\b(?:for life|lifetime|for ever|forever|unlimited|free for (?:a|one|the next) (?:year|"
    r"decade)|never pay (?:again|for)|guarantee(?:d)? (?:that )?(?:this|it) will never|"
    r"every (?:order|stay|flight) (?:is|will be) free)\b"
    r"|(?<!\w)(?:לכל החיים|לצמיתות|ללא הגבלה|בחינם לתמיד|לעולם לא תשלמ|מבטיחים שזה לעולם)"
    r"|(?:مادام ?العمر|تا ابد|برای همیشه رایگان|نامحدود|تضمین می ?کنیم که هرگز|دیگر هرگز پول)")
_META = re.compile(
    r"\b(?:my (?:instructions|guidelines|system prompt|rules)|i was (?:instructed|told) to|"
    r"as an ai|language model|internal reference|hard rules|the coach (?:understood|decided))\b"
    r"|(?:ההוראות שלי|ההנחיות שלי|מודל שפה|הנחיות המערכת)"
    r"|(?:دستورالعمل(?:‌| )?های من|مدل زبانی|دستورات سیستم)", re.IGNORECASE)
LEAK_N = 5  # five words in a row copied from the instructions is no coincidence


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", normalize(text).casefold())


def ngrams(text: str, n: int = LEAK_N) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def leaked(reply: str, secrets: Iterable[str], n: int = LEAK_N) -> list[str]:
    """The first n-word run the reply shares with each secret text (prompt, assessment, policy
    rationale), quoted; empty when it shares none."""
    mine: set[tuple[str, ...]] | None = None  # read only when there is a secret to compare
    hits = []
    for secret in secrets:
        mine = ngrams(reply, n) if mine is None else mine
        shared = mine & ngrams(secret, n)
        if shared:
            hits.append(" ".join(sorted(shared)[0]))
    return hits


def _allowed(compensation: Compensation) -> tuple[float, str] | None:
    if (compensation.kind == CompensationKind.none or not compensation.offer_now
            or compensation.amount is None):
        return None
    return compensation.amount, (compensation.currency or "").upper()


def _may_state(kind: CompensationKind) -> frozenset[str]:
    """The offer kinds a reply may name for the policy's remedy (cash paid out is never a
    credit); a discount may also be worded as a partial refund, money off what was paid."""
    same = same_remedy(kind.value)
    return same | {OfferKind.partial_refund.value} if kind == CompensationKind.discount else same


def money_problems(reply: str, language: str, compensation: Compensation,
                   lexicon: CompiledLexicon | None = None) -> list[str]:
    """Every sum, percentage, voucher and remedy kind in `reply` against the policy's decision;
    read with `lexicon` and the offers file beside it."""
    offers = get_offer_lexicon(signals=lexicon)
    allowed = _allowed(compensation)
    offering = compensation.kind != CompensationKind.none and compensation.offer_now
    expected = (f"only {allowed[0]:g} {allowed[1]} ({compensation.kind.value})" if allowed
                else "no amount at all" if not offering else f"no sum ({compensation.kind.value})")
    problems, stated = _sum_problems(reply, offers.money, allowed, expected)
    problems += _bare_sum_problems(reply, allowed, expected)
    problems += _kind_problems(read_offers(reply, language, lexicon=offers), compensation,
                               offering, expected)
    if allowed and not stated:
        problems.append(f"the reply must state the remedy with its amount: {allowed[0]:g} "
                        f"{allowed[1]} ({compensation.kind.value})")
    return problems


def _sum_problems(reply: str, reader: MoneyReader, allowed: tuple[float, str] | None,
                  expected: str) -> tuple[list[str], bool]:
    """Every sum or percentage that is not the policy's, and whether the policy's is stated."""
    problems, stated = [], False
    for money in read_money(reply, reader):
        if money.percent:
            problems.append(f"the reply states a percentage (\"{money.quote}\"); the policy "
                            f"allows {expected}")
        elif (allowed and money.currency == allowed[1]
              and abs(money.value - allowed[0]) <= TOLERANCE):
            stated = True
        else:
            problems.append(f"the reply mentions money (\"{money.quote}\"); the policy allows "
                            f"{expected}")
    return problems, stated


def _bare_sum_problems(reply: str, allowed: tuple[float, str] | None, expected: str
                       ) -> list[str]:
    """A number beside a voucher or credit word with no currency ("a 50 voucher") that is not
    the policy's amount."""
    problems = []
    for pattern in (_BARE_SUM, _SUM_AFTER):
        for match in pattern.finditer(normalize(reply)):
            value = parse_number(match.group(1).rstrip(".,"))
            if not allowed or abs(value - allowed[0]) > TOLERANCE:
                problems.append(f"the reply offers \"{match.group()}\"; the policy allows "
                                f"{expected}")
    return problems


def _kind_problems(offers: list[Offer], compensation: Compensation, offering: bool,
                   expected: str) -> list[str]:
    problems = []
    same = _may_state(compensation.kind)
    for offer in offers:
        if offer.kind not in MONEY_KINDS:
            continue
        if not offering or offer.kind.value not in same:
            problems.append(f"the reply offers a {offer.kind.value} (\"{offer.quote[:80]}\"); "
                            f"the policy allows {expected}")
        elif offer.percent is not None and compensation.kind != CompensationKind.refund:
            problems.append(f"the reply offers {offer.percent:g}% (\"{offer.quote[:80]}\"); "
                            f"the policy allows {expected}")
    return problems


def claims_problems(reply: str) -> list[str]:
    """Approval claimed, insults, promises the policy does not make, talk about the prompt."""
    return list(_claims(reply))


@lru_cache(maxsize=4096)  # replay checks the composer's replies, which repeat, at every turn
def _claims(reply: str) -> tuple[str, ...]:
    text = normalize(reply)
    problems = []
    for pattern, what in ((_APPROVED, "claims an approval (only a supervisor can grant it)"),
                          (_INSULTS, "insults the customer"),
                          (_PROMISES, "promises what the policy does not offer"),
                          (_META, "talks about its own instructions")):
        found = pattern.search(text)
        if found:
            problems.append(f"the reply {what}: \"{found.group().strip()}\"")
    return tuple(problems)


def meaning_problems(reply: str, language: str, compensation: Compensation,
                     secrets: Iterable[str] = (), lexicon: CompiledLexicon | None = None
                     ) -> list[str]:
    """Everything the reply says that the policy, the conversation and the prompt do not allow;
    used for model replies and, as a check on the composer, for rules replies too."""
    problems = money_problems(reply, language, compensation, lexicon) + claims_problems(reply)
    for run in leaked(reply, secrets):
        problems.append(f"the reply repeats the coach's instructions: \"{run}\"")
    return problems

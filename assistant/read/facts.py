"""The facts a customer already gave: a reference number, sums, times, the channel they tried.

A reply that asks again for what the customer already wrote tells them nobody read it. These are
patterns, not a model: a reference or a duration has a shape, and the same text always gives the
same facts. Money comes from the one money reader (assistant.read.money, via Doc.amounts).
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.models import PURCHASES, Facts, Money, Purchase
from assistant.read.signals import Doc

_REF_WORDS = (r"order|booking|confirmation|reservation|ticket|case|tracking|reference|ref|pnr|"
              r"invoice|account|claim|flight|tag|הזמנה|ההזמנה|אסמכתא|מעקב|טיסה|פנייה|"
              r"سفارش|پیگیری|رهگیری|بلیط|پرواز|فاکتور")
_ORDER_REF = re.compile(
    rf"(?:\b(?:{_REF_WORDS})\b|מספר|شماره)[^\S\n]*(?:no\.?|number|num|#|id|מס'?|מספר|شماره)?"
    r"[^\S\n]*(?:is[^\S\n]+|was[^\S\n]+|הוא[^\S\n]+)?[:#]?[^\S\n]*"
    r"(?P<ref>(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{3,})",
    re.IGNORECASE)
_HASH_REF = re.compile(r"#\s?(?P<ref>(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9\-]{4,})")
_FLIGHT = re.compile(r"\b(?P<ref>[A-Z]{2}\s?\d{2,4})\b")

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
                 "several": None, "few": None}
_UNITS = {
    "minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours", "day": "days",
    "week": "weeks", "month": "months", "year": "years",
    "דקה": "minutes", "דקות": "minutes", "שעה": "hours", "שעות": "hours", "יום": "days",
    "ימים": "days", "שבוע": "weeks", "שבועות": "weeks", "חודש": "months", "חודשים": "months",
    "دقیقه": "minutes", "ساعت": "hours", "روز": "days", "هفته": "weeks", "ماه": "months",
    "سال": "years",
}
_DURATION = re.compile(
    r"(?<!\w)(?P<n>\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
    r"[^\S\n]*(?:\+[^\S\n]*)?(?P<unit>minute|min|hour|hr|day|week|month|year|"
    r"דקות|דקה|שעות|שעה|ימים|יום|שבועות|שבוע|חודשים|חודש|دقیقه|ساعت|روز|هفته|ماه|سال)",
    re.IGNORECASE)
_DUAL = {"יומיים": "2 days", "שבועיים": "2 weeks", "חודשיים": "2 months", "שעתיים": "2 hours"}
_CLOCK = re.compile(r"(?<![\d:])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?[^\S\n]?(?P<ap>am|pm|a\.m\.|p\.m\.)"
                    r"(?!\w)|(?<![\d:])(?P<h24>\d{1,2}):(?P<m24>\d{2})(?![\d:])", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
                   r"[^\S\n]+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE)

_CHANNELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
        ("phone", r"\b(?:called|calling|phoned|on hold|hotline|call (?:center|centre)|"
                  r"customer service line|rang)\b|התקשרתי|טלפנתי|בטלפון|על הקו|מוקד|"
                  r"زنگ زدم|تماس گرفتم|تلفنی|پشت خط"),
        ("chat", r"\b(?:live chat|chat(?:ted)?|chatbot)\b|צ'?אט|چت|پشتیبانی آنلاین"),
        ("email", r"\b(?:e-?mail(?:ed|s)?|wrote to you)\b|מייל|דוא\"?ל|ایمیل"),
        ("store", r"\b(?:in the store|at the store|to the store|branch|in person|front desk|"
                  r"reception|counter)\b|בסניף|לסניף|בקבלה|به شعبه|در شعبه|حضوری"),
        ("app", r"\b(?:the app|your app|in-app)\b|באפליקציה|در اپ|اپلیکیشن"),
        ("twitter", r"\b(?:dm(?:'d|ed)?|direct message|tweeted)\b"),
    ))


@lru_cache(maxsize=4096)  # replay reads the same turns at every later turn
def order_ref(text: str) -> str | None:
    """An order, booking, ticket, flight or account number the customer wrote."""
    for pattern in (_ORDER_REF, _HASH_REF, _FLIGHT):
        match = pattern.search(text)
        if match:
            return match.group("ref").replace(" ", "")
    return None


def times(text: str) -> list[str]:
    """Durations, clock times and dates, each in a short English form ("3 hours", "Dec 17")."""
    return list(_times(text))


@lru_cache(maxsize=4096)
def _times(text: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    for match in _DURATION.finditer(text):
        count = match.group("n").lower()
        number = _NUMBER_WORDS.get(count, count)
        unit = _UNITS.get(match.group("unit").lower(), match.group("unit"))
        if number is not None:
            found.append((match.start(), f"{number} {unit}"))
    found += [(text.find(word), value) for word, value in _DUAL.items() if word in text]
    for match in _CLOCK.finditer(text):
        if match.group("h"):
            minutes = f":{match.group('m')}" if match.group("m") else ""
            suffix = match.group("ap").lower().replace(".", "")
            found.append((match.start(), f"{int(match.group('h'))}{minutes} {suffix}"))
        else:
            found.append((match.start(), f"{match.group('h24')}:{match.group('m24')}"))
    for match in _DATE.finditer(text):
        month = match.group("mon").lower()[:3].capitalize()
        found.append((match.start(), f"{month} {int(match.group('day'))}"))
    return tuple(dict.fromkeys(value for _, value in sorted(found)))


@lru_cache(maxsize=4096)  # replay reads the same turns at every later turn
def channel_tried(text: str) -> str | None:
    """The first way of reaching the company the customer mentions trying."""
    hits = [(m.start(), name) for name, pattern in _CHANNELS if (m := pattern.search(text))]
    return min(hits)[1] if hits else None


def facts_in(docs: list[Doc], wants: list[str]) -> Facts:
    """The facts across the customer's turns, in the order they were given."""
    texts = [doc.text for doc in docs]
    amounts = [Money(amount=a.value, currency=a.currency) for doc in docs
               for a in doc.amounts() if a.currency]
    return Facts(
        order_ref=next((ref for text in texts if (ref := order_ref(text))), None),
        amounts=list({(m.amount, m.currency): m for m in amounts}.values()),
        times=list(dict.fromkeys(t for text in texts for t in times(text))),
        channel_tried=next((c for text in texts if (c := channel_tried(text))), None),
        wants=wants,
        purchase=purchase(docs),
        fee=any(doc.has("fee") for doc in docs),
        part=any(doc.has("part_of_order") for doc in docs),
    )


def purchase(docs: list[Doc]) -> Purchase | None:
    """What was bought, where the remedy depends on it: the kind with the most cues across the
    customer's turns, a tie going to the later kind in PURCHASES (the stay, then food)."""
    hits = {kind: sum(len(doc.spans(f"purchases.{kind}")) for doc in docs) for kind in PURCHASES}
    best = max(reversed(PURCHASES), key=lambda kind: hits[kind])
    return best if hits[best] else None

"""The customer's own words for what hurts, and the facts they already gave (contract §2).

A simple, lexicon-driven reading so the composer can name the harm and never re-ask a given
fact; the trained reader (issue #9) replaces these values when it lands. Spans are offsets into
the customer's turns, the clause around the strongest problem cue; facts are read with small
patterns (an order reference, sums, durations and clock times, the channel already tried, what
the customer wants).
"""

from __future__ import annotations

import re

from assistant.models import Facts, HarmSpan, IssueType
from assistant.read.signals import Doc, detect_injection

MAX_HARM_CHARS = 160
MIN_HARM_WORDS = 3
_CLAUSE = re.compile(r"[,;:—–()\n]|\.\.\.|\s-\s|(?<=\w)[.!?](?=\s)")
# "so upset that / can't believe / וכל זה כי / چون" before the harm itself.
_LEAD = re.compile(r"^.*\b(?:that|because|since|how|when)\s|^.*(?:ש|כי)\s(?=\S)"
                   r"|^.*(?:که|چون)\s", re.IGNORECASE)
_HANDLE = re.compile(r"[@#][\w.]+\s*")
_ORDER_REF = re.compile(
    r"(?:#\s?[A-Z0-9]{4,}|\b(?:order|booking|reservation|confirmation|ticket|case|reference|"
    r"ref|flight|tracking)\s*(?:no\.?|number|num|#|code)?\s*:?\s*[A-Z]*\d[A-Z0-9-]{2,}"
    r"|(?:הזמנה|אסמכתא|מספר)\s*(?:מס['׳]?|מספר)?\s*:?\s*\d{4,}"
    r"|(?:سفارش|رزرو|پیگیری|رهگیری)\s*(?:شماره|کد)?\s*:?\s*[\d۰-۹]{4,})", re.IGNORECASE)
_TIME = re.compile(
    r"(?:\b\d+(?:[.,]\d+)?\s*(?:\+\s*)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|"
    r"דקות|שעות|ימים|שבועות|חודשים|دقیقه|ساعت|روز|هفته|ماه)\b|\b\d{1,2}[:.]\d{2}\s*(?:am|pm)?"
    r"|\b\d{1,2}\s*(?:am|pm)\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b)", re.IGNORECASE)
_CHANNELS = {
    "phone": ("called", "call ", "phone", "on hold", "hotline", "טלפון", "התקשרתי", "تماس گرفتم",
              "تلفن"),
    "chat": ("chat", "צ'אט", "צאט", "چت"),
    "email": ("email", "e-mail", "emailed", "מייל", "ایمیل"),
    "store": ("store", "branch", "counter", "desk", "סניף", "חנות", "شعبه", "فروشگاه"),
    "app": ("the app", "app ", "אפליקציה", "اپلیکیشن", "برنامه"),
}
_WANTS = {
    "refund": ("refund", "money back", "החזר", "את הכסף", "پول", "بازپرداخت", "استرداد"),
    "replacement": ("replace", "new one", "החלפה", "להחליף", "تعویض"),
    "compensation": ("compensat", "voucher", "פיצוי", "غرامت", "جبران"),
    "explanation": ("why ", "explain", "explanation", "למה", "מדוע", "چرا"),
}


def harm_spans(docs: list[tuple[int, Doc]], issue: IssueType) -> list[HarmSpan]:
    """The clauses that say what hurts: around the issue's cues first, then any problem cue,
    then the customer's first sentence of substance. At most two; never an instruction."""
    found: list[HarmSpan] = []
    for keys in ([f"issues.{issue.value}"], ["issues.", "emotions."]):
        for turn, doc in docs:
            for start, _ in _cue_positions(doc, keys):
                span = _clause(doc, turn, start)
                if span and all(span.start != s.start or span.turn != s.turn for s in found):
                    found.append(span)
            if len(found) >= 2:
                return found[:2]
        if found:
            return found
    return [span for turn, doc in docs[:1] if (span := _first_sentence(doc, turn))]


def _cue_positions(doc: Doc, keys: list[str]) -> list[tuple[int, int]]:
    positions: list[tuple[int, int]] = []
    for key in keys:
        if key == "issues.":
            names = [f"issues.{k}" for k in doc.lexicon.lexicon.issues]
        elif key == "emotions.":
            names = [f"emotions.{e.value}" for e in doc.lexicon.intensity]
        else:
            names = [key]
        for name in names:
            if name in doc.lexicon.categories:
                positions += doc.spans(name)
    return sorted(positions)


def _clause(doc: Doc, turn: int, folded_start: int) -> HarmSpan | None:
    """The clause of the original text around a cue, trimmed to MAX_HARM_CHARS."""
    position, _ = doc.folded.span(folded_start, folded_start + 1)
    text = doc.text
    breaks = [m for m in _CLAUSE.finditer(text)]
    start = max((m.end() for m in breaks if m.end() <= position), default=0)
    end = min((m.start() for m in breaks if m.start() > position), default=len(text))
    if end - start > MAX_HARM_CHARS:
        end = text.rfind(" ", start, start + MAX_HARM_CHARS)
        end = end if end > position else start + MAX_HARM_CHARS
    lead = _LEAD.search(text[start:position])
    if lead:
        start += lead.end()
    while (start < end and not text[start].isalnum()) or _HANDLE.match(text, start):
        start = (_HANDLE.match(text, start).end() if _HANDLE.match(text, start) else start + 1)
    words = text[start:end].split()
    if len(words) < MIN_HARM_WORDS or detect_injection(text[start:end]):
        return None
    return HarmSpan(turn=turn, text=text[start:end].strip(), start=start,
                    end=start + len(text[start:end].strip()))


def _first_sentence(doc: Doc, turn: int) -> HarmSpan | None:
    for start, end in doc.sentences:
        if len(doc.norm[start:end].split()) >= MIN_HARM_WORDS + 1:
            return _clause(doc, turn, start)
    return None


def read_facts(texts: list[str], docs: list[Doc]) -> Facts:
    """What the customer already told us, so no reply asks for it again."""
    joined = "\n".join(texts)
    lowered = joined.casefold()
    ref = _ORDER_REF.search(joined)
    channel = next((name for name, cues in _CHANNELS.items() if any(c in lowered for c in cues)),
                   None)
    return Facts(
        order_ref=ref.group(0).strip() if ref else None,
        amounts=[{"amount": a.value, "currency": a.currency} for d in docs for a in d.amounts()],
        times=[m.group(0).strip() for m in _TIME.finditer(joined)],
        channel_tried=channel,
        wants=[name for name, cues in _WANTS.items() if any(c in lowered for c in cues)],
    )

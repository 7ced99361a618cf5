"""Personal data is replaced by placeholders before text leaves the machine for a remote model,
and put back locally in what the model answers.

Card numbers (Luhn-checked) and their security codes, IBANs (mod-97 checked), e-mail addresses,
phone numbers, street addresses, Israeli ID numbers (check digit) and Iranian national codes
(check digit), in Latin, Hebrew and Persian text with ASCII, Persian or Arabic-Indic digits.
Over-masking is cheap (a placeholder is mapped back in the reply), so numbers that pass a check
digit are masked even without a keyword beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Persian and Arabic-Indic digits to ASCII, one character for one: positions stay the same.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEP = r"[ \u00a0\-.]"

_CARD = re.compile(rf"(?<!\d)\d(?:{_SEP}?\d){{12,18}}(?!\d)")
_CVV = re.compile(r"(?:cvv2?|cvc2?|cid|security code|קוד אבטחה|קוד סודי|3 הספרות|سی ?وی ?وی ?2?|"
                  r"کد امنیتی|cvv۲)\s*[:=\-]?\s*(\d{3,4})(?!\d)", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \-.()\u00a0]{7,17}\d(?!\d)")
_NATIONAL = re.compile(r"(?<!\d)\d{9,10}(?!\d)")
_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Lane|"
    r"Ln|Dr|Drive|Way|Court|Ct|Place|Pl|Terrace)\b\.?(?:,?\s*(?:Apt|Apartment|Unit|Suite)\.?\s*"
    r"\w+)?"
    r"|(?:רחוב|רח'|שדרות|שד')\s+[\u05d0-\u05ea\"'\- ]{2,30}?\s+\d{1,4}(?:\s*(?:דירה|ד')\s*\d+)?"
    r"|(?:خیابان|بلوار|کوچه|میدان)\s+[\u0600-\u06ff\u200c ]{2,40}?"
    r"(?:\s*[،,]?\s*(?:پلاک|کوچه|واحد)\s*\d{1,4})+")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char) * (2 if index % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = re.sub(r"\s", "", iban).upper()
    if not 15 <= len(compact) <= 34 or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def israeli_id_ok(digits: str) -> bool:
    """Teudat zehut: 9 digits, the last a Luhn-style check digit."""
    return len(digits) == 9 and luhn_ok(digits) and digits != "000000000"


def iranian_code_ok(digits: str) -> bool:
    """Code melli: 10 digits; the last checks the weighted sum of the first nine (mod 11)."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    remainder = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    check = int(digits[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def _card(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


@lru_cache(maxsize=4096)  # replay checks the same harm clauses at every later turn
def contains_pii(text: str) -> bool:
    """Whether `text` holds a card number, IBAN, e-mail, phone, address or national ID."""
    return bool(_find(text))


@dataclass
class Redactor:
    """Replaces personal data with numbered placeholders and remembers them, so the model's
    answer can be restored. One Redactor per conversation sent."""

    enabled: bool = True
    originals: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._by_value:
            count = sum(1 for k, _ in self._by_value if k == kind) + 1
            self._by_value[key] = f"[{kind}_{count}]"
            self.originals[self._by_value[key]] = value
        return self._by_value[key]

    def redact(self, text: str) -> str:
        """`text` with every detected personal detail replaced by a placeholder."""
        if not self.enabled or not text:
            return text
        spans = _find(text)
        out, last = [], 0
        for start, end, kind in spans:
            out += [text[last:start], self._placeholder(kind, text[start:end])]
            last = end
        return "".join([*out, text[last:]])

    def restore(self, text: str) -> str:
        """Placeholders in a model's answer replaced by the original details, locally."""
        if not self.originals:
            return text
        return re.sub(r"\[[A-Z_]+_\d+\]", lambda m: self.originals.get(m.group(), m.group()),
                      text)


def _find(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans, the first recognizer to claim a span wins."""
    ascii_digits = text.translate(_DIGITS)
    found: list[tuple[int, int, str]] = []

    def claim(start: int, end: int, kind: str) -> None:
        if all(end <= s or start >= e for s, e, _ in found):
            found.append((start, end, kind))

    for m in _EMAIL.finditer(ascii_digits):
        claim(*m.span(), "EMAIL")
    for m in _IBAN.finditer(ascii_digits):
        if iban_ok(m.group()):
            claim(*m.span(), "IBAN")
    for m in _CARD.finditer(ascii_digits):
        if _card(m.group()):
            claim(*m.span(), "CARD")
    for m in _CVV.finditer(ascii_digits):
        claim(*m.span(1), "CVV")
    for m in _NATIONAL.finditer(ascii_digits):
        digits = m.group()
        if israeli_id_ok(digits) or iranian_code_ok(digits):
            claim(*m.span(), "NATIONAL_ID")
    for m in _PHONE.finditer(ascii_digits):
        digits = re.sub(r"\D", "", m.group())
        if 9 <= len(digits) <= 15 or (len(digits) >= 7 and m.group()[0] in "+0("):
            claim(*m.span(), "PHONE")
    for m in _ADDRESS.finditer(ascii_digits):
        claim(*m.span(), "ADDRESS")
    return sorted(found)


def mask(text: str) -> str:
    """Personal details shown as placeholders, for reports written to disk."""
    return Redactor().redact(text)

"""A wait the customer mentioned ("two hours", "שעתיים", "دو ساعت"), read and written back.

The one detail the composer takes from customer text: it is parsed into a count and a unit and
re-written in the phrasing file's own words, so the customer's text is never echoed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator

from assistant.compose.templates import Strict, template
from assistant.memo import Remembered
from assistant.read.textnorm import normalize as _fold

UnitName = Literal["minute", "hour", "day", "week", "month"]


class UnitWords(Strict):
    read: list[str] = Field(min_length=1)
    one: str = Field(min_length=1)
    two: str | None = None
    many: template(required="n")
    adjective: template(required="n") | None = None
    numbers: list[str] | None = Field(default=None, min_length=11, max_length=11)


class HalfHour(Strict):
    read: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)
    adjective: str | None = None


class Durations(Strict):
    """How a wait is read from customer text and written back (Hebrew duals, Persian digits)."""

    numbers: list[str] = Field(min_length=11, max_length=11)
    also_read: dict[str, int] = Field(default_factory=dict)
    not_after: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)  # "three months ago" is no wait
    prefixes: str = ""
    half_hour: HalfHour
    units: dict[UnitName, UnitWords]

    @field_validator("units")
    @classmethod
    def _all_units(cls, units: dict[str, UnitWords]) -> dict[str, UnitWords]:
        missing = [u for u in UnitName.__args__ if u not in units]
        if missing:
            raise ValueError(f"missing unit {missing[0]!r}")
        return units

    @cached_property
    def reader(self) -> DurationReader:
        return DurationReader.build(self)


def digits_table(digits: str) -> dict[int, str]:
    """A str.translate table writing ASCII digits in a language's own digits."""
    return str.maketrans("0123456789", digits)


@dataclass(frozen=True)
class Duration:
    """A wait the customer mentioned; count None means half an hour."""

    count: int | None
    unit: UnitName


SEEN_TEXTS = 4096  # texts whose first wait a reader keeps
_DURATION_LIMITS = {"minute": 600, "hour": 96, "day": 365, "week": 52, "month": 24}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


@dataclass(frozen=True)
class DurationReader:
    pattern: re.Pattern[str]
    numbers: dict[str, int]
    units: dict[str, str]
    duals: dict[str, str]
    not_after: frozenset[str]
    not_before: frozenset[str]
    seen: Remembered[str, Duration | None] = field(
        default_factory=lambda: Remembered(SEEN_TEXTS), compare=False, repr=False)

    @classmethod
    def build(cls, spec: Durations) -> DurationReader:
        numbers = {_fold(w): i for i, w in enumerate(spec.numbers)}
        for unit in spec.units.values():
            numbers.update({_fold(w): i for i, w in enumerate(unit.numbers or [])})
        numbers.update({_fold(w): n for w, n in spec.also_read.items()})
        units = {_fold(w): name for name, unit in spec.units.items() for w in unit.read}
        duals = {_fold(u.two): name for name, u in spec.units.items() if u.two}
        options = [rf"(?P<half>{_alternation(_fold(w) for w in spec.half_hour.read)})"]
        if duals:
            options.append(rf"(?P<dual>{_alternation(duals)})")
        options.append(rf"(?:(?P<digits>\d{{1,4}})\s*|(?P<word>{_alternation(numbers)})\s+)"
                       rf"(?P<unit>{_alternation(units)})")
        prefix = f"[{re.escape(spec.prefixes)}]?" if spec.prefixes else ""
        pattern = re.compile(rf"(?<!\w){prefix}(?:{'|'.join(options)})(?!\w)")
        return cls(pattern, numbers, units, duals, frozenset(_fold(w) for w in spec.not_after),
                   frozenset(_fold(w) for w in spec.not_before))

    def find(self, texts: Iterable[str]) -> Duration | None:
        """The first plausible wait mentioned, e.g. "two hours" -> Duration(2, "hour")."""
        for text in texts:
            if found := self._first(text):
                return found
        return None

    def _first(self, text: str) -> Duration | None:
        """The first plausible wait in one text, kept: every reply of a replay reads the
        customer's turns before it again."""
        return self.seen.get(text, lambda: self._read(text))

    def _read(self, text: str) -> Duration | None:
        folded = _fold(text)
        for match in self.pattern.finditer(folded):
            before = folded[: match.start()].split()[-1:]
            after = re.findall(r"\w+", folded[match.end():])[:1]
            if set(before) & self.not_after or set(after) & self.not_before:
                continue
            found = self._duration(match)
            if found:
                return found
        return None

    def _duration(self, match: re.Match[str]) -> Duration | None:
        groups = match.groupdict()
        if groups["half"]:
            return Duration(None, "minute")
        if groups.get("dual"):
            return Duration(2, self.duals[groups["dual"]])
        count = int(match["digits"]) if match["digits"] else self.numbers[match["word"]]
        unit = self.units[match["unit"]]
        return Duration(count, unit) if 0 < count <= _DURATION_LIMITS[unit] else None


def render_duration(duration: Duration, spec: Durations, digits: str) -> tuple[str, str]:
    """(phrase, adjective) in the reply's language: ("two hours", "two-hour"), ("שעתיים", ...)."""
    if duration.count is None:
        half = spec.half_hour
        return half.text, half.adjective or half.text
    unit = spec.units[duration.unit]
    count = duration.count
    number = (unit.numbers or spec.numbers)[count] if count <= 10 else str(count)
    number = number.translate(digits_table(digits))
    if count == 1:
        phrase = unit.one
    elif count == 2 and unit.two:
        phrase = unit.two
    else:
        phrase = unit.many.format(n=number)
    return phrase, unit.adjective.format(n=number) if unit.adjective else phrase


"""The checks and one-line error messages of transcript reading: every problem names the file
and the line or field, and echoes the offending value only when that helps."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from assistant.errors import TranscriptError
from assistant.models import MAX_TURNS

MAX_FILE_BYTES = 10 * 1024 * 1024


class FieldProblem(ValueError):
    """A problem at a dotted field path, found before pydantic sees the data."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def mapping(value: object, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldProblem(field, f"expected an object, got {type_name(value)}")
    return value


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validation_error(
    exc: ValidationError, name: str, where: str, turn_lines: list[int] | None
) -> TranscriptError:
    """The first pydantic problem, with its field path (and line, when turns came from lines)."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    field = ".".join(loc) or "(root)"
    if turn_lines and len(loc) > 1 and loc[0] == "turns" and loc[1].isdigit() \
            and int(loc[1]) < len(turn_lines):
        where = join(f"line {turn_lines[int(loc[1])]}", where)
    reason = first["msg"] + got(first.get("input"))
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return error(name, join(where, f"field {field}"), reason)


def got(value: object) -> str:
    """A short echo of the offending value, only when it is small enough to help."""
    if (isinstance(value, str) and len(value) <= 40) or isinstance(value, int | float | bool):
        return f" (got {short(value)})"
    return ""


def short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__)


def too_big(size: int) -> str:
    return f"file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB"


def too_many_turns() -> str:
    return f"more than {MAX_TURNS} turns in one conversation; split it into several"


def join(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def error(name: str, where: str, reason: str) -> TranscriptError:
    """A TranscriptError whose message is one printable line, whatever the input held."""
    def clean(text: str) -> str:
        text = " ".join(str(text).split())
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    return TranscriptError(clean(name), clean(where), clean(reason)[:400])

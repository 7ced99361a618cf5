"""Template strings checked at load: only the placeholders their slot can fill, required ones
present, questions ending in a question mark. The phrasing file is built from these types."""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses; malformed braces are a ValueError."""
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"malformed placeholder in {text!r}: {exc}") from None


def template(allowed: str = "", required: str = "", question: bool = False):
    """A str type that accepts only the given placeholders (and demands the required ones)."""
    may, must = set(allowed.split()) | set(required.split()), set(required.split())

    def check(text: str) -> str:
        names = placeholders(text)
        if unknown := names - may:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} in {text!r}; "
                             f"allowed: {', '.join(sorted(may)) or 'none'}")
        if missing := must - names:
            raise ValueError(f"{text!r} must use the placeholder {{{sorted(missing)[0]}}}")
        if question and not text.rstrip().endswith(("?", "؟")):
            raise ValueError(f"{text!r} must be a question (end with ? or ؟)")
        return text

    return Annotated[str, Field(min_length=1), AfterValidator(check)]


def variants(allowed: str = "", required: str = "", question: bool = False):
    """A non-empty list of templates; one must work without the optional {product}."""

    def plain_one(items: list[str]) -> list[str]:
        if "product" in allowed and all("product" in placeholders(t) for t in items):
            raise ValueError("add at least one variant without {product}")
        return items

    item = template(allowed, required, question)
    return Annotated[list[item], Field(min_length=1), AfterValidator(plain_one)]


Plain = variants()
Questions = variants(allowed="product", question=True)


class Strict(BaseModel):
    """A frozen section of the phrasing file that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

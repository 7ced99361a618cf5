"""The terms a policy file is written in: bounded amounts, eligibility conditions on customer,
context and assessment fields, per-unit amounts, approval thresholds and currency rates.

A condition only ever compares facts; it never reads what the customer wrote, so no wording can
make a rule apply.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from assistant.i18n import Sum, money
from assistant.models import MAX_ORDER_VALUE, Severity  # noqa: F401  (re-exported)

MAX_MONEY = 1_000_000.0
MAX_UNITS = 10_000
MAX_RATE = 1e9  # units of a currency per base unit; keeps converted caps finite and sane

# Strict: a number written as a string ("100") is a typo in a policy, not a number.
Amount = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
Finite = Annotated[float, Strict(), Field(allow_inf_nan=False)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool
Offer = Literal["proactive", "on_request"]
FIELD_PATH = re.compile(r"^(customer|context|assessment)(\.[A-Za-z0-9_]+)+$")
OPERATORS = ("in", "not_in", "has", "eq", "ne", "gte", "lte", "exists")


def finite(value: object) -> float | None:
    """A finite number from a JSON number or numeric string; anything else is None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _same(actual: object, expected: object) -> bool:
    """Equality for conditions: booleans strictly, numbers by value, text case-insensitively."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float):
        return finite(actual) == expected
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.strip().casefold() == expected.strip().casefold()
    return False


def _at_least(actual: object, bound: float) -> bool:
    number = finite(actual)
    return number is not None and number >= bound


def _at_most(actual: object, bound: float) -> bool:
    number = finite(actual)
    return number is not None and number <= bound


_CHECKS = {
    "in_": lambda actual, options: any(_same(actual, o) for o in options),
    "not_in": lambda actual, options: not any(_same(actual, o) for o in options),
    "has": lambda actual, expected: isinstance(actual, list) and any(_same(a, expected)
                                                                     for a in actual),
    "eq": _same,
    "ne": lambda actual, expected: not _same(actual, expected),
    "gte": _at_least,
    "lte": _at_most,
}


def resolve(facts: dict[str, Any], path: str) -> Any:
    """The value at a dotted path such as `context.cabin_class`; None when any step is missing."""
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class FieldTest(BaseModel):
    """Operators on one field, all of which must hold. Shorthand: a scalar means `eq`, a list
    means `in`. A missing field fails every test except `exists: false`, so eligibility is never
    granted on data the case does not have."""

    model_config = ConfigDict(extra="forbid")

    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    has: Scalar | None = None  # the field is a list holding this value (assessment.facts.wants)
    eq: Scalar | None = None
    ne: Scalar | None = None
    gte: Finite | None = None
    lte: Finite | None = None
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"in": data}
        if data is None:
            raise ValueError("needs a value or an operator")
        if not isinstance(data, dict):
            return {"eq": data}
        unknown = sorted(str(key) for key in data if key not in OPERATORS)
        if unknown:
            raise ValueError(f"unknown operator {unknown[0]!r}; use one of {', '.join(OPERATORS)}")
        return data

    @model_validator(mode="after")
    def _has_operator(self) -> FieldTest:
        if all(getattr(self, name) is None for name in (*_CHECKS, "exists")):
            raise ValueError(f"needs an operator: one of {', '.join(OPERATORS)}")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        scalar = {"type": ["string", "number", "boolean"]}
        return {"anyOf": [scalar, {"type": "array", "items": scalar}, handler(core_schema)]}

    def holds(self, value: Any) -> bool:
        if value is None:
            return self.exists is False and all(getattr(self, n) is None for n in _CHECKS)
        if self.exists is False:
            return False
        return all(
            check(value, operand)
            for name, check in _CHECKS.items()
            if (operand := getattr(self, name)) is not None
        )

    def describe(self, path: str) -> str:
        names = {"in_": "in", "eq": "=", "ne": "!=", "gte": ">=", "lte": "<=", "not_in": "not in",
                 "has": "has"}
        parts = [f"{path} {names[n]} {_show(getattr(self, n))}" for n in names
                 if getattr(self, n) is not None]
        if self.exists is not None:
            parts.append(f"{path} {'exists' if self.exists else 'is missing'}")
        return " and ".join(parts)


def _show(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


class Condition(BaseModel):
    """Eligibility: tests on dotted fields (`customer.tier: [silver, gold]`), plus `any:` and
    `all:` lists of nested conditions. Everything written must hold."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, FieldTest] = Field(init=False)

    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> Condition:
        for path in self.tests:
            if not FIELD_PATH.match(path):
                raise ValueError(f"unknown condition field {path!r}: write a dotted path under "
                                 "customer., context. or assessment.")
        if not (self.tests or self.any_ or self.all_):
            raise ValueError("empty condition")
        return self

    @property
    def tests(self) -> dict[str, FieldTest]:
        return self.__pydantic_extra__ or {}

    def holds(self, facts: dict[str, Any]) -> bool:
        return (
            all(test.holds(resolve(facts, path)) for path, test in self.tests.items())
            and (self.any_ is None or any(c.holds(facts) for c in self.any_))
            and (self.all_ is None or all(c.holds(facts) for c in self.all_))
        )

    def describe(self) -> str:
        parts = [test.describe(path) for path, test in self.tests.items()]
        if self.any_:
            parts.append("any of (" + "; ".join(c.describe() for c in self.any_) + ")")
        if self.all_:
            parts.append("all of (" + "; ".join(c.describe() for c in self.all_) + ")")
        return " and ".join(parts)


class PerUnit(BaseModel):
    """An amount per unit (passenger, night), the count read from a context field."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount
    unit: str = Field(pattern=r"^context(\.[A-Za-z0-9_]+)+$")
    default: Annotated[int, Strict()] = Field(default=1, ge=0, le=MAX_UNITS)

    def units(self, context: dict[str, Any]) -> int:
        """Whole units from the context; missing or absurd values give `default`."""
        number = finite(resolve({"context": context}, self.unit))
        if number is None or number < 0:
            return self.default
        return min(math.floor(number), MAX_UNITS)


@dataclass(frozen=True)
class Money:
    """The currency a remedy is paid in: base amounts times `rate`, rounded to `decimals`."""

    currency: str
    rate: float = 1.0
    decimals: int = 2
    base: str = ""  # the policy currency the rate converts from

    def convert(self, base_amount: float) -> float:
        return base_amount * self.rate

    def round(self, value: float) -> float:
        return float(round(value, self.decimals))

    def show(self, value: float) -> str:
        """For the English of `coach policy show`; what agents read goes through `sum`."""
        return money(value, self.currency, "en", self.decimals)

    def sum(self, value: float) -> Sum:
        """`value` to be written in the reader's language when it is shown (`i18n.money`)."""
        return Sum(amount=value, currency=self.currency, decimals=self.decimals)


class Approval(BaseModel):
    """When a supervisor must approve: an amount above `above`, a listed severity, or always."""

    model_config = ConfigDict(extra="forbid")

    above: Amount | None = None
    severities: list[Severity] = Field(default_factory=list)
    always: bool = False

    def needed(self, amount: float | None, severity: Severity, money: Money) -> bool:
        """`amount` is in the case currency, so the threshold is converted to it first."""
        over = (amount is not None and self.above is not None
                and amount > money.convert(self.above))
        return self.always or over or severity in self.severities

    def describe(self, money: Money) -> str:
        if self.always:
            return "always"
        above = None if self.above is None else money.convert(self.above)
        parts = [f"above {money.show(above)}"] if above is not None else []
        if self.severities:
            parts.append("when " + "/".join(s.value for s in self.severities))
        return " or ".join(parts) or "never"


class CurrencyRate(BaseModel):
    """What one unit of the policy's base currency is worth in another currency, and how many
    decimals its amounts keep (2 for cents, 0 for rials). Shorthand: a bare number is the rate."""

    model_config = ConfigDict(extra="forbid")

    rate: Annotated[float, Strict(), Field(gt=0, le=MAX_RATE, allow_inf_nan=False)]
    decimals: Annotated[int, Strict(), Field(ge=0, le=3)] = 2

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"rate": data}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        rate = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE}
        return {"anyOf": [rate, handler(core_schema)]}

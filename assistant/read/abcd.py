"""The ABCD dataset's dialogues (ASAPP, MIT) as transcripts: `action` lines become context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.read.transcript_checks import FieldProblem, is_number, mapping


def is_abcd(raw: dict[str, Any]) -> bool:
    return "original" in raw and ("convo_id" in raw or "scenario" in raw) and "turns" not in raw


def from_abcd(raw: dict[str, Any], role_of: Callable[[str], str | None]) -> dict[str, Any]:
    """An ABCD dialogue (ASAPP, MIT) as a transcript; `action` lines go to context['actions']."""
    scenario = mapping(raw.get("scenario"), "scenario")
    personal = mapping(scenario.get("personal"), "scenario.personal")
    product = mapping(scenario.get("product"), "scenario.product")
    turns, actions = _abcd_turns(raw["original"], role_of)
    context: dict[str, Any] = {"source": "abcd", "flow": scenario.get("flow"),
                               "subflow": scenario.get("subflow")}
    amounts = product.get("amounts") or []
    if not isinstance(amounts, list) or not all(is_number(a) for a in amounts):
        raise FieldProblem("scenario.product.amounts", "expected a list of numbers")
    names = product.get("names") or []
    if amounts:
        context.update(order_value=float(sum(amounts)), currency="USD")
    if isinstance(names, list) and names:
        context.update(products=names, product=", ".join(map(str, names)))
    if actions:
        context["actions"] = actions
    name = personal.get("customer_name")
    return {
        "id": f"abcd-{raw.get('convo_id', 'unknown')}",
        "channel": "chat",
        "language": "en",
        "customer": {"name": name.title() if isinstance(name, str) else name,
                     "tier": personal.get("member_level")},
        "context": {k: v for k, v in context.items() if v is not None},
        "turns": turns,
    }


Rows = list[dict[str, Any]]


def _abcd_turns(original: object, role_of: Callable[[str], str | None]) -> tuple[Rows, Rows]:
    if not isinstance(original, list):
        raise FieldProblem("original", "expected a list of [speaker, text] pairs")
    turns: Rows = []
    actions: Rows = []
    for i, pair in enumerate(original):
        if not (isinstance(pair, list | tuple) and len(pair) == 2
                and all(isinstance(part, str) for part in pair)):
            raise FieldProblem(f"original.{i}", "expected a [speaker, text] pair of strings")
        speaker, text = pair
        if speaker == "action":
            actions.append({"position": len(turns), "text": text})
        elif text.strip():
            turns.append({"role": role_of(speaker) or speaker, "text": text})
    return turns, actions



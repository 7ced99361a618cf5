"""The compensation policy as people read it: an issue × severity table in a chosen currency
and its rules in words, in the agent's language (the Knowledge page)."""

from __future__ import annotations

from panel_words import KIND_LABELS

from assistant.i18n import _, label
from assistant.models import CompensationKind, Severity
from assistant.policy.engine import Policy, Remedy
from assistant.policy.terms import Money


def remedy_text(remedy: Remedy, paid_in: Money, lang: str) -> str:
    """"Account credit: 20% of order value, at most $75.00" in `lang`."""
    kind = _(KIND_LABELS.get(remedy.kind, remedy.kind.value), lang)
    if remedy.kind == CompensationKind.none:
        return kind
    text = _("{kind}: {amount}", lang, kind=kind, amount=remedy.formula_note(paid_in).render(lang))
    if remedy.cap is not None:
        text += _(", at most {cap}", lang, cap=paid_in.sum(paid_in.convert(remedy.cap)))
    if remedy.offer == "on_request":
        text += _(" (only when asked)", lang)
    return text


def policy_matrix(policy: Policy, currency: str, lang: str) -> list[dict[str, str]]:
    """The policy's matrix as a table people read: one row per issue, one column per severity,
    each cell the remedy in `currency`."""
    paid_in = policy.money_in(currency)
    rows = []
    for issue, cells in policy.matrix.items():
        row = {_("Issue", lang): label(issue, lang)}
        for severity in Severity:
            remedy = cells.get(severity)
            row[label(severity, lang)] = remedy_text(remedy, paid_in, lang) if remedy else "—"
        rows.append(row)
    return rows


def rule_lines(policy: Policy, currency: str, lang: str) -> list[str]:
    """The rules tried before the matrix, one sentence each, in the order they are tried."""
    paid_in = policy.money_in(currency)
    lines = []
    for rule in policy.rules:
        issues = ", ".join(label(i, lang) for i in rule.issue_types) or _("any issue", lang)
        levels = ", ".join(label(s, lang) for s in rule.severities) or _("any severity", lang)
        line = _("{rule} — {issues} · {levels}: {remedy}", lang, rule=rule.id, issues=issues,
                 levels=levels, remedy=remedy_text(rule, paid_in, lang))
        if rule.when:
            line += _(" · only if {conditions}", lang, conditions=rule.when.describe())
        lines.append(line)
    return lines

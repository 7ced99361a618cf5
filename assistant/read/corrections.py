"""The agent's corrections to what the reader understood (the panel's case-facts strip).

They live in the transcript's context under `corrections` ({"issue_type": ..., "severity": ...}),
so they travel with the conversation, change the policy's decision like any other fact, and are
kept with every suggestion made from them: labelled examples for the reader.
"""

from __future__ import annotations

from typing import Any

from assistant.models import Assessment, IssueScore, IssueType, Severity

CORRECTABLE = ("issue_type", "severity")


def corrections(context: dict[str, Any]) -> dict[str, str]:
    """The valid corrections in a transcript's context; anything else there is ignored."""
    raw = context.get("corrections")
    if not isinstance(raw, dict):
        return {}
    valid = {"issue_type": set(IssueType), "severity": set(Severity)}
    return {name: str(raw[name]) for name in CORRECTABLE
            if name in raw and str(raw[name]) in valid[name]}


def corrected(assessment: Assessment, context: dict[str, Any]) -> Assessment:
    """The assessment with the agent's corrections applied (the agent outranks the reader)."""
    fixes = corrections(context)
    if not fixes:
        return assessment
    update: dict[str, Any] = {}
    if "severity" in fixes:
        update["severity"] = Severity(fixes["severity"])
    if "issue_type" in fixes:
        issue = IssueType(fixes["issue_type"])
        others = [r for r in assessment.issue_types if r.type != issue]
        update["issue_type"], update["confidence"] = issue, 1.0
        update["issue_types"] = [IssueScore(type=issue, confidence=1.0), *others]
    return assessment.model_copy(update=update)

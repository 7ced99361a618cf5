"""What the coach decided about a conversation before any reply is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.knowledge.practices import Practice
from assistant.models import Assessment, Compensation, CompensationKind, Stage, Step, Transcript


@dataclass
class Moment:
    """Everything decided about the conversation before any reply is written."""

    transcript: Transcript
    assessment: Assessment
    compensation: Compensation
    stage: Stage
    practices: list[Practice]
    documents: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _remedy_due(assessment: Assessment, compensation: Compensation | None) -> bool:
    if compensation is None:
        return assessment.company_at_fault is True
    has_remedy = compensation.kind != CompensationKind.none or bool(compensation.gesture)
    return compensation.offer_now and has_remedy


def plan_stage(assessment: Assessment, compensation: Compensation | None = None) -> Stage:
    """The stage the next reply should reach, from the recovery steps already done."""
    steps = set(assessment.steps_done)
    owes_apology = assessment.company_at_fault is not False
    if assessment.wants_to_be_heard and not assessment.asked_for_compensation:
        if not {Step.acknowledged, Step.asked} <= steps:
            return Stage.listen
        if owes_apology and Step.apologized not in steps:
            return Stage.apologize
        return Stage.assure if Step.assured not in steps else Stage.follow_up
    if Step.acknowledged not in steps:
        return Stage.apologize if owes_apology else Stage.acknowledge
    if owes_apology and Step.apologized not in steps:
        return Stage.apologize
    if not assessment.cause_known and Step.asked not in steps:
        return Stage.diagnose
    if assessment.cause_known and Step.explained not in steps:
        return Stage.explain
    if Step.offered not in steps and _remedy_due(assessment, compensation):
        return Stage.compensate
    if not owes_apology and Step.next_step not in steps:
        return Stage.resolve
    return Stage.assure if Step.assured not in steps else Stage.follow_up


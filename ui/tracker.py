"""The recovery tracker: which stage of the recovery is done, next, skipped or not needed, read
from the conversation as it is now (an agent's message counts at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.coach import Coach
from assistant.i18n import N_
from assistant.models import Assessment, Compensation, CompensationKind, Stage, Step, Transcript
from assistant.moment import plan_stage
from assistant.store.database import StoredSuggestion

TRACKER: tuple[tuple[Stage, Step | None, str], ...] = (
    (Stage.listen, None, N_("Listen")),
    (Stage.acknowledge, Step.acknowledged, N_("Acknowledge")),
    (Stage.apologize, Step.apologized, N_("Apologize")),
    (Stage.diagnose, Step.asked, N_("Ask why")),
    (Stage.explain, Step.explained, N_("Explain")),
    (Stage.compensate, Step.offered, N_("Compensate")),
    (Stage.assure, Step.assured, N_("Assure")),
    (Stage.follow_up, Step.next_step, N_("Follow up")),
)
# Planner stages that have no chip of their own point at the nearest one.
_TRACKED_AS = {Stage.respond: Stage.listen, Stage.resolve: Stage.compensate,
               Stage.learn: Stage.follow_up}

Status = Literal["done", "next", "skipped", "todo", "not_needed"]
STATUS_ICONS: dict[Status, str] = {"done": "✓", "next": "→", "skipped": "!", "todo": "·",
                                   "not_needed": "–"}


@dataclass(frozen=True)
class TrackerStage:
    stage: Stage
    label: str
    status: Status

    @property
    def icon(self) -> str:
        return STATUS_ICONS[self.status]


def _stage_done(step: Step | None, done: set[Step]) -> bool:
    return bool(done) if step is None else step in done  # listening is done once they answered


def tracker_now(coach: Coach, transcript: Transcript, shown: StoredSuggestion
                ) -> list[TrackerStage]:
    """The tracker of the conversation as it is now: a message added after the suggestion (the
    agent's apology, say) counts at once, not at the next suggestion."""
    suggestion = shown.suggestion
    if len(transcript.turns) == shown.turn_count or not transcript.customer_turns():
        return recovery_tracker(suggestion.assessment, suggestion.stage, suggestion.compensation)
    assessment = coach.read(transcript)
    compensation = coach.policy.decide(transcript, assessment)
    return recovery_tracker(assessment, plan_stage(assessment, compensation), compensation)


def recovery_tracker(assessment: Assessment, next_stage: Stage | None = None,
                     compensation: Compensation | None = None) -> list[TrackerStage]:
    """Each recovery stage as done, next, skipped (a later one was done first) or still to do."""
    done = set(assessment.steps_done)
    flags = [_stage_done(step, done) for _, step, _ in TRACKER]
    last_done = max((i for i, f in enumerate(flags) if f), default=-1)
    planned = next_stage or plan_stage(assessment, compensation)
    planned = _TRACKED_AS.get(planned, planned)
    order = [stage for stage, _, _ in TRACKER]
    start = order.index(planned) if planned in order else last_done + 1
    not_needed = _not_needed(assessment, compensation)
    upcoming = next((i for i in range(start, len(order))
                     if not flags[i] and order[i] not in not_needed), None)
    stages = []
    for i, (stage, _step, name) in enumerate(TRACKER):
        status: Status = "todo"
        if flags[i]:
            status = "done"
        elif i == upcoming:
            status = "next"
        elif stage in not_needed:
            status = "not_needed"
        elif i < last_done and not (stage == Stage.explain and not assessment.cause_known):
            status = "skipped"  # (nobody can explain a cause that is not known yet)
        stages.append(TrackerStage(stage, name, status))
    return stages


def _not_needed(assessment: Assessment, compensation: Compensation | None) -> set[Stage]:
    """Stages this case can do without: asking when the cause is known, an offer of nothing."""
    stages = {Stage.diagnose} if assessment.cause_known else set()
    if compensation is not None and compensation.kind == CompensationKind.none:
        stages.add(Stage.compensate)
    return stages

"""The wrap-up note: what the complaint was, what was offered and what happens next, in one note.

Agents write this after every complaint for whoever picks the case up later; the coach already
knows each part (assessment, the policy's offer, the recovery stage still to do), so it drafts
the note and the agent only corrects it. `offer_terms` is also the offer's short form in a
helpdesk note.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    Stage,
    Suggestion,
    Transcript,
)

_NEXT = {  # the stage the coach plans next, as an instruction for whoever takes the case on
    Stage.respond: "answer the customer's message",
    Stage.listen: "let the customer finish and restate the problem in their words",
    Stage.acknowledge: "acknowledge the specific problem",
    Stage.apologize: "apologize formally and take ownership",
    Stage.diagnose: "ask what happened to find the real cause",
    Stage.explain: "explain the cause and what changes so it does not recur",
    Stage.resolve: "fix the problem itself",
    Stage.compensate: "make the offer",
    Stage.assure: "assure the customer it will not happen again",
    Stage.follow_up: "confirm the next step and follow up when it is done",
    Stage.learn: "pass the cause on so it is fixed for everyone",
}


class _Suggests(Protocol):
    def suggest(self, transcript: Transcript, *, backend: str | None = None) -> Suggestion: ...


class WrapUp(BaseModel):
    """The note (English; quoted words stay in the conversation's language) and its parts."""

    id: str
    language: str
    assessment: Assessment
    offer: Compensation
    next_step: str
    note: str


def offer_terms(offer: Compensation) -> list[str]:
    """The offer in a few words: kind and amount, rule, approval, timing."""
    headline = offer.kind.value.replace("_", " ")
    if offer.amount is not None:
        headline += f" {offer.amount:,.2f} {offer.currency or ''}".rstrip()
    terms = [headline, f"rule {offer.policy_id}"]
    if offer.requires_approval:
        terms.append("needs supervisor approval")
    if not offer.offer_now and offer.kind != CompensationKind.none:
        terms.append("only if the customer asks")
    return terms


def wrap_up(transcript: Transcript, coach: _Suggests) -> WrapUp:
    """Assessment, offer and next step of `transcript` as one wrap-up note."""
    suggestion = coach.suggest(transcript)
    a, offer = suggestion.assessment, suggestion.compensation
    next_step = _NEXT.get(suggestion.stage, "close the case") if suggestion.stage else \
        "close the case"
    return WrapUp(id=transcript.id, language=suggestion.language, assessment=a, offer=offer,
                  next_step=next_step, note=_note(a, offer, next_step))


def _note(a: Assessment, offer: Compensation, next_step: str) -> str:
    fault = {True: "yes", False: "no", None: "unknown"}[a.company_at_fault]
    risks = f"; risks: {', '.join(r.value for r in a.risks)}" if a.risks else ""
    gesture = f" Gesture: {offer.gesture}" if offer.gesture else ""
    lines = [
        f"Complaint: {a.issue_type.value.replace('_', ' ')}, severity {a.severity.value}, "
        f"company at fault: {fault}.",
        f"Customer: {a.emotion.value}{risks}.",
        f"Done so far: {', '.join(s.value for s in a.steps_done) or 'nothing yet'}.",
        f"Offer: {', '.join(offer_terms(offer))}.{gesture}",
        f"Next step: {next_step}.",
    ]
    if a.problem_summary:
        lines.insert(1, f"In the customer's words: {a.problem_summary}")
    return "\n".join(lines)

"""The wrap-up note: what the complaint was, what was offered and what happens next, in one note.

Agents write this after every complaint for whoever picks the case up later; the coach already
knows each part (assessment, the policy's offer, the recovery stage still to do), so it drafts
the note and the agent only corrects it.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from assistant.models import Assessment, Compensation, Suggestion, Transcript
from assistant.panel import offer_view, recovery_tracker

_NEXT = {  # the tracker's next stage as an instruction for whoever takes the case on
    "listen": "let the customer finish and restate the problem in their words",
    "acknowledge": "acknowledge the specific problem",
    "apologize": "apologize formally and take ownership",
    "diagnose": "ask what happened to find the real cause",
    "explain": "explain the cause and what changes so it does not recur",
    "compensate": "make the offer below",
    "assure": "assure the customer it will not happen again",
    "follow_up": "confirm the next step and follow up when it is done",
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


def wrap_up(transcript: Transcript, coach: _Suggests) -> WrapUp:
    """Assessment, offer and next step of `transcript` as one wrap-up note."""
    suggestion = coach.suggest(transcript)
    a, offer = suggestion.assessment, suggestion.compensation
    tracker = recovery_tracker(a, suggestion.stage, offer)
    upcoming = next((s.stage.value for s in tracker if s.status == "next"), None)
    next_step = _NEXT.get(upcoming or "", "close the case: every recovery step is done")
    return WrapUp(id=transcript.id, language=suggestion.language, assessment=a, offer=offer,
                  next_step=next_step, note=_note(a, offer, next_step, tracker))


def _note(a: Assessment, offer: Compensation, next_step: str, tracker: list) -> str:
    fault = {True: "yes", False: "no", None: "unknown"}[a.company_at_fault]
    view = offer_view(offer)
    offer_line = f"Offer: {view.headline} (rule {view.rule})"
    if view.needs_approval:
        offer_line += ", needs supervisor approval"
    if view.hold_back:
        offer_line += ", only if the customer asks"
    done = [s.label for s in tracker if s.status == "done"]
    lines = [
        f"Complaint: {a.issue_type.value.replace('_', ' ')}, severity {a.severity.value}, "
        f"company at fault: {fault}.",
        f"Customer: {a.emotion.value}" + (f"; risks: {', '.join(r.value for r in a.risks)}"
                                          if a.risks else "") + ".",
        f"Done so far: {', '.join(done) or 'nothing yet'}.",
        offer_line + "." + (f" Gesture: {offer.gesture}" if offer.gesture else ""),
        f"Next step: {next_step}.",
    ]
    if a.problem_summary:
        lines.insert(1, f"In the customer's words: {a.problem_summary}")
    return "\n".join(lines)

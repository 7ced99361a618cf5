"""The wrap-up note: what the complaint was, what was offered and what happens next, in one note.

Agents write this after every complaint for whoever picks the case up later; the coach already
knows each part (assessment, the policy's offer, the recovery stage still to do), so it drafts
the note and the agent only corrects it. The note is kept in English (for the CRM) and in the
conversation's language; `offer_terms` is also the offer's short form in a helpdesk note.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from assistant.i18n import N_, _, label, money
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    Stage,
    Suggestion,
    Transcript,
)

_NEXT = {  # the stage the coach plans next, as an instruction for whoever takes the case on
    Stage.respond: N_("answer the customer's message"),
    Stage.listen: N_("let the customer finish and restate the problem in their words"),
    Stage.acknowledge: N_("acknowledge the specific problem"),
    Stage.apologize: N_("apologize formally and take ownership"),
    Stage.diagnose: N_("ask what happened to find the real cause"),
    Stage.explain: N_("explain the cause and what changes so it does not recur"),
    Stage.resolve: N_("fix the problem itself"),
    Stage.compensate: N_("make the offer"),
    Stage.assure: N_("assure the customer it will not happen again"),
    Stage.follow_up: N_("confirm the next step and follow up when it is done"),
    Stage.learn: N_("pass the cause on so it is fixed for everyone"),
}
_CLOSE = N_("close the case")
_FAULT = {True: N_("yes"), False: N_("no"), None: N_("unknown")}
_VERDICTS = {"used": N_("sent as suggested"), "edited": N_("sent after editing"),
             "rejected": N_("rejected by the agent")}


class _Suggests(Protocol):
    def suggest(self, transcript: Transcript, *, backend: str | None = None) -> Suggestion: ...


class WrapUp(BaseModel):
    """The note in English (`note`) and in the conversation's language (`local_note`, the same
    for English); quoted words stay as the customer wrote them."""

    id: str
    language: str
    assessment: Assessment
    offer: Compensation
    next_step: str
    note: str
    local_note: str = ""

    def with_verdict(self, verdict: str | None) -> WrapUp:
        """The notes with what the agent did with the last suggested reply."""
        def line(lang: str) -> str:
            return _("Last suggested reply: {what}. Conversation language: {language}.", lang,
                     what=_(_VERDICTS.get(verdict or "", N_("no verdict given")), lang),
                     language=label(self.language, lang))
        return self.model_copy(update={"note": f"{self.note}\n{line('en')}",
                                       "local_note": f"{self.local_note}\n{line(self.language)}"})


def offer_terms(offer: Compensation, lang: str = "en") -> list[str]:
    """The offer in a few words: kind and amount, rule, approval, timing."""
    headline = label(offer.kind, lang)
    if offer.amount is not None:
        headline += " " + money(offer.amount, offer.currency, lang)
    terms = [headline, _("rule {rule}", lang, rule=offer.policy_id)]
    if offer.requires_approval:
        terms.append(_("needs supervisor approval", lang))
    if not offer.offer_now and offer.kind != CompensationKind.none:
        terms.append(_("only if the customer asks", lang))
    return terms


def wrap_up(transcript: Transcript, coach: _Suggests) -> WrapUp:
    """Assessment, offer and next step of `transcript` as one wrap-up note."""
    suggestion = coach.suggest(transcript)
    a, offer = suggestion.assessment, suggestion.compensation
    step = _NEXT.get(suggestion.stage, _CLOSE) if suggestion.stage else _CLOSE
    return WrapUp(id=transcript.id, language=suggestion.language, assessment=a, offer=offer,
                  next_step=step, note=_note(a, offer, step, "en"),
                  local_note=_note(a, offer, step, suggestion.language))


def _note(a: Assessment, offer: Compensation, next_step: str, lang: str) -> str:
    comma = _(", ", lang)
    risks = (_("; risks: {risks}", lang, risks=comma.join(label(r, lang) for r in a.risks))
             if a.risks else "")
    done = comma.join(label(s, lang) for s in a.steps_done) or _("nothing yet", lang)
    gesture = " " + _("Gesture: {gesture}", lang, gesture=offer.gesture) if offer.gesture else ""
    lines = [
        _("Complaint: {issue}, severity {severity}, company at fault: {fault}.", lang,
          issue=label(a.issue_type, lang), severity=label(a.severity, lang),
          fault=_(_FAULT[a.company_at_fault], lang)),
        _("Customer: {emotion}{risks}.", lang, emotion=label(a.emotion, lang), risks=risks),
        _("Done so far: {steps}.", lang, steps=done),
        _("Offer: {terms}.", lang, terms=comma.join(offer_terms(offer, lang))) + gesture,
        _("Next step: {step}.", lang, step=_(next_step, lang)),
    ]
    if a.problem_summary:
        lines.insert(1, _("In the customer's words: {summary}", lang, summary=a.problem_summary))
    return "\n".join(lines)

"""'Check my draft': warn an agent before they send something that makes the complaint worse.

The draft is checked by the same critic as every suggestion and replay turn
(assistant.critic.findings), quoting the exact words, and the coach's own suggestion for the
conversation is offered as the rewrite. Whatever the draft offers is held against the
compensation policy (assistant.critic.breaches) before it is sent, the same check trainer
replay makes afterwards.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from assistant.critic.breaches import Allowance, PolicyBreach, check_offers
from assistant.critic.findings import apology_missing, harmful
from assistant.errors import InputError
from assistant.i18n import N_, _, quoted
from assistant.models import MAX_TURN_CHARS, Language, PhraseHit, Suggestion, Transcript
from assistant.policy.engine import Policy
from assistant.read.language import detect_language
from assistant.read.lexicon import CompiledLexicon
from assistant.read.offers import get_offer_lexicon, read_offers
from assistant.read.signals import Doc

_WHAT = {
    "minimize": N_("Minimizes the problem"),
    "excuse": N_("Makes an excuse"),
    "blame": N_("Blames the customer"),
}


class _Suggests(Protocol):
    policy: Policy

    def suggest(self, transcript: Transcript, *, backend: str | None = None) -> Suggestion: ...


class DraftCheck(BaseModel):
    """What is wrong with a draft reply, and what to send instead."""

    draft: str
    language: Language
    issues: list[PhraseHit] = Field(default_factory=list)
    missing_apology: bool = False
    breaches: list[PolicyBreach] = Field(default_factory=list)
    rewrite: str | None = None

    @property
    def ok(self) -> bool:
        return not self.issues and not self.missing_apology and not self.breaches

    def findings(self, lang: str = "en") -> list[str]:
        """One sentence per problem in the agent's language (`lang`), quoting the draft's own
        words in the draft's language, isolated for bidirectional text."""
        lines = [_("{what}: {quote}", lang, what=_(_WHAT[hit.criterion], lang),
                   quote=quoted(hit.quote, lang)) for hit in self.issues]
        if self.missing_apology:
            lines.append(_("No apology: the customer has not yet heard a formal apology, and the "
                           "company may be at fault. Say sorry and take ownership.", lang))
        lines += [_("Outside the compensation policy: {reason}: {quote}", lang, reason=b.say(lang),
                    quote=quoted(b.quote, lang)) for b in self.breaches]
        return lines


def check_draft(draft: str, transcript: Transcript, coach: _Suggests, *,
                suggestion: Suggestion | None = None,
                lexicon: CompiledLexicon | None = None) -> DraftCheck:
    """Check `draft` as the agent's next message in `transcript`.

    `suggestion` is the coach's current suggestion for this conversation when the caller already
    has one (it becomes the rewrite); otherwise the coach is asked.
    """
    draft = draft.strip()
    if not draft:
        raise InputError("The draft is empty: paste the reply you are about to send.")
    if len(draft) > MAX_TURN_CHARS:
        raise InputError(f"The draft is {len(draft):,} characters; the limit is "
                         f"{MAX_TURN_CHARS:,}.")
    lang = detect_language(draft)
    if suggestion is None and transcript.customer_turns():
        suggestion = coach.suggest(transcript)
    doc = Doc(draft, lang, lexicon)
    return DraftCheck(draft=draft, language=lang, issues=[f.hit() for f in harmful(doc)],
                      missing_apology=_apology_missing(doc, suggestion),
                      breaches=_breaches(doc, transcript, coach.policy, suggestion),
                      rewrite=suggestion.reply if suggestion else None)


def _breaches(draft: Doc, transcript: Transcript, policy: Policy,
              suggestion: Suggestion | None) -> list[PolicyBreach]:
    """What the draft offers beyond the policy's decision for the conversation so far."""
    offers = read_offers(draft.text, draft.lang,
                         lexicon=get_offer_lexicon(signals=draft.lexicon))
    if not offers or suggestion is None:
        return []
    allowance = Allowance.decide(policy, transcript, suggestion.assessment,
                                 suggestion.compensation)
    return check_offers(offers, allowance)


def _apology_missing(doc: Doc, suggestion: Suggestion | None) -> bool:
    """Missing when there is a complaint, the company may be at fault, and nobody said sorry:
    a company not known to be blameless is owed an apology from the agent."""
    if suggestion is None or suggestion.assessment.company_at_fault is False:
        return False
    owed = suggestion.assessment.model_copy(update={"company_at_fault": True})
    return bool(apology_missing(doc, owed))

"""One rubric for any agent reply, practice by practice (contract §4 criterion names).

Trainer replay and evaluation runs score replies with this same module, so "good" means the same
thing everywhere. A criterion is only scored when it applies at that moment of the conversation
(no apology is due when the customer is at fault, no question once the cause is known), and
every score comes with a one-line reason a trainee can act on.
"""

from __future__ import annotations

from datetime import datetime
from statistics import fmean

from pydantic import BaseModel, Field

from assistant.critic.breaches import Allowance, PolicyBreach, check_offers
from assistant.critic.findings import harmful
from assistant.i18n import LABELS, N_, Note, Sum, _, label, note
from assistant.models import (
    MAX_TURN_CHARS,
    Assessment,
    Compensation,
    CompensationKind,
    IssueType,
    PhraseHit,
    Role,
    Step,
    Transcript,
)
from assistant.read.assessment import assess, reply_steps
from assistant.read.lexicon import HARMFUL, CompiledLexicon, get_lexicon
from assistant.read.offers import get_offer_lexicon, read_offers
from assistant.read.signals import Doc, cached_doc, issue_hits
from assistant.read.textnorm import tokenize

CRITERIA: tuple[str, ...] = (
    "acknowledge", "apologize", "minimize", "excuse", "blame", "ask", "explain",
    "restitution", "assure", "next_step", "timeliness",
)
PASS = 0.75
HARM_VERB = {"minimize": N_("minimized the problem"), "excuse": N_("made excuses"),
             "blame": N_("blamed the customer")}
_DID_NOT = {"minimize": N_("did not minimize"), "excuse": N_("did not excuse"),
            "blame": N_("did not blame")}
_CONTENT_WORD = 5  # shorter shared tokens are mostly function words ("your", "that", "with")

# Seconds to the reply: (good up to, too late from), per channel. Seed 001: a customer who is
# ignored for a minute and a half walks out; email and social posts are read in hours, not minutes.
RESPONSE_TIME_S: dict[str, tuple[float, float]] = {
    "chat": (60, 600),
    "phone": (30, 180),
    "social": (3600, 6 * 3600),
    "email": (4 * 3600, 24 * 3600),
}
# The order feedback picks the one thing to fix first: harm done, then what was owed.
_FIX_FIRST = ("minimize", "blame", "excuse", "restitution", "acknowledge", "apologize", "ask",
              "explain", "next_step", "assure", "timeliness")
_PRAISE_FIRST = ("apologize", "acknowledge", "ask", "explain", "restitution", "assure",
                 "next_step", "timeliness")


class RubricResult(BaseModel):
    """Scores in [0, 1] per applicable criterion, each with its reason and quoted evidence."""

    scores: dict[str, float] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    notes: dict[str, Note] = Field(default_factory=dict, exclude=True)
    issues: list[PhraseHit] = Field(default_factory=list)
    quotes: dict[str, list[str]] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    breaches: list[PolicyBreach] = Field(default_factory=list)
    overall: float = 0.0

    def failed(self) -> list[str]:
        """Criteria below the pass mark, most important first."""
        return [c for c in _FIX_FIRST if self.scores.get(c, 1.0) < PASS]


class _Scorer:
    """Holds what every criterion needs to know about the reply and the moment it was sent."""

    def __init__(self, reply: str, context: Transcript, assessment: Assessment,
                 compensation: Compensation | None, reply_ts: datetime | None,
                 allowance: Allowance | None = None,
                 lexicon: CompiledLexicon | None = None) -> None:
        self.reply, self.context, self.a = reply, context, assessment
        self.compensation, self.reply_ts = compensation, reply_ts
        if allowance is None and compensation is not None:
            allowance = Allowance.from_compensation(compensation)
        self.allowance = allowance
        # The agent's turn as the assessments of later turns read it (scanned once).
        self.doc = cached_doc(reply[:MAX_TURN_CHARS], assessment.language,
                              lexicon or get_lexicon())
        self.steps = reply_steps(self.doc)
        self.hits = [finding.hit() for finding in harmful(self.doc)]
        self.prior = set(assessment.steps_done)
        self.complaint = any(t.role == Role.customer for t in context.turns)
        self.result = RubricResult(issues=self.hits, steps=sorted(self.steps))

    def put(self, criterion: str, score: float, reason: Note | str,
            quotes: list[str] | None = None):
        """`reason` stays a Note (translated when shown); `reasons` keeps the English line."""
        reason = note(reason) if isinstance(reason, str) else reason
        self.result.scores[criterion] = round(min(max(score, 0.0), 1.0), 3)
        self.result.notes[criterion] = reason
        self.result.reasons[criterion] = reason.render("en")
        if quotes:
            self.result.quotes[criterion] = quotes

    def did(self, step: Step) -> bool:
        return step in self.steps

    def due(self, step: Step) -> bool:
        """A step is owed while the customer has complained and no agent turn has done it."""
        return self.complaint and step not in self.prior

    def run(self) -> RubricResult:
        for criterion in CRITERIA:
            if criterion in HARMFUL:
                self._harmful(criterion)
            else:
                getattr(self, f"_{criterion}")()
        self.result.overall = round(fmean(self.result.scores.values()), 3)
        return self.result

    def _harmful(self, criterion: str) -> None:
        """Minimizing, excuses and blame are never due: 1.0 unless the reply does them."""
        quotes = [h.quote for h in self.hits if h.criterion == criterion]
        if quotes:
            self.put(criterion, 0.0, note(N_("{harm}: {quotes}"), quotes,
                                          harm=note(HARM_VERB[criterion])), quotes)
        else:
            self.put(criterion, 1.0, _DID_NOT[criterion])

    def _acknowledge(self) -> None:
        if not self.due(Step.acknowledged):
            return
        if not self.did(Step.acknowledged):
            why = (N_("offered a remedy before acknowledging the problem")
                   if self.did(Step.offered) else N_("did not acknowledge the customer's problem"))
            self.put("acknowledge", 0.0, why)
        elif _names_problem(self.doc, self.context, self.a):
            self.put("acknowledge", 1.0, N_("acknowledged the customer's specific problem"))
        else:
            self.put("acknowledge", 0.5, N_("acknowledged, but not the specific problem — name it"))

    def _apologize(self) -> None:
        if self.a.company_at_fault is False or not self.due(Step.apologized):
            return
        if not self.did(Step.apologized):
            self.put("apologize", 0.0, N_("no apology, although the company is at fault")
                     if self.a.company_at_fault else
                     N_("no apology, although fault is still unclear"))
        elif self.hits:
            harm = {"minimize": N_("minimizing"), "excuse": N_("an excuse"), "blame": N_("blame")}
            self.put("apologize", 0.5, note(N_("apologized, then took the ownership back with "
                                               "{harm} in the same reply"),
                                            harm=note(harm[self.hits[0].criterion])))
        else:
            self.put("apologize", 1.0, N_("apologized formally and took ownership"))

    def _ask(self) -> None:
        """Asking is due only while what happened is unclear: a customer who has said it must
        not be asked again (issue #10)."""
        if self.a.cause_known or not self.due(Step.asked) or _told(self.a):
            return
        if self.did(Step.asked):
            self.put("ask", 1.0, N_("asked a question to find the real cause"))
        else:
            self.put("ask", 0.0, N_("the cause is still unknown — ask what happened"))

    def _explain(self) -> None:
        if not self.due(Step.explained) or not self.a.cause_known:
            return
        if self.did(Step.explained):
            self.put("explain", 1.0, N_("explained what caused the problem"))
        else:
            self.put("explain", 0.0, N_("the customer has answered your question — now "
                                        "explain what caused the problem"))

    def _restitution(self) -> None:
        comp = self.compensation
        offers = read_offers(self.doc.text, self.doc.lang,
                             lexicon=get_offer_lexicon(signals=self.doc.lexicon))
        breaches = check_offers(offers, self.allowance) if self.allowance and offers else []
        if breaches:
            self.result.breaches = breaches
            quotes = list(dict.fromkeys(b.quote for b in breaches))
            self.put("restitution", 0.0, note(N_("{breaches}"),
                                              breaches=[b.note or note(b.reason)
                                                        for b in breaches]), quotes)
            return
        owed = comp is not None and comp.kind != CompensationKind.none and comp.offer_now
        if self.did(Step.offered) or offers:
            if owed or any(o.names_money for o in offers):
                self.put("restitution", 1.0, N_("offered a tangible remedy within the policy"))
        elif owed and self.due(Step.offered) and self._remedy_time():
            self.put("restitution", 0.0, note(N_("no remedy offered; the policy allows: {remedy}"),
                                                remedy=_describe(comp)))

    def _remedy_time(self) -> bool:
        """Restitution is owed once the cause has been looked into, or as soon as the customer
        asks for it; before that, listening and asking come first (seed 003's order)."""
        looked_into = {Step.asked, Step.explained} & self.prior
        return bool(looked_into) or self.a.cause_known or self.a.asked_for_compensation

    def _assure(self) -> None:
        remedy = Step.offered in self.prior or self.did(Step.offered)
        if not remedy or self.a.company_at_fault is False or not self.due(Step.assured):
            return
        if self.did(Step.assured):
            self.put("assure", 1.0, N_("assured the customer it will not happen again"))
        else:
            self.put("assure", 0.0, N_("a remedy is on the table — say how it won't happen again"))

    def _next_step(self) -> None:
        promised = (self.prior | self.steps) & {Step.offered, Step.assured}
        if not promised or not self.due(Step.next_step):
            return
        if self.did(Step.next_step):
            self.put("next_step", 1.0, N_("gave a concrete next step and follow-up"))
        else:
            self.put("next_step", 0.0, N_("promised without a concrete next step — say who "
                                          "does what, and when"))

    def _timeliness(self) -> None:
        waited = _waited_s(self.context, self.reply_ts)
        if waited is None:
            return
        good, late = RESPONSE_TIME_S.get(self.context.channel, RESPONSE_TIME_S["chat"])
        score = 1.0 if waited <= good else max(0.0, (late - waited) / (late - good))
        verdict = N_("answered in time: after {waited} on {channel} (aim for {good})") \
            if score >= PASS else \
            N_("answered too slowly: after {waited} on {channel} (aim for {good})")
        self.put("timeliness", score, note(verdict, waited=_duration(waited),
                                           channel=note(LABELS.get(self.context.channel,
                                                              self.context.channel)),
                                           good=_duration(good)))



def score_reply(reply: str, context: Transcript, *, assessment: Assessment | None = None,
                compensation: Compensation | None = None, reply_ts: datetime | None = None,
                allowance: Allowance | None = None,
                lexicon: CompiledLexicon | None = None) -> RubricResult:
    """Score `reply` as the agent's next message after `context` (the turns before it).

    `compensation` is what the policy allows at that moment (the Coach's decision); without it
    restitution is only scored when the reply offers something. `allowance` adds the rule's cap
    and the order value (assistant.critic.breaches.Allowance.decide); every offer the reply makes is
    checked against it, or against `compensation` alone. `lexicon` is the coach's (its
    settings' knowledge folder, offers.yaml included); the shipped one by default.
    """
    assessment = assessment or assess(context, lexicon)
    return _Scorer(reply, context, assessment, compensation, reply_ts, allowance, lexicon).run()


def feedback(result: RubricResult, lang: str = "en") -> str:
    """One line for the trainee in their language (`lang`): the most important thing to fix, or
    what went right; quotes stay in the conversation's language."""
    failed = result.failed()
    if failed:
        first = failed[0]
        line = _("Fix {criterion}: {reason}", lang, criterion=label(first, lang),
                 reason=_reason(result, first, lang))
        return line + (_(" (+{count} more)", lang, count=len(failed) - 1) if len(failed) > 1
                       else "")
    for criterion in _PRAISE_FIRST:
        if result.scores.get(criterion) == 1.0:
            return _("Well done: {reason}", lang, reason=_reason(result, criterion, lang))
    return _("No harm done: nothing was owed at this point and nothing hurtful was said", lang)


def _reason(result: RubricResult, criterion: str, lang: str) -> str:
    found = result.notes.get(criterion)
    return found.render(lang) if found else result.reasons[criterion]


def _names_problem(reply: Doc, context: Transcript, assessment: Assessment) -> bool:
    """Does the reply name the problem: a content word the customer used, the product, or the
    issue itself in other words (the lexicon reads the same issue type in the reply)?"""
    words = {t for t in tokenize(reply.text) if len(t) >= _CONTENT_WORD}
    product = context.context.get("product")
    said = " ".join([t.text for t in context.customer_turns()] + [str(product or "")])
    if words & {t for t in tokenize(said) if len(t) >= _CONTENT_WORD}:
        return True
    return (assessment.acted_issue != IssueType.other
            and assessment.acted_issue in issue_hits(reply))


def _told(assessment: Assessment) -> bool:
    """The customer has said what happened: the harm is read and the issue is known."""
    return bool(assessment.harm) and assessment.acted_issue != IssueType.other


def _describe(comp: Compensation | None) -> Note:
    """The remedy in a few words: "refund of 40 USD", "replacement", "no money at this point"."""
    if comp is None or comp.kind == CompensationKind.none or not comp.offer_now:
        return note(N_("no money at this point"))
    kind = note(LABELS.get(comp.kind.value, comp.kind.value))
    if not comp.amount:
        return kind
    return note(N_("{kind} of {amount}"), kind=kind, amount=Sum(amount=comp.amount,
                                                                 currency=comp.currency))


def _waited_s(context: Transcript, reply_ts: datetime | None) -> float | None:
    """Seconds between the customer's last message and the reply, when both are stamped."""
    if reply_ts is None or not context.turns or context.turns[-1].role != Role.customer:
        return None
    asked_at = context.turns[-1].ts
    if asked_at is None or (asked_at.tzinfo is None) != (reply_ts.tzinfo is None):
        return None
    return max(0.0, (reply_ts - asked_at).total_seconds())


def _duration(seconds: float) -> Note:
    if seconds < 90:
        return note(N_("{n} s"), n=round(seconds))
    if seconds < 90 * 60:
        return note(N_("{n} min"), n=round(seconds / 60))
    return note(N_("{n} h"), n=round(seconds / 3600, 1))

"""The one critic: what is wrong with a reply, as typed findings.

The guards (every model-written and rules-written suggestion), Check my draft, the replay rubric
and the evaluators all judge replies with these functions, so "minimizes", "no apology" and
"names the wrong money" mean the same thing on every screen and in every report.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.models import Assessment, Compensation, CompensationKind, PhraseHit, Stage, Step
from assistant.read.assessment import reply_steps
from assistant.read.language import detect_language
from assistant.read.lexicon import HARMFUL, CompiledLexicon, get_lexicon
from assistant.read.money import money_reader, read_money
from assistant.read.signals import Doc, cached_doc, harmful_in

FindingKind = Literal["language", "minimize", "excuse", "blame", "no_apology", "money",
                      "no_amount", "leak"]
# Text that only shows up in a reply when a model repeats its instructions instead of answering
# the customer; the guards and the evaluators' safety check both look for it.
LEAK_MARKERS = ("<conversation", "</conversation", "complaint coach", "system prompt",
                "hard rules", "internal reference", "practice_ids", "my instructions",
                "as an ai language model")
_TOLERANCE = 0.005


class Finding(BaseModel):
    """One thing wrong with a reply: what kind, a sentence fit for a repair prompt or a trainee,
    and the reply's own words when there are some to quote."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    message: str
    quote: str = ""

    @property
    def harmful(self) -> bool:
        return self.kind in HARMFUL

    def hit(self) -> PhraseHit:
        """A harmful finding as the phrase hit the assessment and the UI show."""
        return PhraseHit(criterion=self.kind, quote=self.quote)


def harmful(doc: Doc) -> list[Finding]:
    """Minimizing, excuses and blame, each quoted in the writer's own words."""
    return [Finding(kind=hit.criterion, quote=hit.quote,
                    message=f"the reply {hit.criterion}s the problem: \"{hit.quote}\"")
            for hit in harmful_in(doc)]


def apology_missing(doc: Doc, assessment: Assessment) -> list[Finding]:
    """The company is (or may be) at fault and nobody has said sorry yet."""
    if not assessment.company_at_fault or Step.apologized in assessment.steps_done:
        return []
    if Step.apologized in reply_steps(doc):  # the lexicon's, or the reader's sure reading
        return []
    return [Finding(kind="no_apology",
                    message="the company is at fault: the reply must apologize and take "
                            "ownership")]


def stated_amounts(text: str, lexicon: CompiledLexicon | None = None) -> list[float]:
    """Every sum of money or percentage the text names (assistant.read.money)."""
    return [money.value for money in read_money(text, money_reader(lexicon))]


def money(reply: str, compensation: Compensation, lexicon: CompiledLexicon | None = None, *,
          offering: bool = True) -> list[Finding]:
    """The reply names no amount but the policy's, and names that one when the remedy is
    offered now; while the coach only listens (`offering` False) it need not name it yet."""
    amounts = stated_amounts(reply, lexicon)
    allowed = compensation.amount if compensation.offer_now else None
    if compensation.kind == CompensationKind.none or not compensation.offer_now:
        allowed = None
    wrong = [a for a in amounts if allowed is None or abs(a - allowed) > _TOLERANCE]
    found = []
    if wrong:
        expected = f"only {allowed:g} {compensation.currency}" if allowed else "no amount at all"
        found.append(Finding(kind="money", quote=", ".join(f"{a:g}" for a in wrong),
                             message=f"the reply mentions money "
                                     f"({', '.join(f'{a:g}' for a in wrong)}); "
                                     f"the policy allows {expected}"))
    if offering and allowed and not any(abs(a - allowed) <= _TOLERANCE for a in amounts):
        found.append(Finding(kind="no_amount",
                             message=f"the reply must state the remedy with its amount: "
                                     f"{allowed:g} {compensation.currency} "
                                     f"({compensation.kind.value})"))
    return found


def leaks(reply: str, guard_token: str | None) -> list[Finding]:
    """The reply repeats the coach's instructions (its guard token or prompt markers)."""
    lowered = reply.casefold()
    if (guard_token and guard_token.casefold() in lowered) or any(
            marker in lowered for marker in LEAK_MARKERS):
        return [Finding(kind="leak", message="the reply repeats the coach's instructions")]
    return []


def critique_reply(reply: str, assessment: Assessment, compensation: Compensation, *,
                   stage: Stage | None = None, guard_token: str | None = None,
                   lexicon: CompiledLexicon | None = None) -> list[Finding]:
    """Everything wrong with a suggested reply for the planned `stage`; an empty list means an
    agent may see it."""
    found = []
    language = detect_language(reply)
    if language != assessment.language:
        found.append(Finding(kind="language", message=f"the reply is in {language}; it must be "
                                                      f"in {assessment.language}"))
    doc = cached_doc(reply, assessment.language, lexicon or get_lexicon())  # replies repeat
    found += harmful(doc)
    found += apology_missing(doc, assessment)
    found += money(reply, compensation, lexicon, offering=stage != Stage.listen)
    return found + leaks(reply, guard_token)

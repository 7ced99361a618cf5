"""What every move of a reply needs, worked out once per reply: the conversation, the reading
and the policy's decision, and what follows from them (the tone, the harm in the customer's own
words, whether a product may still be in use, whether the offer is made now)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from assistant.compose.avoid import contains as _contains
from assistant.compose.durations import render_duration
from assistant.compose.phrasing import LanguagePhrasing, Phrasing, placeholders
from assistant.compose.voice import asks_or_demands, customer_words, is_question
from assistant.models import (
    Assessment,
    Compensation,
    Emotion,
    IssueType,
    Language,
    Risk,
    Stage,
    Step,
    Transcript,
)
from assistant.read.textnorm import normalize as _fold

LOUD_RISKS = frozenset({Risk.public_post, Risk.legal_threat})
_UPSET = frozenset({Emotion.angry, Emotion.furious})


@dataclass
class Context:
    """What every move needs, worked out once per reply."""

    transcript: Transcript
    a: Assessment
    comp: Compensation
    stage: Stage
    phrasing: Phrasing
    name: str | None
    product: str | None
    gesture: str | None
    steps: set[Step] = field(default_factory=set)
    quote_words: int | None = None  # a shorter quote, to leave the offer room

    @property
    def lang(self) -> Language:
        return self.a.language

    @property
    def words(self) -> LanguagePhrasing:
        return self.phrasing.words(self.lang)

    @property
    def first_reply(self) -> bool:
        return not self.transcript.agent_turns()

    @property
    def safety(self) -> bool:
        return self.a.safety or self.a.issue_type == IssueType.safety or Risk.safety in self.a.risks

    @cached_property
    def harm(self) -> str | None:
        """The customer's own words for what hurts, turned to address them (a question or a
        demand is quoted as written), kept short."""
        if not self.a.harm:
            return None
        said = customer_words(self.a.harm[0].text, self.words, self.transcript.channel,
                              self.lang, self.quote_words, as_written=self.harm_quoted)
        asked = self.harm_quoted and is_question(self.a.harm[0].text, self._after_harm)
        return said + "?" if said and asked and not said.endswith("…") else said

    @cached_property
    def harm_quoted(self) -> bool:
        """The English harm is a question or a demand: quoted in its own words, in quotes."""
        if self.lang != "en" or not self.a.harm:
            return False
        return asks_or_demands(self.a.harm[0].text, self._after_harm)

    @property
    def _after_harm(self) -> str:
        """What the customer wrote right after the quoted words."""
        span, turns = self.a.harm[0], self.transcript.turns
        return turns[span.turn].text[span.end:] if span.turn < len(turns) else ""

    @property
    def known(self) -> bool:
        """The customer has said what happened: no question about it."""
        return bool(self.a.harm) and (self.a.acted_issue != IssueType.other
                                      or sum(len(t.text.split())
                                             for t in self.transcript.customer_turns()) >= 12)

    @property
    def in_use(self) -> bool:
        """A product may still be in use (nobody ate it, threw it away or got hurt by it)."""
        customer = " ".join(_fold(t.text) for t in self.transcript.customer_turns())
        return self.a.product_in_question and not any(
            _contains(customer, _fold(cue)) for cue in self.words.safety.used_up)

    @property
    def leaving(self) -> bool:
        """They say they are leaving, and no reply has yet asked them to stay."""
        said = " ".join(_fold(t.text) for t in self.transcript.agent_turns())
        return Risk.churn in self.a.risks and not any(_contains(said, _fold(v))
                                                      for v in self.words.stay)

    @property
    def offering(self) -> bool:
        return (self.comp.offer_now and Step.offered not in self.steps
                and self.stage != Stage.listen)

    @property
    def upset(self) -> bool:
        return self.a.emotion in _UPSET or bool(LOUD_RISKS & set(self.a.risks))

    @cached_property
    def tone(self) -> str:
        if self.a.company_at_fault is False:
            return "not_at_fault"
        if self.upset:
            return "upset"
        worried = self.safety or self.a.acted_issue == IssueType.privacy
        return "worried" if worried or self.a.emotion == Emotion.worried else "default"

    @property
    def noun(self) -> str:
        return self.words.issues[self.a.acted_issue].noun

    @cached_property
    def problem(self) -> str:
        """The specific problem: noun phrase with the product and the wait when known."""
        issue = self.words.issues[self.a.acted_issue]
        values: dict[str, str] = {"product": self.product} if self.product else {}
        if issue.duration or issue.product_duration:
            customer = [t.text for t in self.transcript.customer_turns()]
            spec = self.words.durations
            if found := spec.reader.find(customer):
                phrase, adjective = render_duration(found, spec, self.words.digits)
                values["duration"], values["duration_adj"] = phrase, adjective
        for template in (issue.product_duration, issue.duration, issue.product, issue.noun):
            if template and placeholders(template) <= values.keys():
                return template.format(**values)
        return issue.noun

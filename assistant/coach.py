"""The coach: from a conversation so far to the next reply and a compensation offer.

Loading is done once (the resources the settings point at, the index, models); each suggestion
then runs assessment, policy, the stage plan, retrieval and a backend. Model-written replies that
fail their guards fall back to the deterministic composer, so a suggestion is never blank and
never breaks the policy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.backends import RULES, backend_label, get_backend
from assistant.compose.composer import compose_reply
from assistant.compose.extras import agent_actions, compose_alternatives
from assistant.critic.findings import critique_reply
from assistant.critic.meaning import meaning_problems
from assistant.errors import CoachError, ConfigError, InputError
from assistant.knowledge.index import build_index, open_collection
from assistant.knowledge.practices import Practice
from assistant.knowledge.retrieval import Hit, Retriever
from assistant.llm.breaker import BREAKER, CircuitOpen
from assistant.models import Assessment, PracticeRef, Role, Suggestion, Transcript
from assistant.moment import Moment, plan_stage
from assistant.policy.engine import Policy
from assistant.read.assessment import assess
from assistant.read.corrections import corrected
from assistant.resources import Resources
from assistant.settings import Settings

if TYPE_CHECKING:  # LangChain is imported only when a model backend is used
    from langchain_core.language_models import BaseChatModel

    from assistant.llm.writer import Draft, ReplyWriter

INJECTION_FLAG = "prompt_injection_suspected"
# The rules reply failed a guard: a bug in the composer or the guard, shown rather than hidden.
RULES_GUARD_FLAG = "rules_guard_problem"


class Coach:
    """Holds everything loaded once; `suggest` and `stream` are cheap per call."""

    def __init__(self, settings: Settings, resources: Resources, retriever: Retriever,
                 chat_model: BaseChatModel | None = None) -> None:
        self.settings, self.resources, self.retriever = settings, resources, retriever
        self._by_id = {p.id: p for p in resources.practices}
        self._models: dict[str, BaseChatModel] = {}
        self._injected_model = chat_model

    @classmethod
    def load(cls, settings: Settings, *, chat_model: BaseChatModel | None = None) -> Coach:
        """Load the resources and the index; build the embedded index on first use."""
        resources = Resources.load(settings)
        collection = open_collection(settings)
        if collection.count() == 0:
            build_index(settings)
        return cls(settings, resources, Retriever(collection), chat_model)

    @property
    def practices(self) -> list[Practice]:
        return self.resources.practices

    @property
    def policy(self) -> Policy:
        return self.resources.policy

    # -- retrieval -------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> list[tuple[Practice, float]]:
        """Practices for a free-text query (the Knowledge page)."""
        hits = self.retriever.search(query, k, kind="practice")
        return [(self._by_id[h.key], h.score) for h in hits if h.key in self._by_id]

    def _query(self, transcript: Transcript) -> tuple[str, ...]:
        """The last two customer turns: what the practices are looked up for."""
        return tuple(t.text for t in transcript.turns if t.role == Role.customer)[-2:]

    def _grounding(self, moment: Moment, hits: list[Hit]) -> None:
        """The top retrieved practices and documents, plus the best-ranked practice of the
        planned stage when none of the top ones is (the reply must be grounded in its stage)."""
        k = self.settings.retrieval_k
        moment.practices = [self._by_id[h.key] for h in hits[:k] if h.key in self._by_id]
        moment.documents = [h.text for h in hits[:k] if h.kind == "document"]
        if any(p.stage == moment.stage for p in moment.practices):
            return
        ranked = [self._by_id[h.key] for h in hits[k:] if h.key in self._by_id]
        fallback = [p for p in self.practices if p.stage == moment.stage]
        extra = next((p for p in ranked if p.stage == moment.stage), None) or next(
            iter(fallback), None)
        if extra:
            moment.practices.append(extra)

    # -- the moment ------------------------------------------------------------------------
    def prepare(self, transcript: Transcript, backend: str = RULES,
                until: float | None = None) -> Moment:
        """Assessment, policy decision, planned stage and grounding for this conversation.
        With a model backend the model reads first (by `until`, a monotonic deadline, at the
        latest); the trained reader is the fallback."""
        if not transcript.customer_turns():
            raise InputError(f"{transcript.id}: the conversation has no customer message yet")
        assessment, flags = assess(transcript, self.resources.lexicon,
                                   reader=self.resources.reader), []
        if backend != RULES and self.settings.model_reads:
            assessment, flag = self._model_read(transcript, assessment, backend, until)
            flags.append(flag)
        assessment = corrected(assessment, transcript.context)  # the agent outranks
        compensation = self.policy.decide(transcript, assessment)
        moment = Moment(transcript, assessment, compensation,
                        plan_stage(assessment, compensation), [], flags=flags)
        if assessment.injection_suspected:
            moment.flags.append(INJECTION_FLAG)
        hits = self.retriever.search(self._query(transcript), self.settings.retrieval_k + 12,
                                     stage=moment.stage, steps_done=assessment.steps_done)
        self._grounding(moment, hits)
        return moment

    def read(self, transcript: Transcript) -> Assessment:
        """What the conversation says now, as the reader sees it, with the agent's corrections:
        no model and no retrieval, cheap enough for every redraw of the panel."""
        return corrected(assess(transcript, self.resources.lexicon,
                                reader=self.resources.reader), transcript.context)

    def _suggestion(self, moment: Moment, reply: str, backend: str, started: float,
                    practice_ids: list[str] | None = None) -> Suggestion:
        lang = moment.assessment.language
        chosen = [p for p in moment.practices if not practice_ids or p.id in practice_ids]
        refs = [p.ref(lang) for p in chosen or moment.practices]
        refs += [PracticeRef(id=f"doc:{n}", title=d.splitlines()[0][:80], source="company")
                 for n, d in enumerate(moment.documents)]
        return Suggestion(reply=reply, language=lang, compensation=moment.compensation,
                          practices=refs, assessment=moment.assessment, flags=list(moment.flags),
                          backend=backend_label(backend), stage=moment.stage,
                          latency_ms=round((time.perf_counter() - started) * 1000),
                          actions=agent_actions(moment.compensation, reply))

    def _rules(self, moment: Moment, started: float) -> Suggestion:
        composed = compose_reply(moment, self.resources.phrasing)
        findings = critique_reply(composed.text, moment.assessment, moment.compensation,
                                  stage=moment.stage, lexicon=self.resources.lexicon)
        moment.flags += [f"{RULES_GUARD_FLAG}: {finding.message}" for finding in findings]
        # The meaning checks model replies pass too: a composer bug must show, never pass.
        moment.flags += [f"critic: {problem[:200]}" for problem in meaning_problems(
            composed.text, moment.assessment.language, moment.compensation,
            lexicon=self.resources.lexicon)]
        suggestion = self._suggestion(moment, composed.text, RULES, started,
                                      composed.used_practices)
        suggestion.alternatives = compose_alternatives(moment, composed, self.resources.phrasing)
        return suggestion

    def _fallback(self, moment: Moment, started: float, reason: str) -> Suggestion:
        moment.flags += ["llm_fallback", f"llm_problem: {reason[:300]}"]
        return self._rules(moment, started)

    def _model_read(self, transcript: Transcript, assessment: Assessment, backend: str,
                    until: float | None) -> tuple[Assessment, str]:
        from assistant.llm.reading import READ_FALLBACK_FLAG, read_with_model

        try:
            BREAKER.check(self._endpoint(backend))  # a skipped endpoint is not asked to read
            model = self._writer(backend).model
        except ConfigError:
            raise
        except Exception:  # an unusable model: the trained reading stands
            return assessment, READ_FALLBACK_FLAG
        deadline = self.settings.suggestion_deadline_s * self.settings.model_read_share
        if until is not None:  # the reading's share of what is left of the suggestion's time
            deadline = min(deadline, max(0.0, until - time.monotonic()))
        return read_with_model(model, transcript, assessment, deadline,
                               self.resources.prompts_dir, self.settings.redact_pii)

    # -- backends --------------------------------------------------------------------------
    def _writer(self, backend: str) -> ReplyWriter:
        from assistant.llm.chat import chat_model
        from assistant.llm.writer import ReplyWriter

        if backend not in self._models:
            self._models[backend] = self._injected_model or chat_model(self.settings, backend)
        return ReplyWriter(self._models[backend], self.settings.suggestion_deadline_s,
                           self.resources, redact_pii=self.settings.redact_pii)

    def _open_writer(self, backend: str) -> tuple[ReplyWriter | None, str | None]:
        """The model's writer (loading LangChain once), or why it cannot write: a model that
        cannot run here (assistant.llm.local_smoke) leaves the reply to the rules composer."""
        if backend == RULES:
            return None, None
        try:
            return self._writer(backend), None
        except ConfigError:
            raise
        except Exception as exc:
            return None, _failure(exc, self._endpoint(backend))

    def warm_up(self, backend: str | None = None) -> None:
        """Load the embedding model and the backend's model client now, so the first
        suggestion's deadline is spent on the model, not on imports. A backend that cannot
        load says so in the first suggestion (its fallback cause)."""
        self.retriever.search("warm up", 1)
        self._open_writer(self._backend(backend))

    def _until(self, asked_at: float | None = None, reserve_s: float = 0.0) -> float:
        """The deadline of a suggestion, counted from the moment it was asked for (`asked_at`,
        time.monotonic(), e.g. when the agent pressed Enter), else from now; `reserve_s` is kept
        back for whoever shows the reply (never more than half the deadline)."""
        deadline = self.settings.suggestion_deadline_s
        start = time.monotonic() if asked_at is None else asked_at
        return start + deadline - min(max(reserve_s, 0.0), deadline / 2)

    def _endpoint(self, backend: str) -> str:
        """The name the circuit breaker knows this backend's endpoint by."""
        if backend == "openai":
            return self.settings.openai_base_url or "api.openai.com"
        return backend

    def _backend(self, backend: str | None) -> str:
        return get_backend(backend or self.settings.backend).name

    def _from_draft(self, moment: Moment, draft: Draft, backend: str, started: float
                    ) -> Suggestion:
        if draft.reply is None:
            return self._fallback(moment, started, "; ".join(draft.problems))
        if draft.repaired:
            moment.flags.append("llm_repaired")
        return self._suggestion(moment, draft.reply, backend, started, draft.practice_ids)

    def suggest(self, transcript: Transcript, *, backend: str | None = None) -> Suggestion:
        """The next reply and offer; model failures fall back to the rules composer."""
        started = time.perf_counter()
        backend, until = self._backend(backend), self._until()  # the agent's clock starts now
        writer, problem = self._open_writer(backend)
        moment = self.prepare(transcript, backend if writer is not None else RULES, until)
        if writer is None:
            return self._fallback(moment, started, problem) if problem else self._rules(
                moment, started)
        endpoint = self._endpoint(backend)
        try:
            BREAKER.check(endpoint)
            draft = writer.write(moment, until)
        except ConfigError:
            raise
        except Exception as exc:  # a model or network failure must not reach the agent
            return self._fallback(moment, started, _failure(exc, endpoint))
        BREAKER.record(endpoint, ok=True)
        return self._from_draft(moment, draft, backend, started)

    def stream(self, transcript: Transcript, *, backend: str | None = None,
               asked_at: float | None = None, reserve_s: float = 0.0
               ) -> Iterator[str | Suggestion]:
        """Reply text as the model writes it, then the final Suggestion (always last), all
        within the deadline less `reserve_s`, the time the caller needs to show it."""
        started = time.perf_counter()
        backend, until = self._backend(backend), self._until(asked_at, reserve_s)
        writer, problem = self._open_writer(backend)
        moment = self.prepare(transcript, backend if writer is not None else RULES, until)
        if writer is None:
            yield self._fallback(moment, started, problem) if problem else self._rules(
                moment, started)
            return
        endpoint = self._endpoint(backend)
        try:
            BREAKER.check(endpoint)
            for item in writer.stream(moment, until):
                if not isinstance(item, str):
                    BREAKER.record(endpoint, ok=True)
                    yield self._from_draft(moment, item, backend, started)
                    return
                yield item
        except ConfigError:
            raise
        except Exception as exc:
            yield self._fallback(moment, started, _failure(exc, endpoint))


def _failure(exc: Exception, endpoint: str) -> str:
    """One line saying what went wrong with the model, for the flags; a failure of the
    endpoint itself counts towards opening its circuit."""
    if not isinstance(exc, CircuitOpen):
        BREAKER.record(endpoint, ok=False)
    if isinstance(exc, CoachError | CircuitOpen):
        return str(exc)
    return f"{type(exc).__name__}: {exc}".splitlines()[0]

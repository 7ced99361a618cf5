"""The `rules` backend: the next reply, composed without a model, in the customer's language.

The stage is planned in assistant.moment and the moves in compose/moves (name the specific
problem, apologize with ownership, ask one question, state the policy's remedy and gesture,
assure, give a next step); `compose_reply` says each move and keeps the reply within its
channel's budget, the offer before a long quote. Each sentence comes from the retrieved
practices' `do` phrases when one fits, else from knowledge/phrasing.yaml, so the reply is the
playbook's, and variants are chosen by a hash of the conversation: replies differ, tests stay
reproducible.

Customer text is untrusted: a reply quotes only the cleaned span of what hurts (compose/voice)
and a duration such as "two hours", re-written in the phrasing file's own words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field

from assistant.compose.avoid import Avoided, claims_in
from assistant.compose.avoid import dont_patterns as _dont_patterns
from assistant.compose.avoid import without_name as _without_name
from assistant.compose.budget import GREETING_ROOM, over, sentences, trim
from assistant.compose.context import Context
from assistant.compose.fields import (
    clean_gesture,
    clean_name,
    clean_product,
    first_name,
    in_script,
)
from assistant.compose.moves import plan_moves
from assistant.compose.phrasing import Phrasing, format_money, placeholders
from assistant.knowledge.practices import Practice
from assistant.models import NEEDS_AMOUNT, IssueType, Stage
from assistant.moment import Moment
from assistant.read.textnorm import normalize as _fold


class ComposedReply(BaseModel):
    """The reply, the stage it reaches, the practices whose phrases it uses and its moves."""

    text: str
    stage: Stage
    used_practices: list[str] = Field(default_factory=list)
    moves: list[str] = Field(default_factory=list)
    # The sentences by move (after trimming, before the greeting) and the remedy without the
    # gesture: the shorter alternatives are cut from these, with no second composing.
    parts: list[tuple[str, str]] = Field(default_factory=list)
    plain_remedy: str | None = None


SHORT_QUOTE = 6  # words of the customer's quoted when the offer would not fit beside more
# Which playbook stage can supply each move's sentence. Only stages whose phrases speak of
# empathy, ownership, questions and commitments: `compensate`/`resolve` phrases name remedies the
# policy may not have decided, `follow_up`/`learn`/`respond` ones belong to other moments.
_PLAYBOOK_STAGE = {
    "acknowledge": Stage.acknowledge, "apology": Stage.apologize, "question": Stage.diagnose,
    "listen": Stage.listen, "listen_question": Stage.listen, "explain": Stage.explain,
    "assure": Stage.assure,
}
_QUESTIONS = frozenset({"question", "listen_question", "safety_check", "open_question"})
class _Writer:
    """Chooses each sentence: a fitting playbook phrase first, else a phrasing-file variant."""

    def __init__(self, moment: Context, practices: Sequence[Practice], seed: str,
                 rank: int | None = None) -> None:
        # `rank` 0: each sentence's shortest fitting wording, 1: the next shortest (a reply
        # that would not fit its channel says everything briefly before anything is left out;
        # a reworded one differs); None: the wordings take turns by the conversation's hash.
        self.m, self.practices, self.seed, self.rank = moment, practices, seed, rank
        avoid = _dont_patterns(practices, moment.lang)
        if moment.a.company_at_fault is not True:  # no admission of a fault not established
            avoid += [[_fold(x)] for x in moment.words.fault_markers]
        if moment.a.company_at_fault is False:
            avoid += [[_fold(x)] for x in moment.words.apology_markers]
        if moment.upset or not moment.first_reply:  # thanks would read as dismissive
            avoid += [[_fold(x)] for x in moment.words.dismissive_thanks]
        markers = tuple(moment.words.claim_markers)  # nothing not done is claimed done
        made = {x for t in moment.transcript.agent_turns() for x in claims_in(t.text, markers)}
        avoid += [[_fold(x)] for x in markers if x not in made]
        self.avoided = Avoided(avoid)
        self.used: dict[str, str] = {}
        # The name is said once: by the greeting of a first reply, else by one playbook phrase.
        self.name_used = bool(moment.name) and moment.first_reply
        self.problem_said = False

    @property
    def short(self) -> bool:
        return self.rank is not None

    def _index(self, slot: str, size: int) -> int:
        digest = hashlib.sha256(f"{self.seed}\x1f{slot}".encode()).digest()
        return int.from_bytes(digest[:4], "big") % size

    def harmful(self, text: str) -> bool:
        return self.avoided.said_in(text)

    def pick(self, slot: str, variants: Sequence[str], **values: str) -> str | None:
        """One variant (rotated by the conversation's hash) that fills and harms nobody."""
        usable = [v for v in variants if placeholders(v) <= values.keys()]
        if not usable:
            return None
        start = self._index(slot, len(usable))
        texts = [t.format(**values) for t in usable[start:] + usable[:start]]
        fitting = [text for text in texts if not self.harmful(text)]
        if not fitting:
            return None
        return self._ranked(fitting, len) if self.short else fitting[0]

    def _ranked(self, options: list, size: Callable) -> Any:
        """The option of the writer's rank when sorted by `size` (0: the shortest)."""
        ranked = sorted(options, key=size)
        return ranked[min(self.rank or 0, len(ranked) - 1)]

    def playbook(self, move: str) -> str | None:
        """A retrieved practice's `do` phrase for this move's stage, if one fits here."""
        stage = _PLAYBOOK_STAGE.get(move)
        if stage is None or (move == "explain" and self.m.a.company_at_fault is not True):
            return None
        use_name = bool(self.m.name) and not self.name_used
        for practice in self.practices:
            if practice.stage != stage or practice.id in self.used.values():
                continue
            if practice.issue_types and self.m.a.acted_issue not in practice.issue_types:
                continue
            specific = bool(practice.issue_types)
            fitting = [(raw, text) for raw in getattr(practice.do, self.m.lang)
                       if (text := self._fill(raw, move, specific, use_name))]
            if fitting:
                raw, text = (self._ranked(fitting, lambda f: len(f[1])) if self.short
                             else fitting[self._index(practice.id, len(fitting))])
                self.used[move] = practice.id
                self.name_used |= use_name and "{name}" in raw
                self.problem_said |= "{problem}" in raw
                return text
        return None

    def _fill(self, raw: str, move: str, specific: bool, use_name: bool) -> str | None:
        """The phrase with {name}/{problem} filled, or None when it does not fit this move."""
        if "{name}" in raw and not use_name:
            raw = _without_name(raw)
        if raw is None or (move == "acknowledge" and "{problem}" not in raw) or (
                move == "question" and "{problem}" not in raw and not specific):
            return None
        problem = self.m.noun if self.problem_said else self.m.problem
        text = raw.replace("{name}", self.m.name or "").replace("{problem}", problem)
        asks = text.count("?") + text.count("؟")
        if asks != (1 if move in _QUESTIONS else 0) or re.search(r"\d", text):
            return None
        longest = 2 if move in _QUESTIONS else 1  # a question may come with its reason
        if len(text) > 240 or len(sentences(text)) > longest or not in_script(text, self.m.lang):
            return None
        return None if self.harmful(text) else text


def _attach(lead: str, sentence: str, lang: str) -> str:
    """`lead` + sentence, lower-casing an English sentence start ("Hi Dana, thank you...")."""
    if lang == "en" and not re.match(r"I\b|I'", sentence):
        sentence = sentence[:1].lower() + sentence[1:]
    return f"{lead} {sentence}"


# --- each move's sentence -----------------------------------------------------------------------


def _remedy(w: _Writer) -> str | None:
    """The policy's remedy, exactly: its amount, or a request for approval when one is needed."""
    m = w.m
    remedy = m.words.remedies[m.comp.kind]
    values = {"product": m.product} if m.product else {}
    if m.comp.amount:
        values["amount"] = format_money(m.comp.amount, m.comp.currency, m.lang, m.phrasing)
    traced = _baggage_words(m, remedy.baggage or [], "amount" in values)
    if not m.comp.amount and m.comp.kind in NEEDS_AMOUNT and not traced:
        return None
    if m.comp.requires_approval:
        offer = remedy.offer_amount if "amount" in values else remedy.offer_plain
        return w.pick("approval", m.words.approval, offer=offer.format(**values))
    variants = traced or (remedy.amount if "amount" in values else remedy.plain)
    sentence = w.pick("remedy", variants, **values)
    if sentence and m.a.company_at_fault is False:
        sentence = _attach(m.words.goodwill, sentence, m.lang)
    return sentence


def _baggage_words(m: Context, variants: Sequence[str], with_amount: bool) -> list[str]:
    """For baggage lost in our hands, the remedy's words that say it is traced: with the
    amount when there is one, else the trace alone (the agent sets the sum)."""
    if m.a.facts.purchase != "baggage" or m.a.remedy_issue != IssueType.lost_item:
        return []
    return [v for v in variants if ("amount" in placeholders(v)) == with_amount]


def _glue(w: _Writer, move: str) -> str | None:
    """The phrasing file's sentence for a move."""
    m, words = w.m, w.m.words
    fault = {True: "at_fault", None: "unknown", False: "not_at_fault"}[m.a.company_at_fault]
    issue = words.issues[m.a.acted_issue]
    product = {"product": m.product} if m.product else {}
    slots: dict[str, tuple[Sequence[str], dict[str, str]]] = {
        "acknowledge": ((_harm_acknowledgements(w), {"harm": m.harm}) if m.harm
                        else (getattr(words.acknowledge, m.tone), {"problem": m.problem})),
        "recap": (words.recap, {"problem": m.problem}),
        "apology": (getattr(words.apology, fault if fault != "not_at_fault" else "unknown"), {}),
        "question": (issue.question, product),
        "explain": (getattr(words.explain, fault), {}),
        "gesture": (words.gesture, {"gesture": m.gesture or ""}),
        "assure": (words.assure, {"noun": issue.noun}),
        "also": (words.also, {"noun": words.issues[m.a.second_problem or IssueType.other].noun}),
        "after_remedy": (words.next_step.after_remedy, {}),
        "follow_up": (words.next_step.follow_up, {}),
        "assure+follow_up": (words.next_step.assured, {}),
        "safety_next": (words.next_step.safety, {}),
        "safety_check": (words.safety.check, {}),
        "precaution": (words.safety.precaution, {}),
        "medical": (words.safety.medical, {}),
    }
    variants, values = slots.get(move) or (getattr(words, move), {})
    text = w.pick(move, variants, **values)
    if text is None and move in ("acknowledge", "recap"):  # the problem is always named
        values = {"problem": m.problem}
        every = [v for tone in words.acknowledge.model_dump().values() for v in tone]
        text = w.pick(move, every, **values)
    w.problem_said |= move in ("acknowledge", "recap") and text is not None
    return text


def _harm_acknowledgements(w: _Writer) -> list[str]:
    """The tone's wordings; a short reply may also take a brief one (the quote is the listening)."""
    words = w.m.words.acknowledge_harm
    if w.m.harm_quoted:
        return words.quoted
    tone = getattr(words, w.m.tone)
    return [*tone, *words.brief] if w.short and w.m.tone != "not_at_fault" else tone


def _say(w: _Writer, move: str) -> str | None:
    if move == "remedy":
        return _remedy(w)
    if move == "acknowledge" and w.m.harm:  # the customer's words, not a playbook paraphrase
        return _glue(w, move)
    played = w.playbook(move)
    if played is None or not w.short:
        return played or _glue(w, move)
    glued = _glue(w, move)  # a short reply takes the shorter of the two
    if glued is None or len(played) <= len(glued):
        return played
    w.used.pop(move, None)
    return glued


def _offer_in_one_sentence(w: _Writer, said: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The remedy and the personal gesture are one offer: said in one sentence they read as
    one, and a short reply keeps room for the assurance and the next step."""
    moves = [move for move, _ in said]
    if "remedy" not in moves or "gesture" not in moves:
        return said
    clause = w.pick("gesture_after_remedy", w.m.words.gesture_after_remedy,
                    gesture=w.m.gesture or "")
    if clause is None:
        return said
    i = moves.index("remedy")
    said[i] = ("remedy+gesture", said[i][1].rstrip(".") + clause)
    return [(move, text) for move, text in said if move != "gesture"]


def _finish(m: Context, w: _Writer, said: list[tuple[str, str]]) -> str:
    """Join the sentences; a first reply greets by name, a later one names the customer once."""
    sentences = [text for _, text in said]
    named = m.name and any(m.name in s for s in sentences)
    if sentences and m.name and (m.first_reply or not named):
        variants = m.words.greeting.first if m.first_reply else m.words.greeting.later
        greeting = w.pick("greeting", variants, name=m.name)
        if greeting and not over([("", greeting), *said], m.transcript.channel, room=0):
            sentences[0] = _attach(greeting, sentences[0], m.lang)
    if m.lang == "en":
        sentences = [s[:1].upper() + s[1:] for s in sentences]
    return re.sub(r"…\.", "…", " ".join(sentences))


def _write(m: Context, writer: _Writer
           ) -> tuple[_Writer, list[tuple[str, str]], str | None]:
    """Every planned move's sentence, untrimmed, and the remedy without its gesture."""
    said = [(move, text) for move in plan_moves(m) if (text := _say(writer, move))]
    if len(said) < 4 and (closing := _say(writer, "closing")):
        said.append(("closing", closing))
    plain_remedy = next((t for move, t in said if move == "remedy"), None)
    return writer, _offer_in_one_sentence(writer, said), plain_remedy


def compose_reply(moment: Moment, phrasing: Phrasing, *, seed: str = "") -> ComposedReply:
    """The next reply for `moment` (its planned stage, its grounding practices), in the
    customer's language, built from the playbook and the policy. `seed` rotates the wording
    (a reworded alternative)."""
    transcript, assessment, compensation = moment.transcript, moment.assessment, moment.compensation
    lang = assessment.language
    context = Context(
        transcript, assessment, compensation, moment.stage, phrasing,
        name=first_name(clean_name(transcript.customer.name, phrasing), lang, phrasing),
        product=clean_product(transcript.context.get("product"), lang, phrasing),
        gesture=clean_gesture(compensation.gesture, lang),
        steps=set(assessment.steps_done),
    )
    rank = 1 if seed else 0  # a reworded reply takes the next shortest wordings
    seed = f"{transcript.id}\x1f{len(transcript.turns)}{seed}"
    room = GREETING_ROOM if context.name else 0  # words kept for "Hi Dana," when it may come
    writer, said, plain_remedy = _write(context, _Writer(context, moment.practices, seed))
    if over(said, transcript.channel, room):
        writer, said, plain_remedy = _write(context, _Writer(context, moment.practices, seed,
                                                            rank=rank))
    said = trim(said, transcript.channel, plain_remedy, room)
    if plain_remedy and not any(move.startswith("remedy") for move, _ in said) and context.harm:
        # The offer did not fit beside the customer's words: quote fewer of them (a public
        # reply has 280 characters, and what we will do matters more than a long quote).
        context = replace(context, quote_words=SHORT_QUOTE)
        writer, said, plain_remedy = _write(context, _Writer(context, moment.practices, seed,
                                                            rank=rank))
        said = trim(said, transcript.channel, plain_remedy, room)
    moves = [part for move, _ in said for part in move.split("+")]
    return ComposedReply(text=_finish(context, writer, said), stage=context.stage, moves=moves,
                         used_practices=[writer.used[m] for m in moves if m in writer.used],
                         parts=list(said), plain_remedy=plain_remedy)

